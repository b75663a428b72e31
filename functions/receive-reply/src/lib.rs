//! `receive-reply`: SES receiving writes each email sent to the reply
//! address into the replies bucket; its notification lands here. Every
//! message is recorded once (`relance::inbound`): matched to its customer,
//! or kept as unmatched for finance. Only a failure to read the bucket or
//! the table fails the invocation, so S3 retries it; a message that cannot
//! be read as an email never does.

use std::sync::Arc;

use aws_lambda_events::event::s3::S3Event;
use relance::delivery::Deliverer;
use relance::inbound::{MAX_MESSAGE_BYTES, Received, receive, received_key};
use relance::mail::SesMailer;
use relance::store::{StoreError, Unmatched};

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("{object} could not be read: {reason}")]
    Read { object: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Deps {
    /// Its store is the table; its mailer sends finance a person's reply.
    pub deliverer: Deliverer<SesMailer>,
    pub s3: aws_sdk_s3::Client,
    /// The address customers answer (`RELANCE_REPLY_TO`), whose `+` tags
    /// name the message answered.
    pub reply_address: Option<String>,
    pub clock: relance::context::Clock,
}

/// Records every message the notification names, one after the other.
pub async fn handle(deps: Arc<Deps>, event: S3Event) -> Result<Vec<Received>, ReceiveError> {
    let mut done = Vec::new();
    for object in s3_object::notified(event) {
        let now = (deps.clock)();
        let received = received_key(&object.bucket, &object.key);
        let source = object.source();
        if object.size > MAX_MESSAGE_BYTES {
            let unmatched = Unmatched {
                source,
                from: None,
                subject: None,
                reason: "larger than SES receives".into(),
                received_at: now,
            };
            deps.deliverer
                .store
                .record_unmatched(&received, &unmatched, now)
                .await?;
            done.push(Received::Unmatched {
                reason: unmatched.reason,
            });
            continue;
        }
        let raw = object.read(&deps.s3).await.map_err(|reason| ReceiveError::Read {
            object: source.clone(),
            reason,
        })?;
        let outcome = receive(
            &deps.deliverer,
            &raw,
            &source,
            &received,
            deps.reply_address.as_deref(),
            now,
        )
        .await?;
        tracing::info!(%source, ?outcome, "received email");
        done.push(outcome);
    }
    Ok(done)
}
