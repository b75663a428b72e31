//! The reminder pass's state per customer: which stage each open invoice
//! has had, and the reminder email in flight — and what that says about
//! the last reminder (`Flight`). The store keeps it in one small item.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::message::{Message, MessageStatus, Purpose};
use super::{EventKind, HistoryEvent, InvoiceNumber};

/// A stage claimed for an invoice (its email sent or being sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedStage {
    pub stage: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DunningState {
    /// The last stage claimed per invoice. Paid invoices drop out at the
    /// customer's next claim, so the item stays small.
    pub stages: BTreeMap<InvoiceNumber, ClaimedStage>,
    /// The last reminder or finance alert, sent or not.
    pub message: Option<Message>,
}

impl DunningState {
    pub fn stage_of(&self, number: &InvoiceNumber) -> Option<&str> {
        self.stages.get(number).map(|c| c.stage.as_str())
    }

    /// When the customer was last reminded: the last reminder kept, or
    /// the latest stage still kept.
    pub fn last_claim_at(&self) -> Option<DateTime<Utc>> {
        let reminder = self
            .message
            .as_ref()
            .filter(|m| matches!(m.purpose, Purpose::Reminder { .. }))
            .map(|m| m.created_at);
        self.stages.values().map(|c| c.at).chain(reminder).max()
    }

    /// Where the last reminder stands. The pass records a reminder it
    /// sent by its history event alone (the event names the message), so
    /// the status read here says SENDING long after the email went out:
    /// the history settles it.
    pub fn flight(&self, history: &[HistoryEvent], now: DateTime<Utc>) -> Flight<'_> {
        let Some(message) = &self.message else {
            return Flight::Clear;
        };
        let id = message.id.to_string();
        let recorded = history.iter().rev().any(|e| match &e.kind {
            EventKind::ReminderSent { message_id, .. } | EventKind::FinanceAlerted { message_id, .. } => {
                *message_id == id
            }
            _ => false,
        });
        match message.status {
            MessageStatus::Sent | MessageStatus::Withdrawn => Flight::Clear,
            _ if recorded => Flight::Clear,
            // A final notice waiting for its letter is the documents lane's
            // to send (the pass could only send it bare).
            _ if message.purpose.carries().is_some() => Flight::Waiting,
            MessageStatus::Sending if message.next_attempt_at <= now => Flight::Stuck(message),
            _ => Flight::Waiting,
        }
    }
}

/// The last reminder of a customer, as the pass finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flight<'a> {
    /// None yet, or it went out.
    Clear,
    /// A sender holds it within its lease, or SES refused it and the outbox
    /// retries it: a new reminder waits.
    Waiting,
    /// Its sender's lease ended with no sent event: it died between the
    /// claim and the send. The pass sends it again.
    Stuck(&'a Message),
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::domain::CustomerId;
    use crate::domain::message::NoticeRef;

    fn reminder(notice: Option<NoticeRef>, status: MessageStatus, now: DateTime<Utc>) -> DunningState {
        let customer = CustomerId::parse("martin").unwrap_or_else(|e| panic!("{e}"));
        let purpose = Purpose::Reminder {
            numbers: vec![InvoiceNumber::new("F2026", 1)],
            stage: "final_notice".into(),
            tone: crate::domain::dunning::Tone::Standard,
            reason: String::new(),
            notice,
        };
        let mut message = Message::new(customer, purpose, now - Duration::hours(3));
        message.status = status;
        message.next_attempt_at = now - Duration::hours(1);
        DunningState {
            stages: BTreeMap::new(),
            message: Some(message),
        }
    }

    #[test]
    fn a_final_notice_waiting_for_its_letter_is_never_resent_bare_by_the_pass() {
        let now = Utc
            .with_ymd_and_hms(2026, 5, 11, 6, 0, 0)
            .single()
            .unwrap_or_else(|| panic!("date"));
        let notice = NoticeRef {
            reference: "MED-20260511-martin".into(),
            dated: now.date_naive(),
        };
        // Past its lease, a bare reminder is stuck and the pass resends it…
        let bare = reminder(None, MessageStatus::Sending, now);
        assert!(matches!(bare.flight(&[], now), Flight::Stuck(_)));
        // …but one that carries a letter waits for the documents lane.
        for status in [MessageStatus::Pending, MessageStatus::Sending] {
            let carrying = reminder(Some(notice.clone()), status, now);
            assert_eq!(carrying.flight(&[], now), Flight::Waiting, "{status:?}");
        }
        // Withdrawn, it no longer holds the customer's dunning.
        let withdrawn = reminder(Some(notice), MessageStatus::Withdrawn, now);
        assert_eq!(withdrawn.flight(&[], now), Flight::Clear);
    }
}
