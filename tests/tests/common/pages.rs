//! The customer pages of a world: its own `customer-links` state on the
//! same table and clock, a cookie jar, and helpers that follow what a
//! customer does (open a link from an email, submit a form).

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use customer_links::{AppState, ClientAddress, router};
use http_body_util::BodyExt;
use relance::config::company;
use relance::domain::HistoryEvent;
use relance::mail::SesMailer;
use tower::ServiceExt;

use super::{PUBLIC_URL, World, deliverer};

/// A deliverer on this world's table and the local SES endpoint.
pub fn local_deliverer(world: &World) -> relance::delivery::Deliverer<SesMailer> {
    deliverer(
        &world.store,
        SesMailer::new(
            aws_sdk_sesv2::Client::new(&world.config),
            "Atelier Durand <factures@atelier-durand.fr>",
            None,
        ),
    )
}

/// What `dispatch-survey` runs with, on this world.
pub fn survey_deps(world: &World) -> dispatch_survey::Deps<SesMailer> {
    dispatch_survey::Deps {
        store: world.store.clone(),
        deliverer: local_deliverer(world),
        policy: Default::default(),
        dunning: world.state.policy.clone(),
    }
}

pub fn links_state(world: &World) -> Arc<AppState> {
    let clock = world.clock.clone();
    Arc::new(AppState {
        store: world.store.clone(),
        deliverer: local_deliverer(world),
        renderer: Arc::new(relance::render::Renderer::new().expect("templates")),
        seller: company().expect("company"),
        archive: Some(relance::archive_link::ArchiveLinks {
            bucket: world.archive.archive.bucket.clone(),
            region: std::env::var("AWS_REGION").expect("AWS_REGION"),
            endpoint: std::env::var("AWS_ENDPOINT_URL_S3").ok(),
        }),
        clock: Arc::new(move || *clock.lock().expect("clock")),
        checkout: None,
        public_url: "http://127.0.0.1:3001".into(),
        secure_cookies: false,
    })
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// The form's one-time value.
    pub fn once(&self) -> String {
        let marker = "name=\"once\" value=\"";
        let start = self.body.find(marker).expect("a form with a one-time value") + marker.len();
        self.body[start..].split('"').next().unwrap_or_default().to_string()
    }
}

/// One browser: a cookie jar and a network address.
pub struct Visitor {
    pub state: Arc<AppState>,
    cookie: Mutex<Option<String>>,
    address: String,
}

impl Visitor {
    pub fn new(world: &World, address: &str) -> Self {
        Self {
            state: links_state(world),
            cookie: Mutex::new(None),
            address: address.into(),
        }
    }

    pub async fn request(&self, method: &str, uri: &str, form: Option<&[(&str, &str)]>) -> Page {
        let uri = uri.strip_prefix(PUBLIC_URL).unwrap_or(uri);
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("accept-language", "fr-FR,fr;q=0.9");
        if let Some(cookie) = self.cookie.lock().expect("jar").clone() {
            request = request.header("cookie", cookie);
        }
        let body = match form {
            Some(fields) => {
                request = request.header("content-type", "application/x-www-form-urlencoded");
                Body::from(encode(fields))
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).expect("request");
        request.extensions_mut().insert(ClientAddress(self.address.clone()));
        let response = router(self.state.clone()).oneshot(request).await.expect("answer");
        let status = response.status();
        let headers = response.headers().clone();
        if let Some(set) = headers.get("set-cookie").and_then(|v| v.to_str().ok()) {
            let pair = set.split(';').next().unwrap_or_default().to_string();
            *self.cookie.lock().expect("jar") = Some(pair);
        }
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, uri: &str) -> Page {
        self.request("GET", uri, None).await
    }

    pub async fn post(&self, uri: &str, form: &[(&str, &str)]) -> Page {
        self.request("POST", uri, Some(form)).await
    }

    /// Opens a link from an email and follows the redirect to the page.
    pub async fn open(&self, link: &str) -> Page {
        let first = self.get(link).await;
        match first.location() {
            Some(to) if first.status == StatusCode::SEE_OTHER => self.get(to).await,
            _ => first,
        }
    }
}

fn encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Links in an email's text part that start with `prefix` (e.g. `/i/`).
pub fn links_in(text: &str, prefix: &str) -> Vec<String> {
    let needle = format!("{PUBLIC_URL}{prefix}");
    text.split_whitespace()
        .filter(|w| w.starts_with(&needle))
        .map(|w| w.trim_end_matches(['.', ',', ')']).to_string())
        .collect()
}

/// The table's stream record for a history event, built from the item
/// as stored (what Lambda's event source would hand the function).
pub async fn stream_record(world: &World, event: &HistoryEvent) -> aws_lambda_events::event::dynamodb::Event {
    relance_e2e::stream::inserted(&world.dynamodb(), world.store.table(), std::slice::from_ref(event))
        .await
        .expect("stream record")
}
