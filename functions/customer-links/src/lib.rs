//! `customer-links`: the public pages behind the links in emails. A link's
//! token is swapped for a short-lived session cookie and a redirect to a
//! clean address; the customer and the object always come from the token
//! (through the session), never from the address. A GET never changes
//! anything a person sees; forms carry a one-time value.

mod answer;
pub mod checkout;
mod page;
mod session;
mod view;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use relance::delivery::Deliverer;
use relance::domain::Seller;
use relance::mail::SesMailer;
use relance::render::Renderer;
use relance::store::Store;

pub use session::ClientAddress;

pub use relance::context::Clock;

pub struct AppState {
    pub store: Store,
    /// Sends the alerts a help request or a detractor's answer causes,
    /// right away (the outbox retries what fails).
    pub deliverer: Deliverer<SesMailer>,
    pub renderer: Arc<Renderer>,
    pub seller: Seller,
    /// Signs download links to the archived originals; None where no
    /// archive is configured (the pages then offer no download).
    pub archive: Option<relance::archive_link::ArchiveLinks>,
    pub clock: Clock,
    /// The card provider behind "Pay online", when one is configured:
    /// the button then opens a Checkout Session for what is still due
    /// (else it goes to `payment.pay_url`, if any).
    pub checkout: Option<Arc<dyn checkout::CardCheckout>>,
    /// Where the pages are served (`RELANCE_PUBLIC_URL`): the provider
    /// sends the customer back there.
    pub public_url: String,
    /// `Secure` cookies (and the `__Host-` prefix) when served over HTTPS.
    pub secure_cookies: bool,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

/// Forms are small: a choice and 500 characters.
const MAX_FORM: usize = 8 * 1024;

pub fn router(state: Arc<AppState>) -> Router {
    let csp = content_security_policy(&state.seller, state.checkout.is_some());
    let https = state.secure_cookies;
    Router::new()
        .route("/i/{token}", get(session::open_invoice_link))
        .route("/i/{token}/{number}", get(session::open_reminder_invoice_link))
        .route("/help/{token}", get(session::open_help_link))
        .route("/s/{token}", get(session::open_survey_link))
        .route("/u/{token}", get(answer::unsubscribe_page).post(answer::unsubscribe))
        .route("/invoice", get(view::invoice))
        .route("/pay", post(answer::pay))
        .route("/help", get(view::help).post(answer::help))
        .route("/survey", get(view::survey).post(answer::survey))
        .route("/portal", get(view::portal))
        .route("/portal/invoices/{number}", get(view::portal_invoice))
        .route("/documents/{number}/{format}", get(view::document))
        .route("/assets/site.css", get(page::stylesheet))
        .fallback(page::not_found)
        .route_layer(axum::middleware::from_fn(finance_http::trace::request_span))
        .layer(DefaultBodyLimit::max(MAX_FORM))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            page::render_failures,
        ))
        .layer(axum::middleware::map_response(move |response: Response| {
            let csp = csp.clone();
            async move { with_security_headers(response, &csp, https) }
        }))
        .with_state(state)
}

/// Nothing from elsewhere, no script at all, forms only to ourselves and
/// to the payment page (Chrome applies `form-action` to the redirect):
/// the provider's checkout when there is one, else `payment.pay_url`.
fn content_security_policy(seller: &Seller, card_checkout: bool) -> HeaderValue {
    let pay_origin = if card_checkout {
        format!(" {STRIPE_CHECKOUT_ORIGIN}")
    } else {
        seller
            .payment
            .pay_url
            .as_deref()
            .and_then(origin_of)
            .map(|o| format!(" {o}"))
            .unwrap_or_default()
    };
    let policy = format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'{pay_origin}; \
         frame-ancestors 'none'; base-uri 'none'"
    );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
}

/// Where Stripe's hosted Checkout pages are served.
const STRIPE_CHECKOUT_ORIGIN: &str = "https://checkout.stripe.com";

/// `https://pay.example.com/x?y` → `https://pay.example.com`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty() && !host.contains(['"', ';', ' ', '\'']) && matches!(scheme, "https" | "http"))
        .then(|| format!("{scheme}://{host}"))
}

fn with_security_headers(mut response: Response, csp: &HeaderValue, https: bool) -> Response {
    let headers = response.headers_mut();
    if https {
        // Served over HTTPS: browsers never try plain HTTP again, so a
        // link opened on a hostile network cannot be downgraded.
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    // Tokens sit in the first address; no other site may see it.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Pages hold personal data: never kept by a shared cache.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn payment_origins() {
        assert_eq!(
            super::origin_of("https://pay.example.com/x?y={number}").as_deref(),
            Some("https://pay.example.com")
        );
        assert_eq!(super::origin_of("javascript:alert(1)"), None);
        assert_eq!(super::origin_of("https://a b/"), None);
    }
}
