//! The morning's escalations: each help request or unhappy answer still
//! unanswered past its 48 hours is told to the second person of
//! `[escalation]`, once. The to-do index says what waits; the message's
//! id derives from the promise, so a pass run twice, or two passes at
//! once, queue it once; the outbox sends it (and retries it) like any
//! email, and its sending is recorded as `alert_escalated`.

use chrono::{DateTime, Utc};

use crate::delivery::Deliverer;
use crate::domain::CustomerId;
use crate::domain::escalation;
use crate::domain::message::{Message, Purpose};
use crate::mail::Mailer;
use crate::store::Store;

/// Queues and sends the escalations due at `now`; returns how many were
/// queued by this call (none when no second person is configured).
pub async fn escalate<M: Mailer>(
    store: &Store,
    deliverer: &Deliverer<M>,
    now: DateTime<Utc>,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    if crate::config::escalation_contact()?.is_none() {
        return Ok(0);
    }
    let todo = store.todo().await?;
    let mut queued = 0;
    for due in escalation::due(&todo, now) {
        let Some(customer) = due.customer_id.as_deref().and_then(|c| CustomerId::parse(c).ok()) else {
            continue;
        };
        let mut message = Message::new(
            customer.clone(),
            Purpose::Escalation {
                kind: due.kind,
                reference: due.reference.clone(),
                since: due.since,
            },
            now,
        );
        message.id = escalation::message_id(due);
        if store.queue_message_once(&message).await? {
            queued += 1;
            deliverer.deliver_now(Some((customer, message.id)), now).await;
        }
    }
    Ok(queued)
}
