//! Rendering pages: the shared context (company, contact), the plain
//! refusal page, and the stylesheet.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relance::domain::{Locale, Seller};
use serde::Serialize;
use serde_json::{Value, json};

use crate::AppState;

#[derive(Serialize)]
struct Company<'a> {
    name: &'a str,
    contact_name: &'a str,
    contact_role: &'a str,
    contact_phone: &'a str,
    contact_email: &'a str,
}

fn company(seller: &Seller, locale: Locale) -> Company<'_> {
    Company {
        name: &seller.legal_name,
        contact_name: &seller.contact.name,
        contact_role: match locale {
            Locale::Fr => &seller.contact.role_fr,
            Locale::En => &seller.contact.role_en,
        },
        contact_phone: &seller.contact.phone,
        contact_email: seller.contact.email.as_str(),
    }
}

/// Renders a page; `portal` adds the link to all the customer's invoices
/// (only on pages reached through a valid session).
pub fn render(
    state: &AppState,
    name: &str,
    locale: Locale,
    status: StatusCode,
    mut context: Value,
    portal: bool,
) -> Response {
    if let Value::Object(map) = &mut context {
        map.insert("company".into(), json!(company(&state.seller, locale)));
        map.insert("portal".into(), json!(portal));
    }
    match state.renderer.page(name, locale, &context) {
        Ok(html) => html_response(status, html),
        Err(err) => {
            tracing::error!(page = name, error = %err, "page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "relance: page unavailable").into_response()
        }
    }
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// A one-message page (`t.{title}`, `t.{body}`).
pub fn message(
    state: &AppState,
    locale: Locale,
    status: StatusCode,
    title: &str,
    body: &str,
    portal: bool,
) -> Response {
    render(
        state,
        "message",
        locale,
        status,
        json!({ "title": title, "body": body }),
        portal,
    )
}

/// The same plain page for every refused link — forged, tampered,
/// expired, revoked or for another purpose — so a page reveals nothing.
pub fn invalid_link(state: &AppState, locale: Locale) -> Response {
    render(
        state,
        "message",
        locale,
        StatusCode::NOT_FOUND,
        json!({ "title": "invalid_title", "body": "invalid_body", "next": "invalid_next" }),
        false,
    )
}

/// A page that could not be shown. Handlers answer it bare (`failed`);
/// `render_failures`, one layer over every route, turns it into the page
/// the customer sees — the one place page errors are mapped, as
/// `finance_http::error` is for the finance APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageError {
    /// Something on our side failed (logged where it happened): the
    /// customer gets an apology and the contact, never the error.
    Internal(Locale),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// The answer when a read or a write failed: the error is logged here,
/// with the request's span, and the page is rendered by `render_failures`.
pub fn failed(locale: Locale, err: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %err, "customer page failed");
    PageError::Internal(locale).into_response()
}

/// Renders the page of a failed answer; other answers pass unchanged.
pub async fn render_failures(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<AppState>>,
    response: Response,
) -> Response {
    match response.extensions().get::<PageError>().copied() {
        Some(PageError::Internal(locale)) => message(
            &state,
            locale,
            StatusCode::INTERNAL_SERVER_ERROR,
            "error_title",
            "error_body",
            false,
        ),
        None => response,
    }
}

/// The reader's language before we know who they are: the first of fr or
/// en in `Accept-Language`, French otherwise.
pub fn browser_locale(headers: &HeaderMap) -> Locale {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    for range in accept.split(',') {
        let tag = range.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if tag.starts_with("fr") {
            return Locale::Fr;
        }
        if tag.starts_with("en") {
            return Locale::En;
        }
    }
    Locale::Fr
}

pub async fn not_found(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<AppState>>,
    headers: HeaderMap,
) -> Response {
    invalid_link(&state, browser_locale(&headers))
}

const STYLESHEET: &str = include_str!("../assets/site.css");

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        STYLESHEET,
    )
        .into_response()
}
