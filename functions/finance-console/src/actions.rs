//! The actions that clear the to-do. Each checks the form's CSRF token
//! first, then the fields (a clear message naming what is wrong, nothing
//! written), then acts as the signed-in person — whose stable id the
//! history records — and goes back to the to-do, where the item is gone.

use std::sync::Arc;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use relance::context::Call;
use relance::credits::{CreditContext, CreditError};
use relance::domain::invoice::DisputeChange;
use relance::domain::{Customer, CustomerId, Email, InvoiceNumber};
use relance::invoicing::InvoicingError;
use relance::staff::Role;
use relance::store::StoreError;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Staff;
use crate::page;

#[derive(Deserialize)]
pub struct ActionForm {
    csrf: Option<String>,
    /// What was said to the customer, how the dispute ended, why a credit
    /// is refused.
    text: Option<String>,
    /// `customer`: go back to the customer's page rather than the to-do.
    back: Option<String>,
}

/// The form, its token checked.
fn checked(
    state: &AppState,
    staff: &Staff,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Result<ActionForm, Response> {
    page::checked_form(state, staff, form, |f: &ActionForm| f.csrf.as_deref())
}

fn text(state: &AppState, staff: &Staff, form: &ActionForm, max: usize) -> Result<String, Response> {
    relance::domain::validation::text(form.text.as_deref().unwrap_or_default(), max).map_err(|_| {
        page::message(
            state,
            Some(&staff.person),
            StatusCode::UNPROCESSABLE_ENTITY,
            "text_title",
            "text_body",
        )
    })
}

fn customer(state: &AppState, staff: &Staff, id: &str) -> Result<CustomerId, Response> {
    CustomerId::parse(id).map_err(|_| page::missing(state, Some(&staff.person)))
}

fn back(done: &str) -> Response {
    Redirect::to(&format!("/?done={done}")).into_response()
}

/// "Answered": the reply is written down; the customer's open help
/// requests close and their reminders resume.
pub async fn reply(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    staff: Staff,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Response {
    let result = async {
        let form = checked(&state, &staff, form)?;
        let note = text(&state, &staff, &form, 1000)?;
        let id = customer(&state, &staff, &id)?;
        match state.store.get_customer(&id).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(page::missing(&state, Some(&staff.person)));
            }
            Err(err) => return Err(page::failed(&state, Some(&staff.person), &err)),
        }
        relance::help::person_replied(&state.store, &id, &staff.person.actor(), note, state.now())
            .await
            .map_err(|err| page::failed(&state, Some(&staff.person), &err))?;
        if form.back.as_deref() == Some("customer") {
            return Ok(Redirect::to(&format!("/customers/{id}?done=replied")).into_response());
        }
        Ok(back("replied"))
    };
    result.await.unwrap_or_else(|page| page)
}

pub async fn settle(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    staff: Staff,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Response {
    let result = async {
        let form = checked(&state, &staff, form)?;
        let resolution = text(&state, &staff, &form, 1000)?;
        let id = customer(&state, &staff, &id)?;
        let number = InvoiceNumber::parse(&number).map_err(|_| page::missing(&state, Some(&staff.person)))?;
        let actor = staff.person.actor();
        let call = Call::at(&actor, state.now());
        match relance::invoicing::change_dispute(&state.store, &id, &number, DisputeChange::Settle(resolution), call)
            .await
        {
            Ok(_) => Ok(back("settled")),
            Err(InvoicingError::UnknownInvoice) => Err(page::missing(&state, Some(&staff.person))),
            Err(InvoicingError::Rule(_)) => Err(page::message(
                &state,
                Some(&staff.person),
                StatusCode::CONFLICT,
                "moved_title",
                "moved_body",
            )),
            Err(err) => Err(page::failed(&state, Some(&staff.person), &err)),
        }
    };
    result.await.unwrap_or_else(|page| page)
}

#[derive(Deserialize)]
pub struct PauseForm {
    csrf: Option<String>,
    /// `yes` pauses the customer's reminders, `no` resumes them.
    paused: Option<String>,
}

/// Pauses or resumes every reminder to the customer (invoices and answers
/// still go), recorded with who did it; back to the customer's page.
pub async fn pause(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    staff: Staff,
    form: Result<Form<PauseForm>, FormRejection>,
) -> Response {
    let person = Some(&staff.person);
    let form = match page::checked_form(&state, &staff, form, |f: &PauseForm| f.csrf.as_deref()) {
        Ok(form) => form,
        Err(page) => return page,
    };
    let paused = match form.paused.as_deref() {
        Some("yes") => true,
        Some("no") => false,
        _ => {
            return page::message(
                &state,
                person,
                StatusCode::BAD_REQUEST,
                "bad_form_title",
                "bad_form_body",
            );
        }
    };
    let id = match customer(&state, &staff, &id) {
        Ok(id) => id,
        Err(page) => return page,
    };
    match state
        .store
        .set_reminders_paused(&id, paused, &staff.person.actor(), state.now())
        .await
    {
        Ok(Some(_)) => {
            let done = if paused { "paused" } else { "resumed" };
            Redirect::to(&format!("/customers/{id}?done={done}")).into_response()
        }
        Ok(None) => page::missing(&state, person),
        Err(err) => page::failed(&state, person, &err),
    }
}

pub(crate) fn credits(state: &AppState) -> CreditContext<'_> {
    CreditContext {
        store: &state.store,
        policy: &state.policy,
        gate: &state.gate,
        seller: &state.seller,
        series_prefix: &state.series,
    }
}

pub(crate) fn credit_refused(state: &AppState, staff: &Staff, err: CreditError) -> Response {
    let person = Some(&staff.person);
    match err {
        CreditError::SameApprover => page::message(
            state,
            person,
            StatusCode::FORBIDDEN,
            "same_approver_title",
            "same_approver_body",
        ),
        CreditError::UnknownCredit | CreditError::UnknownCustomer => page::missing(state, person),
        CreditError::Conflict(_) => page::message(state, person, StatusCode::CONFLICT, "moved_title", "moved_body"),
        CreditError::OverCap { .. } => {
            page::message(state, person, StatusCode::CONFLICT, "over_cap_title", "over_cap_body")
        }
        other => page::failed(state, person, &other),
    }
}

/// A second person approves: the credit note is granted now.
pub async fn approve(
    State(state): State<Arc<AppState>>,
    Path((id, credit)): Path<(String, String)>,
    staff: Staff,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Response {
    let result = async {
        checked(&state, &staff, form)?;
        if !staff.person.may(Role::Approver) {
            return Err(page::message(
                &state,
                Some(&staff.person),
                StatusCode::FORBIDDEN,
                "not_approver_title",
                "not_approver_body",
            ));
        }
        let id = customer(&state, &staff, &id)?;
        let actor = staff.person.actor();
        let call = Call::at(&actor, state.now());
        match credits(&state).approve(&id, &credit, &call).await {
            Ok(_) => Ok(back("approved")),
            Err(err) => Err(credit_refused(&state, &staff, err)),
        }
    };
    result.await.unwrap_or_else(|page| page)
}

/// The request is withdrawn, with the reason.
pub async fn refuse(
    State(state): State<Arc<AppState>>,
    Path((id, credit)): Path<(String, String)>,
    staff: Staff,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Response {
    let result = async {
        let form = checked(&state, &staff, form)?;
        let reason = text(&state, &staff, &form, 300)?;
        let id = customer(&state, &staff, &id)?;
        let actor = staff.person.actor();
        let call = Call::at(&actor, state.now());
        match credits(&state).cancel(&id, &credit, &reason, &call).await {
            Ok(_) => Ok(back("refused")),
            Err(err) => Err(credit_refused(&state, &staff, err)),
        }
    };
    result.await.unwrap_or_else(|page| page)
}

/// "I am taking it over": the hand-off after the last reminder stage
/// leaves the to-do, recorded with who took it. A second press finds
/// nothing waiting and writes nothing.
pub async fn take_over(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    staff: Staff,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Response {
    let person = Some(&staff.person);
    let result = async {
        let form = checked(&state, &staff, form)?;
        let id = customer(&state, &staff, &id)?;
        let number = InvoiceNumber::parse(&number).map_err(|_| page::missing(&state, person))?;
        match state
            .store
            .take_over(&id, &number, &staff.person.actor(), state.now())
            .await
        {
            Ok(true) if form.back.as_deref() == Some("invoice") => {
                Ok(Redirect::to(&format!("/customers/{id}/invoices/{number}?done=taken_over")).into_response())
            }
            Ok(true) => Ok(back("taken_over")),
            Ok(false) => Err(page::message(
                &state,
                person,
                StatusCode::CONFLICT,
                "moved_title",
                "moved_body",
            )),
            Err(err) => Err(page::failed(&state, person, &err)),
        }
    };
    result.await.unwrap_or_else(|page| page)
}

#[derive(Deserialize)]
pub struct EmailForm {
    csrf: Option<String>,
    email: Option<String>,
    back: Option<String>,
}

/// A new address for a customer whose address bounced (or changed): mail
/// flows again, the links mailed to the old address stop opening anything,
/// and the history says who changed it.
pub async fn change_email(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    staff: Staff,
    form: Result<Form<EmailForm>, FormRejection>,
) -> Response {
    let person = Some(&staff.person);
    let result = async {
        let form = page::checked_form(&state, &staff, form, |f: &EmailForm| f.csrf.as_deref())?;
        let id = customer(&state, &staff, &id)?;
        let email = Email::parse(form.email.as_deref().unwrap_or_default().trim()).map_err(|_| {
            page::message(
                &state,
                person,
                StatusCode::UNPROCESSABLE_ENTITY,
                "email_title",
                "email_body",
            )
        })?;
        let current = match state.store.get_customer(&id).await {
            Ok(Some(found)) => found.value,
            Ok(None) => return Err(page::missing(&state, person)),
            Err(err) => return Err(page::failed(&state, person, &err)),
        };
        if current.email == email {
            return Err(page::message(
                &state,
                person,
                StatusCode::UNPROCESSABLE_ENTITY,
                "email_same_title",
                "email_same_body",
            ));
        }
        let changed = Customer {
            email,
            email_suppressed: false,
            email_suppressed_at: None,
            ..current
        };
        match state
            .store
            .save_customer(&changed, &staff.person.actor(), state.now())
            .await
        {
            Ok(_) if form.back.as_deref() == Some("customer") => {
                Ok(Redirect::to(&format!("/customers/{id}?done=email_changed")).into_response())
            }
            Ok(_) => Ok(back("email_changed")),
            Err(StoreError::Contention(_)) => Err(page::message(
                &state,
                person,
                StatusCode::CONFLICT,
                "moved_title",
                "moved_body",
            )),
            Err(err) => Err(page::failed(&state, person, &err)),
        }
    };
    result.await.unwrap_or_else(|page| page)
}
