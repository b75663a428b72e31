use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use finance_http::{answer, parse};
use relance::credits::{CorrectionInput, CreditInput};
use relance::domain::{CustomerId, InvoiceNumber};
use relance::invoicing;
use serde::Deserialize;
use serde_json::json;

use crate::{ApiError, AppState};

type Result<T> = std::result::Result<T, ApiError>;

fn customer_id(raw: &str) -> Result<CustomerId> {
    CustomerId::parse(raw).map_err(|reason| ApiError::field(StatusCode::BAD_REQUEST, "id", reason))
}

/// Credit ids are ULIDs; anything else cannot name a credit.
fn credit_id(raw: &str) -> Result<String> {
    raw.parse::<ulid::Ulid>()
        .map(|u| u.to_string())
        .map_err(|_| ApiError::field(StatusCode::BAD_REQUEST, "credit", "is not a credit id"))
}

pub async fn quote(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let actor = state.identity.actor(&parts)?;
    let id = customer_id(&id)?;
    let input = parse::<CreditInput>(body)?.value;
    let quote = state.context().quote(&id, &input, &state.call(&actor)).await?;
    Ok(Json(quote).into_response())
}

pub async fn grant(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let actor = state.identity.actor(&parts)?;
    let id = customer_id(&id)?;
    let key = invoicing::parse_key(parts.headers.get("idempotency-key").and_then(|v| v.to_str().ok()))
        .map_err(|e| ApiError::from(e).with_status(StatusCode::BAD_REQUEST))?;
    let parsed = parse::<CreditInput>(body)?;
    let hash = invoicing::request_hash(&format!("POST /customers/{id}/credits"), &parsed.json);
    // The email is queued with the grant; the archive sends it with the
    // credit note attached.
    let (a, _queued) = state
        .context()
        .request(&id, &parsed.value, &key, &hash, &state.call(&actor))
        .await?;
    Ok(answer(a))
}

/// `POST /customers/{id}/invoices/{number}/credit-notes`: a corrective
/// credit note on an issued invoice.
pub async fn correct(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let actor = state.identity.actor(&parts)?;
    let id = customer_id(&id)?;
    let number =
        InvoiceNumber::parse(&number).map_err(|reason| ApiError::field(StatusCode::BAD_REQUEST, "number", reason))?;
    let key = invoicing::parse_key(parts.headers.get("idempotency-key").and_then(|v| v.to_str().ok()))
        .map_err(|e| ApiError::from(e).with_status(StatusCode::BAD_REQUEST))?;
    let parsed = parse::<CorrectionInput>(body)?;
    let hash = invoicing::request_hash(
        &format!("POST /customers/{id}/invoices/{number}/credit-notes"),
        &parsed.json,
    );
    let (a, _queued) = state
        .context()
        .correct(&id, &number, &parsed.value, &key, &hash, &state.call(&actor))
        .await?;
    Ok(answer(a))
}

pub async fn approve(
    State(state): State<Arc<AppState>>,
    Path((id, credit)): Path<(String, String)>,
    parts: Parts,
) -> Result<Response> {
    let actor = state.identity.actor(&parts)?;
    let (id, credit) = (customer_id(&id)?, credit_id(&credit)?);
    let (a, _queued) = state.context().approve(&id, &credit, &state.call(&actor)).await?;
    Ok(answer(a))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    reason: String,
}

pub async fn cancel(
    State(state): State<Arc<AppState>>,
    Path((id, credit)): Path<(String, String)>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let actor = state.identity.actor(&parts)?;
    let (id, credit) = (customer_id(&id)?, credit_id(&credit)?);
    let input = parse::<CancelInput>(body)?.value;
    let cancelled = state
        .context()
        .cancel(&id, &credit, &input.reason, &state.call(&actor))
        .await?;
    Ok(Json(cancelled).into_response())
}

pub async fn list(State(state): State<Arc<AppState>>, Path(id): Path<String>, parts: Parts) -> Result<Response> {
    state.identity.actor(&parts)?;
    let id = customer_id(&id)?;
    if state.store.get_customer(&id).await?.is_none() {
        return Err(ApiError::not_found("customer"));
    }
    let credits: Vec<_> = state
        .store
        .customer_credits(&id)
        .await?
        .into_iter()
        .map(|c| c.value)
        .collect();
    Ok(Json(json!({ "credits": credits })).into_response())
}

pub async fn get_one(
    State(state): State<Arc<AppState>>,
    Path((id, credit)): Path<(String, String)>,
    parts: Parts,
) -> Result<Response> {
    state.identity.actor(&parts)?;
    let (id, credit) = (customer_id(&id)?, credit_id(&credit)?);
    let found = state
        .store
        .get_credit(&id, &credit)
        .await?
        .ok_or_else(|| ApiError::not_found("credit"))?;
    Ok(Json(found.value).into_response())
}

pub async fn portfolio(State(state): State<Arc<AppState>>, parts: Parts) -> Result<Response> {
    state.identity.actor(&parts)?;
    let today = finance_http::today((state.clock)());
    let portfolio = state.context().portfolio(today).await?;
    Ok(Json(portfolio).into_response())
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("route")
}
