//! Bounces and complaints: the customer's flags, the history event and a
//! marker per notification, in one transaction. The mail system delivers
//! its notifications at least once; the marker makes the second a no-op.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::Store;
use super::Versioned;
use super::error::StoreError;
use super::keys;
use super::tx::{Cond, Part, Tx, TxOutcome, to_item};
use crate::domain::feedback::Action;
use crate::domain::{Customer, HistoryEvent};

/// Notifications are retried for hours, not weeks.
const MARKER_RETENTION: Duration = Duration::days(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackWrite {
    Written,
    /// This notification was recorded before.
    Duplicate,
    /// The profile changed since it was read: read again and decide again.
    Stale,
}

#[derive(Serialize)]
struct MarkerItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: &'static str,
    expires_at: i64,
}

impl Store {
    /// Applies `action` to the customer as read, writes `event`, and marks
    /// `notification` as seen.
    pub async fn record_mail_feedback(
        &self,
        customer: &Versioned<Customer>,
        notification: &str,
        action: Action,
        event: &HistoryEvent,
        now: DateTime<Utc>,
    ) -> Result<FeedbackWrite, StoreError> {
        let mut tx = Tx::default();
        let marker = MarkerItem {
            pk: keys::customer_pk(&customer.value.id),
            sk: keys::feedback_sk(notification),
            entity: "feedback",
            expires_at: (now + MARKER_RETENTION).timestamp(),
        };
        tx.put(
            self,
            Part::Feedback,
            to_item(&marker)?,
            Some(Cond::new("attribute_not_exists(PK)")),
        )?;
        let mut changed = customer.value.clone();
        match action {
            Action::SuppressAddress if !changed.email_suppressed => {
                changed.email_suppressed = true;
                changed.email_suppressed_at = Some(now);
            }
            Action::SuppressAddress => {}
            Action::StopSurveys => changed.surveys_opted_out = true,
            Action::RecordOnly => {}
        }
        if changed != customer.value {
            self.put_profile(&mut tx, changed, customer.version)?;
        }
        self.put_event(&mut tx, event)?;
        Ok(match tx.commit(self).await? {
            TxOutcome::Committed => FeedbackWrite::Written,
            TxOutcome::ConditionFailed(parts) if parts.contains(&Part::Feedback) => FeedbackWrite::Duplicate,
            TxOutcome::ConditionFailed(_) | TxOutcome::Conflict => FeedbackWrite::Stale,
        })
    }
}
