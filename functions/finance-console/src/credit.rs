//! A goodwill credit from an invoice's page: the policy's quote first
//! (what it proposes and why, what the month's budget and the customer's
//! year leave, whether a second person must approve), then the request,
//! granted at once or sent to the to-do for approval. Nothing is written
//! until the request is sent, and the same form sent twice asks once.

use std::sync::Arc;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use relance::context::Call;
use relance::credits::CreditError;
use relance::domain::Money;
use relance::domain::credit::CreditInput;
use relance::domain::goodwill::Situation;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::auth::Staff;
use crate::page;

/// What a quote says happened: never written, never sent.
const QUOTE_WORDS: &str = "quote";

#[derive(Deserialize, Default)]
pub struct QuoteParams {
    #[serde(default)]
    situation: String,
    #[serde(default)]
    severity: String,
}

#[derive(Deserialize)]
pub struct RequestForm {
    csrf: Option<String>,
    situation: Option<String>,
    severity: Option<String>,
    what_happened: Option<String>,
    what_we_did: Option<String>,
    /// Less than the proposal, in the invoice's currency ("40.00").
    amount: Option<String>,
    /// The quote page's own key: a double click asks once.
    key: Option<String>,
}

/// The rules' words for a refused request, one field a line.
fn invalid(state: &AppState, staff: &Staff, err: CreditError) -> Response {
    match err {
        CreditError::Invalid(fields) => page::message_with(
            state,
            Some(&staff.person),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused_title",
            "refused_body",
            &page::field_errors(&fields),
        ),
        CreditError::UnknownInvoice => page::missing(state, Some(&staff.person)),
        other => crate::actions::credit_refused(state, staff, other),
    }
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// `GET /customers/{id}/invoices/{number}/credit`: the choice of a
/// situation, and once one is chosen, the policy's quote with the form
/// that requests it.
pub async fn quote(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    staff: Staff,
    params: Query<QuoteParams>,
) -> Response {
    let person = &staff.person;
    let locale = person.locale;
    let (customer, number) = match page::invoice_of(&state, &staff, &id, &number) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let profile = match state.store.get_customer(&customer).await {
        Ok(Some(found)) => found.value,
        Ok(None) => return page::missing(&state, Some(person)),
        Err(err) => return page::failed(&state, Some(person), &err),
    };
    let name = profile.company_name.clone().unwrap_or(profile.contact_name.clone());
    let situations: Vec<_> = Situation::ALL
        .iter()
        .map(|s| {
            json!({
                "name": s.name(),
                "label": crate::reminders::word(locale, "situation_", s.name()),
                "repair": s.is_repair(),
            })
        })
        .collect();
    let mut context = json!({
        "person": person,
        "csrf": staff.csrf,
        "id": customer.as_str(),
        "name": name,
        "number": number.as_str(),
        "situations": situations,
        "situation": params.situation,
        "severity": params.severity,
        "quote": null,
    });
    if !params.situation.is_empty() {
        let input = CreditInput {
            situation: params.situation.clone(),
            severity: optional(&params.severity),
            invoice: number.as_str().to_string(),
            // The amount does not depend on the words, which the request
            // will ask for; the rules want some to quote a repair.
            what_happened: Some(QUOTE_WORDS.into()),
            what_we_did: Some(QUOTE_WORDS.into()),
            net_minor: None,
        };
        let actor = person.actor();
        let call = Call::at(&actor, state.now());
        let quote = match crate::actions::credits(&state).quote(&customer, &input, &call).await {
            Ok(quote) => quote,
            Err(err) => return invalid(&state, &staff, err),
        };
        let money = |minor: i64| Money::new(minor, quote.currency).format(locale);
        context["quote"] = json!({
            "net": money(quote.net_minor),
            "vat": money(quote.vat_minor),
            "gross": money(quote.gross_minor),
            "proposed": money(quote.proposed_net_minor),
            "reasons": quote.reasons,
            "needs_approval": quote.needs_approval,
            "fits": quote.fits,
            "month_left": money(quote.month_budget.remaining_minor),
            "month_cap": money(quote.month_budget.cap_minor),
            "year_left": money(quote.customer_year.remaining_minor),
            "year_cap": money(quote.customer_year.cap_minor),
            "repair": quote.situation.is_repair(),
            "key": relance::domain::ids::ulid_at(state.now()).to_string(),
        });
    }
    page::render(&state, "credit", locale, StatusCode::OK, context)
}

/// `POST /customers/{id}/invoices/{number}/credit`: the request, as the
/// signed-in person. Under the approval threshold the credit note is
/// issued and sent now; above it, the request waits on the to-do for
/// someone else.
pub async fn request(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    staff: Staff,
    form: Result<Form<RequestForm>, FormRejection>,
) -> Response {
    let person = Some(&staff.person);
    let form = match page::checked_form(&state, &staff, form, |f: &RequestForm| f.csrf.as_deref()) {
        Ok(form) => form,
        Err(page) => return page,
    };
    let (customer, number) = match page::invoice_of(&state, &staff, &id, &number) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Some(key) = form.key.as_deref().filter(|k| ulid::Ulid::from_string(k).is_ok()) else {
        return page::message(
            &state,
            person,
            StatusCode::BAD_REQUEST,
            "bad_form_title",
            "bad_form_body",
        );
    };
    let invoice = match state.store.get_invoice(&customer, &number).await {
        Ok(Some(found)) => found.value,
        Ok(None) => return page::missing(&state, person),
        Err(err) => return page::failed(&state, person, &err),
    };
    let net_minor = match form.amount.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(text) => match page::amount_minor(text, invoice.currency) {
            Some(minor) => Some(minor),
            None => {
                return page::message_with(
                    &state,
                    person,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "refused_title",
                    "refused_body",
                    "amount: a positive amount such as 40.00",
                );
            }
        },
    };
    let input = CreditInput {
        situation: form.situation.unwrap_or_default(),
        severity: form.severity.as_deref().and_then(optional),
        invoice: number.as_str().to_string(),
        what_happened: form.what_happened.as_deref().and_then(optional),
        what_we_did: form.what_we_did.as_deref().and_then(optional),
        net_minor,
    };
    let body = match serde_json::to_value(&input) {
        Ok(body) => body,
        Err(err) => return page::failed(&state, person, &err),
    };
    let hash = relance::replay::request_hash(&format!("POST /customers/{customer}/credits"), &body);
    let key = format!("console:{}:{key}", staff.person.id);
    let actor = staff.person.actor();
    let call = Call::at(&actor, state.now());
    match crate::actions::credits(&state)
        .request(&customer, &input, &key, &hash, &call)
        .await
    {
        Ok((answer, _)) => {
            let done = if answer.status == 202 {
                "credit_requested"
            } else {
                "credited"
            };
            Redirect::to(&format!("/customers/{customer}?done={done}")).into_response()
        }
        Err(err) => invalid(&state, &staff, err),
    }
}
