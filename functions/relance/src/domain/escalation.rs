//! The 48-hour promise kept: a help request or an unhappy answer nobody
//! answered in time is told, once, to a second person. Pure: the to-do
//! says what waits and since when; the message id derives from it, so the
//! outbox queues one escalation per promise however often it is checked.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use ulid::Ulid;

use super::todo::{Todo, TodoKind};

/// Whether a kind of waiting is a promise made to the customer (the help
/// page and the unhappy answer's alert say "within 48 hours"). A dispute,
/// a hand-off, an approval or a bank entry waits on finance's own pace:
/// the to-do shows them late, nobody else is told.
pub fn escalates(kind: TodoKind) -> bool {
    matches!(kind, TodoKind::HelpRequest | TodoKind::DetractorAlert)
}

/// The promises broken at `now`: customer-facing and past their deadline.
pub fn due(todo: &[Todo], now: DateTime<Utc>) -> Vec<&Todo> {
    todo.iter()
        .filter(|t| escalates(t.kind) && t.customer_id.is_some() && t.late(now))
        .collect()
}

/// The escalation's message id: the same promise (kind, customer,
/// reference, since) always gives the same id, so queueing it twice is
/// refused by the outbox; a new request later is a new promise. Its time
/// part is the deadline, the rest a digest of what waits.
pub fn message_id(todo: &Todo) -> Ulid {
    let mut hash = Sha256::new();
    for part in [
        todo.kind.name(),
        todo.customer_id.as_deref().unwrap_or(""),
        todo.reference.as_str(),
        &todo.since.timestamp_millis().to_string(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let mut random = [0u8; 16];
    random.copy_from_slice(&digest[..16]);
    let ms = u64::try_from(todo.deadline.timestamp_millis()).unwrap_or(0);
    // A ULID's random part is 80 bits.
    Ulid::from_parts(ms, u128::from_be_bytes(random) >> 48)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn todo(kind: TodoKind, customer: Option<&str>, since: DateTime<Utc>) -> Todo {
        Todo::new(kind, customer.map(String::from), "F2026-000012".into(), since)
    }

    #[test]
    fn only_promises_made_to_a_customer_escalate_once_late() {
        let since = at(10, 9);
        let list = vec![
            todo(TodoKind::HelpRequest, Some("martin"), since),
            todo(TodoKind::DetractorAlert, Some("quais"), since),
            todo(TodoKind::Dispute, Some("roux"), since - Duration::days(30)),
            todo(TodoKind::Handoff, Some("lefevre"), since),
            todo(TodoKind::CreditApproval, Some("nova"), since),
            todo(TodoKind::BouncedAddress, Some("bernard"), since),
            todo(TodoKind::BankReview, None, since),
        ];
        assert!(
            due(&list, since + Duration::hours(48)).is_empty(),
            "at the deadline, not past it"
        );
        let late: Vec<TodoKind> = due(&list, since + Duration::hours(49)).iter().map(|t| t.kind).collect();
        assert_eq!(late, vec![TodoKind::HelpRequest, TodoKind::DetractorAlert]);
    }

    #[test]
    fn the_same_promise_has_one_id_and_a_new_one_another() {
        let first = todo(TodoKind::HelpRequest, Some("martin"), at(10, 9));
        assert_eq!(message_id(&first), message_id(&first.clone()));
        let later = todo(TodoKind::HelpRequest, Some("martin"), at(20, 9));
        let other = todo(TodoKind::HelpRequest, Some("roux"), at(10, 9));
        let unhappy = todo(TodoKind::DetractorAlert, Some("martin"), at(10, 9));
        for different in [later, other, unhappy] {
            assert_ne!(message_id(&first), message_id(&different), "{different:?}");
        }
        assert_eq!(
            message_id(&first).timestamp_ms(),
            u64::try_from(first.deadline.timestamp_millis()).unwrap_or(0)
        );
    }
}
