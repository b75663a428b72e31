//! The credit-note API: finance quotes a goodwill gesture, grants it (or
//! asks a second person to approve it), cancels a request, lists a
//! customer's credits and reads the month's and year's spending; and
//! corrects an issued invoice by a credit note (in full, by lines, by an
//! amount). One axum router,
//! served by `lambda_http` in Lambda and as a plain server locally.
//!
//! It sends no email: a granted credit's email carries its credit note, so
//! the archive sends it once the note is stored (`archive-documents`).

mod routes;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use relance::context::Call;
use relance::context::IssueGate;
use relance::credits::CreditContext;
use relance::domain::goodwill::GoodwillPolicy;
use relance::domain::{Actor, Seller};
use relance::store::Store;

pub use finance_http::{ApiError, Clock, Identity};

pub struct AppState {
    pub store: Store,
    pub seller: Seller,
    pub policy: GoodwillPolicy,
    /// The credit-note series prefix (`AV`): the year is appended.
    pub series: String,
    pub gate: IssueGate,
    pub clock: Clock,
    pub identity: Identity,
}

impl AppState {
    fn context(&self) -> CreditContext<'_> {
        CreditContext {
            store: &self.store,
            policy: &self.policy,
            gate: &self.gate,
            seller: &self.seller,
            series_prefix: &self.series,
        }
    }

    /// Who calls (checked first) and when.
    fn call<'a>(&self, actor: &'a Actor) -> Call<'a> {
        Call::at(actor, (self.clock)())
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/customers/{id}/credits", post(routes::grant).get(routes::list))
        .route("/customers/{id}/credits/quote", post(routes::quote))
        .route("/customers/{id}/credits/{credit}", get(routes::get_one))
        .route("/customers/{id}/credits/{credit}/approve", post(routes::approve))
        .route("/customers/{id}/credits/{credit}/cancel", post(routes::cancel))
        .route("/credits/portfolio", get(routes::portfolio))
        .route("/customers/{id}/invoices/{number}/credit-notes", post(routes::correct))
        .fallback(routes::not_found)
        .route_layer(axum::middleware::from_fn(finance_http::media::json_only))
        .route_layer(axum::middleware::from_fn(finance_http::trace::request_span))
        .layer(DefaultBodyLimit::max(finance_http::MAX_BODY))
        .with_state(state)
}
