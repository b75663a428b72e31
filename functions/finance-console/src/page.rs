//! Rendering a console page, and the one-message pages.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relance::domain::Locale;
use relance::staff::Person;
use serde_json::{Value, json};

use crate::AppState;

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
    message(&state, None, StatusCode::NOT_FOUND, "not_found_title", "not_found_body")
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
