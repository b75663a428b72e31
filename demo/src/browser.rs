//! A customer's browser on the customer pages: it opens the links in the
//! emails it received, keeps the session cookie, and submits the forms,
//! over real HTTP — what a person does, click by click.

use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use relance_e2e::StoredEmail;
use reqwest::StatusCode;

pub struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Mutex<Option<String>>,
    language: &'static str,
}

pub struct Page {
    pub status: StatusCode,
    pub url: String,
    pub body: String,
    /// Where a redirect leads when it leaves the customer pages (payment).
    pub left_to: Option<String>,
}

impl Page {
    /// The form's one-time value.
    pub fn once(&self) -> Result<String> {
        let marker = "name=\"once\" value=\"";
        let start = self.body.find(marker).context("the page has no form")? + marker.len();
        Ok(self.body[start..].split('"').next().unwrap_or_default().to_string())
    }

    /// The hidden fields of the page's first form (its one-time value, the
    /// invoice it is about), which a browser sends along.
    pub fn hidden(&self) -> Vec<(String, String)> {
        let form = between(&self.body, "<form", "</form>").unwrap_or_default();
        form.split("<input type=\"hidden\"")
            .skip(1)
            .filter_map(|input| {
                let name = between(input, "name=\"", "\"")?;
                let value = between(input, "value=\"", "\"")?;
                Some((name.to_string(), value.to_string()))
            })
            .collect()
    }

    pub fn heading(&self) -> String {
        between(&self.body, "<h1>", "</h1>").unwrap_or_default().to_string()
    }
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

/// The first link in an email's text part that goes to `path` (`/help/`).
pub fn link(email: &StoredEmail, base: &str, path: &str) -> Result<String> {
    let needle = format!("{base}{path}");
    let text = email.body.text.as_deref().unwrap_or_default();
    text.split_whitespace()
        .find(|w| w.starts_with(&needle))
        .map(|w| w.trim_end_matches(['.', ',', ')', '>']).to_string())
        .with_context(|| format!("no {path} link in “{}”", email.subject))
}

impl Browser {
    pub fn new(base: &str, language: &'static str) -> Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            base: base.trim_end_matches('/').to_string(),
            cookie: Mutex::new(None),
            language,
        })
    }

    /// Opens a link (or a path of the pages) and follows its redirects.
    pub async fn open(&self, link: &str) -> Result<Page> {
        self.request(reqwest::Method::GET, link, None).await
    }

    /// Submits a form of the page at `path`.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Result<Page> {
        let body = serde_urlencoded::to_string(fields)?;
        self.request(reqwest::Method::POST, path, Some(body)).await
    }

    async fn request(&self, method: reqwest::Method, target: &str, form: Option<String>) -> Result<Page> {
        let mut url = if target.starts_with("http") {
            target.to_string()
        } else {
            format!("{}{target}", self.base)
        };
        let (mut method, mut form) = (method, form);
        for _ in 0..4 {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header("accept-language", self.language);
            if let Some(cookie) = self.cookie.lock().map_err(|_| anyhow::anyhow!("cookie jar"))?.clone() {
                request = request.header("cookie", cookie);
            }
            if let Some(body) = form.take() {
                request = request
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body);
            }
            let response = request.send().await.with_context(|| format!("{method} {url}"))?;
            if let Some(set) = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()) {
                let pair = set.split(';').next().unwrap_or_default().to_string();
                *self.cookie.lock().map_err(|_| anyhow::anyhow!("cookie jar"))? = Some(pair);
            }
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .context("a redirect without a location")?
                    .to_string();
                if location.starts_with("http") && !location.starts_with(&self.base) {
                    return Ok(Page {
                        status,
                        url,
                        body: String::new(),
                        left_to: Some(location),
                    });
                }
                url = if location.starts_with("http") {
                    location
                } else {
                    format!("{}{location}", self.base)
                };
                method = reqwest::Method::GET;
                continue;
            }
            let body = response.text().await?;
            return Ok(Page {
                status,
                url,
                body,
                left_to: None,
            });
        }
        bail!("too many redirects from {target}")
    }
}
