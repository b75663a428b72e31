//! The finance API over HTTP: the invoice routes and the credit routes
//! (one API when deployed; two local listeners when run locally). A
//! deployed API (https) authorises with IAM: each request is signed with
//! SigV4 using the caller's AWS credentials (profile, SSO, environment),
//! and the history records that identity. Locally, `x-relance-actor`
//! names the person.

use anyhow::{Context, Result};
use reqwest::Method;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    invoices: String,
    credits: String,
    /// Where the bank routes answer (the bank function's own listener
    /// locally; the finance API itself when deployed).
    bank: String,
    /// Where the documents and the customer's export answer (the
    /// documents function's own listener locally).
    documents: String,
    actor: String,
    signer: Option<Signer>,
}

/// Signs requests for API Gateway (`execute-api`) with the caller's
/// credentials.
#[derive(Debug, Clone)]
pub struct Signer {
    config: aws_config::SdkConfig,
}

impl Signer {
    pub async fn from_environment() -> Self {
        Self {
            config: aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
        }
    }

    async fn headers(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>> {
        use aws_credential_types::provider::ProvideCredentials;
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        let credentials = self
            .config
            .credentials_provider()
            .context("no AWS credentials: configure a profile or set AWS_PROFILE")?
            .provide_credentials()
            .await
            .context("reading AWS credentials")?;
        let region = self
            .config
            .region()
            .context("no AWS region: set AWS_REGION")?
            .to_string();
        let identity: aws_smithy_runtime_api::client::identity::Identity = credentials.into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name("execute-api")
            .time(std::time::SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .context("signing parameters")?
            .into();
        let request = SignableRequest::new(method, url, headers.iter().copied(), SignableBody::Bytes(body))
            .context("a request to sign")?;
        let (instructions, _) = sign(request, &params).context("signing the request")?.into_parts();
        Ok(instructions
            .headers()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect())
    }
}

/// An answer: the status and the JSON body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    /// The body as it came (a document's bytes).
    pub bytes: Vec<u8>,
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
            bank: invoices.trim_end_matches('/').to_string(),
            documents: invoices.trim_end_matches('/').to_string(),
            actor: actor.to_string(),
            signer: None,
        }
    }

    /// Where the bank routes answer.
    pub fn with_bank(mut self, bank: &str) -> Self {
        self.bank = bank.trim_end_matches('/').to_string();
        self
    }

    /// Where the documents and the customer's export answer.
    pub fn with_documents(mut self, documents: &str) -> Self {
        self.documents = documents.trim_end_matches('/').to_string();
        self
    }

    /// Sends a file as the body (a bank statement), as it is.
    pub async fn send_file(&self, path: &str, bytes: Vec<u8>, content_type: &'static str) -> Result<Answer> {
        self.call_once(Method::POST, path, Some((bytes, content_type)), None)
            .await
    }

    /// Signs every request (a deployed, IAM-authorised API).
    pub fn signed(mut self, signer: Signer) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Calls the API. A 503 "busy" (too many concurrent changes) is tried
    /// again, twice, when repeating is safe: a read, a PUT, or a request
    /// carrying an Idempotency-Key.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>, key: Option<&str>) -> Result<Answer> {
        let repeatable = key.is_some() || method == Method::GET || method == Method::PUT;
        let mut tries = 0u64;
        loop {
            let payload = body
                .map(serde_json::to_vec)
                .transpose()?
                .map(|bytes| (bytes, "application/json"));
            let answer = self.call_once(method.clone(), path, payload, key).await?;
            if answer.status != 503 || !repeatable || tries == 2 {
                return Ok(answer);
            }
            tries += 1;
            tokio::time::sleep(std::time::Duration::from_millis(500 * tries)).await;
        }
    }

    async fn call_once(
        &self,
        method: Method,
        path: &str,
        payload: Option<(Vec<u8>, &'static str)>,
        key: Option<&str>,
    ) -> Result<Answer> {
        // The credit function also answers the corrective credit notes;
        // the documents (of invoices and credit notes) and the customer's
        // export are the documents function's.
        let base = if path.starts_with("/bank-") {
            &self.bank
        } else if path.contains("/documents/") || path.contains("/export") {
            &self.documents
        } else if path.starts_with("/credits") || path.contains("/credits") || path.ends_with("/credit-notes") {
            &self.credits
        } else {
            &self.invoices
        };
        let url = format!("{base}{path}");
        let has_body = payload.is_some();
        let (bytes, content_type) = payload.unwrap_or_default();
        let mut headers: Vec<(&str, &str)> = vec![("x-relance-actor", &self.actor)];
        if let Some(key) = key {
            headers.push(("idempotency-key", key));
        }
        if has_body {
            headers.push(("content-type", content_type));
        }
        let mut request = self.http.request(method.clone(), &url);
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        if let Some(signer) = &self.signer {
            for (name, value) in signer.headers(method.as_str(), &url, &headers, &bytes).await? {
                request = request.header(name, value);
            }
        }
        if has_body {
            request = request.body(bytes);
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
        Ok(Answer {
            status,
            body,
            replayed,
            bytes: bytes.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_to_a_deployed_api_are_signed_for_execute_api_in_the_region() {
        let credentials = aws_credential_types::Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        let config = aws_config::SdkConfig::builder()
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
                credentials,
            ))
            .region(aws_config::Region::new("eu-west-3"))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let signer = Signer { config };
        let headers = signer
            .headers(
                "POST",
                "https://a1b2c3.execute-api.eu-west-3.amazonaws.com/invoices",
                &[("idempotency-key", "k1"), ("content-type", "application/json")],
                b"{}",
            )
            .await
            .unwrap_or_default();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let authorization = get("authorization");
        assert!(
            authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
            "{authorization}"
        );
        assert!(
            authorization.contains("/eu-west-3/execute-api/aws4_request"),
            "{authorization}"
        );
        // The key is signed too: it cannot be swapped in transit.
        assert!(authorization.contains("idempotency-key"), "{authorization}");
        assert!(!get("x-amz-date").is_empty());
    }
}
