//! Email previews: every email relance sends, in French or English, drawn
//! from a real customer's profile, invoices and history or from the sample
//! data — read before a customer reads it. The page shows the subject, the
//! recipient and the text; the HTML is drawn by its own route inside a
//! sandboxed frame, under a policy that allows the email's inline styles
//! and nothing else. Nothing is written: no token, no message.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relance::domain::dunning::Tone;
use relance::domain::facts::customer_facts;
use relance::domain::help::HelpChoice;
use relance::domain::survey::Question;
use relance::domain::{CustomerId, Locale};
use relance::render::RenderedEmail;
use relance::view::preview::{self, KINDS, PreviewError, Subject, Variant};
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::auth::Staff;
use crate::page;

/// What the page is asked to show; every field has a default.
#[derive(Deserialize, Default, Clone)]
pub struct Ask {
    kind: Option<String>,
    lang: Option<String>,
    /// A customer's id: their data instead of the sample's.
    customer: Option<String>,
    stage: Option<String>,
    tone: Option<String>,
    question: Option<String>,
}

/// What a request asked for, read and checked.
struct Asked {
    kind: String,
    locale: Locale,
    customer: Option<CustomerId>,
    stage: String,
    tone: Option<Tone>,
    question: Question,
}

/// Reads the query; a value that means nothing names its field.
fn asked(state: &AppState, ask: &Ask, person_locale: Locale) -> Result<Asked, &'static str> {
    let kind = ask
        .kind
        .clone()
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| "reminder".into());
    if !KINDS.contains(&kind.as_str()) {
        return Err("kind");
    }
    let locale = match ask.lang.as_deref() {
        None | Some("") => person_locale,
        Some("fr") => Locale::Fr,
        Some("en") => Locale::En,
        Some(_) => return Err("lang"),
    };
    let customer = match ask.customer.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => Some(CustomerId::parse(id).map_err(|_| "customer")?),
    };
    let stage = ask
        .stage
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "check_in".into());
    if !emailed_stages(state).contains(&stage.as_str()) {
        return Err("stage");
    }
    let tone = match ask.tone.as_deref() {
        None | Some("") => None,
        Some(name) => Some(Tone::ALL.into_iter().find(|t| t.name() == name).ok_or("tone")?),
    };
    let question = match ask.question.as_deref() {
        None | Some("") | Some("nps") => Question::Nps,
        Some("csat") => Question::Csat,
        Some("ces") => Question::Ces,
        Some(_) => return Err("question"),
    };
    Ok(Asked {
        kind,
        locale,
        customer,
        stage,
        tone,
        question,
    })
}

fn emailed_stages(state: &AppState) -> Vec<&str> {
    state
        .dunning
        .stages
        .iter()
        .filter(|s| s.email)
        .map(|s| s.name.as_str())
        .collect()
}

/// The email asked for, drawn; `Err` is the page that says why not.
async fn draw(
    state: &AppState,
    staff: &Staff,
    asked: &Asked,
) -> Result<(RenderedEmail, Option<String>, Tone, Option<String>), Response> {
    let person = Some(&staff.person);
    let (subject, real) = match &asked.customer {
        None => (Subject::sample().map_err(|e| page::failed(state, person, &e))?, false),
        Some(id) => {
            let (customer, invoices, (_, history)) = match futures::try_join!(
                state.store.get_customer(id),
                state.store.customer_invoices(id),
                state.store.dunning_and_history(id, false),
            ) {
                Ok((Some(customer), invoices, found)) => (customer.value, invoices, found),
                Ok((None, _, _)) => return Err(page::missing(state, person)),
                Err(err) => return Err(page::failed(state, person, &err)),
            };
            let subject = Subject {
                customer,
                invoices: invoices.into_iter().map(|v| v.value).collect(),
                history,
                seller: state.seller.clone(),
                now: state.now(),
            };
            (subject, true)
        }
    };
    // The tone the pass would choose for this customer, unless asked.
    let today = relance::domain::calendar::business_date(subject.now);
    let tone = asked.tone.unwrap_or_else(|| {
        if real {
            let facts = customer_facts(&subject.customer, &subject.history, today);
            relance::domain::dunning::decide_tone(&state.dunning.tone, &facts).0
        } else {
            Tone::Standard
        }
    });
    let variant = Variant {
        stage: &asked.stage,
        tone,
        question: asked.question,
        choice: HelpChoice::PaymentPlan,
    };
    let to = (!preview::to_company(&asked.kind)).then(|| subject.customer.email.to_string());
    let name = real.then(|| subject.customer.legal_name().to_string());
    match preview::render(&state.renderer, &subject, &asked.kind, asked.locale, variant) {
        Ok(email) => Ok((email, to, tone, name)),
        Err(PreviewError::NoInvoice(_)) => Err(page::message(
            state,
            person,
            StatusCode::UNPROCESSABLE_ENTITY,
            "preview_no_invoice_title",
            "preview_no_invoice_body",
        )),
        Err(err) => Err(page::failed(state, person, &err)),
    }
}

fn bad_field(state: &AppState, staff: &Staff, field: &str) -> Response {
    page::message_with(
        state,
        Some(&staff.person),
        StatusCode::BAD_REQUEST,
        "preview_bad_title",
        "preview_bad_body",
        field,
    )
}

/// `/emails`: the choice of email, and the one chosen.
pub async fn page(State(state): State<Arc<AppState>>, staff: Staff, Query(ask): Query<Ask>) -> Response {
    let locale = staff.person.locale;
    let asked = match asked(&state, &ask, locale) {
        Ok(asked) => asked,
        Err(field) => return bad_field(&state, &staff, field),
    };
    let (email, to, tone, name) = match draw(&state, &staff, &asked).await {
        Ok(drawn) => drawn,
        Err(page) => return page,
    };
    // The frame's address asks for the same email.
    let mut frame = form_urlencoded::Serializer::new(String::new());
    frame.append_pair("kind", &asked.kind);
    frame.append_pair("lang", asked.locale.code());
    if let Some(id) = &asked.customer {
        frame.append_pair("customer", id.as_str());
    }
    frame.append_pair("stage", &asked.stage);
    frame.append_pair("tone", tone.name());
    frame.append_pair("question", asked.question.name());
    let kinds: Vec<_> = KINDS
        .iter()
        .map(|k| json!({ "name": k, "to_company": preview::to_company(k) }))
        .collect();
    page::render(
        &state,
        "emails",
        locale,
        StatusCode::OK,
        json!({
            "person": staff.person,
            "kinds": kinds,
            "kind": asked.kind,
            "lang": asked.locale.code(),
            "customer": asked.customer.as_ref().map(|c| c.as_str().to_string()),
            "name": name,
            "stage": asked.stage,
            "stages": emailed_stages(&state),
            "tone": tone.name(),
            "tones": Tone::ALL.map(Tone::name),
            "question": asked.question.name(),
            "to": to,
            "subject": email.subject,
            "text": email.text,
            "frame": format!("/emails/html?{}", frame.finish()),
        }),
    )
}

/// `/emails/html`: the email's HTML alone, for the page's sandboxed frame:
/// its inline styles may apply, nothing may run, load or submit, and only
/// the console itself may frame it.
pub async fn html(State(state): State<Arc<AppState>>, staff: Staff, Query(ask): Query<Ask>) -> Response {
    let asked = match asked(&state, &ask, staff.person.locale) {
        Ok(asked) => asked,
        Err(field) => return bad_field(&state, &staff, field),
    };
    match draw(&state, &staff, &asked).await {
        Ok((email, ..)) => {
            let mut response = (StatusCode::OK, email.html).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox",
                ),
            );
            response
        }
        Err(page) => page,
    }
}
