//! One contact budget for every message a customer receives. A legal or
//! requested message (an invoice or credit note, a goodwill credit's email
//! with its credit note, a person's answer) always goes out, and counts. A
//! message that can wait (a reminder, a thank-you, a survey or the
//! goodwill follow-up) waits until the budget's gap since the last
//! contact has passed: postponed, never dropped. Pure: the caller reads
//! the recent history and the clock.

use chrono::{DateTime, Duration, Utc};

use super::EventKind;
use super::message::Purpose;

/// A message as the customer receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact {
    /// An invoice or a credit note, emailed when issued: a legal document.
    Document,
    /// A goodwill credit's email, which carries its credit note.
    Credit,
    /// A person's answer to the customer (a help request or an unhappy
    /// answer followed up).
    Reply,
    /// A reminder, at any stage: the pass tries again the next business day.
    Reminder,
    /// Thanks for a payment that ended a chase.
    Thanks,
    /// One question after an interaction, the goodwill follow-up included.
    Survey,
}

impl Contact {
    pub const ALL: [Contact; 6] = [
        Contact::Document,
        Contact::Credit,
        Contact::Reply,
        Contact::Reminder,
        Contact::Thanks,
        Contact::Survey,
    ];

    /// Whether this message may be held back by the budget.
    pub fn can_wait(self) -> bool {
        matches!(self, Contact::Reminder | Contact::Thanks | Contact::Survey)
    }

    /// What a message relance sends is to its customer; `None` for the
    /// emails to finance and to the accounting inbox, which the customer
    /// never sees.
    pub fn of_purpose(purpose: &Purpose) -> Option<Self> {
        match purpose {
            Purpose::Invoice { .. } => Some(Contact::Document),
            Purpose::Credit { .. } => Some(Contact::Credit),
            Purpose::Reminder { .. } => Some(Contact::Reminder),
            Purpose::Thanks { .. } => Some(Contact::Thanks),
            Purpose::Survey { .. } => Some(Contact::Survey),
            Purpose::FinanceAlert { .. }
            | Purpose::SurveyAlert { .. }
            | Purpose::BookCopy { .. }
            | Purpose::HelpAlert { .. }
            | Purpose::ReplyAlert { .. }
            | Purpose::Escalation { .. } => None,
        }
    }

    /// The contact a history event records, if it records one.
    pub fn of_event(kind: &EventKind) -> Option<Self> {
        match kind {
            EventKind::InvoiceEmailed { .. } => Some(Contact::Document),
            EventKind::CreditEmailed { .. } => Some(Contact::Credit),
            EventKind::PersonReplied { .. } => Some(Contact::Reply),
            EventKind::ReminderSent { .. } => Some(Contact::Reminder),
            EventKind::ThanksSent { .. } => Some(Contact::Thanks),
            EventKind::SurveySent { .. } => Some(Contact::Survey),
            _ => None,
        }
    }
}

/// The latest contact among `events` (in any order).
pub fn last_contact<'a>(events: impl IntoIterator<Item = (&'a EventKind, DateTime<Utc>)>) -> Option<DateTime<Utc>> {
    events
        .into_iter()
        .filter(|(kind, _)| Contact::of_event(kind).is_some())
        .map(|(_, at)| at)
        .max()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Send,
    /// Held back until `until`, when the gap since the last contact ends.
    Wait {
        until: DateTime<Utc>,
    },
}

/// Whether a message of `kind` may go out `now`, `gap` after the customer's
/// last contact.
pub fn decide(kind: Contact, last: Option<DateTime<Utc>>, gap: Duration, now: DateTime<Utc>) -> Decision {
    match last {
        Some(at) if kind.can_wait() && now - at < gap => Decision::Wait { until: at + gap },
        _ => Decision::Send,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::InvoiceNumber;
    use crate::domain::dunning::Tone;
    use crate::domain::survey::Question;
    use chrono::TimeZone;
    use ulid::Ulid;

    fn number() -> InvoiceNumber {
        InvoiceNumber::new("F2026", 1)
    }

    /// A message of each kind, as the outbox holds it (a person's answer
    /// is recorded by finance, never sent by the outbox).
    fn purpose(kind: Contact) -> Option<Purpose> {
        Some(match kind {
            Contact::Document => Purpose::Invoice { number: number() },
            Contact::Credit => Purpose::Credit {
                credit_id: "01J0000000000000000000CRED".into(),
                number: InvoiceNumber::new("A2026", 1),
            },
            Contact::Reminder => Purpose::Reminder {
                numbers: vec![number()],
                stage: "help_first".into(),
                tone: Tone::Standard,
                reason: "standard".into(),
                notice: None,
            },
            Contact::Thanks => Purpose::Thanks { number: number() },
            Contact::Survey => Purpose::Survey {
                survey_id: "01J0000000000000000000SURV".into(),
                question: Question::Csat,
            },
            Contact::Reply => return None,
        })
    }

    /// The event that records a sent message of each kind.
    fn sent(kind: Contact) -> EventKind {
        match purpose(kind) {
            Some(p) => p.sent_event(Ulid::nil(), "ses-1"),
            None => EventKind::PersonReplied {
                note: "Called back".into(),
            },
        }
    }

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).single().expect("a date")
    }

    /// Every pair: a message of the row's kind was sent at 08:00; one of
    /// the column's kind comes an hour later, then two days and an hour
    /// later. `W` waits until 08:00 two days on, `S` goes out.
    #[test]
    fn every_pair_of_message_kinds() {
        use Contact::*;
        let columns = [Document, Credit, Reply, Reminder, Thanks, Survey];
        let table: [(Contact, [char; 6]); 6] = [
            (Document, ['S', 'S', 'S', 'W', 'W', 'W']),
            (Credit, ['S', 'S', 'S', 'W', 'W', 'W']),
            (Reply, ['S', 'S', 'S', 'W', 'W', 'W']),
            (Reminder, ['S', 'S', 'S', 'W', 'W', 'W']),
            (Thanks, ['S', 'S', 'S', 'W', 'W', 'W']),
            (Survey, ['S', 'S', 'S', 'W', 'W', 'W']),
        ];
        assert_eq!(table.map(|(row, _)| row), Contact::ALL, "a row for every kind");
        assert_eq!(columns, Contact::ALL, "a column for every kind");
        let gap = Duration::hours(48);
        for (earlier, expected) in table {
            let event = sent(earlier);
            let last = last_contact([(&event, at(2, 8))]);
            assert_eq!(last, Some(at(2, 8)), "{earlier:?} counts as a contact");
            for (later, want) in columns.into_iter().zip(expected) {
                let soon = decide(later, last, gap, at(2, 9));
                let wanted = match want {
                    'W' => Decision::Wait { until: at(4, 8) },
                    _ => Decision::Send,
                };
                assert_eq!(soon, wanted, "{later:?} an hour after {earlier:?}");
                assert_eq!(
                    decide(later, last, gap, at(4, 9)),
                    Decision::Send,
                    "{later:?} two days after {earlier:?}"
                );
            }
        }
    }

    #[test]
    fn the_gap_ends_exactly_at_its_hour_and_only_the_latest_contact_counts() {
        let gap = Duration::hours(48);
        let reminder = sent(Contact::Reminder);
        let invoice = sent(Contact::Document);
        let last = last_contact([(&reminder, at(2, 8)), (&invoice, at(1, 8))]);
        assert_eq!(last, Some(at(2, 8)));
        assert_eq!(
            decide(Contact::Thanks, last, gap, at(4, 7)),
            Decision::Wait { until: at(4, 8) }
        );
        assert_eq!(decide(Contact::Thanks, last, gap, at(4, 8)), Decision::Send);
        assert_eq!(decide(Contact::Survey, None, gap, at(4, 7)), Decision::Send);
    }

    #[test]
    fn emails_to_finance_and_to_the_books_are_no_contact() {
        let alert = EventKind::FinanceAlerted {
            numbers: vec![number()],
            reason: "final_notice".into(),
            message_id: Ulid::nil().to_string(),
        };
        assert_eq!(Contact::of_event(&alert), None);
        let copy = Purpose::BookCopy {
            number: number(),
            credit_id: None,
        };
        assert_eq!(Contact::of_purpose(&copy), None);
        assert_eq!(last_contact([(&alert, at(2, 8))]), None);
        for kind in Contact::ALL {
            if let Some(p) = purpose(kind) {
                assert_eq!(Contact::of_purpose(&p), Some(kind));
            }
        }
    }
}
