//! `ses-feedback`: both SES configuration sets publish their bounces and
//! complaints to one SNS topic, which invokes this function. A failure
//! fails the invocation: Lambda retries it, then the on-failure
//! destination keeps it (an alarm watches the queue), so a notification
//! is never dropped quietly. Recording is idempotent per notification.

use aws_lambda_events::event::sns::{SnsEvent, SnsRecord};
use chrono::{DateTime, Utc};
use relance::feedback::{Outcome, apply};
use relance::mail::parse_notification;
use relance::store::{Store, StoreError};
use tracing::Instrument;

#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    /// A message on the topic that is not an SES notification: kept for a
    /// person to look at rather than skipped.
    #[error("SNS message {message}: {reason}")]
    Unreadable { message: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records every notification in the event; the outcomes, in order.
pub async fn handle(store: &Store, event: SnsEvent, now: DateTime<Utc>) -> Result<Vec<Outcome>, FeedbackError> {
    let mut outcomes = Vec::new();
    for record in event.records {
        // One span per SNS record: its lines carry the notification id.
        let span = tracing::info_span!("sns_record", notification = %record.sns.message_id);
        outcomes.extend(handle_record(store, &record, now).instrument(span).await?);
    }
    Ok(outcomes)
}

async fn handle_record(store: &Store, record: &SnsRecord, now: DateTime<Utc>) -> Result<Vec<Outcome>, FeedbackError> {
    let notice = parse_notification(&record.sns.message).map_err(|reason| FeedbackError::Unreadable {
        message: record.sns.message_id.clone(),
        reason,
    })?;
    let Some(notice) = notice else {
        tracing::debug!(message_id = %record.sns.message_id, "not a bounce or complaint");
        return Ok(Vec::new());
    };
    let outcomes = apply(store, &notice, now).await?;
    for outcome in &outcomes {
        match outcome {
            Outcome::Applied { customer, action } => {
                tracing::info!(%customer, action = action.name(), notification = %notice.notification_id, "mail feedback recorded");
            }
            Outcome::Duplicate { customer } => {
                tracing::info!(%customer, notification = %notice.notification_id, "mail feedback already recorded");
            }
            Outcome::Unknown => {
                tracing::warn!(notification = %notice.notification_id, "mail feedback about no known customer");
            }
        }
    }
    Ok(outcomes)
}
