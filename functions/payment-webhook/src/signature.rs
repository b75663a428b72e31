//! Stripe's webhook signature, as its documentation describes it: the
//! `Stripe-Signature` header holds `t=<unix seconds>` and one or more
//! `v1=<hex>`; each `v1` is the HMAC-SHA256, keyed with the endpoint's
//! signing secret, of `<t>.<the raw body>`. A signature is accepted when
//! one `v1` matches (compared in constant time) and `t` is within the
//! tolerance of now, so a captured event cannot be replayed later.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Stripe's own libraries accept five minutes either way.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    #[error("the signature's timestamp is {0} s away from now, more than the tolerance")]
    Stale(i64),
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// The hex HMAC-SHA256 Stripe computes for `body` signed at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable_key());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// HMAC takes keys of any length; this is never reached.
fn unreachable_key() -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(b"relance").unwrap_or_else(|_| unreachable_key())
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Checks `header` against `body`; returns the signed timestamp.
pub fn verify(header: Option<&str>, body: &[u8], secret: &str, now: i64) -> Result<i64, SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.extend(decode_hex(v)),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let drift = (now - timestamp).abs();
    if drift > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale(drift));
    }
    for signature in signatures {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::Mismatch)?;
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        if mac.verify_slice(&signature).is_ok() {
            return Ok(timestamp);
        }
    }
    Err(SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_5up3r53cr3t";

    #[test]
    fn a_signature_is_accepted_only_whole_fresh_and_for_this_body() {
        let body = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
        let now = 1_796_000_000;
        let good = sign(SECRET, now - 10, body);
        let header = |t: i64, v1: &str| {
            format!("t={t},v1={v1},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39")
        };
        // (header, body, the verdict)
        type Case<'a> = (Option<String>, &'a [u8], Result<i64, SignatureError>);
        let cases: Vec<Case> = vec![
            (Some(header(now - 10, &good)), body, Ok(now - 10)),
            // A second v1 (the secret being rolled) may be the one that matches.
            (
                Some(format!("t={},v1={},v1={good}", now - 10, "00".repeat(32))),
                body,
                Ok(now - 10),
            ),
            (None, body, Err(SignatureError::Missing)),
            (Some(format!("v1={good}")), body, Err(SignatureError::Malformed)),
            (Some(format!("t={now}")), body, Err(SignatureError::Malformed)),
            (
                Some(header(now - 10, &good)),
                br#"{"id":"evt_1","type":"payment_intent.succeeded","x":1}"#,
                Err(SignatureError::Mismatch),
            ),
            (
                Some(header(now - 10, &sign("whsec_other", now - 10, body))),
                body,
                Err(SignatureError::Mismatch),
            ),
            (Some(header(now - 9, &good)), body, Err(SignatureError::Mismatch)),
            (
                Some(header(now - 400, &sign(SECRET, now - 400, body))),
                body,
                Err(SignatureError::Stale(400)),
            ),
        ];
        for (header, body, want) in cases {
            assert_eq!(verify(header.as_deref(), body, SECRET, now), want, "{header:?}");
        }
    }

    #[test]
    fn the_signature_matches_an_independent_hmac() {
        // HMAC-SHA256 of "1700000000.{}" keyed "whsec_test", as computed by
        // Python's hmac module: hmac.new(b"whsec_test", b"1700000000.{}", "sha256").hexdigest()
        assert_eq!(
            sign("whsec_test", 1_700_000_000, b"{}"),
            "35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
    }
}
