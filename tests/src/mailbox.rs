//! Reads back what the local SES endpoint received, as a person would see it.

use anyhow::{Context, Result};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredEmail {
    pub message_id: String,
    pub from: String,
    pub destination: Destination,
    pub subject: String,
    pub body: Body,
    #[serde(default)]
    pub attachments: Vec<StoredAttachment>,
}

/// A file as the endpoint kept it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredAttachment {
    pub filename: String,
    pub content_type: String,
    /// Base64, as sent.
    pub content: String,
}

impl StoredAttachment {
    pub fn bytes(&self) -> Result<Vec<u8>> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(self.content.trim())
            .context("attachment content is not base64")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Destination {
    #[serde(default)]
    pub to: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Body {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub html: Option<String>,
}

#[derive(Deserialize)]
struct Store {
    emails: Vec<StoredEmail>,
}

/// The SES endpoint's mailbox (`$AWS_ENDPOINT_URL_SESV2/store`).
#[derive(Clone)]
pub struct Mailbox {
    base: String,
    http: reqwest::Client,
}

impl Mailbox {
    pub fn from_env() -> Result<Self> {
        let base = std::env::var("AWS_ENDPOINT_URL_SESV2")
            .context("AWS_ENDPOINT_URL_SESV2 is not set: run the tests through scripts/test.sh")?;
        Ok(Self {
            base: base.trim_end_matches('/').to_string(),
            // The endpoint (Node) closes an idle connection after 5 s; a
            // request sent on it just then fails with "connection closed
            // before message completed". Idle connections are dropped first.
            http: reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(2))
                .build()
                .context("an HTTP client")?,
        })
    }

    /// A GET, sent again when the connection failed before any answer
    /// came back (a read: sending it twice changes nothing).
    async fn get(&self, url: &str) -> reqwest::Result<reqwest::Response> {
        let mut tries = 0;
        loop {
            match self.http.get(url).send().await {
                Err(e) if tries < 2 && (e.is_request() || e.is_connect()) => tries += 1,
                answer => return answer,
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    pub async fn all(&self) -> Result<Vec<StoredEmail>> {
        let store: Store = self
            .get(&format!("{}/store", self.base))
            .await
            .context("reading the SES endpoint's store")?
            .error_for_status()?
            .json()
            .await
            .context("decoding the SES endpoint's store")?;
        Ok(store.emails)
    }

    /// The email as a mail client would receive it: its MIME source (the
    /// endpoint answers `{"body": {"type": "Buffer", "data": [bytes]}}`).
    pub async fn eml(&self, message_id: &str) -> Result<Vec<u8>> {
        #[derive(Deserialize)]
        struct Eml {
            body: Buffer,
        }
        #[derive(Deserialize)]
        struct Buffer {
            data: Vec<u8>,
        }
        // Provider message ids are letters, digits and dashes.
        let eml: Eml = self
            .get(&format!("{}/get-emlContent?messageId={message_id}", self.base))
            .await
            .context("reading an email's MIME source")?
            .error_for_status()?
            .json()
            .await
            .context("decoding an email's MIME source")?;
        Ok(eml.body.data)
    }

    /// Every email sent to `address`. Tests use addresses unique to
    /// themselves, so they can run in parallel against one endpoint.
    pub async fn to(&self, address: &str) -> Result<Vec<StoredEmail>> {
        Ok(self
            .all()
            .await?
            .into_iter()
            .filter(|e| e.destination.to.iter().any(|t| t.contains(address)))
            .collect())
    }
}
