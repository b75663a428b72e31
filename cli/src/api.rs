//! The finance API over HTTP: the invoice routes and the credit routes
//! (one API when deployed; two local listeners when run locally).

use anyhow::{Context, Result};
use reqwest::Method;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    invoices: String,
    credits: String,
    actor: String,
}

/// An answer: the status and the JSON body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    /// The API replayed the first answer to this Idempotency-Key.
    pub replayed: bool,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The API's own explanation of a refusal: "lines[1].vat_rate: …".
    pub fn problem(&self) -> String {
        let message = self.body["message"].as_str().or(self.body["error"].as_str());
        let mut text = message.map_or_else(|| format!("HTTP {}", self.status), str::to_string);
        if let Some(fields) = self.body["errors"].as_array() {
            for f in fields {
                text.push_str(&format!(
                    "; {}: {}",
                    f["field"].as_str().unwrap_or("?"),
                    f["reason"].as_str().unwrap_or("?")
                ));
            }
        }
        text
    }
}

impl Api {
    /// `invoices`: the finance API's base URL; `credits`: where the credit
    /// routes answer (the same URL when deployed).
    pub fn new(invoices: &str, credits: &str, actor: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            invoices: invoices.trim_end_matches('/').to_string(),
            credits: credits.trim_end_matches('/').to_string(),
            actor: actor.to_string(),
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>, key: Option<&str>) -> Result<Answer> {
        let base = if path.starts_with("/credits") || path.contains("/credits") {
            &self.credits
        } else {
            &self.invoices
        };
        let url = format!("{base}{path}");
        let mut request = self
            .http
            .request(method.clone(), &url)
            .header("x-relance-actor", &self.actor);
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {url}: is the API running?"))?;
        let status = response.status().as_u16();
        let replayed = response
            .headers()
            .get("idempotent-replayed")
            .is_some_and(|v| v == "true");
        let bytes = response.bytes().await.with_context(|| format!("{method} {url}"))?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok(Answer { status, body, replayed })
    }
}
