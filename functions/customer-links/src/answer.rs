//! What a POST records: a pay click, a help request, a survey answer, an
//! unsubscribe. Each is rate-limited per token and per address, and the
//! forms carry the session's one-time value, so a replayed or forged
//! submit records nothing.

use std::sync::Arc;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use relance::domain::help::HelpChoice;
use relance::domain::{Actor, EventKind, HistoryEvent, InvoiceNumber, InvoiceStatus};
use relance::help::{HelpError, request_help};
use relance::links::{self, LinkPurpose};
use relance::surveys::{self, AnswerOutcome};
use serde::Deserialize;

use crate::AppState;
use crate::checkout::CheckoutRequest;
use crate::page;
use crate::session::{ClientAddress, Current, Limit, Recording, too_many, within_limits};
use crate::view::{help_page, session_numbers, survey_page};

async fn spend(state: &AppState, current: &Current, once: Option<&str>) -> Result<(), Response> {
    let locale = current.locale();
    let Some(once) = once.filter(|o| links::well_formed(o)) else {
        return Err(used(state, current));
    };
    match state
        .store
        .spend_nonce(&current.session_hash, once, &links::generate().text)
        .await
    {
        Ok(true) => Ok(()),
        Ok(false) => Err(used(state, current)),
        Err(err) => Err(page::failed(locale, &err)),
    }
}

fn used(state: &AppState, current: &Current) -> Response {
    page::message(
        state,
        current.locale(),
        StatusCode::CONFLICT,
        "used_title",
        "used_body",
        true,
    )
}

#[derive(Deserialize)]
pub struct PayForm {
    once: Option<String>,
    number: Option<String>,
}

/// "Pay online": the click is recorded, then the customer goes to the
/// payment page for what is left to pay — a Checkout Session of the card
/// provider when one is configured, else `payment.pay_url`.
pub async fn pay(
    State(state): State<Arc<AppState>>,
    Recording(current): Recording,
    form: Result<Form<PayForm>, FormRejection>,
) -> Response {
    let locale = current.locale();
    let Ok(Form(form)) = form else {
        return page::invalid_link(&state, locale);
    };
    let Some(number) = form.number.as_deref().and_then(|n| InvoiceNumber::parse(n).ok()) else {
        return page::invalid_link(&state, locale);
    };
    let invoice = match state.store.get_invoice(&current.customer.id, &number).await {
        Ok(Some(found)) if found.value.status == InvoiceStatus::Open => found.value,
        Ok(_) => return page::invalid_link(&state, locale),
        Err(err) => return page::failed(locale, &err),
    };
    let page_url = invoice.seller.payment.pay_link(
        invoice.number.as_str(),
        invoice.remaining_minor(),
        invoice.currency.code(),
    );
    if state.checkout.is_none() && page_url.is_none() {
        return page::invalid_link(&state, locale);
    }
    if let Err(page) = spend(&state, &current, form.once.as_deref()).await {
        return page;
    }
    let event = HistoryEvent::new(
        current.customer.id.clone(),
        state.now(),
        Actor::system("customer page"),
        EventKind::PayClicked { number },
    );
    if let Err(err) = state.store.append_event(&event).await {
        return page::failed(locale, &err);
    }
    let Some(provider) = state.checkout.as_ref() else {
        return page_url.map_or_else(
            || page::invalid_link(&state, locale),
            |url| Redirect::to(&url).into_response(),
        );
    };
    let request = CheckoutRequest::for_invoice(
        &invoice,
        current.customer.email.as_str(),
        locale,
        &state.public_url,
        state.now(),
    );
    match provider.start(&request).await {
        Ok(session) => {
            tracing::info!(session = %session.id, invoice = %invoice.number, "checkout started");
            Redirect::to(&session.url).into_response()
        }
        // The customer can still pay by transfer: the page says so.
        Err(err) => {
            tracing::error!(error = %err, invoice = %invoice.number, "checkout not started");
            page::message(
                &state,
                locale,
                StatusCode::SERVICE_UNAVAILABLE,
                "pay_unavailable_title",
                "pay_unavailable_body",
                true,
            )
        }
    }
}

#[derive(Deserialize)]
pub struct HelpForm {
    once: Option<String>,
    choice: Option<String>,
    comment: Option<String>,
}

pub async fn help(
    State(state): State<Arc<AppState>>,
    Recording(current): Recording,
    form: Result<Form<HelpForm>, FormRejection>,
) -> Response {
    let locale = current.locale();
    let numbers = session_numbers(&current);
    let Ok(Form(form)) = form else {
        return help_page(&state, &current, Some("choice"), None, "").await;
    };
    let comment = form.comment.as_deref().unwrap_or("");
    let Some(choice) = form.choice.as_deref().and_then(HelpChoice::parse) else {
        return help_page(&state, &current, Some("choice"), None, comment).await;
    };
    if numbers.is_empty() {
        return page::invalid_link(&state, locale);
    }
    if relance::help::check_comment(Some(comment)).is_err() {
        return help_page(&state, &current, Some("comment"), Some(choice), comment).await;
    }
    if let Err(page) = spend(&state, &current, form.once.as_deref()).await {
        return page;
    }
    match request_help(
        &state.store,
        &current.customer.id,
        &numbers,
        choice,
        Some(comment),
        state.now(),
    )
    .await
    {
        Ok(recorded) => {
            state
                .deliverer
                .deliver_now(
                    Some((recorded.alert.customer_id.clone(), recorded.alert.id)),
                    state.now(),
                )
                .await;
            page::message(
                &state,
                locale,
                StatusCode::OK,
                "help_sent_title",
                "help_sent_body",
                true,
            )
        }
        Err(HelpError::Comment(_)) => help_page(&state, &current, Some("comment"), Some(choice), comment).await,
        Err(HelpError::NothingOpen) => {
            page::message(&state, locale, StatusCode::OK, "help_title", "help_nothing_open", true)
        }
        Err(HelpError::Store(err)) => page::failed(locale, &err),
    }
}

#[derive(Deserialize)]
pub struct SurveyForm {
    once: Option<String>,
    score: Option<String>,
    comment: Option<String>,
}

pub async fn survey(
    State(state): State<Arc<AppState>>,
    Recording(current): Recording,
    form: Result<Form<SurveyForm>, FormRejection>,
) -> Response {
    let locale = current.locale();
    if current.session.purpose != LinkPurpose::Survey {
        return page::invalid_link(&state, locale);
    }
    let Ok(Form(form)) = form else {
        return survey_page(&state, &current, None, "", Some("score")).await;
    };
    let comment = form.comment.as_deref().unwrap_or("").trim().to_string();
    // The score must be on this survey's scale; checked before the form's
    // one-time value is spent, so the form can be corrected and sent again.
    let survey = match state
        .store
        .get_survey(&current.customer.id, &current.session.object)
        .await
    {
        Ok(Some(survey)) => survey,
        Ok(None) => return page::invalid_link(&state, locale),
        Err(err) => return page::failed(locale, &err),
    };
    let Some(score) = form
        .score
        .as_deref()
        .and_then(|s| s.parse::<u8>().ok())
        .filter(|s| survey.question.scores().contains(s))
    else {
        return survey_page(&state, &current, None, &comment, Some("score")).await;
    };
    if comment.chars().count() > 500 {
        return survey_page(&state, &current, Some(score), &comment, Some("comment")).await;
    }
    // Empty (or only spaces) is no comment.
    let comment = relance::domain::validation::text(&comment, 500).ok();
    if let Err(page) = spend(&state, &current, form.once.as_deref()).await {
        return page;
    }
    match surveys::answer(
        &state.store,
        &current.customer.id,
        &current.session.object,
        score,
        comment,
        state.now(),
    )
    .await
    {
        Ok(AnswerOutcome::Recorded { alert, replaced }) => {
            if let Some(alert) = &alert {
                state
                    .deliverer
                    .deliver_now(Some((alert.customer_id.clone(), alert.id)), state.now())
                    .await;
            }
            page::render(
                &state,
                "message",
                locale,
                StatusCode::OK,
                serde_json::json!({
                    "title": "survey_sent_title",
                    "body": "survey_sent_body",
                    "note": replaced.then_some("survey_replaced"),
                    "back": { "href": "/survey", "label": "survey_change" },
                }),
                true,
            )
        }
        Ok(AnswerOutcome::ScoreOutOfRange) => survey_page(&state, &current, None, "", Some("score")).await,
        Ok(AnswerOutcome::UnknownSurvey) => page::invalid_link(&state, locale),
        Err(err) => page::failed(locale, &err),
    }
}

/// The unsubscribe link opens a confirmation page; nothing changes on GET.
pub async fn unsubscribe_page(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let now = state.now();
    let locale = page::browser_locale(&headers);
    match state.store.resolve_link(&token, LinkPurpose::Unsubscribe, now).await {
        Ok(Ok(grant)) => {
            let locale = match state.store.get_customer(&grant.customer_id).await {
                Ok(Some(c)) => c.value.locale,
                _ => locale,
            };
            page::render(
                &state,
                "unsubscribe",
                locale,
                StatusCode::OK,
                serde_json::json!({ "action": format!("/u/{token}") }),
                false,
            )
        }
        Ok(Err(_)) => page::invalid_link(&state, locale),
        Err(err) => page::failed(locale, &err),
    }
}

/// The confirmation, and the one-click POST a mail client sends itself
/// (RFC 8058: `List-Unsubscribe=One-Click`, no cookie, no form value).
pub async fn unsubscribe(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    address: ClientAddress,
) -> Response {
    let now = state.now();
    let locale = page::browser_locale(&headers);
    let grant = match state.store.resolve_link(&token, LinkPurpose::Unsubscribe, now).await {
        Ok(Ok(grant)) => grant,
        Ok(Err(_)) => return page::invalid_link(&state, locale),
        Err(err) => return page::failed(locale, &err),
    };
    match within_limits(&state, Limit::Record, &links::hash(&token), &address).await {
        Ok(true) => {}
        Ok(false) => return too_many(&state, locale),
        Err(err) => return page::failed(locale, &err),
    }
    let customer = match state.store.get_customer(&grant.customer_id).await {
        Ok(Some(c)) => c.value,
        Ok(None) => return page::invalid_link(&state, locale),
        Err(err) => return page::failed(locale, &err),
    };
    if let Err(err) = state
        .store
        .opt_out_of_surveys(&customer.id, &Actor::system("unsubscribe link"), now)
        .await
    {
        return page::failed(locale, &err);
    }
    page::message(
        &state,
        customer.locale,
        StatusCode::OK,
        "unsubscribe_done_title",
        "unsubscribe_done_body",
        false,
    )
}
