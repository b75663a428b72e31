//! The documents of the finance API: `GET` an issued invoice or a granted
//! credit note as its Factur-X PDF, as UN/CEFACT CII (the XML Factur-X
//! embeds) or as UBL 2.1; and a customer's export, everything relance
//! holds about them, for an access request. A function of its own, so the writers and the
//! embedded font weigh on no other function's size. Documents are rendered from the issued record, which
//! never changes: the same request always answers the same bytes.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use relance::domain::{CustomerId, InvoiceNumber};
use relance::store::Store;
use relance_documents::{Document, Syntax};

pub use finance_http::{ApiError, Identity};

pub struct AppState {
    pub store: Store,
    pub identity: Identity,
    /// When the export is recorded.
    pub clock: relance::context::Clock,
}

type Result<T> = std::result::Result<T, ApiError>;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/customers/{id}/invoices/{number}/documents/{format}", get(invoice))
        .route("/customers/{id}/credits/{credit}/documents/{format}", get(credit_note))
        .route("/customers/{id}/export", get(export))
        .route_layer(axum::middleware::from_fn(finance_http::trace::request_span))
        .with_state(state)
}

/// The formats a path may name.
#[derive(Debug, Clone, Copy)]
enum Format {
    /// The Factur-X PDF: the PDF/A-3 a person reads, the CII inside.
    Pdf,
    Xml(Syntax, &'static str),
}

/// The format a path names, or 422 naming `format`.
fn format(raw: &str) -> Result<Format> {
    match raw {
        "pdf" => Ok(Format::Pdf),
        "cii" => Ok(Format::Xml(Syntax::Cii, "cii")),
        "ubl" => Ok(Format::Xml(Syntax::Ubl, "ubl")),
        other => Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "format",
            format!("`{other}` is not a document format (pdf, cii or ubl)"),
        )),
    }
}

/// The document in `format`, as a download named after it.
fn answer(doc: &Document, format: Format) -> Result<Response> {
    match format {
        Format::Xml(syntax, suffix) => xml(doc, syntax, suffix),
        Format::Pdf => {
            let cii = doc.write(Syntax::Cii).map_err(|e| ApiError::internal(&e))?;
            let pdf = relance_documents::pdf::facturx(doc, &cii).map_err(|e| ApiError::internal(&e))?;
            download(pdf, "application/pdf", &format!("{}.pdf", doc.number))
        }
    }
}

fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Result<Response> {
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).map_err(|e| ApiError::internal(&e))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

fn customer_id(raw: &str) -> Result<CustomerId> {
    CustomerId::parse(raw).map_err(|reason| ApiError::field(StatusCode::BAD_REQUEST, "id", reason))
}

/// The XML as a download named after the document: `F2026-000001.cii.xml`.
fn xml(doc: &Document, syntax: Syntax, suffix: &str) -> Result<Response> {
    let bytes = doc.write(syntax).map_err(|e| ApiError::internal(&e))?;
    let name = format!("attachment; filename=\"{}.{suffix}.xml\"", doc.number);
    let disposition = HeaderValue::from_str(&name).map_err(|e| ApiError::internal(&e))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, serde::Deserialize)]
struct ExportQuery {
    limit: Option<i32>,
    cursor: Option<String>,
}

/// Everything relance holds about a customer (an access request), a page
/// at a time; the first page records the export in their history.
async fn export(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    query: std::result::Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
    parts: Parts,
) -> Result<Response> {
    let actor = state.identity.actor(&parts)?;
    let id = customer_id(&id)?;
    let Query(query) = query.map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "query", e.body_text()))?;
    let limit = query.limit.unwrap_or(500);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "limit",
            "must be between 1 and 1000",
        ));
    }
    if query
        .cursor
        .as_deref()
        .is_some_and(|c| !relance::store::valid_export_cursor(c))
    {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "cursor",
            "is not a cursor this API returned",
        ));
    }
    let page = relance::personal_data::export_page(
        &state.store,
        &id,
        &actor,
        (state.clock)(),
        (limit, query.cursor.as_deref()),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("customer"))?;
    Ok(axum::Json(page).into_response())
}

async fn invoice(
    State(state): State<Arc<AppState>>,
    Path((id, number, format)): Path<(String, String, String)>,
    parts: Parts,
) -> Result<Response> {
    state.identity.actor(&parts)?;
    let id = customer_id(&id)?;
    let number =
        InvoiceNumber::parse(&number).map_err(|reason| ApiError::field(StatusCode::BAD_REQUEST, "number", reason))?;
    let format = self::format(&format)?;
    let invoice = state
        .store
        .get_invoice(&id, &number)
        .await?
        .ok_or_else(|| ApiError::not_found("invoice"))?
        .value;
    answer(&Document::invoice(&invoice), format)
}

async fn credit_note(
    State(state): State<Arc<AppState>>,
    Path((id, credit, format)): Path<(String, String, String)>,
    parts: Parts,
) -> Result<Response> {
    state.identity.actor(&parts)?;
    let id = customer_id(&id)?;
    let format = self::format(&format)?;
    let credit = state
        .store
        .get_credit(&id, &credit)
        .await?
        .ok_or_else(|| ApiError::not_found("credit"))?
        .value;
    // A credit waiting for approval has no number yet: no document.
    let doc = Document::credit_note(&credit).ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "not_granted",
            "the credit is not granted yet: its credit note has no number",
        )
    })?;
    answer(&doc, format)
}
