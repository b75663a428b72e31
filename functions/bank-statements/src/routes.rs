//! The finance API's bank routes. Handlers parse, call one use case, map
//! the result.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use relance::bank::{Assignment, BankError};
use relance::context::Call;
use relance::domain::FieldError;
use relance::domain::bank::EntryId;
use relance::store::BankRecord;
use serde_json::json;

use crate::{AppState, FileError};
use finance_http::ApiError;

type Result<T> = std::result::Result<T, ApiError>;

fn bank_error(err: BankError) -> ApiError {
    match err {
        BankError::OtherAccount { at, account, own } => ApiError::invalid(vec![FieldError::new(
            at,
            format!("the statement is for account {account}, not the company's ({own}): nothing was recorded"),
        )]),
        BankError::Invalid(errors) => ApiError::invalid(errors),
        BankError::UnknownEntry => ApiError::not_found("bank entry"),
        BankError::Refused(reason) => ApiError::new(StatusCode::CONFLICT, "conflict", reason),
        BankError::Busy => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many concurrent changes; try again",
        ),
        BankError::Store(err) => ApiError::internal(&err),
    }
}

fn file_error(err: FileError) -> ApiError {
    ApiError::invalid(vec![FieldError::new(
        err.at.clone(),
        format!("{}; nothing from this file was recorded", err.reason),
    )])
}

/// `POST /bank-statements`: the statement file as the body (camt.053 XML
/// or CFONB 120 text, any content type). Importing a file again, or one
/// that overlaps it, records nothing twice.
pub async fn import(
    State(state): State<Arc<AppState>>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let actor = state.identity.actor(&parts)?;
    let body = body.map_err(|e| ApiError::field(StatusCode::PAYLOAD_TOO_LARGE, "body", e.body_text()))?;
    let ctx = Call::at(&actor, (state.clock)());
    let summary = crate::import_file(
        &state.store,
        &state.deliverer,
        body.as_ref(),
        &state.account,
        &state.payout_names,
        ctx,
    )
    .await
    .map_err(|e| match e {
        crate::ImportError::File(e) => file_error(e),
        crate::ImportError::Bank(e) => bank_error(e),
    })?;
    Ok(Json(summary).into_response())
}

fn entry_json(r: &BankRecord) -> serde_json::Value {
    json!({
        "id": r.entry.id,
        "booked_on": r.entry.booked_on,
        "credit": r.entry.credit,
        "amount_minor": r.entry.amount_minor,
        "currency": r.entry.currency,
        "debtor_name": r.entry.debtor_name,
        "debtor_iban": r.entry.debtor_iban,
        "remittance": r.entry.remittance,
        "bank_reference": r.entry.bank_reference,
        "format": r.format,
        "imported_at": r.imported_at,
        "waiting": r.waiting,
        "outcome": r.outcome,
    })
}

/// `GET /bank-entries/review`: the entries waiting for a person, oldest
/// booking first.
pub async fn review(State(state): State<Arc<AppState>>, parts: Parts) -> Result<Response> {
    state.identity.actor(&parts)?;
    let queue = relance::bank::review_queue(&state.store).await.map_err(bank_error)?;
    let entries: Vec<_> = queue.iter().map(|r| entry_json(&r.value)).collect();
    Ok(Json(json!({ "entries": entries })).into_response())
}

/// `GET /bank-entries/{id}`: one entry and what became of it.
pub async fn entry(State(state): State<Arc<AppState>>, Path(id): Path<String>, parts: Parts) -> Result<Response> {
    state.identity.actor(&parts)?;
    let id = EntryId::parse(&id).map_err(|e| ApiError::field(StatusCode::NOT_FOUND, "id", e))?;
    let record = state
        .store
        .bank_entry(&id)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(|| ApiError::not_found("bank entry"))?;
    Ok(Json(entry_json(&record.value)).into_response())
}

/// `POST /bank-entries/{id}/assignment`: a person's decision on an entry
/// waiting for review — the invoices it pays, or not a customer payment.
pub async fn assign(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let actor = state.identity.actor(&parts)?;
    let id = EntryId::parse(&id).map_err(|e| ApiError::field(StatusCode::NOT_FOUND, "id", e))?;
    let parsed = finance_http::parse::<Assignment>(body)?;
    let now = (state.clock)();
    let ctx = Call::at(&actor, now);
    let (record, thanks) = relance::bank::assign(&state.store, &id, &parsed.value, ctx)
        .await
        .map_err(bank_error)?;
    for message in thanks {
        state.deliverer.deliver_now(Some(message), now).await;
    }
    Ok(Json(entry_json(&record)).into_response())
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("route")
}
