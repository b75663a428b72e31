//! Rendering a console page, and the one-message pages.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relance::domain::{Currency, CustomerId, InvoiceNumber, Locale};
use relance::staff::Person;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Staff;

/// Renders `console/{name}.html` for `person` (their name and the
/// session's CSRF token go to the layout).
pub fn render(state: &AppState, name: &str, locale: Locale, status: StatusCode, mut context: Value) -> Response {
    if let Value::Object(map) = &mut context {
        map.entry("person").or_insert(Value::Null);
        map.entry("csrf").or_insert(Value::Null);
    }
    match state.renderer.console(name, locale, &context) {
        Ok(html) => {
            let mut response = (status, html).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            response
        }
        Err(err) => {
            tracing::error!(error = %err, page = name, "console page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be drawn; see the logs.",
            )
                .into_response()
        }
    }
}

/// A page that says one thing (`t.{title}`, `t.{body}`), with a way back.
pub fn message(state: &AppState, person: Option<&Person>, status: StatusCode, title: &str, body: &str) -> Response {
    let locale = person.map_or(Locale::Fr, |p| p.locale);
    render(
        state,
        "message",
        locale,
        status,
        json!({ "title": title, "body": body, "detail": null, "person": person }),
    )
}

/// A one-message page with the rules' own words (`detail`) under it.
pub fn message_with(
    state: &AppState,
    person: Option<&Person>,
    status: StatusCode,
    title: &str,
    body: &str,
    detail: &str,
) -> Response {
    let locale = person.map_or(Locale::Fr, |p| p.locale);
    render(
        state,
        "message",
        locale,
        status,
        json!({ "title": title, "body": body, "detail": detail, "person": person }),
    )
}

/// "Nothing here": an unknown customer, invoice or credit.
pub fn missing(state: &AppState, person: Option<&Person>) -> Response {
    message(
        state,
        person,
        StatusCode::NOT_FOUND,
        "not_found_title",
        "not_found_body",
    )
}

/// A form's fields with its CSRF token (`csrf` reads it) checked, or the
/// page that says which of the two is wrong; nothing is written either way.
pub fn checked_form<T>(
    state: &AppState,
    staff: &Staff,
    form: Result<Form<T>, FormRejection>,
    csrf: impl Fn(&T) -> Option<&str>,
) -> Result<T, Response> {
    let Ok(Form(form)) = form else {
        return Err(message(
            state,
            Some(&staff.person),
            StatusCode::BAD_REQUEST,
            "bad_form_title",
            "bad_form_body",
        ));
    };
    staff.check(state, csrf(&form))?;
    Ok(form)
}

/// The customer and the invoice a path names, or "nothing here".
pub fn invoice_of(
    state: &AppState,
    staff: &Staff,
    id: &str,
    number: &str,
) -> Result<(CustomerId, InvoiceNumber), Response> {
    match (CustomerId::parse(id), InvoiceNumber::parse(number)) {
        (Ok(customer), Ok(number)) => Ok((customer, number)),
        _ => Err(missing(state, Some(&staff.person))),
    }
}

/// The rules' words for refused fields, one `field: reason` after another.
pub fn field_errors(fields: &[relance::domain::FieldError]) -> String {
    fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// An amount typed in the currency's units ("40.00"), in minor units.
pub fn amount_minor(text: &str, currency: Currency) -> Option<i64> {
    relance::domain::decimal::parse_scaled(text, currency.exponent())
        .ok()
        .and_then(|m| i64::try_from(m).ok())
}

/// Something on our side failed: logged here, an apology there.
pub fn failed(state: &AppState, person: Option<&Person>, err: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %err, "console action failed");
    message(
        state,
        person,
        StatusCode::INTERNAL_SERVER_ERROR,
        "failed_title",
        "failed_body",
    )
}

pub async fn not_found(axum::extract::State(state): axum::extract::State<std::sync::Arc<AppState>>) -> Response {
    missing(&state, None)
}

pub async fn stylesheet() -> Response {
    let mut response = include_str!("../assets/console.css").into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}
