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
    #[error("{object}: {reason}")]
    Refused { object: String, reason: String },
    #[error("{object}: could not be read: {reason}")]
    Read { object: String, reason: String },
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

/// Imports every statement the event names, one after the other.
pub async fn handle(deps: Arc<Deps>, event: S3Event) -> Result<Vec<relance::bank::ImportSummary>, ImportError> {
    let mut done = Vec::new();
    for object in s3_object::notified(event) {
        let body = object.read(&deps.s3).await.map_err(|reason| ImportError::Read {
            object: object.source(),
            reason,
        })?;
        let refused = |reason: String| ImportError::Refused {
            object: object.source(),
            reason,
        };
        let actor = Actor(format!("bank-statement:{}", object.key));
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
        tracing::info!(key = %object.key, "bank statement file imported");
        done.push(summary);
    }
    Ok(done)
}
