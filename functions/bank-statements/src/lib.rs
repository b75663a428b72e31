//! Bank statements in: the two formats French banks export — ISO 20022
//! camt.053 (`camt.rs`) and CFONB 120 (`cfonb.rs`) — read into relance's
//! statement, and the finance API's bank routes (`routes.rs`).

pub mod amount;
pub mod camt;
pub mod cfonb;
pub mod error;
mod routes;

use std::io::BufRead;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
pub use error::FileError;
pub use finance_http::{Clock, Identity};
use relance::delivery::Deliverer;
use relance::domain::bank::{Iban, Statement};
use relance::mail::SesMailer;
use relance::store::Store;

/// The largest statement the API takes in one request (API Gateway's own
/// limit); larger ones go through the statements bucket.
pub const MAX_STATEMENT: usize = 10 * 1024 * 1024;

pub struct AppState {
    pub store: Store,
    /// Sends the thank-yous of invoices settled by an import at once.
    pub deliverer: Deliverer<SesMailer>,
    /// The company's account: a statement of any other is refused.
    pub account: Iban,
    pub payout_names: Vec<String>,
    pub clock: Clock,
    pub identity: Identity,
}

/// Why a statement file was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Unreadable, or not the company's account: nothing was recorded.
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Bank(#[from] relance::bank::BankError),
}

/// Everything one statement file goes through, whichever way it came
/// (the API, the statements bucket): read, checked against the company's
/// account, imported, logged, and the thank-yous it settled sent now.
pub async fn import_file(
    store: &Store,
    deliverer: &Deliverer<SesMailer>,
    file: &[u8],
    account: &Iban,
    payout_names: &[String],
    ctx: relance::context::Call<'_>,
) -> Result<relance::bank::ImportSummary, ImportError> {
    let mut statements = read(file)?;
    relance::bank::accept(&mut statements, account)?;
    let (summary, thanks) = relance::bank::import(store, &statements, account, payout_names, ctx).await?;
    tracing::info!(
        entries = summary.entries,
        applied = summary.applied,
        review = summary.review,
        ignored = summary.ignored,
        already_imported = summary.already_imported,
        "bank statement imported"
    );
    for message in thanks {
        deliverer.deliver_now(Some(message), ctx.now).await;
    }
    Ok(summary)
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/bank-statements",
            post(routes::import).layer(DefaultBodyLimit::max(MAX_STATEMENT)),
        )
        .route("/bank-entries/review", get(routes::review))
        .route("/bank-entries/{id}", get(routes::entry))
        .route(
            "/bank-entries/{id}/assignment",
            post(routes::assign).layer(axum::middleware::from_fn(finance_http::media::json_only)),
        )
        .fallback(routes::not_found)
        .route_layer(axum::middleware::from_fn(finance_http::trace::request_span))
        .layer(DefaultBodyLimit::max(finance_http::MAX_BODY))
        .with_state(state)
}

/// Reads a statement file, whichever of the two formats it is: an XML
/// document is read as camt.053, 120-character records as CFONB 120;
/// anything else is refused.
pub fn read(mut input: impl BufRead) -> Result<Vec<Statement>, FileError> {
    let start = input
        .fill_buf()
        .map_err(|e| FileError::new("the file", e.to_string()))?;
    // Skip a byte-order mark and blank space to see what the file is.
    let head: Vec<u8> = start
        .iter()
        .copied()
        .skip_while(|b| b.is_ascii_whitespace() || *b >= 0xEF)
        .take(2)
        .collect();
    match head.as_slice() {
        [b'<', _] => camt::read(input),
        [b'0', b'1'] => cfonb::read(input),
        [] => Err(FileError::new("the file", "is empty")),
        _ => Err(FileError::new(
            "the file",
            "is neither a camt.053 statement (XML) nor a CFONB 120 statement (120-character records starting with 01)",
        )),
    }
}
