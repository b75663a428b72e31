//! `import-statement`: a statement file dropped under `statements/` in
//! the statements bucket starts its import — the same reading, account
//! check and once-only application as `POST /bank-statements`. A refused
//! file fails the invocation (the error alarm tells finance) and records
//! nothing; S3's retries of an accepted file find every entry already in.

use std::sync::Arc;

use aws_lambda_events::event::s3::S3Event;
use relance::context::Call;
use relance::delivery::Deliverer;
use relance::domain::Actor;
use relance::domain::bank::Iban;
use relance::mail::SesMailer;
use relance::store::Store;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("s3://{bucket}/{key}: {reason}")]
    Refused {
        bucket: String,
        key: String,
        reason: String,
    },
    #[error("s3://{bucket}/{key}: could not be read: {reason}")]
    Read {
        bucket: String,
        key: String,
        reason: String,
    },
    #[error(transparent)]
    Bank(#[from] relance::bank::BankError),
}

pub struct Deps {
    pub store: Store,
    pub s3: aws_sdk_s3::Client,
    pub deliverer: Deliverer<SesMailer>,
    pub account: Iban,
    pub payout_names: Vec<String>,
    pub clock: relance::context::Clock,
}

/// S3 keys arrive URL-encoded, with `+` for spaces.
fn decoded(key: &str) -> String {
    let bytes = key.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Imports every statement the event names, one after the other.
pub async fn handle(deps: Arc<Deps>, event: S3Event) -> Result<Vec<relance::bank::ImportSummary>, ImportError> {
    let mut done = Vec::new();
    for record in event.records {
        let (Some(bucket), Some(key)) = (record.s3.bucket.name, record.s3.object.key) else {
            continue;
        };
        let key = decoded(&key);
        let read_error = |reason: String| ImportError::Read {
            bucket: bucket.clone(),
            key: key.clone(),
            reason,
        };
        let object = deps
            .s3
            .get_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| read_error(aws_sdk_s3::error::DisplayErrorContext(&e).to_string()))?;
        let body = object
            .body
            .collect()
            .await
            .map_err(|e| read_error(e.to_string()))?
            .into_bytes();
        let refused = |reason: String| ImportError::Refused {
            bucket: bucket.clone(),
            key: key.clone(),
            reason,
        };
        let actor = Actor(format!("bank-statement:{key}"));
        let ctx = Call::at(&actor, (deps.clock)());
        let imported = bank_statements::import_file(
            &deps.store,
            &deps.deliverer,
            body.as_ref(),
            &deps.account,
            &deps.payout_names,
            ctx,
        )
        .await;
        let summary = match imported {
            Ok(summary) => summary,
            Err(bank_statements::ImportError::File(e)) => return Err(refused(e.to_string())),
            Err(bank_statements::ImportError::Bank(e @ relance::bank::BankError::OtherAccount { .. })) => {
                return Err(refused(e.to_string()));
            }
            Err(bank_statements::ImportError::Bank(e)) => return Err(e.into()),
        };
        tracing::info!(key = %key, "bank statement file imported");
        done.push(summary);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_url_decoded() {
        assert_eq!(
            super::decoded("statements/relev%C3%A9+novembre.xml"),
            "statements/relevé novembre.xml"
        );
        assert_eq!(super::decoded("statements/a%2"), "statements/a%2");
    }
}
