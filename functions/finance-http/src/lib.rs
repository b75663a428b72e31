//! What the finance HTTP functions share: one mapping from failures to
//! answers, request bodies decoded with the failing field's path, and who
//! the caller is.

mod body;
mod error;

use std::sync::Arc;

use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{DateTime, NaiveDate, Utc};
use relance::domain::Actor;

pub use body::{MAX_BODY, Parsed, parse};
pub use error::ApiError;

/// Reads the time. Only the edge reads the wall clock; tests pass another.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The business date: relance dates documents in Paris time.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&chrono_tz::Europe::Paris).date_naive()
}

/// Where the caller's identity comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    /// The IAM principal API Gateway authenticated (deployed).
    Iam,
    /// The `X-Relance-Actor` header (local server, tests): nothing
    /// authenticates it, so it is never trusted in Lambda.
    Header,
}

impl Identity {
    pub fn actor(self, parts: &Parts) -> Result<Actor, ApiError> {
        match self {
            Identity::Iam => {
                use lambda_http::request::RequestContext;
                let arn = parts.extensions.get::<RequestContext>().and_then(|ctx| match ctx {
                    RequestContext::ApiGatewayV2(v2) => v2
                        .authorizer
                        .as_ref()
                        .and_then(|a| a.iam.as_ref())
                        .and_then(|iam| iam.user_arn.clone()),
                    _ => None,
                });
                arn.map(Actor).ok_or_else(|| {
                    ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "unauthenticated",
                        "requests must be IAM-signed",
                    )
                })
            }
            Identity::Header => Ok(Actor(
                parts
                    .headers
                    .get("x-relance-actor")
                    .and_then(|v| v.to_str().ok())
                    .filter(|v| !v.trim().is_empty() && v.len() <= 200)
                    .map_or_else(|| "local:finance".to_string(), |v| format!("local:{}", v.trim())),
            )),
        }
    }
}
