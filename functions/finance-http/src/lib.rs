//! What the finance HTTP functions share: one mapping from failures to
//! answers, request bodies decoded with the failing field's path, and who
//! the caller is.

mod body;
mod error;
pub mod media;
pub mod trace;

use axum::Router;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use relance::domain::Actor;
use relance::invoicing::Answer;

pub use body::{MAX_BODY, Parsed, parse};
pub use error::ApiError;

pub use relance::context::Clock;

/// The business date: relance dates documents in Paris time.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    relance::domain::calendar::business_date(now)
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

/// An idempotent request's answer, marked when it is a replay.
pub fn answer(a: Answer) -> Response {
    let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK);
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], a.body).into_response();
    if a.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// Serves a router: through `lambda_http` in Lambda, otherwise as a plain
/// HTTP server on the address in `listen_var` (or `default`).
pub async fn serve(
    app: Router,
    in_lambda: bool,
    listen_var: &str,
    default: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if in_lambda {
        return lambda_http::run(app).await;
    }
    let addr = std::env::var(listen_var).unwrap_or_else(|_| default.to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!(%addr, "listening");
    axum::serve(listener, app).await?;
    Ok(())
}
