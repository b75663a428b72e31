//! Bounces and complaints coming back from the mail system: the address
//! is suppressed (reminders then alert finance instead of mailing), or
//! surveys stop, and the customer's history says what happened and why.

use chrono::{DateTime, Utc};

use crate::domain::feedback::{Action, Signal, decide};
use crate::domain::{Actor, CustomerId, EventKind, HistoryEvent};
use crate::mail::Notice;
use crate::retry::Retry;
use crate::store::{FeedbackWrite, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied {
        customer: CustomerId,
        action: Action,
    },
    /// The same notification was recorded before.
    Duplicate {
        customer: CustomerId,
    },
    /// Not about a customer relance knows (an untagged email, a customer
    /// deleted since): logged, nothing written.
    Unknown,
}

/// Records one notice, once per recipient.
pub async fn apply(store: &Store, notice: &Notice, now: DateTime<Utc>) -> Result<Vec<Outcome>, StoreError> {
    let mut outcomes = Vec::with_capacity(notice.recipients.len());
    for (index, recipient) in notice.recipients.iter().enumerate() {
        // One notification may name several recipients; each is recorded.
        let id = format!("{}#{index}", notice.notification_id);
        outcomes.push(apply_one(store, notice, recipient, &id, now).await?);
    }
    Ok(outcomes)
}

async fn apply_one(
    store: &Store,
    notice: &Notice,
    recipient: &str,
    notification: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let Some(customer_id) = &notice.customer else {
        return Ok(Outcome::Unknown);
    };
    // The profile changed since it was read: decide again on a fresh read.
    let mut retry = Retry::tries(5);
    loop {
        let Some(customer) = store.get_customer(customer_id).await? else {
            return Ok(Outcome::Unknown);
        };
        let current = customer.value.email.as_str().eq_ignore_ascii_case(recipient);
        let action = decide(&notice.signal, notice.stream, current);
        let kind = match &notice.signal {
            Signal::Bounce { permanent, detail } => EventKind::EmailBounced {
                address: recipient.to_string(),
                permanent: *permanent,
                detail: detail.clone(),
                stream: notice.stream,
                message_id: notice.message_id.clone(),
                action,
            },
            Signal::Complaint { detail } => EventKind::EmailComplained {
                address: recipient.to_string(),
                detail: detail.clone(),
                stream: notice.stream,
                message_id: notice.message_id.clone(),
                action,
            },
        };
        let event = HistoryEvent::new(customer_id.clone(), now, Actor::system("mail-feedback"), kind);
        match store
            .record_mail_feedback(&customer, notification, action, &event, now)
            .await?
        {
            FeedbackWrite::Written => {
                return Ok(Outcome::Applied {
                    customer: customer_id.clone(),
                    action,
                });
            }
            FeedbackWrite::Duplicate => {
                return Ok(Outcome::Duplicate {
                    customer: customer_id.clone(),
                });
            }
            FeedbackWrite::Stale => retry
                .again()
                .await
                .map_err(|_| StoreError::Contention("customer profile"))?,
        }
    }
}
