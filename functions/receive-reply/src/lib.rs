//! `receive-reply`: SES receiving writes each email sent to the reply
//! address into the replies bucket; its notification lands here. Every
//! message is recorded once (`relance::inbound`): matched to its customer,
//! or kept as unmatched for finance. Only a failure to read the bucket or
//! the table fails the invocation, so S3 retries it; a message that cannot
//! be read as an email never does.

use std::sync::Arc;

use aws_lambda_events::event::s3::S3Event;
use relance::inbound::{MAX_MESSAGE_BYTES, Received, receive, received_key};
use relance::store::{Store, StoreError, Unmatched};

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("s3://{bucket}/{key} could not be read: {reason}")]
    Read {
        bucket: String,
        key: String,
        reason: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Deps {
    pub store: Store,
    pub s3: aws_sdk_s3::Client,
    /// The address customers answer (`RELANCE_REPLY_TO`), whose `+` tags
    /// name the message answered.
    pub reply_address: Option<String>,
    pub clock: relance::context::Clock,
}

/// S3 keys arrive form-encoded (`+` for a space, `%XX` for the rest).
fn decoded(key: &str) -> String {
    form_urlencoded::parse(format!("k={key}").as_bytes())
        .next()
        .map_or_else(|| key.to_string(), |(_, v)| v.into_owned())
}

/// Records every message the notification names, one after the other.
pub async fn handle(deps: Arc<Deps>, event: S3Event) -> Result<Vec<Received>, ReceiveError> {
    let mut done = Vec::new();
    for record in event.records {
        let (Some(bucket), Some(key)) = (record.s3.bucket.name, record.s3.object.key) else {
            continue;
        };
        let key = decoded(&key);
        let now = (deps.clock)();
        let received = received_key(&bucket, &key);
        let source = format!("s3://{bucket}/{key}");
        let size = record.s3.object.size.unwrap_or(0).max(0) as u64;
        if size > MAX_MESSAGE_BYTES {
            let unmatched = Unmatched {
                source,
                from: None,
                subject: None,
                reason: "larger than SES receives".into(),
                received_at: now,
            };
            deps.store.record_unmatched(&received, &unmatched, now).await?;
            done.push(Received::Unmatched {
                reason: unmatched.reason,
            });
            continue;
        }
        let read_error = |reason: String| ReceiveError::Read {
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
        let raw = object
            .body
            .collect()
            .await
            .map_err(|e| read_error(e.to_string()))?
            .into_bytes();
        let outcome = receive(
            &deps.store,
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

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_form_decoded() {
        assert_eq!(super::decoded("replies/r%C3%A9ponse+1.eml"), "replies/réponse 1.eml");
        assert_eq!(super::decoded("replies/abc"), "replies/abc");
    }
}
