//! What waits for a person, and by when: the finance team's to-do. Each
//! thing that needs a person says so itself — an invoice with a help
//! request or a dispute open, a credit waiting for a second person, a
//! bank entry in review — and its deadline comes from the promise it
//! carries. Most urgent first means the earliest deadline first, so the
//! late ones lead.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::credit::{Credit, CreditStatus};
use super::customer::Customer;
use super::event::{EventKind, HistoryEvent};
use super::ids::CustomerId;
use super::invoice::Invoice;

/// What a person has to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TodoKind {
    /// A customer asked for help: answer within 48 hours (the promise the
    /// page makes). Answering (`POST /customers/{id}/replies`) resumes the
    /// reminders.
    HelpRequest,
    /// A customer answered a survey as a detractor: a person answers them
    /// within 48 hours, the promise a help request makes. Answering the
    /// customer clears it.
    DetractorAlert,
    /// A customer wrote back to one of our emails: a person answers within
    /// 48 hours, and the reminders wait until then. Answering clears it.
    CustomerReply,
    /// A dispute is open on an invoice: no reminder until it is settled.
    Dispute,
    /// The last reminder stage passed: automatic reminders stopped and a
    /// person takes over (a call). Taking it over clears it.
    Handoff,
    /// A goodwill credit above the threshold waits for a second person.
    CreditApproval,
    /// The customer's address bounced or complained: nothing reaches them
    /// until finance records another address.
    BouncedAddress,
    /// A bank entry relance could not match with certainty.
    BankReview,
}

impl TodoKind {
    pub fn name(self) -> &'static str {
        match self {
            TodoKind::HelpRequest => "help_request",
            TodoKind::DetractorAlert => "detractor_alert",
            TodoKind::CustomerReply => "customer_reply",
            TodoKind::Dispute => "dispute",
            TodoKind::Handoff => "handoff",
            TodoKind::CreditApproval => "credit_approval",
            TodoKind::BouncedAddress => "bounced_address",
            TodoKind::BankReview => "bank_review",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [
            TodoKind::HelpRequest,
            TodoKind::DetractorAlert,
            TodoKind::CustomerReply,
            TodoKind::Dispute,
            TodoKind::Handoff,
            TodoKind::CreditApproval,
            TodoKind::BouncedAddress,
            TodoKind::BankReview,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }

    /// How long a person has, from the moment it started waiting. The
    /// help request's 48 hours is the promise printed on the page; a
    /// dispute deserves an answer within a working week; a credit's
    /// approval and a bank entry within a working day, so neither the
    /// customer's gesture nor the books wait. An unhappy customer gets the
    /// help request's 48 hours; a hand-off's call and a bounced address
    /// two days, before the customer is left without news for long.
    pub fn allowed(self) -> Duration {
        match self {
            TodoKind::HelpRequest | TodoKind::DetractorAlert | TodoKind::CustomerReply => Duration::hours(48),
            TodoKind::Handoff | TodoKind::BouncedAddress => Duration::hours(48),
            TodoKind::Dispute => Duration::days(5),
            TodoKind::CreditApproval | TodoKind::BankReview => Duration::hours(24),
        }
    }
}

/// One thing waiting, as the to-do lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    pub kind: TodoKind,
    /// The customer it is about (none for a bank entry nobody matched).
    pub customer_id: Option<String>,
    /// The invoice number, the credit's id or the bank entry's id.
    pub reference: String,
    pub since: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
}

impl Todo {
    pub fn new(kind: TodoKind, customer_id: Option<String>, reference: String, since: DateTime<Utc>) -> Self {
        Self {
            kind,
            customer_id,
            reference,
            since,
            deadline: since + kind.allowed(),
        }
    }

    /// Past its deadline at `now`.
    pub fn late(&self, now: DateTime<Utc>) -> bool {
        now > self.deadline
    }
}

/// What an invoice asks of a person, if anything: its help request first
/// (the shorter promise), else its open dispute.
pub fn for_invoice(invoice: &Invoice) -> Option<Todo> {
    let todo = |kind, since| {
        Todo::new(
            kind,
            Some(invoice.customer_id.as_str().to_string()),
            invoice.number.as_str().to_string(),
            since,
        )
    };
    if invoice.dunning.help_request_open {
        // Requests recorded before the moment was kept count from the
        // invoice's issue: late, which is what they are.
        let since = invoice.dunning.help_requested_at.unwrap_or(invoice.issued_at);
        return Some(todo(TodoKind::HelpRequest, since));
    }
    invoice.open_dispute().map(|d| todo(TodoKind::Dispute, d.opened_at))
}

/// A credit waiting for its second person.
pub fn for_credit(credit: &Credit) -> Option<Todo> {
    (credit.status == CreditStatus::PendingApproval).then(|| {
        Todo::new(
            TodoKind::CreditApproval,
            Some(credit.customer_id.as_str().to_string()),
            credit.id.clone(),
            credit.requested_at,
        )
    })
}

/// A customer whose address bounced waits for a new one. Suppressions
/// recorded before the moment was kept count from the customer's start:
/// late, which is what they are.
pub fn for_customer(customer: &Customer) -> Option<Todo> {
    customer.email_suppressed.then(|| {
        let since = customer
            .email_suppressed_at
            .unwrap_or_else(|| customer.customer_since.and_time(chrono::NaiveTime::MIN).and_utc());
        Todo::new(
            TodoKind::BouncedAddress,
            Some(customer.id.as_str().to_string()),
            customer.id.as_str().to_string(),
            since,
        )
    })
}

/// The hand-off the last stage's events announce, if they do: one entry
/// for the customer, named after the first invoice handed off.
pub fn for_handoff(events: &[HistoryEvent]) -> Option<Todo> {
    events.iter().find_map(|e| match &e.kind {
        EventKind::HandedOff { number, .. } => Some(Todo::new(
            TodoKind::Handoff,
            Some(e.customer_id.as_str().to_string()),
            number.as_str().to_string(),
            e.at,
        )),
        _ => None,
    })
}

/// A detractor's answer to survey `survey`, alerted at `at`.
pub fn for_detractor(customer: &CustomerId, survey: &str, at: DateTime<Utc>) -> Todo {
    Todo::new(
        TodoKind::DetractorAlert,
        Some(customer.as_str().to_string()),
        survey.to_string(),
        at,
    )
}

/// A customer's email reply (`reference`: its history event's id).
pub fn for_reply(customer: &CustomerId, event: &str, at: DateTime<Utc>) -> Todo {
    Todo::new(
        TodoKind::CustomerReply,
        Some(customer.as_str().to_string()),
        event.to_string(),
        at,
    )
}

/// Most urgent first: the earliest deadline, then the kind, customer and
/// reference, so the order is stable.
pub fn sort(todos: &mut [Todo]) {
    todos.sort_by(|a, b| {
        (a.deadline, a.kind, &a.customer_id, &a.reference).cmp(&(b.deadline, b.kind, &b.customer_id, &b.reference))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures;
    use crate::domain::ids::Actor;
    use crate::domain::invoice::Dispute;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 11, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or_default()
    }

    #[test]
    fn an_invoice_asks_for_its_help_request_first_then_its_dispute() {
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        let mut invoice = fixtures::invoice(1, day(2), day(12), 10_000);
        assert_eq!(for_invoice(&invoice), None, "nothing waits");
        invoice.disputes.push(Dispute {
            reason: "quantité".into(),
            opened_by: Actor::system("test"),
            opened_at: at(10, 9),
            settled: None,
        });
        let dispute = for_invoice(&invoice).map(|t| (t.kind, t.deadline));
        assert_eq!(dispute, Some((TodoKind::Dispute, at(15, 9))));
        invoice.dunning.help_request_open = true;
        invoice.dunning.help_requested_at = Some(at(11, 14));
        let help = for_invoice(&invoice).map(|t| (t.kind, t.deadline));
        assert_eq!(help, Some((TodoKind::HelpRequest, at(13, 14))), "48 hours");
    }

    #[test]
    fn the_late_ones_come_first() {
        let todo = |kind, since, r: &str| Todo::new(kind, Some("c".into()), r.into(), since);
        let mut list = vec![
            todo(TodoKind::Dispute, at(10, 9), "dispute due on the 15th"),
            todo(TodoKind::HelpRequest, at(11, 9), "help due on the 13th"),
            todo(TodoKind::CreditApproval, at(14, 9), "credit due on the 15th at 9"),
            todo(TodoKind::HelpRequest, at(9, 9), "help due on the 11th: late"),
        ];
        sort(&mut list);
        let order: Vec<&str> = list.iter().map(|t| t.reference.as_str()).collect();
        assert_eq!(
            order,
            [
                "help due on the 11th: late",
                "help due on the 13th",
                "dispute due on the 15th",
                "credit due on the 15th at 9",
            ]
        );
        assert!(list[0].late(at(12, 0)) && !list[1].late(at(12, 0)));
    }
}
