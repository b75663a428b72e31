//! Short-lived links to archived originals: a SigV4 query-signed GET on
//! the archive bucket. The customer pages hand a customer the document as
//! issued without carrying an S3 client (the signer is already in every
//! function, under the SDK).

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings, UriPathNormalizationMode,
    sign,
};
use aws_sigv4::sign::v4;

use crate::domain::{CustomerId, InvoiceNumber};

/// Where an issued document lives in the archive: one folder per document,
/// named by its number (`kind` is `invoices` or `credit-notes`).
pub fn key(kind: &str, customer: &CustomerId, number: &InvoiceNumber, suffix: &str) -> String {
    format!("{kind}/{customer}/{number}/{number}.{suffix}")
}

/// Where a formal notice's letter lives in the archive.
pub fn notice_key(customer: &CustomerId, reference: &str) -> String {
    format!("notices/{customer}/{reference}.pdf")
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("signing the archive link: {0}")]
    Sign(String),
}

/// The archive bucket as the process environment names it.
#[derive(Debug, Clone)]
pub struct ArchiveLinks {
    pub bucket: String,
    pub region: String,
    /// `AWS_ENDPOINT_URL_S3` (the local stack: path-style addresses).
    pub endpoint: Option<String>,
}

fn var(name: &'static str) -> Result<String, LinkError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or(LinkError::Missing(name))
}

/// RFC 3986 percent-encoding of everything but the unreserved characters,
/// as SigV4 canonicalises query values.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl ArchiveLinks {
    /// From `RELANCE_ARCHIVE_BUCKET`, `AWS_REGION` and, locally,
    /// `AWS_ENDPOINT_URL_S3`.
    pub fn from_env() -> Result<Self, LinkError> {
        Ok(Self {
            bucket: var("RELANCE_ARCHIVE_BUCKET")?,
            region: var("AWS_REGION")?,
            endpoint: var("AWS_ENDPOINT_URL_S3").ok(),
        })
    }

    /// A link that downloads `key` as `file_name` until `now + ttl`,
    /// signed with the function's own credentials (from its environment).
    pub fn url(&self, key: &str, file_name: &str, now: SystemTime, ttl: Duration) -> Result<String, LinkError> {
        let credentials = Credentials::new(
            var("AWS_ACCESS_KEY_ID")?,
            var("AWS_SECRET_ACCESS_KEY")?,
            var("AWS_SESSION_TOKEN").ok(),
            None,
            "environment",
        );
        let identity = credentials.into();
        // Keys are made of letters, digits, '-', '.', '_' and '/'.
        let path: Vec<String> = key.split('/').map(encode).collect();
        let path = path.join("/");
        let base = match &self.endpoint {
            Some(endpoint) => format!("{}/{}/{path}", endpoint.trim_end_matches('/'), self.bucket),
            None => format!("https://{}.s3.{}.amazonaws.com/{path}", self.bucket, self.region),
        };
        let disposition = encode(&format!("attachment; filename=\"{file_name}\""));
        let url = format!("{base}?response-content-disposition={disposition}");
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(ttl);
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let failed = |e: &dyn std::fmt::Display| LinkError::Sign(e.to_string());
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(now)
            .settings(settings)
            .build()
            .map_err(|e| failed(&e))?
            .into();
        let request = SignableRequest::new("GET", &url, std::iter::empty(), SignableBody::UnsignedPayload)
            .map_err(|e| failed(&e))?;
        let (instructions, _) = sign(request, &params).map_err(|e| failed(&e))?.into_parts();
        let mut signed = url;
        for (name, value) in instructions.params() {
            signed.push('&');
            signed.push_str(name);
            signed.push('=');
            signed.push_str(&encode(value));
        }
        Ok(signed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded_as_sigv4_canonicalises_them() {
        assert_eq!(encode("a b/c+d=e"), "a%20b%2Fc%2Bd%3De");
        assert_eq!(encode("F2026-000001.pdf"), "F2026-000001.pdf");
    }
}
