use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use relance::context::Call;
use relance::domain::{CustomerId, CustomerInput, InvoiceInput, InvoiceNumber};
use relance::invoicing::{self, DisputeChange, DisputeInput, IssueCommand, PaymentInput, SettlementInput};
use relance::store::{SaveOutcome, valid_cursor};
use serde::Deserialize;
use serde_json::json;

use crate::{ApiError, AppState};
use finance_http::{answer, parse};

type Result<T> = std::result::Result<T, ApiError>;

fn customer_id(raw: &str) -> Result<CustomerId> {
    CustomerId::parse(raw).map_err(|reason| ApiError::field(StatusCode::BAD_REQUEST, "id", reason))
}

fn invoice_number(raw: &str) -> Result<InvoiceNumber> {
    InvoiceNumber::parse(raw).map_err(|reason| ApiError::field(StatusCode::BAD_REQUEST, "number", reason))
}

fn idempotency_key(headers: &HeaderMap) -> Result<String> {
    let raw = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    invoicing::parse_key(raw).map_err(|e| ApiError::from(e).with_status(StatusCode::BAD_REQUEST))
}

/// What every route about one invoice starts with: who asks (checked
/// first), which invoice, and the time of the request.
struct InvoiceCall {
    actor: relance::domain::Actor,
    id: CustomerId,
    number: InvoiceNumber,
    now: chrono::DateTime<chrono::Utc>,
    today: chrono::NaiveDate,
}

impl InvoiceCall {
    fn new(state: &AppState, parts: &Parts, id: &str, number: &str) -> Result<Self> {
        let actor = state.actor(parts)?;
        let (id, number) = (customer_id(id)?, invoice_number(number)?);
        let now = state.now();
        Ok(Self {
            actor,
            id,
            number,
            now,
            today: state.today(now),
        })
    }

    fn ctx(&self) -> Call<'_> {
        Call {
            actor: &self.actor,
            now: self.now,
            today: self.today,
        }
    }
}

pub async fn put_customer(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let actor = state.actor(&parts)?;
    let id = customer_id(&id)?;
    let input = parse::<CustomerInput>(body)?.value;
    let customer = input.parse(id).map_err(ApiError::invalid)?;
    let outcome = state.store.save_customer(&customer, &actor, state.now()).await?;
    let status = if outcome == SaveOutcome::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(customer)).into_response())
}

pub async fn get_customer(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    parts: Parts,
) -> Result<Response> {
    state.actor(&parts)?;
    let id = customer_id(&id)?;
    let customer = state
        .store
        .get_customer(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    Ok(Json(customer.value).into_response())
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    limit: Option<i32>,
    cursor: Option<String>,
}

pub async fn history(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    query: std::result::Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
    parts: Parts,
) -> Result<Response> {
    state.actor(&parts)?;
    let id = customer_id(&id)?;
    let Query(query) = query.map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "query", e.body_text()))?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "limit",
            "must be between 1 and 500",
        ));
    }
    if query.cursor.as_deref().is_some_and(|c| !valid_cursor(c)) {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "cursor",
            "is not a cursor this API returned",
        ));
    }
    if state.store.get_customer(&id).await?.is_none() {
        return Err(ApiError::not_found("customer"));
    }
    let page = state.store.history(&id, limit, query.cursor.as_deref()).await?;
    Ok(Json(json!({ "events": page.events, "next_cursor": page.next })).into_response())
}

pub async fn issue_invoice(
    State(state): State<Arc<AppState>>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let actor = state.actor(&parts)?;
    let key = idempotency_key(&parts.headers)?;
    let parsed = parse::<InvoiceInput>(body)?;
    let hash = invoicing::request_hash("POST /invoices", &parsed.json);
    let now = state.now();
    let issued = invoicing::issue(
        &state.store,
        &state.issue_gate,
        &state.seller,
        &state.invoice_series,
        IssueCommand {
            input: &parsed.value,
            idempotency_key: &key,
            request_hash: &hash,
            actor,
            now,
            today: state.today(now),
        },
    )
    .await?;
    // The invoice email waits in the outbox for the archive, which sends
    // it with the issued PDF attached.
    Ok(answer(issued.answer))
}

pub async fn get_invoice(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    parts: Parts,
) -> Result<Response> {
    state.actor(&parts)?;
    let (id, number) = (customer_id(&id)?, invoice_number(&number)?);
    let invoice = state
        .store
        .get_invoice(&id, &number)
        .await?
        .ok_or_else(|| ApiError::not_found("invoice"))?
        .value;
    let email = match invoice.email_message_id {
        Some(message_id) => state.store.get_message(&id, message_id).await?,
        None => None,
    };
    let mut body = serde_json::to_value(&invoice).map_err(|e| ApiError::internal(&e))?;
    if let Some(obj) = body.as_object_mut() {
        obj.insert("remaining_minor".into(), invoice.remaining_minor().into());
    }
    if let (Some(obj), Some(m)) = (body.as_object_mut(), email) {
        obj.insert(
            "email".into(),
            json!({ "status": m.status, "attempts": m.attempts, "sent_at": m.sent_at, "last_error": m.last_error }),
        );
    }
    Ok(Json(body).into_response())
}

pub async fn record_payment(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let call = InvoiceCall::new(&state, &parts, &id, &number)?;
    let (id, number) = (&call.id, &call.number);
    let key = idempotency_key(&parts.headers)?;
    let parsed = parse::<PaymentInput>(body)?;
    let hash = invoicing::request_hash(
        &format!("POST /customers/{id}/invoices/{number}/payments"),
        &parsed.json,
    );
    let ctx = call.ctx();
    let (a, thanks) = invoicing::record_payment(&state.store, id, number, &parsed.value, &key, &hash, ctx).await?;
    state.deliverer.deliver_now(thanks, call.now).await;
    Ok(answer(a))
}

/// `POST …/statuses`: a lifecycle status the buyer's platform reported.
/// The platform's status id is the idempotency key.
pub async fn platform_status(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let call = InvoiceCall::new(&state, &parts, &id, &number)?;
    let (id, number) = (&call.id, &call.number);
    let parsed = parse::<relance::domain::invoice::PlatformStatusInput>(body)?;
    let hash = invoicing::request_hash(
        &format!("POST /customers/{id}/invoices/{number}/statuses"),
        &parsed.json,
    );
    let (a, queued) =
        relance::platform_status::record(&state.store, id, number, &parsed.value, &hash, call.ctx()).await?;
    for message in queued {
        state.deliverer.deliver_now(Some(message), call.now).await;
    }
    Ok(answer(a))
}

pub async fn open_dispute(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let call = InvoiceCall::new(&state, &parts, &id, &number)?;
    let (id, number) = (&call.id, &call.number);
    let input = parse::<DisputeInput>(body)?.value;
    let ctx = call.ctx();
    let invoice = invoicing::change_dispute(&state.store, id, number, DisputeChange::Open(input.reason), ctx).await?;
    Ok((StatusCode::CREATED, Json(invoice)).into_response())
}

pub async fn settle_dispute(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let call = InvoiceCall::new(&state, &parts, &id, &number)?;
    let (id, number) = (&call.id, &call.number);
    let input = parse::<SettlementInput>(body)?.value;
    let ctx = call.ctx();
    let invoice =
        invoicing::change_dispute(&state.store, id, number, DisputeChange::Settle(input.resolution), ctx).await?;
    Ok(Json(invoice).into_response())
}

/// Sends every email that is due: first attempts that failed, and sends
/// whose process died holding the lease. Operators (or a schedule) call it.
pub async fn retry_deliveries(State(state): State<Arc<AppState>>, parts: Parts) -> Result<Response> {
    state.actor(&parts)?;
    let summary = state
        .deliverer
        .deliver_due(state.now())
        .await
        .map_err(|e| ApiError::internal(&e))?;
    Ok(Json(json!({
        "sent": summary.sent, "failed": summary.failed, "unknown": summary.unknown, "not_claimed": summary.not_claimed
    }))
    .into_response())
}

pub async fn promise_to_pay(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let call = InvoiceCall::new(&state, &parts, &id, &number)?;
    let (id, number) = (&call.id, &call.number);
    let input = parse::<invoicing::PromiseInput>(body)?.value;
    let ctx = call.ctx();
    let invoice = invoicing::arrange(&state.store, id, number, invoicing::Arrangement::Promise(input), ctx).await?;
    Ok(Json(invoice).into_response())
}

pub async fn payment_plan(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let call = InvoiceCall::new(&state, &parts, &id, &number)?;
    let (id, number) = (&call.id, &call.number);
    let input = parse::<invoicing::PlanInput>(body)?.value;
    let ctx = call.ctx();
    let invoice = invoicing::arrange(&state.store, id, number, invoicing::Arrangement::Plan(input), ctx).await?;
    Ok(Json(invoice).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyInput {
    note: String,
}

/// A person spoke with the customer (a call, an email): written down so
/// that nobody contradicts it, and so no reminder follows within 48 hours.
pub async fn person_replied(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let actor = state.actor(&parts)?;
    let id = customer_id(&id)?;
    let input = parse::<ReplyInput>(body)?.value;
    let note = relance::domain::validation::text(&input.note, 1000)
        .map_err(|r| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "note", r))?;
    if state.store.get_customer(&id).await?.is_none() {
        return Err(ApiError::not_found("customer"));
    }
    // A reply answers any open help request: its invoices' reminders resume.
    let events = relance::help::person_replied(&state.store, &id, &actor, note, state.now()).await?;
    Ok((StatusCode::CREATED, Json(events)).into_response())
}

/// `POST /customers/{id}/invoices/{number}/take-over`: a person takes
/// over the hand-off that starts at this invoice (after the last reminder
/// stage): it leaves the to-do, recorded as `handoff_taken` with who. 409
/// when nothing waits (taken already, or never handed off): nothing is
/// written.
pub async fn take_over(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    parts: Parts,
) -> Result<Response> {
    let actor = state.actor(&parts)?;
    let id = customer_id(&id)?;
    let number = invoice_number(&number)?;
    if state.store.get_invoice(&id, &number).await?.is_none() {
        return Err(ApiError::not_found("invoice"));
    }
    if state.store.take_over(&id, &number, &actor, state.now()).await? {
        Ok((
            StatusCode::OK,
            Json(serde_json::json!({ "number": number, "taken_over_by": actor.0 })),
        )
            .into_response())
    } else {
        Err(ApiError::new(
            StatusCode::CONFLICT,
            "nothing_to_take_over",
            format!("no hand-off waits on {number}: taken over already, or never handed off"),
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeInput {
    reason: String,
}

/// `POST /customers/{id}/links/revoke`: every link mailed to the customer
/// until now opens nothing any more, and their sessions end.
pub async fn revoke_links(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    parts: Parts,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let actor = state.actor(&parts)?;
    let id = customer_id(&id)?;
    let input = parse::<RevokeInput>(body)?.value;
    let reason = relance::domain::validation::text(&input.reason, 300)
        .map_err(|r| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "reason", r))?;
    match state
        .store
        .revoke_customer_links(&id, &actor, &reason, state.now())
        .await?
    {
        Some(from) => Ok(Json(json!({ "customer_id": id, "links_valid_from": from })).into_response()),
        None => Err(ApiError::not_found("customer")),
    }
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    as_of: Option<chrono::NaiveDate>,
}

/// The reminders a pass would send as of a date (tomorrow by default),
/// with stage, tone and reason: nothing is written or sent.
pub async fn preview_reminders(
    State(state): State<Arc<AppState>>,
    query: std::result::Result<Query<PreviewQuery>, axum::extract::rejection::QueryRejection>,
    parts: Parts,
) -> Result<Response> {
    state.actor(&parts)?;
    let Query(query) = query.map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "as_of", e.body_text()))?;
    let wall = state.now();
    let as_of = query.as_of.unwrap_or_else(|| state.today(wall) + chrono::Days::new(1));
    let now = relance::domain::calendar::pass_instant(as_of, wall);
    // A preview sends nothing, so nothing to pace.
    let pace = relance::reminders::Pace::new(1000);
    let pass = relance::reminders::Pass {
        dry_run: true,
        concurrency: 8,
        ..relance::reminders::Pass::new(&state.store, &state.deliverer, &state.policy, as_of, now, &pace)
    };
    let summary = pass.run().await.map_err(|e| ApiError::internal(&e))?;
    Ok(Json(summary).into_response())
}

/// `GET /todo`: what waits for a person, most urgent first, each with its
/// deadline and whether it is late now.
pub async fn todo(State(state): State<Arc<AppState>>, parts: Parts) -> Result<Response> {
    state.actor(&parts)?;
    let now = state.now();
    let list = state.store.todo().await?;
    let items: Vec<serde_json::Value> = list
        .iter()
        .map(|t| {
            json!({
                "kind": t.kind,
                "customer_id": t.customer_id,
                "reference": t.reference,
                "since": t.since,
                "deadline": t.deadline,
                "late": t.late(now),
            })
        })
        .collect();
    let late = list.iter().filter(|t| t.late(now)).count();
    Ok(Json(json!({ "now": now, "late": late, "items": items })).into_response())
}

#[derive(Deserialize)]
pub struct ReceivablesQuery {
    #[serde(default)]
    filter: String,
    #[serde(default)]
    sort: String,
    as_of: Option<chrono::NaiveDate>,
}

/// `GET /receivables`: the aged balance per customer and in total, one
/// table per currency, from the open-invoices index alone.
pub async fn receivables(
    State(state): State<Arc<AppState>>,
    query: std::result::Result<Query<ReceivablesQuery>, axum::extract::rejection::QueryRejection>,
    parts: Parts,
) -> Result<Response> {
    use relance::domain::receivables::{BUCKETS, Filter, Sort, aged};
    state.actor(&parts)?;
    let Query(query) = query.map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "query", e.body_text()))?;
    let filter = Filter::parse(&query.filter).ok_or_else(|| {
        ApiError::field(
            StatusCode::BAD_REQUEST,
            "filter",
            "is one of all, overdue, disputed, promised, plan, paused",
        )
    })?;
    let sort = Sort::parse(&query.sort)
        .ok_or_else(|| ApiError::field(StatusCode::BAD_REQUEST, "sort", "is one of total, oldest, customer"))?;
    let today = query.as_of.unwrap_or_else(|| state.today(state.now()));
    let lines = state.store.open_lines().await?;
    let mut tables = aged(&lines, today, filter);
    for table in &mut tables {
        sort.apply(&mut table.rows);
    }
    Ok(Json(json!({ "as_of": today, "buckets": BUCKETS, "currencies": tables })).into_response())
}

#[derive(Deserialize)]
pub struct BalanceQuery {
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
}

/// `GET /balance`: the relationship balance of the portfolio for a period
/// (this month by default), as `domain::balance` counts it.
pub async fn balance(
    State(state): State<Arc<AppState>>,
    query: std::result::Result<Query<BalanceQuery>, axum::extract::rejection::QueryRejection>,
    parts: Parts,
) -> Result<Response> {
    state.actor(&parts)?;
    let Query(query) = query.map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "query", e.body_text()))?;
    let today = state.today(state.now());
    let (from, to) = relance::domain::balance::period(query.from, query.to, today)
        .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, e.field(), e.reason()))?;
    let balance = relance::balance::for_period(&state.store, from, to).await?;
    Ok(Json(json!({ "from": from, "to": to, "balance": balance })).into_response())
}

pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route; see openapi.yaml")
}
