//! `finance-console`: the finance team's pages, rendered on the server
//! from the table — the to-do (what waits for a person, most urgent
//! first) and the actions that clear it: answer a customer, settle a
//! dispute, approve or refuse a credit. No script, nothing from
//! elsewhere, a strict CSP; every form carries the session's CSRF token;
//! every action is recorded in the history as the person who did it.
//!
//! Sign-in: deployed, Amazon Cognito's hosted page with the
//! authorization-code flow and PKCE (`oidc.rs`); locally, a development
//! sign-in with the people of `config/console-users.toml` (`auth.rs`),
//! refused when deployed.

// A refused action is the page the person sees (`Err(Response)`): it is
// built once and returned; boxing it would buy nothing on a path that
// renders HTML.
#![allow(clippy::result_large_err)]

mod actions;
mod auth;
mod balance;
mod chart;
mod credit;
mod customer;
mod emails;
mod invoice;
pub mod oidc;
mod page;
mod receivables;
mod reminders;
mod todo;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};
use relance::context::{Clock, IssueGate};
use relance::domain::Seller;
use relance::domain::goodwill::GoodwillPolicy;
use relance::render::Renderer;
use relance::staff::Person;
use relance::store::Store;

pub use auth::cookie_name;

pub struct AppState {
    pub store: Store,
    pub renderer: Arc<Renderer>,
    pub clock: Clock,
    /// The people of the development sign-in; `None` when deployed (the
    /// sign-in page then says it is not available here).
    pub local_users: Option<Vec<Person>>,
    /// The deployed sign-in; when set, the development one is never used.
    pub identity: Option<Arc<oidc::Provider>>,
    /// `Secure` cookies (and the `__Host-` prefix) over HTTPS.
    pub secure_cookies: bool,
    /// What approving a credit needs: the credit note is granted then.
    pub seller: Seller,
    pub policy: GoodwillPolicy,
    /// The reminder policy: the preview runs the pass with it.
    pub dunning: relance::domain::dunning::Policy,
    /// The archive bucket, for download links to the documents as issued
    /// (none when no bucket is configured: the page lists them unlinked).
    pub archive: Option<relance::archive_link::ArchiveLinks>,
    pub series: String,
    pub gate: IssueGate,
}

impl AppState {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        (self.clock)()
    }
}

/// Forms are small: a choice and a paragraph.
const MAX_FORM: usize = 16 * 1024;

pub fn router(state: Arc<AppState>) -> Router {
    let https = state.secure_cookies;
    // Signing out is a form whose answer goes on to the provider's logout:
    // the browser holds a form's redirects to `form-action` too.
    let form_action = match &state.identity {
        Some(provider) => format!("'self' {}", provider.config.domain),
        None => "'self'".to_string(),
    };
    let csp = HeaderValue::from_str(&format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'; form-action 'self'"));
    Router::new()
        .route("/", get(todo::page))
        .route("/receivables", get(receivables::page))
        .route("/receivables.csv", get(receivables::csv))
        .route("/balance", get(balance::page))
        .route("/reminders", get(reminders::page))
        .route("/emails", get(emails::page))
        .route("/emails/html", get(emails::html))
        .route("/sign-in", get(auth::sign_in_page).post(auth::sign_in))
        .route("/sign-out", post(auth::sign_out))
        .route("/auth/callback", get(auth::callback))
        .route("/customers/{id}", get(customer::page))
        .route("/customers/{id}/invoices/{number}", get(invoice::page))
        .route("/customers/{id}/reply", post(actions::reply))
        .route("/customers/{id}/reminders", post(actions::pause))
        .route("/customers/{id}/email", post(actions::change_email))
        .route("/customers/{id}/invoices/{number}/take-over", post(actions::take_over))
        .route(
            "/customers/{id}/invoices/{number}/dispute",
            post(customer::open_dispute),
        )
        .route("/customers/{id}/invoices/{number}/settle", post(actions::settle))
        .route(
            "/customers/{id}/invoices/{number}/payment",
            post(customer::record_payment),
        )
        .route("/customers/{id}/invoices/{number}/promise", post(customer::promise))
        .route("/customers/{id}/invoices/{number}/plan", post(customer::plan))
        .route(
            "/customers/{id}/invoices/{number}/credit",
            get(credit::quote).post(credit::request),
        )
        .route("/customers/{id}/credits/{credit}/approve", post(actions::approve))
        .route("/customers/{id}/credits/{credit}/refuse", post(actions::refuse))
        .route("/assets/console.css", get(page::stylesheet))
        .fallback(page::not_found)
        .layer(DefaultBodyLimit::max(MAX_FORM))
        .layer(axum::middleware::map_response(move |response: Response| {
            let csp = csp.clone();
            async move { with_security_headers(response, https, csp) }
        }))
        .with_state(state)
}

fn with_security_headers(mut response: Response, https: bool, csp: HeaderValue) -> Response {
    let headers = response.headers_mut();
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    // A page that set its own policy keeps it (an email preview's frame).
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
