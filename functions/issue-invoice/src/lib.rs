//! The finance API: customers, invoices, payments, disputes, history.
//! One axum router, served by `lambda_http` in Lambda and as a plain HTTP
//! server locally. Handlers parse, call one use case, map the result.

mod body;
mod error;
mod routes;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use chrono::{DateTime, NaiveDate, Utc};
use relance::delivery::Deliverer;
use relance::domain::{Actor, Seller};
use relance::mail::SesMailer;
use relance::store::Store;

pub use error::ApiError;

/// Reads the time. Only the edge reads the wall clock; tests pass another.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Where the caller's identity comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    /// The IAM principal API Gateway authenticated (deployed).
    Iam,
    /// The `X-Relance-Actor` header (local server, tests): nothing
    /// authenticates it, so it is never trusted in Lambda.
    Header,
}

pub struct AppState {
    pub store: Store,
    pub deliverer: Deliverer<SesMailer>,
    pub seller: Seller,
    pub invoice_series: String,
    pub issue_gate: relance::invoicing::IssueGate,
    pub policy: relance::domain::dunning::Policy,
    pub clock: Clock,
    pub identity: Identity,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// The business date: invoices are dated in Paris time.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&chrono_tz::Europe::Paris).date_naive()
    }

    fn actor(&self, parts: &axum::http::request::Parts) -> Result<Actor, ApiError> {
        match self.identity {
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
                        axum::http::StatusCode::UNAUTHORIZED,
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

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/customers/{id}", put(routes::put_customer).get(routes::get_customer))
        .route("/customers/{id}/history", get(routes::history))
        .route("/invoices", post(routes::issue_invoice))
        .route("/customers/{id}/invoices/{number}", get(routes::get_invoice))
        .route(
            "/customers/{id}/invoices/{number}/payments",
            post(routes::record_payment),
        )
        .route("/customers/{id}/invoices/{number}/disputes", post(routes::open_dispute))
        .route(
            "/customers/{id}/invoices/{number}/disputes/settle",
            post(routes::settle_dispute),
        )
        .route(
            "/customers/{id}/invoices/{number}/promise",
            post(routes::promise_to_pay),
        )
        .route("/customers/{id}/invoices/{number}/plan", post(routes::payment_plan))
        .route("/customers/{id}/replies", post(routes::person_replied))
        .route("/reminders/preview", get(routes::preview_reminders))
        .route("/deliveries/retry", post(routes::retry_deliveries))
        .fallback(routes::not_found)
        .layer(DefaultBodyLimit::max(body::MAX_BODY))
        .with_state(state)
}
