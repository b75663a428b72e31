//! A customer's page: who they are, their open invoices, and their whole
//! history as sentences, the latest first, a page at a time — with the
//! actions finance takes there: answer the customer, open a dispute.

use std::sync::Arc;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use relance::context::Call;
use relance::domain::invoice::DisputeChange;
use relance::domain::{CustomerId, InvoiceStatus, Money};
use relance::invoicing::InvoicingError;
use relance::view::timeline::sentence;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::AppState;
use crate::auth::Staff;
use crate::page;
use crate::todo::moment;

/// Events per page of the timeline.
const EVENTS: i32 = 30;

#[derive(Deserialize, Default)]
pub struct Params {
    cursor: Option<String>,
    done: Option<String>,
}

#[derive(Serialize)]
struct InvoiceRow {
    number: String,
    issue_date: String,
    due_date: String,
    remaining: String,
    late: bool,
    disputed: bool,
    help: bool,
}

#[derive(Serialize)]
struct EventRow {
    at: String,
    who: String,
    text: String,
}

pub async fn page(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    staff: Staff,
    params: Query<Params>,
) -> Response {
    let person = &staff.person;
    let locale = person.locale;
    let not_found = || page::missing(&state, Some(person));
    let Ok(id) = CustomerId::parse(&id) else {
        return not_found();
    };
    if params
        .cursor
        .as_deref()
        .is_some_and(|c| !relance::store::valid_cursor(c))
    {
        return not_found();
    }
    let customer = match state.store.get_customer(&id).await {
        Ok(Some(c)) => c.value,
        Ok(None) => return not_found(),
        Err(err) => return page::failed(&state, Some(person), &err),
    };
    let (invoices, history) = match futures::try_join!(
        state.store.customer_invoices(&id),
        state.store.recent_history(&id, EVENTS, params.cursor.as_deref())
    ) {
        Ok(found) => found,
        Err(err) => return page::failed(&state, Some(person), &err),
    };
    let today = relance::domain::calendar::business_date(state.now());
    let open: Vec<InvoiceRow> = invoices
        .iter()
        .map(|v| &v.value)
        .filter(|i| i.status == InvoiceStatus::Open)
        .map(|i| InvoiceRow {
            number: i.number.as_str().to_string(),
            issue_date: relance::view::format_date(i.issue_date, locale),
            due_date: relance::view::format_date(i.due_date, locale),
            remaining: Money::new(i.remaining_minor(), i.currency).format(locale),
            late: i.due_date < today,
            disputed: i.open_dispute().is_some(),
            help: i.dunning.help_request_open,
        })
        .collect();
    let events: Vec<EventRow> = history
        .events
        .iter()
        .map(|e| EventRow {
            at: moment(e.at, locale),
            who: crate::todo::who(&state, &e.actor.0),
            text: sentence(e, locale),
        })
        .collect();
    let name = customer
        .company_name
        .clone()
        .unwrap_or_else(|| customer.contact_name.clone());
    page::render(
        &state,
        "customer",
        locale,
        StatusCode::OK,
        json!({
            "person": person,
            "csrf": staff.csrf,
            "id": id.as_str(),
            "name": name,
            "customer": {
                "contact_name": customer.contact_name,
                "email": customer.email.as_str(),
                "customer_since": relance::view::format_date(customer.customer_since, locale),
                "paused": customer.paused,
                "email_suppressed": customer.email_suppressed,
            },
            "open": open,
            "events": events,
            "next": history.next,
            "done": params.done.as_deref().filter(|d| d.chars().all(|c| c.is_ascii_lowercase() || c == '_')),
        }),
    )
}

#[derive(Deserialize)]
pub struct DisputeForm {
    csrf: Option<String>,
    text: Option<String>,
}

/// Opens a dispute on one of the customer's invoices: no reminder for it
/// until it is settled.
pub async fn open_dispute(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    staff: Staff,
    form: Result<Form<DisputeForm>, FormRejection>,
) -> Response {
    let person = Some(&staff.person);
    let form = match page::checked_form(&state, &staff, form, |f: &DisputeForm| f.csrf.as_deref()) {
        Ok(form) => form,
        Err(page) => return page,
    };
    let Ok(reason) = relance::domain::validation::text(form.text.as_deref().unwrap_or_default(), 1000) else {
        return page::message(
            &state,
            person,
            StatusCode::UNPROCESSABLE_ENTITY,
            "text_title",
            "text_body",
        );
    };
    let (customer, number) = match page::invoice_of(&state, &staff, &id, &number) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let actor = staff.person.actor();
    let call = Call::at(&actor, state.now());
    match relance::invoicing::change_dispute(&state.store, &customer, &number, DisputeChange::Open(reason), call).await
    {
        Ok(_) => Redirect::to(&format!("/customers/{customer}?done=disputed")).into_response(),
        Err(InvoicingError::UnknownInvoice) => page::missing(&state, person),
        Err(InvoicingError::Rule(_)) => {
            page::message(&state, person, StatusCode::CONFLICT, "moved_title", "moved_body")
        }
        Err(err) => page::failed(&state, person, &err),
    }
}

#[derive(Deserialize)]
pub struct MoneyForm {
    csrf: Option<String>,
    amount: Option<String>,
    date: Option<String>,
    method: Option<String>,
}

/// Why a payment or a promise was refused, in the person's words: the
/// field and the reason the rules gave.
fn refused(state: &AppState, staff: &Staff, err: InvoicingError) -> Response {
    let person = Some(&staff.person);
    let detail = match &err {
        InvoicingError::Invalid(fields) => page::field_errors(fields),
        InvoicingError::Rule(rule) => rule.to_string(),
        InvoicingError::UnknownInvoice | InvoicingError::UnknownCustomer => {
            return page::missing(state, person);
        }
        _ => return page::failed(state, person, &err),
    };
    page::message_with(
        state,
        person,
        StatusCode::UNPROCESSABLE_ENTITY,
        "refused_title",
        "refused_body",
        &detail,
    )
}

/// Records a payment typed by finance. The same form sent twice (a double
/// click) carries the same key: it is recorded once.
pub async fn record_payment(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    staff: Staff,
    form: Result<Form<MoneyForm>, FormRejection>,
) -> Response {
    let person = Some(&staff.person);
    let form = match page::checked_form(&state, &staff, form, |f: &MoneyForm| f.csrf.as_deref()) {
        Ok(form) => form,
        Err(page) => return page,
    };
    let (customer, number) = match page::invoice_of(&state, &staff, &id, &number) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let invoice = match state.store.get_invoice(&customer, &number).await {
        Ok(Some(found)) => found.value,
        Ok(None) => {
            return page::missing(&state, person);
        }
        Err(err) => return page::failed(&state, person, &err),
    };
    let amount = form.amount.as_deref().unwrap_or_default();
    let minor = page::amount_minor(amount, invoice.currency);
    let date = form.date.as_deref().and_then(|d| d.parse::<chrono::NaiveDate>().ok());
    let method = form
        .method
        .as_deref()
        .and_then(|m| serde_json::from_value::<relance::domain::invoice::PaymentMethod>(json!(m)).ok());
    let (Some(amount_minor), Some(date), Some(method)) = (minor, date, method) else {
        return page::message_with(
            &state,
            person,
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused_title",
            "refused_body",
            "amount, date, method",
        );
    };
    let input = relance::domain::invoice::PaymentInput {
        amount_minor,
        currency: None,
        date,
        method,
        reference: None,
    };
    let body = json!({ "amount_minor": amount_minor, "date": date, "method": method });
    let key = format!("console:{}:{number}:{amount_minor}:{date}", staff.csrf);
    let hash = relance::replay::request_hash(&format!("POST /customers/{customer}/invoices/{number}/payments"), &body);
    let actor = staff.person.actor();
    let call = Call::at(&actor, state.now());
    match relance::invoicing::record_payment(&state.store, &customer, &number, &input, &key, &hash, call).await {
        Ok(_) => Redirect::to(&format!("/customers/{customer}?done=paid")).into_response(),
        Err(err) => refused(&state, &staff, err),
    }
}

/// Records the customer's promise to pay by a date: reminders wait for it.
pub async fn promise(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    staff: Staff,
    form: Result<Form<MoneyForm>, FormRejection>,
) -> Response {
    let person = Some(&staff.person);
    let form = match page::checked_form(&state, &staff, form, |f: &MoneyForm| f.csrf.as_deref()) {
        Ok(form) => form,
        Err(page) => return page,
    };
    let (customer, number) = match page::invoice_of(&state, &staff, &id, &number) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Some(date) = form.date.as_deref().and_then(|d| d.parse::<chrono::NaiveDate>().ok()) else {
        return page::message_with(
            &state,
            person,
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused_title",
            "refused_body",
            "date",
        );
    };
    let actor = staff.person.actor();
    let call = Call::at(&actor, state.now());
    let arrangement = relance::invoicing::Arrangement::Promise(relance::invoicing::PromiseInput { date });
    match relance::invoicing::arrange(&state.store, &customer, &number, arrangement, call).await {
        Ok(_) => Redirect::to(&format!("/customers/{customer}?done=promised")).into_response(),
        Err(err) => refused(&state, &staff, err),
    }
}

#[derive(Deserialize)]
pub struct PlanForm {
    csrf: Option<String>,
    /// How many monthly instalments.
    count: Option<String>,
    /// The first instalment's date.
    first: Option<String>,
}

/// Agrees a payment plan: what is left in equal monthly instalments from
/// the first date (`PlanInput::monthly`); reminders then follow the plan.
/// The plan's rules (2 to 24 instalments, from today on, adding up to what
/// is due) answer with their own words, and nothing is written.
pub async fn plan(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    staff: Staff,
    form: Result<Form<PlanForm>, FormRejection>,
) -> Response {
    let person = Some(&staff.person);
    let form = match page::checked_form(&state, &staff, form, |f: &PlanForm| f.csrf.as_deref()) {
        Ok(form) => form,
        Err(page) => return page,
    };
    let (customer, number) = match page::invoice_of(&state, &staff, &id, &number) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let refused_field = |field: &str| {
        page::message_with(
            &state,
            person,
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused_title",
            "refused_body",
            field,
        )
    };
    let Some(count) = form
        .count
        .as_deref()
        .and_then(|c| c.trim().parse::<u32>().ok())
        .filter(|c| (2..=24).contains(c))
    else {
        return refused_field("count: 2 to 24 monthly instalments");
    };
    let Some(first) = form.first.as_deref().and_then(|d| d.parse::<chrono::NaiveDate>().ok()) else {
        return refused_field("first: the first instalment's date");
    };
    let invoice = match state.store.get_invoice(&customer, &number).await {
        Ok(Some(found)) => found.value,
        Ok(None) => return page::missing(&state, person),
        Err(err) => return page::failed(&state, person, &err),
    };
    let Some(plan) = relance::invoicing::PlanInput::monthly(invoice.remaining_minor(), count, first) else {
        return refused_field("the invoice owes nothing any more");
    };
    let actor = staff.person.actor();
    let call = Call::at(&actor, state.now());
    match relance::invoicing::arrange(
        &state.store,
        &customer,
        &number,
        relance::invoicing::Arrangement::Plan(plan),
        call,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/customers/{customer}/invoices/{number}?done=planned")).into_response(),
        Err(err) => refused(&state, &staff, err),
    }
}
