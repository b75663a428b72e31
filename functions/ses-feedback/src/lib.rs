//! `ses-feedback`: both SES configuration sets publish their bounces and
//! complaints to one SNS topic, which invokes this function. A failure
//! fails the invocation: Lambda retries it, then the on-failure
//! destination keeps it (an alarm watches the queue), so a notification
//! is never dropped quietly. Recording is idempotent per notification.

use aws_lambda_events::event::sns::SnsEvent;
use chrono::{DateTime, Utc};
use relance::feedback::{Outcome, apply};
use relance::mail::parse_notification;
use relance::store::{Store, StoreError};

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
        let notice = parse_notification(&record.sns.message).map_err(|reason| FeedbackError::Unreadable {
            message: record.sns.message_id.clone(),
            reason,
        })?;
        let Some(notice) = notice else {
            tracing::debug!(message = %record.sns.message_id, "not a bounce or complaint");
            continue;
        };
        for outcome in apply(store, &notice, now).await? {
            match &outcome {
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
            outcomes.push(outcome);
        }
    }
    Ok(outcomes)
}
