//! One way to replay an idempotent request.
//!
//! A request that creates something (an invoice, a payment, a credit)
//! carries an `Idempotency-Key`. Its first answer is stored with the hash
//! of what it asked, in the same write as what it created; the same key
//! again gets that answer back (`replayed`), and the same key with another
//! request is refused, so a client's retry can never create twice.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::domain::FieldError;
use crate::store::{Store, StoreError};

/// The answer to an idempotent request: the first answer, replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub replayed: bool,
}

impl Answer {
    /// A first answer, as it is stored for replays.
    pub fn first(status: u16, body: String) -> Self {
        Self {
            status,
            body,
            replayed: false,
        }
    }
}

/// Hash of a request's meaning: the route and its JSON body with keys in
/// a canonical order, so whitespace or key order do not matter.
pub fn request_hash(route: &str, body: &serde_json::Value) -> String {
    let digest = Sha256::new()
        .chain_update(route.as_bytes())
        .chain_update(canonical(body).to_string().as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The same JSON with every object's keys sorted. Needed explicitly: the
/// AWS SDK turns on serde_json's `preserve_order`, so a parsed object
/// keeps the client's key order and would otherwise hash differently.
fn canonical(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// An idempotency key: what clients put in `Idempotency-Key`.
pub fn parse_key(key: Option<&str>) -> Result<String, FieldError> {
    match key.map(str::trim) {
        None | Some("") => Err(FieldError::new(
            "Idempotency-Key",
            "this header is required so a retried request cannot create a second invoice",
        )),
        Some(k) if k.len() > 128 || !k.chars().all(|c| c.is_ascii_graphic()) => Err(FieldError::new(
            "Idempotency-Key",
            "must be 1 to 128 visible ASCII characters (a UUID is ideal)",
        )),
        Some(k) => Ok(k.to_string()),
    }
}

/// Why a stored answer cannot be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("this Idempotency-Key was already used with a different request")]
    KeyReused,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The first answer given to `key` in `scope`, when there was one: the
/// caller returns it instead of doing the work again.
pub async fn first_answer(
    store: &Store,
    scope: &str,
    key: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Answer>, ReplayError> {
    match store.get_idempotency(scope, key, now).await? {
        Some(record) if record.request_hash != hash => Err(ReplayError::KeyReused),
        Some(record) => Ok(Some(Answer {
            status: record.status,
            body: record.body,
            replayed: true,
        })),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_hash_is_the_request_meaning() {
        let a = request_hash("POST /invoices", &json!({ "a": 1, "b": [1, { "y": 1, "x": 2 }] }));
        let parsed: serde_json::Value =
            serde_json::from_str(r#"{ "b": [1, {"x":2,"y":1}], "a": 1 }"#).unwrap_or_default();
        let b = request_hash("POST /invoices", &parsed);
        assert_eq!(a, b, "key order and whitespace do not matter");
        assert_ne!(a, request_hash("POST /payments", &json!({ "a": 1, "b": [1, 2] })));
        assert_ne!(a, request_hash("POST /invoices", &json!({ "a": 2, "b": [1, 2] })));
    }

    #[test]
    fn keys_are_visible_ascii() {
        assert_eq!(parse_key(Some(" k-1 ")).ok().as_deref(), Some("k-1"));
        for bad in [None, Some(""), Some("a b"), Some("é")] {
            assert!(parse_key(bad).is_err(), "{bad:?}");
        }
        assert!(parse_key(Some(&"k".repeat(129))).is_err());
    }
}
