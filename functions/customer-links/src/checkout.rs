//! "Pay online" with the card provider: a Stripe Checkout Session for
//! what the invoice still owes, with the invoice, its reference and the
//! customer in its metadata and in its PaymentIntent's — the webhook
//! (`payment-webhook`) reads them back to record the payment.
//!
//! The page only needs `CardCheckout`; `StripeApi` is its implementation
//! over Stripe's form-encoded HTTP API, on the TLS stack the AWS SDK
//! already links.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use relance::domain::{Invoice, Locale};
use serde_json::Value;

/// How long a Checkout Session stays payable. Stripe accepts 30 minutes
/// to 24 hours; an hour covers a customer finding their card, and the
/// amount it asks is never stale for long.
const SESSION_MINUTES: i64 = 60;

/// Clicks on "pay" within the same ten minutes for the same amount reuse
/// one session (Stripe answers a repeated idempotency key with the first
/// answer), so a double click never opens two payments.
const SAME_CLICK_SECONDS: i64 = 600;

/// One Checkout Session as relance asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    pub number: String,
    pub customer: String,
    /// The invoice's ISO 11649 reference.
    pub reference: String,
    pub amount_minor: i64,
    /// ISO 4217, lower case as Stripe writes it.
    pub currency: String,
    /// What the payment page and the card statement's detail show.
    pub description: String,
    pub email: String,
    pub locale: Locale,
    pub success_url: String,
    pub cancel_url: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub idempotency_key: String,
}

impl CheckoutRequest {
    /// The session for what `invoice` still owes, at `now`; the customer
    /// comes back to the invoice's page under `public_url`.
    pub fn for_invoice(invoice: &Invoice, email: &str, locale: Locale, public_url: &str, now: DateTime<Utc>) -> Self {
        let amount_minor = invoice.remaining_minor();
        let number = invoice.number.as_str().to_string();
        let page = format!("{public_url}/portal/invoices/{number}");
        let description = match locale {
            Locale::Fr => format!("Facture {number} — {}", invoice.seller.legal_name),
            Locale::En => format!("Invoice {number} — {}", invoice.seller.legal_name),
        };
        Self {
            reference: relance::domain::bank::CreditorReference::for_document(&number)
                .map_or_else(|| number.clone(), |r| r.as_str().to_string()),
            customer: invoice.customer_id.as_str().to_string(),
            currency: invoice.currency.code().to_lowercase(),
            description,
            email: email.to_string(),
            locale,
            success_url: format!("{page}?checkout=done"),
            cancel_url: page,
            expires_at: now.timestamp() + SESSION_MINUTES * 60,
            idempotency_key: format!(
                "relance-checkout-{number}-{amount_minor}-{}",
                now.timestamp().div_euclid(SAME_CLICK_SECONDS)
            ),
            amount_minor,
            number,
        }
    }

    /// The form Stripe's `POST /v1/checkout/sessions` reads: one line for
    /// the amount due, paid by card (or whatever the account offers) in
    /// `payment` mode; the metadata on the session and on its
    /// PaymentIntent, so every event about the payment carries it.
    pub fn form(&self) -> Vec<(String, String)> {
        let mut form: Vec<(String, String)> = [
            ("mode", "payment".to_string()),
            ("line_items[0][quantity]", "1".into()),
            ("line_items[0][price_data][currency]", self.currency.clone()),
            ("line_items[0][price_data][unit_amount]", self.amount_minor.to_string()),
            (
                "line_items[0][price_data][product_data][name]",
                self.description.clone(),
            ),
            ("success_url", self.success_url.clone()),
            ("cancel_url", self.cancel_url.clone()),
            ("client_reference_id", self.number.clone()),
            ("customer_email", self.email.clone()),
            ("locale", self.locale.code().to_string()),
            ("expires_at", self.expires_at.to_string()),
            ("payment_intent_data[description]", self.description.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for owner in ["metadata", "payment_intent_data[metadata]"] {
            for (key, value) in [
                ("invoice", &self.number),
                ("customer", &self.customer),
                ("reference", &self.reference),
            ] {
                form.push((format!("{owner}[{key}]"), value.clone()));
            }
        }
        form
    }
}

/// A session to send the customer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    pub id: String,
    pub url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the card provider could not be reached: {0}")]
    Unreachable(String),
    /// Stripe answered with an error object.
    #[error("the card provider refused ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the card provider's answer could not be read: {0}")]
    Unreadable(String),
}

/// What the invoice page needs from a card provider.
pub trait CardCheckout: Send + Sync {
    fn start<'a>(&'a self, request: &'a CheckoutRequest) -> BoxFuture<'a, Result<Checkout, ProviderError>>;
}

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// Stripe's HTTP API: form-encoded requests with the secret key as a
/// bearer token, JSON answers.
pub struct StripeApi {
    base: String,
    secret_key: String,
    client: Client<Https, Full<Bytes>>,
}

/// The API version relance's requests and its reading of events are
/// written against.
pub const STRIPE_VERSION: &str = "2024-06-20";

impl StripeApi {
    /// `base` is `https://api.stripe.com`, or a local stand-in on the
    /// loopback interface (the only place plain HTTP is accepted).
    pub fn new(base: &str, secret_key: &str) -> Result<Self, String> {
        let base = base.trim_end_matches('/').to_string();
        let local = ["http://127.0.0.1:", "http://localhost:"]
            .iter()
            .any(|p| base.starts_with(p));
        if !(base.starts_with("https://") || local) {
            return Err(format!(
                "the card provider's address must be https:// (or a loopback http:// stand-in), not {base}"
            ));
        }
        if !secret_key.starts_with("sk_") && !secret_key.starts_with("rk_") {
            return Err("the card provider's key must be a secret (sk_…) or restricted (rk_…) key".into());
        }
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| format!("no root certificates: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            base,
            secret_key: secret_key.to_string(),
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    /// POSTs a form to `path`; Stripe's error object becomes `Refused`
    /// with its message.
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Value, ProviderError> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish();
        let mut request = Request::post(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.secret_key))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("stripe-version", STRIPE_VERSION);
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
        let response = tokio::time::timeout(std::time::Duration::from_secs(10), self.client.request(request))
            .await
            .map_err(|_| ProviderError::Unreachable("no answer within 10 s".into()))?
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?
            .to_bytes();
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| ProviderError::Unreadable(e.to_string()))?;
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err(ProviderError::Refused {
                status,
                message: value["error"]["message"]
                    .as_str()
                    .unwrap_or("no message")
                    .chars()
                    .take(300)
                    .collect(),
            })
        }
    }
}

impl CardCheckout for StripeApi {
    fn start<'a>(&'a self, request: &'a CheckoutRequest) -> BoxFuture<'a, Result<Checkout, ProviderError>> {
        Box::pin(async move {
            let session = self
                .post_form("/v1/checkout/sessions", &request.form(), Some(&request.idempotency_key))
                .await?;
            match (session["id"].as_str(), session["url"].as_str()) {
                (Some(id), Some(url)) if url.starts_with("https://") || url.starts_with("http://127.0.0.1") => {
                    Ok(Checkout {
                        id: id.to_string(),
                        url: url.to_string(),
                    })
                }
                _ => Err(ProviderError::Unreadable(
                    "a session without an id or a payment page".into(),
                )),
            }
        })
    }
}
