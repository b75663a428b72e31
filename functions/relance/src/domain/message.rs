//! The outbox's messages: every email relance sends is first a message
//! item that moves PENDING → SENDING (a lease) → SENT by conditional
//! writes. SES has no idempotency token; this is ours. (The store keeps
//! them, `delivery` sends them.)

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::feedback::Stream;
use super::ids::ulid_at;
use super::{CustomerId, EventKind, InvoiceNumber};

/// How long a sender owns a message. Longer than an SES call can take
/// (the SDK's operation timeout is far shorter), so a live sender never
/// loses its lease; a crashed one frees the message when it expires.
pub const LEASE: Duration = Duration::minutes(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MessageStatus {
    Pending,
    Sending,
    Sent,
    /// Taken back unsent: what it was to say no longer holds (a final
    /// notice whose invoices were all paid before its letter was drawn).
    Withdrawn,
}

/// What the email is about; the content is rendered from it at send time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "purpose", rename_all = "snake_case")]
pub enum Purpose {
    Invoice {
        number: InvoiceNumber,
    },
    /// One reminder for one or more of a customer's invoices.
    Reminder {
        numbers: Vec<InvoiceNumber>,
        stage: String,
        tone: super::dunning::Tone,
        reason: String,
        /// The formal notice to pay attached to a business customer's
        /// final notice: the email then waits for the archive to store
        /// the letter, and goes out with it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notice: Option<NoticeRef>,
    },
    /// Thanks to a customer who paid after being reminded.
    Thanks {
        number: InvoiceNumber,
    },
    /// To the company's finance contact, not the customer: a person must
    /// act (hand-off after the last reminder, an address that bounces).
    FinanceAlert {
        numbers: Vec<InvoiceNumber>,
        stage: String,
        reason: String,
    },
    /// One survey question, one link per score.
    Survey {
        survey_id: String,
        question: super::survey::Question,
    },
    /// To finance: a detractor answered a survey; a person responds
    /// within 48 hours.
    SurveyAlert {
        survey_id: String,
        question: super::survey::Question,
        score: u8,
    },
    /// A goodwill credit: the apology or thanks, with its credit note.
    Credit {
        credit_id: String,
        number: InvoiceNumber,
    },
    /// To the accounting inbox: a copy of an issued invoice (no
    /// `credit_id`) or credit note, with the same documents attached.
    BookCopy {
        number: InvoiceNumber,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credit_id: Option<String>,
    },
    /// To finance: the customer asked for help from a reminder.
    HelpAlert {
        numbers: Vec<InvoiceNumber>,
        request_id: String,
        choice: super::help::HelpChoice,
    },
    /// To finance: a customer answered an email by email (a person, not
    /// an automatic reply). Their words are read from the reply's kept
    /// text; a person responds within 48 hours.
    ReplyAlert {
        /// The `customer_replied` event, whose text is kept 30 days.
        event_id: String,
        says_paid: bool,
    },
    /// To the second person of `[escalation]`: a help request or an
    /// unhappy answer still waits past its 48 hours. Its id derives from
    /// what waits (`escalation::message_id`), so it is queued once.
    Escalation {
        kind: super::todo::TodoKind,
        /// The invoice number (help request) or the survey id.
        reference: String,
        since: DateTime<Utc>,
    },
}

/// A formal notice to pay: its reference (printed on the letter, the
/// name of its archived file) and the date it is dated (its figures are
/// computed as of that day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRef {
    pub reference: String,
    pub dated: chrono::NaiveDate,
}

/// The issued document an email carries as attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carried<'a> {
    Invoice(&'a InvoiceNumber),
    CreditNote {
        credit_id: &'a str,
        number: &'a InvoiceNumber,
    },
    /// The formal notice letter of a final-notice reminder.
    Notice(&'a NoticeRef),
}

/// Which sweep sends a message when its first attempt did not. Emails
/// that carry an issued document wait in their own lane for the function
/// that holds the archive: the others could only send them bare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Mail,
    Documents,
}

impl Lane {
    /// The partition prefix of its shards in the outbox index.
    pub fn prefix(self) -> &'static str {
        match self {
            Lane::Mail => "OUTBOX",
            Lane::Documents => "DOCS",
        }
    }
}

impl Purpose {
    /// The issued document it carries: the invoice email and the credit
    /// note email, and their copies for the books.
    pub fn carries(&self) -> Option<Carried<'_>> {
        match self {
            Purpose::Invoice { number }
            | Purpose::BookCopy {
                number,
                credit_id: None,
                ..
            } => Some(Carried::Invoice(number)),
            Purpose::Credit { credit_id, number }
            | Purpose::BookCopy {
                number,
                credit_id: Some(credit_id),
            } => Some(Carried::CreditNote { credit_id, number }),
            Purpose::Reminder {
                notice: Some(notice), ..
            } => Some(Carried::Notice(notice)),
            _ => None,
        }
    }

    pub fn lane(&self) -> Lane {
        if self.carries().is_some() {
            Lane::Documents
        } else {
            Lane::Mail
        }
    }

    /// The template set the email is rendered from.
    pub fn template(&self) -> &'static str {
        match self {
            Purpose::Invoice { .. } => "invoice",
            Purpose::Thanks { .. } => "thanks",
            Purpose::Reminder { .. } => "reminder",
            Purpose::FinanceAlert { .. } => "finance_alert",
            Purpose::Survey { .. } => "survey",
            Purpose::Credit { .. } => "credit",
            Purpose::BookCopy { .. } => "book_copy",
            Purpose::SurveyAlert { .. } | Purpose::HelpAlert { .. } | Purpose::ReplyAlert { .. } => "customer_alert",
            Purpose::Escalation { .. } => "escalation",
        }
    }

    /// The SES stream it goes through: surveys apart, so a complaint about
    /// a survey never puts the invoices' reputation at risk.
    pub fn stream(&self) -> Stream {
        match self {
            Purpose::Survey { .. } => Stream::Survey,
            _ => Stream::Transactional,
        }
    }

    /// Whether it goes to the company's finance contact, not the customer.
    pub fn to_finance(&self) -> bool {
        matches!(
            self,
            Purpose::FinanceAlert { .. }
                | Purpose::SurveyAlert { .. }
                | Purpose::HelpAlert { .. }
                | Purpose::ReplyAlert { .. }
                | Purpose::Escalation { .. }
        )
    }

    /// The history event that records a sent email, by what it was about.
    pub fn sent_event(&self, message_id: Ulid, provider_id: &str) -> EventKind {
        let message_id = message_id.to_string();
        let provider_message_id = provider_id.to_string();
        match self {
            Purpose::Invoice { number } => EventKind::InvoiceEmailed {
                number: number.clone(),
                message_id,
                provider_message_id,
            },
            Purpose::Reminder {
                numbers,
                stage,
                tone,
                reason,
                notice,
            } => EventKind::ReminderSent {
                numbers: numbers.clone(),
                stage: stage.clone(),
                tone: tone.name().to_string(),
                reason: reason.clone(),
                message_id,
                provider_message_id,
                notice: notice.as_ref().map(|n| n.reference.clone()),
            },
            Purpose::Thanks { number } => EventKind::ThanksSent {
                number: number.clone(),
                message_id,
                provider_message_id,
            },
            Purpose::FinanceAlert { numbers, reason, .. } => EventKind::FinanceAlerted {
                numbers: numbers.clone(),
                reason: reason.clone(),
                message_id,
            },
            Purpose::Survey { survey_id, question } => EventKind::SurveySent {
                survey_id: survey_id.clone(),
                question: question.name().to_string(),
                message_id,
                provider_message_id,
            },
            Purpose::Credit { number, .. } => EventKind::CreditEmailed {
                number: number.clone(),
                message_id,
                provider_message_id,
            },
            Purpose::BookCopy { number, .. } => EventKind::BookCopySent {
                number: number.clone(),
                message_id,
                provider_message_id,
            },
            Purpose::SurveyAlert { question, score, .. } => EventKind::FinanceAlerted {
                numbers: Vec::new(),
                reason: format!(
                    "{} answer {score} of {}: a person responds within 48 hours",
                    question.name(),
                    question.scores().end()
                ),
                message_id,
            },
            Purpose::HelpAlert { numbers, choice, .. } => EventKind::FinanceAlerted {
                numbers: numbers.clone(),
                reason: format!(
                    "the customer asked for help ({}): a person responds within 48 hours",
                    choice.name()
                ),
                message_id,
            },
            Purpose::ReplyAlert { says_paid, .. } => EventKind::FinanceAlerted {
                numbers: Vec::new(),
                reason: if *says_paid {
                    "the customer replied by email that it is paid: a person checks and responds within 48 hours"
                } else {
                    "the customer replied by email: a person responds within 48 hours"
                }
                .to_string(),
                message_id,
            },
            Purpose::Escalation { kind, reference, since } => EventKind::AlertEscalated {
                kind: kind.name().to_string(),
                reference: reference.clone(),
                since: *since,
                message_id,
            },
        }
    }
    /// A short description for the history ("invoice F2026-000001").
    pub fn describe(&self) -> String {
        match self {
            Purpose::Invoice { number } => format!("invoice {number}"),
            Purpose::Reminder { numbers, stage, .. } => {
                let list: Vec<&str> = numbers.iter().map(InvoiceNumber::as_str).collect();
                format!("{stage} reminder for {}", list.join(", "))
            }
            Purpose::Thanks { number } => format!("thanks for paying {number}"),
            Purpose::FinanceAlert { numbers, reason, .. } => {
                let list: Vec<&str> = numbers.iter().map(InvoiceNumber::as_str).collect();
                format!("alert to finance about {}: {reason}", list.join(", "))
            }
            Purpose::Survey { question, .. } => format!("{} survey", question.name()),
            Purpose::Credit { number, .. } => format!("credit note {number}"),
            Purpose::BookCopy { number, .. } => format!("copy of {number} for the books"),
            Purpose::SurveyAlert { question, score, .. } => {
                format!("alert to finance: {} answer {score}", question.name())
            }
            Purpose::HelpAlert { numbers, choice, .. } => {
                let list: Vec<&str> = numbers.iter().map(InvoiceNumber::as_str).collect();
                format!(
                    "alert to finance: help asked ({}) for {}",
                    choice.name(),
                    list.join(", ")
                )
            }
            Purpose::ReplyAlert { says_paid, .. } => {
                format!(
                    "alert to finance: the customer replied by email{}",
                    if *says_paid { ", saying it is paid" } else { "" }
                )
            }
            Purpose::Escalation { kind, reference, .. } => {
                format!("escalation: {} {reference} unanswered after 48 hours", kind.name())
            }
        }
    }
}

/// Where a message is stored. Most messages are items of their own; a
/// reminder (or the finance alert that replaces it) lives in the
/// customer's dunning item, so claiming its stages and creating the email
/// is one small conditional write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    Own,
    Dunning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: Ulid,
    pub customer_id: CustomerId,
    #[serde(flatten)]
    pub purpose: Purpose,
    pub status: MessageStatus,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    /// When the message may next be claimed: now for a new one, the lease
    /// end while SENDING, a back-off after a failure. Stored as epoch
    /// milliseconds so conditions compare numbers, not strings.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub next_attempt_at: DateTime<Utc>,
    pub provider_message_id: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl Message {
    pub fn new(customer_id: CustomerId, purpose: Purpose, now: DateTime<Utc>) -> Self {
        Self {
            id: ulid_at(now),
            customer_id,
            purpose,
            status: MessageStatus::Pending,
            attempts: 0,
            created_at: now,
            next_attempt_at: now,
            provider_message_id: None,
            last_error: None,
            sent_at: None,
        }
    }
}

/// Back-off after a failed attempt: 1, 2, 4 … minutes, at most an hour.
pub fn retry_delay(attempts: u32) -> Duration {
    Duration::minutes(1i64 << attempts.saturating_sub(1).min(6)).min(Duration::hours(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_purpose_says_its_template_stream_and_recipient() {
        use crate::domain::help::HelpChoice;
        use crate::domain::survey::Question;
        let n = || InvoiceNumber::new("F2026", 1);
        // (purpose, template, stream, to finance)
        let cases = [
            (
                Purpose::Invoice { number: n() },
                "invoice",
                Stream::Transactional,
                false,
            ),
            (Purpose::Thanks { number: n() }, "thanks", Stream::Transactional, false),
            (
                Purpose::Reminder {
                    numbers: vec![n()],
                    stage: "courtesy".into(),
                    tone: crate::domain::dunning::Tone::Warm,
                    reason: String::new(),
                    notice: None,
                },
                "reminder",
                Stream::Transactional,
                false,
            ),
            (
                Purpose::FinanceAlert {
                    numbers: vec![n()],
                    stage: "handoff".into(),
                    reason: String::new(),
                },
                "finance_alert",
                Stream::Transactional,
                true,
            ),
            (
                Purpose::Survey {
                    survey_id: "s".into(),
                    question: Question::Nps,
                },
                "survey",
                Stream::Survey,
                false,
            ),
            (
                Purpose::Credit {
                    credit_id: "c".into(),
                    number: InvoiceNumber::new("AV2026", 1),
                },
                "credit",
                Stream::Transactional,
                false,
            ),
            (
                Purpose::SurveyAlert {
                    survey_id: "s".into(),
                    question: Question::Csat,
                    score: 1,
                },
                "customer_alert",
                Stream::Transactional,
                true,
            ),
            (
                Purpose::HelpAlert {
                    numbers: vec![n()],
                    request_id: "r".into(),
                    choice: HelpChoice::PaymentPlan,
                },
                "customer_alert",
                Stream::Transactional,
                true,
            ),
            (
                Purpose::ReplyAlert {
                    event_id: "e".into(),
                    says_paid: true,
                },
                "customer_alert",
                Stream::Transactional,
                true,
            ),
            (
                Purpose::Escalation {
                    kind: super::super::todo::TodoKind::HelpRequest,
                    reference: "F2026-000001".into(),
                    since: DateTime::<Utc>::default(),
                },
                "escalation",
                Stream::Transactional,
                true,
            ),
        ];
        for (purpose, template, stream, finance) in cases {
            let what = purpose.describe();
            assert_eq!(
                (purpose.template(), purpose.stream(), purpose.to_finance()),
                (template, stream, finance),
                "{what}"
            );
        }
    }

    #[test]
    fn back_off_grows_then_caps() {
        let minutes: Vec<i64> = (1..=9).map(|a| retry_delay(a).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
