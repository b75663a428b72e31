//! Request bodies: size-limited, JSON, and decoded with the path of the
//! field that failed, so a 4xx names it.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// Largest body the finance API accepts: far above a 200-line invoice.
pub const MAX_BODY: usize = 256 * 1024;

pub struct Parsed<T> {
    pub value: T,
    /// The body as JSON, for the idempotency hash.
    pub json: serde_json::Value,
}

pub fn parse<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<Parsed<T>, ApiError> {
    let bytes = body.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::field(status, "body", format!("is larger than {} KiB", MAX_BODY / 1024))
        } else {
            ApiError::field(StatusCode::BAD_REQUEST, "body", rejection.body_text())
        }
    })?;
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "body", format!("is not valid JSON ({e})")))?;
    let value = serde_path_to_error::deserialize(&json).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde says "missing field `x`": name x itself as the field.
        let (field, reason) = match inner.split_once("missing field `") {
            Some((_, rest)) => {
                let name = rest.split('`').next().unwrap_or_default();
                let field = if path == "." {
                    name.to_string()
                } else {
                    format!("{path}.{name}")
                };
                (field, "is required".to_string())
            }
            None => (if path == "." { "body".to_string() } else { path }, inner),
        };
        ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, &field, reason)
    })?;
    Ok(Parsed { value, json })
}
