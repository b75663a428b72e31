//! The finance API: customers, invoices, payments, disputes, history.
//! One axum router, served by `lambda_http` in Lambda and as a plain HTTP
//! server locally. Handlers parse, call one use case, map the result.

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

pub use finance_http::{ApiError, Clock, Identity};

pub struct AppState {
    pub store: Store,
    pub deliverer: Deliverer<SesMailer>,
    pub seller: Seller,
    pub invoice_series: String,
    pub issue_gate: relance::context::IssueGate,
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
        finance_http::today(now)
    }

    fn actor(&self, parts: &axum::http::request::Parts) -> Result<Actor, ApiError> {
        self.identity.actor(parts)
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
        .route(
            "/customers/{id}/invoices/{number}/statuses",
            post(routes::platform_status),
        )
        .route("/customers/{id}/invoices/{number}/take-over", post(routes::take_over))
        .route("/customers/{id}/replies", post(routes::person_replied))
        .route("/customers/{id}/links/revoke", post(routes::revoke_links))
        .route("/reminders/preview", get(routes::preview_reminders))
        .route("/todo", get(routes::todo))
        .route("/receivables", get(routes::receivables))
        .route("/balance", get(routes::balance))
        .route("/deliveries/retry", post(routes::retry_deliveries))
        .fallback(routes::not_found)
        .route_layer(axum::middleware::from_fn(finance_http::media::json_only))
        .route_layer(axum::middleware::from_fn(finance_http::trace::request_span))
        .layer(DefaultBodyLimit::max(finance_http::MAX_BODY))
        .with_state(state)
}
