//! Whether to ask a customer one question after an interaction, and which.
//! Fewer, better questions: one per email, never in the middle of a
//! collection, never twice in a month. Pure: every input is a parameter.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::dunning::Policy;
use super::dunning_state::DunningState;
use super::{Customer, CustomerId, EventKind, Invoice, InvoiceStatus};

/// The one question a survey email asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    /// Customer effort: "how easy was it…", 1 (very hard) to 5 (very easy).
    Ces,
    /// Satisfaction with how something was handled, 1 to 5.
    Csat,
    /// Net Promoter: "would you recommend us", 0 to 10.
    Nps,
}

impl Question {
    pub fn scores(self) -> std::ops::RangeInclusive<u8> {
        match self {
            Question::Ces | Question::Csat => 1..=5,
            Question::Nps => 0..=10,
        }
    }

    /// An answer that calls for a person: NPS 0–6, CSAT 1–2, CES 1–2
    /// ("hard" or "very hard").
    pub fn is_detractor(self, score: u8) -> bool {
        match self {
            Question::Nps => score <= 6,
            Question::Csat | Question::Ces => score <= 2,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Question::Ces => "ces",
            Question::Csat => "csat",
            Question::Nps => "nps",
        }
    }
}

/// The end of an interaction, as the history records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "trigger", rename_all = "snake_case")]
pub enum Trigger {
    InvoicePaid {
        number: String,
        days_late: i64,
    },
    DisputeSettled {
        number: String,
    },
    HelpAnswered,
    /// Some days after a goodwill credit (its credit note's number).
    CreditGranted {
        number: String,
    },
}

impl Trigger {
    /// What the survey is about, for the templates, and the invoice if any.
    pub fn about(&self) -> (&'static str, Option<&str>) {
        match self {
            Trigger::InvoicePaid { number, .. } => ("invoice_paid", Some(number)),
            Trigger::DisputeSettled { number } => ("dispute_settled", Some(number)),
            Trigger::HelpAnswered => ("help_answered", None),
            Trigger::CreditGranted { number } => ("credit_granted", Some(number)),
        }
    }
}

/// What the decision needs to know about the customer, gathered by the
/// caller from the profile, the invoices and the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyFacts {
    pub opted_out: bool,
    /// Paused by finance, or the address bounced or complained.
    pub unreachable: bool,
    pub customer_since: NaiveDate,
    pub last_survey_at: Option<DateTime<Utc>>,
    pub last_nps_at: Option<DateTime<Utc>>,
    pub last_reminder_at: Option<DateTime<Utc>>,
    /// Open invoices reminded beyond the first, friendly stage.
    pub invoices_past_first_reminder: usize,
    pub overdue_invoices: usize,
    pub open_disputes: usize,
}

/// When this customer was last asked anything, and last asked the
/// relationship question.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LastAsked {
    pub any: Option<DateTime<Utc>>,
    pub nps: Option<DateTime<Utc>>,
}

impl SurveyFacts {
    /// The facts of a customer from their profile, their invoices and how
    /// far the reminders went, on `today`.
    pub fn gather(
        customer: &Customer,
        invoices: &[&Invoice],
        dunning: &DunningState,
        stages: &Policy,
        asked: LastAsked,
        today: NaiveDate,
    ) -> Self {
        let open = || invoices.iter().filter(|i| i.status == InvoiceStatus::Open);
        Self {
            opted_out: customer.surveys_opted_out,
            unreachable: customer.paused || customer.email_suppressed,
            customer_since: customer.customer_since,
            last_survey_at: asked.any,
            last_nps_at: asked.nps,
            last_reminder_at: dunning.last_claim_at(),
            invoices_past_first_reminder: open()
                .filter(|i| {
                    dunning
                        .stage_of(&i.number)
                        .and_then(|s| stages.index_of(s))
                        .is_some_and(|index| index > 0)
                })
                .count(),
            overdue_invoices: open().filter(|i| i.due_date < today).count(),
            open_disputes: invoices.iter().filter(|i| i.open_dispute().is_some()).count(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyPolicy {
    pub cooling_off: Duration,
    pub nps_every: Duration,
    /// No survey this soon after a reminder: the contact budget is shared.
    pub after_reminder: Duration,
    /// A relationship question needs a relationship.
    pub nps_min_tenure_days: i64,
}

impl Default for SurveyPolicy {
    fn default() -> Self {
        Self {
            cooling_off: Duration::days(30),
            nps_every: Duration::days(90),
            after_reminder: Duration::hours(48),
            nps_min_tenure_days: 90,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Drop {
    OptedOut,
    Unreachable,
    InCollection,
    CoolingOff,
    /// An on-time payment that is not the periodic NPS moment: paying
    /// took no effort worth asking about, and a question after every
    /// monthly invoice would spend the customer's patience for nothing.
    Routine,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyDecision {
    Ask(Question),
    /// Asked later: only time stands in the way (another contact within
    /// the 48-hour budget, or — for a goodwill follow-up — the cooling-off
    /// period). The email waits in the outbox until `until`.
    Postpone {
        question: Question,
        until: DateTime<Utc>,
    },
    /// Dropped: the moment will not come back (opted out, unreachable, in
    /// collection, routine), or a question about a moment would come too
    /// late (a payment's or a dispute's survey inside the cooling-off).
    Drop(Drop),
}

/// Whether a survey's question keeps its meaning a month later: "was the
/// gesture enough?" does (it is about the credit, not a moment); "how easy
/// was paying?" asked weeks later does not, and is dropped.
fn waits_out_cooling_off(trigger: &Trigger) -> bool {
    matches!(trigger, Trigger::CreditGranted { .. })
}

pub fn decide(policy: &SurveyPolicy, trigger: &Trigger, facts: &SurveyFacts, now: DateTime<Utc>) -> SurveyDecision {
    use SurveyDecision::Drop as D;
    if facts.opted_out {
        return D(Drop::OptedOut);
    }
    if facts.unreachable {
        return D(Drop::Unreachable);
    }
    if facts.invoices_past_first_reminder > 0 {
        return D(Drop::InCollection);
    }
    let question = match trigger {
        Trigger::DisputeSettled { .. } | Trigger::CreditGranted { .. } => Question::Csat,
        Trigger::HelpAnswered => Question::Ces,
        Trigger::InvoicePaid { days_late, .. } => {
            let tenure = (now.date_naive() - facts.customer_since).num_days();
            let nps_due = facts.last_nps_at.is_none_or(|at| now - at >= policy.nps_every);
            let on_time = *days_late <= 0;
            // A calm moment: paid on time, nothing overdue, nothing disputed.
            let calm = on_time && facts.overdue_invoices == 0 && facts.open_disputes == 0;
            if nps_due && calm && tenure >= policy.nps_min_tenure_days {
                Question::Nps
            } else if on_time && tenure >= policy.nps_min_tenure_days {
                return D(Drop::Routine);
            } else {
                // Paid late (reminded, perhaps helped), or one of a new
                // customer's first payments: was it easy?
                Question::Ces
            }
        }
    };
    // What time alone holds back: the contact budget after a reminder
    // (every survey waits it out), the cooling-off after another survey
    // (only a question that keeps its meaning does).
    let mut until: Option<DateTime<Utc>> = None;
    if let Some(at) = facts.last_reminder_at.filter(|at| now - *at < policy.after_reminder) {
        until = Some(at + policy.after_reminder);
    }
    if let Some(at) = facts.last_survey_at.filter(|at| now - *at < policy.cooling_off) {
        if !waits_out_cooling_off(trigger) {
            return D(Drop::CoolingOff);
        }
        until = until.max(Some(at + policy.cooling_off));
    }
    match until {
        Some(until) => SurveyDecision::Postpone { question, until },
        None => SurveyDecision::Ask(question),
    }
}

/// One question sent to one customer after one interaction. Its id is the
/// id of the history event that ended the interaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    /// The id of the event that triggered it: one survey per trigger.
    pub id: String,
    pub customer_id: CustomerId,
    pub question: Question,
    #[serde(flatten)]
    pub trigger: Trigger,
    pub created_at: DateTime<Utc>,
    pub message_id: Ulid,
    #[serde(default)]
    pub answer: Option<u8>,
    #[serde(default)]
    pub answered_at: Option<DateTime<Utc>>,
    /// Score links opened (a scanner opens them all).
    #[serde(default)]
    pub opened: Vec<u8>,
    /// The hidden link was followed: no person can see it.
    #[serde(default)]
    pub honeypot: bool,
    #[serde(default)]
    pub alerted: bool,
}

impl Survey {
    /// The survey `trigger` (the event `event_id`) calls for, asked by
    /// `message`, not answered yet.
    pub fn asked(trigger: Trigger, event_id: String, question: Question, message: &super::message::Message) -> Self {
        Self {
            id: event_id,
            customer_id: message.customer_id.clone(),
            question,
            trigger,
            created_at: message.created_at,
            message_id: message.id,
            answer: None,
            answered_at: None,
            opened: Vec::new(),
            honeypot: false,
            alerted: false,
        }
    }
}

/// The interaction an event ends, if it ends one.
pub fn trigger_of(kind: &EventKind) -> Option<Trigger> {
    match kind {
        EventKind::InvoicePaid { number, days_late, .. } => Some(Trigger::InvoicePaid {
            number: number.to_string(),
            days_late: *days_late,
        }),
        EventKind::DisputeSettled { number, .. } => Some(Trigger::DisputeSettled {
            number: number.to_string(),
        }),
        EventKind::HelpRequestAnswered { .. } => Some(Trigger::HelpAnswered),
        EventKind::CreditFollowUpDue { number } => Some(Trigger::CreditGranted {
            number: number.to_string(),
        }),
        _ => None,
    }
}

/// The history event types that can end an interaction (the stream
/// filter in the SAM template lists the same; a test checks it).
pub fn trigger_kinds() -> [&'static str; 4] {
    [
        "invoice_paid",
        "dispute_settled",
        "help_request_answered",
        "credit_follow_up_due",
    ]
}

/// A reply this soon after delivery is faster than reading: a scanner.
const TOO_FAST: Duration = Duration::seconds(15);

/// Why an answer looks like a mail scanner's rather than a person's.
pub fn suspicion(survey: &Survey, sent_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Vec<String> {
    let mut flags = Vec::new();
    if sent_at.is_some_and(|sent| now - sent < TOO_FAST) {
        flags.push("answered within seconds of delivery".to_string());
    }
    if survey.question.scores().all(|s| survey.opened.contains(&s)) {
        flags.push("every score link was opened".to_string());
    }
    if survey.honeypot {
        flags.push("the hidden link was followed".to_string());
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dunning_state::ClaimedStage;
    use crate::domain::fixtures;
    use crate::domain::invoice::Dispute;
    use crate::domain::{Actor, InvoiceNumber};

    #[test]
    fn the_facts_count_what_is_open_overdue_disputed_and_reminded_beyond_the_first_stage() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        let stages = Policy::configured().unwrap_or_else(|e| panic!("{e}"));
        let overdue = fixtures::invoice(1, day(2), day(12), 10_000);
        let not_due = fixtures::invoice(2, day(2), day(25), 10_000);
        let mut paid_disputed = fixtures::invoice(3, day(2), day(5), 10_000);
        paid_disputed.status = InvoiceStatus::Paid;
        paid_disputed.disputes.push(Dispute {
            reason: "x".into(),
            opened_by: Actor::system("t"),
            opened_at: at(3),
            settled: None,
        });
        let mut dunning = DunningState::default();
        let claimed = |stage: &str| ClaimedStage {
            stage: stage.into(),
            at: at(15),
        };
        dunning
            .stages
            .insert(overdue.number.clone(), claimed(&stages.stages[1].name));
        dunning
            .stages
            .insert(not_due.number.clone(), claimed(&stages.stages[0].name));
        dunning
            .stages
            .insert(InvoiceNumber::new("F2026", 3), claimed(&stages.stages[2].name));
        let customer = fixtures::consumer("c1");
        let facts = SurveyFacts::gather(
            &customer,
            &[&overdue, &not_due, &paid_disputed],
            &dunning,
            &stages,
            LastAsked::default(),
            day(20),
        );
        // Paid invoices count for disputes only; the first stage is friendly.
        assert_eq!(
            (
                facts.invoices_past_first_reminder,
                facts.overdue_invoices,
                facts.open_disputes
            ),
            (1, 1, 1)
        );
        assert_eq!((facts.opted_out, facts.unreachable), (false, false));
    }

    fn at(day: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or_default()
    }

    fn calm() -> SurveyFacts {
        SurveyFacts {
            opted_out: false,
            unreachable: false,
            customer_since: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
            last_survey_at: None,
            last_nps_at: None,
            last_reminder_at: None,
            invoices_past_first_reminder: 0,
            overdue_invoices: 0,
            open_disputes: 0,
        }
    }

    fn paid(days_late: i64) -> Trigger {
        Trigger::InvoicePaid {
            number: "F2026-000001".into(),
            days_late,
        }
    }

    #[test]
    fn each_rule_has_a_case() {
        use Question::*;
        use SurveyDecision::{Ask, Drop as D};
        let now = at(22);
        let settled = Trigger::DisputeSettled {
            number: "F2026-000001".into(),
        };
        let cases: Vec<(&str, Trigger, SurveyFacts, SurveyDecision)> = vec![
            ("calm on-time payment, no NPS yet: NPS", paid(0), calm(), Ask(Nps)),
            ("late payment: effort, not NPS", paid(5), calm(), Ask(Ces)),
            (
                "NPS asked 60 days ago, paid on time: nothing to ask",
                paid(0),
                SurveyFacts {
                    last_nps_at: Some(now - Duration::days(60)),
                    last_survey_at: Some(now - Duration::days(60)),
                    ..calm()
                },
                D(Drop::Routine),
            ),
            (
                "NPS asked 60 days ago, paid late: effort",
                paid(4),
                SurveyFacts {
                    last_nps_at: Some(now - Duration::days(60)),
                    last_survey_at: Some(now - Duration::days(60)),
                    ..calm()
                },
                Ask(Ces),
            ),
            (
                "NPS asked 90 days ago: NPS again",
                paid(0),
                SurveyFacts {
                    last_nps_at: Some(now - Duration::days(90)),
                    ..calm()
                },
                Ask(Nps),
            ),
            (
                "another invoice overdue: not the moment for NPS, and this payment was easy",
                paid(0),
                SurveyFacts {
                    overdue_invoices: 1,
                    ..calm()
                },
                D(Drop::Routine),
            ),
            (
                "a dispute still open: not the moment for NPS, and this payment was easy",
                paid(0),
                SurveyFacts {
                    open_disputes: 1,
                    ..calm()
                },
                D(Drop::Routine),
            ),
            (
                "customer for a month: too early for NPS",
                paid(0),
                SurveyFacts {
                    customer_since: NaiveDate::from_ymd_opt(2026, 10, 20).unwrap_or_default(),
                    ..calm()
                },
                Ask(Ces),
            ),
            ("dispute settled: satisfaction", settled.clone(), calm(), Ask(Csat)),
            (
                "credit granted: satisfaction",
                Trigger::CreditGranted {
                    number: "AV2026-000001".into(),
                },
                calm(),
                Ask(Csat),
            ),
            ("help request answered: effort", Trigger::HelpAnswered, calm(), Ask(Ces)),
            (
                "opted out",
                paid(0),
                SurveyFacts {
                    opted_out: true,
                    ..calm()
                },
                D(Drop::OptedOut),
            ),
            (
                "paused or bouncing",
                settled.clone(),
                SurveyFacts {
                    unreachable: true,
                    ..calm()
                },
                D(Drop::Unreachable),
            ),
            (
                "an invoice past its first reminder",
                settled.clone(),
                SurveyFacts {
                    invoices_past_first_reminder: 1,
                    ..calm()
                },
                D(Drop::InCollection),
            ),
            (
                "a reminder 47 hours ago: asked an hour later",
                paid(3),
                SurveyFacts {
                    last_reminder_at: Some(now - Duration::hours(47)),
                    ..calm()
                },
                SurveyDecision::Postpone {
                    question: Ces,
                    until: now + Duration::hours(1),
                },
            ),
            (
                "a goodwill follow-up 10 days after another survey: waits out the cooling-off",
                Trigger::CreditGranted {
                    number: "AV2026-000001".into(),
                },
                SurveyFacts {
                    last_survey_at: Some(now - Duration::days(10)),
                    ..calm()
                },
                SurveyDecision::Postpone {
                    question: Csat,
                    until: now + Duration::days(20),
                },
            ),
            (
                "a goodwill follow-up inside both waits: the later end",
                Trigger::CreditGranted {
                    number: "AV2026-000001".into(),
                },
                SurveyFacts {
                    last_survey_at: Some(now - Duration::days(29) - Duration::hours(23)),
                    last_reminder_at: Some(now - Duration::hours(1)),
                    ..calm()
                },
                SurveyDecision::Postpone {
                    question: Csat,
                    until: now + Duration::hours(47),
                },
            ),
            (
                "a goodwill follow-up once the cooling-off is over",
                Trigger::CreditGranted {
                    number: "AV2026-000001".into(),
                },
                SurveyFacts {
                    last_survey_at: Some(now - Duration::days(30)),
                    ..calm()
                },
                Ask(Csat),
            ),
            (
                "a reminder 49 hours ago",
                paid(3),
                SurveyFacts {
                    last_reminder_at: Some(now - Duration::hours(49)),
                    ..calm()
                },
                Ask(Ces),
            ),
            (
                "a survey 29 days ago: cooling off",
                Trigger::HelpAnswered,
                SurveyFacts {
                    last_survey_at: Some(now - Duration::days(29)),
                    ..calm()
                },
                D(Drop::CoolingOff),
            ),
            (
                "a survey 30 days ago: allowed",
                Trigger::HelpAnswered,
                SurveyFacts {
                    last_survey_at: Some(now - Duration::days(30)),
                    ..calm()
                },
                Ask(Ces),
            ),
        ];
        for (name, trigger, facts, expected) in cases {
            assert_eq!(
                decide(&SurveyPolicy::default(), &trigger, &facts, now),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn detractors_by_question() {
        assert!(Question::Nps.is_detractor(6));
        assert!(!Question::Nps.is_detractor(7));
        assert!(Question::Csat.is_detractor(2));
        assert!(!Question::Csat.is_detractor(3));
        assert!(Question::Ces.is_detractor(1));
        assert!(!Question::Ces.is_detractor(3));
        assert_eq!(Question::Nps.scores().count(), 11);
        assert_eq!(Question::Ces.scores().count(), 5);
    }

    #[test]
    fn scanner_signs() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let mut survey = Survey {
            id: "s".into(),
            customer_id: CustomerId::parse("acme").unwrap_or_else(|_| panic!("id")),
            question: Question::Csat,
            trigger: Trigger::CreditGranted {
                number: "AV2026-000001".into(),
            },
            created_at: now,
            message_id: Ulid::nil(),
            answer: None,
            answered_at: None,
            opened: vec![4],
            honeypot: false,
            alerted: false,
        };
        assert!(suspicion(&survey, Some(now - Duration::minutes(5)), now).is_empty());
        assert_eq!(suspicion(&survey, Some(now - Duration::seconds(3)), now).len(), 1);
        survey.opened = vec![1, 2, 3, 4, 5];
        survey.honeypot = true;
        assert_eq!(suspicion(&survey, None, now).len(), 2);
    }
}
