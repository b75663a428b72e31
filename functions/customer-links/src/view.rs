//! The pages a GET shows. None of them writes anything.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use relance::domain::customer::DocumentFormat;
use relance::domain::help::HelpChoice;
use relance::domain::{Invoice, InvoiceNumber, InvoiceStatus, Money};
use relance::links::LinkPurpose;
use relance::view::{InvoiceView, format_date};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::AppState;
use crate::page;
use crate::session::Current;

/// Where an invoice stands, as the customer reads it.
pub fn status_of(invoice: &Invoice, today: chrono::NaiveDate) -> &'static str {
    if invoice.status == InvoiceStatus::Paid {
        "paid"
    } else if invoice.status == InvoiceStatus::Credited {
        "credited"
    } else if invoice.open_dispute().is_some() {
        "disputed"
    } else if invoice.dunning.help_request_open {
        "paused"
    } else if invoice.paid_minor > 0 {
        "partly_paid"
    } else if invoice.due_date < today {
        "overdue"
    } else {
        "open"
    }
}

/// The invoice numbers a session's link is about (none for a survey).
pub fn session_numbers(current: &Current) -> Vec<InvoiceNumber> {
    match current.session.purpose {
        LinkPurpose::ViewInvoice | LinkPurpose::Difficulty | LinkPurpose::Reminder => current
            .session
            .object
            .split(',')
            .filter_map(|n| InvoiceNumber::parse(n).ok())
            .collect(),
        LinkPurpose::Survey | LinkPurpose::Unsubscribe => Vec::new(),
    }
}

/// A form shown again with what to correct is a 422.
fn form_status(error: Option<&str>) -> StatusCode {
    if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

fn today(state: &AppState) -> chrono::NaiveDate {
    relance::domain::calendar::business_date(state.now())
}

/// `?checkout=done`: the card provider sent the customer back after
/// paying; the webhook may not have told us yet.
#[derive(Deserialize, Default)]
pub struct Back {
    checkout: Option<String>,
}

async fn invoice_page(state: &AppState, current: &Current, number: &InvoiceNumber, back: &Back) -> Response {
    let locale = current.locale();
    // The invoice is looked up in the session customer's partition only:
    // no address can reach another customer's invoice.
    let invoice = match state.store.get_invoice(&current.customer.id, number).await {
        Ok(Some(found)) => found.value,
        Ok(None) => return page::invalid_link(state, locale),
        Err(err) => return page::failed(locale, &err),
    };
    let returned = back.checkout.as_deref() == Some("done") && invoice.status == InvoiceStatus::Open;
    // A customer who has just paid is not offered to pay again.
    let pay = invoice.status == InvoiceStatus::Open
        && !returned
        && (state.checkout.is_some() || invoice.seller.payment.pay_url.is_some());
    // The structured file the buyer's platform reads: the one it chose,
    // else the CII (Factur-X's own XML).
    let xml = match invoice.buyer.document_format() {
        DocumentFormat::Ubl => "ubl",
        _ => "cii",
    };
    let help = session_numbers(current).contains(number) && invoice.status == InvoiceStatus::Open;
    page::render(
        state,
        "invoice",
        locale,
        StatusCode::OK,
        json!({
            "invoice": InvoiceView::new(&invoice, locale),
            "epc_qr": relance::view::payment_code(&invoice, &relance::render::page_word(locale, "qr_label")),
            "status": status_of(&invoice, today(state)),
            "paused": invoice.dunning.help_request_open,
            "pay": pay,
            "checkout_returned": returned,
            "help": help,
            "once": current.session.nonce,
            "downloads": state.archive.is_some(),
            "xml": xml,
        }),
        true,
    )
}

/// How long a download link to an archived original works.
const DOWNLOAD_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// An archived original of one of the session customer's invoices: a
/// redirect to a five-minute signed link on the archive, so the file is
/// the one issued, byte for byte. The same invoices as the page itself.
pub async fn document(
    State(state): State<Arc<AppState>>,
    Path((number, format)): Path<(String, String)>,
    current: Current,
) -> Response {
    let locale = current.locale();
    let suffix = match format.as_str() {
        "pdf" => "pdf",
        "cii" => "cii.xml",
        "ubl" => "ubl.xml",
        _ => return page::invalid_link(&state, locale),
    };
    let (Ok(number), Some(archive)) = (InvoiceNumber::parse(&number), state.archive.as_ref()) else {
        return page::invalid_link(&state, locale);
    };
    // Looked up in the session customer's partition only.
    match state.store.get_invoice(&current.customer.id, &number).await {
        Ok(Some(_)) => {}
        Ok(None) => return page::invalid_link(&state, locale),
        Err(err) => return page::failed(locale, &err),
    }
    let key = relance::archive_link::key("invoices", &current.customer.id, &number, suffix);
    let file = format!("{number}.{suffix}");
    match archive.url(&key, &file, state.now().into(), DOWNLOAD_TTL) {
        Ok(url) => axum::response::Redirect::to(&url).into_response(),
        Err(err) => page::failed(locale, &err),
    }
}

pub async fn invoice(State(state): State<Arc<AppState>>, back: Query<Back>, current: Current) -> Response {
    match session_numbers(&current).first() {
        Some(number) if current.session.purpose == LinkPurpose::ViewInvoice => {
            invoice_page(&state, &current, number, &back).await
        }
        _ => page::invalid_link(&state, current.locale()),
    }
}

pub async fn portal_invoice(
    State(state): State<Arc<AppState>>,
    Path(number): Path<String>,
    back: Query<Back>,
    current: Current,
) -> Response {
    match InvoiceNumber::parse(&number) {
        Ok(number) => invoice_page(&state, &current, &number, &back).await,
        Err(_) => page::invalid_link(&state, current.locale()),
    }
}

#[derive(Serialize)]
struct PortalLine {
    number: String,
    issue_date: String,
    due_date: String,
    total: String,
    amount_due: String,
    status: &'static str,
}

pub async fn portal(State(state): State<Arc<AppState>>, current: Current) -> Response {
    let locale = current.locale();
    let mut invoices = match state.store.customer_invoices(&current.customer.id).await {
        Ok(list) => list,
        Err(err) => return page::failed(locale, &err),
    };
    invoices.sort_by_key(|v| std::cmp::Reverse(v.value.issue_date));
    let today = today(&state);
    let lines: Vec<PortalLine> = invoices
        .iter()
        .map(|v| {
            let i = &v.value;
            PortalLine {
                number: i.number.to_string(),
                issue_date: format_date(i.issue_date, locale),
                due_date: format_date(i.due_date, locale),
                total: Money::new(i.totals.gross_minor, i.currency).format(locale),
                amount_due: Money::new(i.remaining_minor(), i.currency).format(locale),
                status: status_of(i, today),
            }
        })
        .collect();
    page::render(
        &state,
        "portal",
        locale,
        StatusCode::OK,
        json!({ "invoices": lines, "customer_name": current.customer.legal_name() }),
        false,
    )
}

#[derive(Serialize)]
pub struct HelpLine {
    number: String,
    amount_due: String,
    due_date: String,
}

/// The help form, also shown again with `error` after a refused submit.
pub async fn help_page(
    state: &AppState,
    current: &Current,
    error: Option<&str>,
    selected: Option<HelpChoice>,
    comment: &str,
) -> Response {
    let locale = current.locale();
    let mut lines = Vec::new();
    for number in session_numbers(current) {
        match state.store.get_invoice(&current.customer.id, &number).await {
            Ok(Some(found)) if found.value.status == InvoiceStatus::Open => {
                let i = found.value;
                lines.push(HelpLine {
                    number: i.number.to_string(),
                    amount_due: Money::new(i.remaining_minor(), i.currency).format(locale),
                    due_date: format_date(i.due_date, locale),
                });
            }
            Ok(_) => {}
            Err(err) => return page::failed(locale, &err),
        }
    }
    if lines.is_empty() {
        return page::message(state, locale, StatusCode::OK, "help_title", "help_nothing_open", true);
    }
    page::render(
        state,
        "help",
        locale,
        form_status(error),
        json!({
            "invoices": lines,
            "choices": HelpChoice::ALL.iter().map(|c| c.name()).collect::<Vec<_>>(),
            "selected": selected.map(HelpChoice::name),
            "comment": comment,
            "error": error,
            "once": current.session.nonce,
        }),
        true,
    )
}

pub async fn help(State(state): State<Arc<AppState>>, current: Current) -> Response {
    if session_numbers(&current).is_empty() {
        return page::invalid_link(&state, current.locale());
    }
    help_page(&state, &current, None, None, "").await
}

#[derive(Deserialize)]
pub struct SurveyQuery {
    score: Option<String>,
}

/// The survey form, with the score from the link (or the last answer)
/// selected; shown again with `error` after a refused submit.
pub async fn survey_page(
    state: &AppState,
    current: &Current,
    selected: Option<u8>,
    comment: &str,
    error: Option<&str>,
) -> Response {
    let locale = current.locale();
    if current.session.purpose != LinkPurpose::Survey {
        return page::invalid_link(state, locale);
    }
    let survey = match state
        .store
        .get_survey(&current.customer.id, &current.session.object)
        .await
    {
        Ok(Some(s)) => s,
        Ok(None) => return page::invalid_link(state, locale),
        Err(err) => return page::failed(locale, &err),
    };
    let selected = selected
        .filter(|s| survey.question.scores().contains(s))
        .or(survey.answer);
    let (about, number) = survey.trigger.about();
    page::render(
        state,
        "survey",
        locale,
        form_status(error),
        json!({
            "question": survey.question.name(),
            "about": about,
            "number": number,
            "scores": survey.question.scores().map(|s| json!({ "score": s })).collect::<Vec<_>>(),
            "selected": selected,
            "comment": comment,
            "error": error,
            "once": current.session.nonce,
        }),
        true,
    )
}

pub async fn survey(
    State(state): State<Arc<AppState>>,
    Query(query): Query<SurveyQuery>,
    current: Current,
) -> Response {
    let selected = query.score.as_deref().and_then(|s| s.parse().ok());
    survey_page(&state, &current, selected, "", None).await
}
