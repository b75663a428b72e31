//! What a reminder pass does for one customer, decided from what it read:
//! which invoices are due, at which stage, in which tone — or why nothing
//! is sent, counted per invoice. Pure: the pass reads, calls [`plan`],
//! and writes what it says.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use ulid::Ulid;

use super::contact::{self, Contact};
use super::dunning::{CustomerFacts, Policy, StageDecision, Tone, decide_stage, decide_tone};
use super::dunning_state::Flight;
use super::invoice::InvoiceStatus;
use super::{Invoice, InvoiceNumber};

/// Why an invoice got nothing this pass. Counted in the pass summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    Paid,
    DisputeOpen,
    HelpRequestOpen,
    PromiseToPay,
    PaymentPlan,
    CustomerPaused,
    /// An unhappy survey answer waits for a person's answer.
    DetractorWaiting,
    /// The customer wrote back by email and waits for a person's answer.
    ReplyWaiting,
    /// An automatic answer said the customer is away until a later day.
    CustomerAway,
    EmailSuppressed,
    ContactBudget,
    NotYetDue,
    AlreadySent,
    Weekend,
    /// Another writer kept winning the claim.
    ClaimedElsewhere,
    /// The customer's previous reminder has not gone out yet.
    ReminderPending,
    /// The buyer's platform reports the invoice rejected (never received)
    /// or suspended: a person acts first.
    PlatformHold,
}

impl Skip {
    /// Its name, as the summaries and the console's words spell it.
    pub fn name(self) -> &'static str {
        match self {
            Skip::Paid => "paid",
            Skip::DisputeOpen => "dispute_open",
            Skip::HelpRequestOpen => "help_request_open",
            Skip::PromiseToPay => "promise_to_pay",
            Skip::PaymentPlan => "payment_plan",
            Skip::CustomerPaused => "customer_paused",
            Skip::DetractorWaiting => "detractor_waiting",
            Skip::ReplyWaiting => "reply_waiting",
            Skip::CustomerAway => "customer_away",
            Skip::EmailSuppressed => "email_suppressed",
            Skip::ContactBudget => "contact_budget",
            Skip::NotYetDue => "not_yet_due",
            Skip::AlreadySent => "already_sent",
            Skip::Weekend => "weekend",
            Skip::ClaimedElsewhere => "claimed_elsewhere",
            Skip::ReminderPending => "reminder_pending",
            Skip::PlatformHold => "platform_hold",
        }
    }
}

/// The stage an invoice should get as of `as_of`, or why it gets none.
/// `last` is the index of the stage it last had; `reminded_before` says
/// whether the customer ever had a reminder (the final notice is never
/// the first one).
pub fn invoice_stage(
    policy: &Policy,
    invoice: &Invoice,
    last: Option<usize>,
    reminded_before: bool,
    as_of: NaiveDate,
) -> Result<usize, Skip> {
    if invoice.status == InvoiceStatus::Paid || invoice.remaining_minor() <= 0 {
        return Err(Skip::Paid);
    }
    if invoice.open_dispute().is_some() {
        return Err(Skip::DisputeOpen);
    }
    if invoice
        .platform
        .as_ref()
        .is_some_and(super::invoice::PlatformState::holds_reminders)
    {
        return Err(Skip::PlatformHold);
    }
    let dunning = &invoice.dunning;
    if dunning.help_request_open {
        return Err(Skip::HelpRequestOpen);
    }
    if dunning.promise_to_pay.is_some_and(|d| d >= as_of) {
        return Err(Skip::PromiseToPay);
    }
    // A plan replaces the due date by its first instalment not yet
    // covered by payments; while that date is ahead, nothing is sent.
    let mut reference = dunning.promise_to_pay.unwrap_or(invoice.due_date).max(invoice.due_date);
    if !dunning.plan.is_empty() {
        let mut covered = invoice.paid_minor;
        let next = dunning.plan.iter().find(|(_, amount)| {
            covered = covered.saturating_sub(*amount);
            covered < 0
        });
        match next {
            Some((date, _)) if *date >= as_of => return Err(Skip::PaymentPlan),
            Some((date, _)) => reference = *date,
            None => return Err(Skip::PaymentPlan),
        }
    }
    match decide_stage(policy, reference, as_of, last, reminded_before || last.is_some()) {
        StageDecision::Send(index) => Ok(index),
        StageDecision::NotYet => Err(Skip::NotYetDue),
        StageDecision::AlreadySent => Err(Skip::AlreadySent),
    }
}

/// What comes next for one invoice if nothing changes: the stage and the
/// first sending day it becomes due, or what holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextReminder {
    /// This stage (index into the policy), on this day.
    Due { stage: usize, on: NaiveDate },
    /// Nothing is sent while this holds (paid, a dispute, a help request,
    /// the platform's hold).
    Held(Skip),
    /// Its last stage is behind it: a person has it.
    Done,
}

/// How far ahead `next_reminder` looks: past the last stage's offset.
const NEXT_HORIZON_DAYS: u64 = 400;

/// The invoice's next reminder, from `today` on: the first sending day
/// the pass would give it a stage, found by asking `invoice_stage` day by
/// day (a promise or a plan moves it; holds that only a person lifts stop
/// the search). The customer's contact budget and other invoices are not
/// foreseen: the preview of that day's pass says them.
pub fn next_reminder(
    policy: &Policy,
    invoice: &Invoice,
    last: Option<usize>,
    reminded_before: bool,
    today: NaiveDate,
) -> NextReminder {
    for ahead in 0..=NEXT_HORIZON_DAYS {
        let Some(day) = today.checked_add_days(chrono::Days::new(ahead)) else {
            break;
        };
        match invoice_stage(policy, invoice, last, reminded_before, day) {
            Ok(stage) if policy.sends_on(day) => return NextReminder::Due { stage, on: day },
            Ok(_) | Err(Skip::NotYetDue | Skip::PromiseToPay | Skip::PaymentPlan) => {}
            // The stage it is at was sent: the next one comes with time,
            // unless it was the last.
            Err(Skip::AlreadySent) if last.is_some_and(|l| l + 1 >= policy.stages.len()) => {
                return NextReminder::Done;
            }
            Err(Skip::AlreadySent) => {}
            Err(hold) => return NextReminder::Held(hold),
        }
    }
    NextReminder::Done
}

/// One open invoice as the pass found it, with the stage it last had.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    pub invoice: &'a Invoice,
    pub last_stage: Option<usize>,
}

/// Everything the decision needs about one customer.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    pub policy: &'a Policy,
    pub as_of: NaiveDate,
    pub now: DateTime<Utc>,
    pub paused: bool,
    pub email_suppressed: bool,
    pub facts: &'a CustomerFacts,
    /// The customer's open invoices the index listed (and that still exist).
    pub invoices: &'a [Seen<'a>],
    /// Where the customer's last reminder stands.
    pub flight: Flight<'a>,
}

/// The reminder to claim and send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// Each due invoice with the stage it gets now.
    pub due: Vec<(InvoiceNumber, usize)>,
    /// The most advanced of those stages: it speaks for all.
    pub stage: usize,
    pub tone: Tone,
    pub reason: String,
    /// The address bounced or complained: finance is alerted instead of
    /// the customer (the stages are claimed all the same, once each).
    pub suppressed: bool,
}

/// What the pass does for the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing is sent.
    Nothing,
    /// The last reminder's sender died before sending: send that one,
    /// once, and nothing new today.
    Redeliver(Ulid),
    Remind(Reminder),
}

/// The decision, and why each invoice that gets nothing gets nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub action: Action,
    pub skipped: BTreeMap<Skip, usize>,
}

/// Decides what the pass does for one customer.
pub fn plan(s: &Situation<'_>) -> Plan {
    let mut skipped: BTreeMap<Skip, usize> = BTreeMap::new();
    let mut skip = |reason: Skip, n: usize| *skipped.entry(reason).or_default() += n;
    let away = s.facts.away_until.is_some_and(|day| s.as_of < day);
    let held = if s.paused {
        Some(Skip::CustomerPaused)
    } else if s.facts.detractor_waiting {
        Some(Skip::DetractorWaiting)
    } else if s.facts.reply_waiting {
        Some(Skip::ReplyWaiting)
    } else if away {
        Some(Skip::CustomerAway)
    } else {
        None
    };
    if let Some(why) = held {
        skip(why, s.invoices.len());
        return Plan {
            action: Action::Nothing,
            skipped,
        };
    }
    let mut due = Vec::new();
    for seen in s.invoices {
        match invoice_stage(
            s.policy,
            seen.invoice,
            seen.last_stage,
            s.facts.reminded_before,
            s.as_of,
        ) {
            Ok(stage) => due.push((seen.invoice.number.clone(), stage)),
            Err(reason) => skip(reason, 1),
        }
    }
    let action = match s.flight {
        Flight::Stuck(message) => {
            skip(Skip::ReminderPending, due.len());
            Action::Redeliver(message.id)
        }
        // A reminder claimed earlier has not gone out (SES refused it, or
        // another pass is sending it): it goes first, a new one waits.
        Flight::Waiting if !due.is_empty() => {
            skip(Skip::ReminderPending, due.len());
            Action::Nothing
        }
        Flight::Clear | Flight::Waiting => remind(s, due, &mut skip),
    };
    Plan { action, skipped }
}

fn remind(s: &Situation<'_>, due: Vec<(InvoiceNumber, usize)>, skip: &mut impl FnMut(Skip, usize)) -> Action {
    let Some(stage) = due.iter().map(|(_, index)| *index).max() else {
        return Action::Nothing;
    };
    let emails = s.policy.stages.get(stage).is_some_and(|def| def.email);
    let suppressed = emails && s.email_suppressed;
    if suppressed {
        skip(Skip::EmailSuppressed, due.len());
    }
    let gap = chrono::Duration::hours(s.policy.contact_gap_hours);
    let too_soon = matches!(
        contact::decide(Contact::Reminder, s.facts.last_contact, gap, s.now),
        contact::Decision::Wait { .. }
    );
    if emails && !suppressed && too_soon {
        skip(Skip::ContactBudget, due.len());
        return Action::Nothing;
    }
    let (tone, reason) = decide_tone(&s.policy.tone, s.facts);
    Action::Remind(Reminder {
        due,
        stage,
        tone,
        reason,
        suppressed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::invoice::Dispute;
    use crate::domain::message::{Message, Purpose};
    use crate::domain::{Actor, CustomerId, InvoiceInput};
    use chrono::TimeZone;

    fn policy() -> Policy {
        Policy::configured().unwrap_or_else(|e| panic!("{e}"))
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    #[test]
    fn the_next_reminder_is_the_first_sending_day_a_stage_falls_due() {
        let policy = policy();
        let mut invoice = crate::domain::fixtures::invoice(1, day(3, 2), day(4, 1), 10_000);
        let idx = |name| policy.index_of(name);
        let courtesy = policy.stages[0].offset_days;
        // Three days before 1 April is Sunday 29 March: it goes on Monday.
        assert_eq!(day(4, 1) + chrono::Duration::days(courtesy), day(3, 29));
        match next_reminder(&policy, &invoice, None, false, day(3, 2)) {
            NextReminder::Due { stage: 0, on } => assert_eq!(on, day(3, 30)),
            other => panic!("{other:?}"),
        }
        // Help first was sent: the check-in comes at its offset, on a weekday.
        let Some(help) = idx("help_first") else {
            panic!("help_first")
        };
        let next = next_reminder(&policy, &invoice, Some(help), true, day(4, 6));
        let NextReminder::Due { stage, on } = next else {
            panic!("{next:?}")
        };
        assert_eq!(Some(stage), idx("check_in"));
        assert!(on > day(4, 6) && policy.sends_on(on), "{on}");
        // A promise moves it past the promised day; a dispute holds it.
        invoice.dunning.promise_to_pay = Some(day(5, 20));
        let NextReminder::Due { on, .. } = next_reminder(&policy, &invoice, Some(help), true, day(4, 6)) else {
            panic!("due after the promise")
        };
        assert!(on > day(5, 20), "{on}");
        invoice.dunning.promise_to_pay = None;
        invoice.disputes.push(Dispute {
            reason: "quantité".into(),
            opened_by: Actor::system("test"),
            opened_at: Utc.with_ymd_and_hms(2026, 4, 6, 9, 0, 0).single().unwrap_or_default(),
            settled: None,
        });
        assert_eq!(
            next_reminder(&policy, &invoice, Some(help), true, day(4, 6)),
            NextReminder::Held(Skip::DisputeOpen)
        );
        invoice.disputes.clear();
        let last = policy.stages.len() - 1;
        assert_eq!(
            next_reminder(&policy, &invoice, Some(last), true, day(9, 1)),
            NextReminder::Done
        );
    }

    #[test]
    fn a_reason_is_named_as_the_summary_spells_it() {
        for skip in [
            Skip::Paid,
            Skip::DisputeOpen,
            Skip::HelpRequestOpen,
            Skip::PromiseToPay,
            Skip::PaymentPlan,
            Skip::CustomerPaused,
            Skip::EmailSuppressed,
            Skip::ContactBudget,
            Skip::NotYetDue,
            Skip::AlreadySent,
            Skip::Weekend,
            Skip::ClaimedElsewhere,
            Skip::ReminderPending,
            Skip::PlatformHold,
        ] {
            let spelt = serde_json::to_value(skip).ok();
            assert_eq!(spelt.as_ref().and_then(|v| v.as_str()), Some(skip.name()));
        }
    }

    fn morning(m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, 7, 0, 0).single().unwrap_or_default()
    }

    /// An open invoice of 100 € due on 1 April.
    fn invoice(position: u64) -> Invoice {
        let input: InvoiceInput = serde_json::from_value(serde_json::json!({
            "customer_id": "c1", "currency": "EUR", "issue_date": "2026-03-02", "due_date": "2026-04-01",
            "category": "services",
            "lines": [{ "description": "Travaux", "quantity": 1, "unit_price_minor": 10000, "vat_rate": "20" }]
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let customer = serde_json::from_value::<crate::domain::CustomerInput>(serde_json::json!({
            "contact_name": "Camille", "email": "c@example.test", "locale": "fr", "kind": "consumer",
            "billing_address": { "lines": ["1 rue"], "postal_code": "69002", "city": "Lyon", "country": "FR" },
            "customer_since": "2020-01-01"
        }))
        .unwrap_or_else(|e| panic!("{e}"))
        .parse(CustomerId::parse("c1").unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e:?}"));
        input.parse().unwrap_or_else(|e| panic!("{e:?}")).issue(
            InvoiceNumber::new("F2026", position),
            crate::config::company().unwrap_or_else(|e| panic!("{e}")),
            customer,
            morning(3, 2),
            Actor("test".into()),
        )
    }

    struct Case {
        name: &'static str,
        as_of: NaiveDate,
        paused: bool,
        detractor: bool,
        suppressed: bool,
        last_contact_hours_ago: Option<i64>,
        change: fn(&mut Invoice),
        last_stage: Option<usize>,
        stuck: bool,
        waiting: bool,
        want_action: &'static str,
        want_stage: Option<&'static str>,
        want_skips: &'static [(Skip, usize)],
    }

    const NOTHING: fn(&mut Invoice) = |_| {};

    fn run(case: &Case) -> Plan {
        let policy = policy();
        let mut first = invoice(1);
        (case.change)(&mut first);
        let second = invoice(2);
        let now = morning(case.as_of.month0() + 1, case.as_of.day0() + 1);
        let facts = CustomerFacts {
            last_contact: case.last_contact_hours_ago.map(|h| now - chrono::Duration::hours(h)),
            detractor_waiting: case.detractor,
            ..CustomerFacts::default()
        };
        let seen = [
            Seen {
                invoice: &first,
                last_stage: case.last_stage,
            },
            Seen {
                invoice: &second,
                last_stage: case.last_stage,
            },
        ];
        let message = Message::new(
            CustomerId::parse("c1").unwrap_or_else(|e| panic!("{e}")),
            Purpose::Thanks {
                number: InvoiceNumber::new("F2026", 1),
            },
            now,
        );
        let flight = match (case.stuck, case.waiting) {
            (true, _) => Flight::Stuck(&message),
            (_, true) => Flight::Waiting,
            _ => Flight::Clear,
        };
        plan(&Situation {
            policy: &policy,
            as_of: case.as_of,
            now,
            paused: case.paused,
            email_suppressed: case.suppressed,
            facts: &facts,
            invoices: &seen,
            flight,
        })
    }

    use chrono::Datelike;

    #[test]
    fn a_customers_plan_reads_like_the_policy() {
        let base = Case {
            name: "",
            as_of: day(4, 6),
            paused: false,
            detractor: false,
            suppressed: false,
            last_contact_hours_ago: None,
            change: NOTHING,
            last_stage: None,
            stuck: false,
            waiting: false,
            want_action: "remind",
            want_stage: Some("help_first"),
            want_skips: &[],
        };
        let cases = [
            Case {
                name: "five days late: help first, both invoices in one email",
                ..base
            },
            Case {
                name: "before the courtesy reminder: nothing yet",
                as_of: day(3, 20),
                want_action: "nothing",
                want_stage: None,
                want_skips: &[(Skip::NotYetDue, 2)],
                ..base
            },
            Case {
                name: "a paused customer gets nothing, every invoice counted",
                paused: true,
                want_action: "nothing",
                want_stage: None,
                want_skips: &[(Skip::CustomerPaused, 2)],
                ..base
            },
            Case {
                name: "an unhappy answer nobody has answered: the chase waits, every invoice counted",
                detractor: true,
                want_action: "nothing",
                want_stage: None,
                want_skips: &[(Skip::DetractorWaiting, 2)],
                ..base
            },
            Case {
                name: "a disputed invoice waits; the other is reminded",
                change: |i| {
                    i.disputes.push(Dispute {
                        reason: "x".into(),
                        opened_by: Actor("a".into()),
                        opened_at: morning(3, 5),
                        settled: None,
                    })
                },
                want_skips: &[(Skip::DisputeOpen, 1)],
                ..base
            },
            Case {
                name: "a help request waits",
                change: |i| i.dunning.help_request_open = true,
                want_skips: &[(Skip::HelpRequestOpen, 1)],
                ..base
            },
            Case {
                name: "a promise not yet due waits",
                change: |i| i.dunning.promise_to_pay = Some(day(4, 20)),
                want_skips: &[(Skip::PromiseToPay, 1)],
                ..base
            },
            Case {
                name: "a plan whose next instalment is ahead waits",
                change: |i| i.dunning.plan = vec![(day(4, 30), 12000)],
                want_skips: &[(Skip::PaymentPlan, 1)],
                ..base
            },
            Case {
                name: "a paid invoice drops out",
                change: |i| i.status = InvoiceStatus::Paid,
                want_skips: &[(Skip::Paid, 1)],
                ..base
            },
            Case {
                name: "a stage already had is not sent again",
                last_stage: Some(1),
                want_action: "nothing",
                want_stage: None,
                want_skips: &[(Skip::AlreadySent, 2)],
                ..base
            },
            Case {
                name: "within 48 hours of another contact: the budget holds it",
                last_contact_hours_ago: Some(20),
                want_action: "nothing",
                want_stage: None,
                want_skips: &[(Skip::ContactBudget, 2)],
                ..base
            },
            Case {
                name: "after 48 hours the reminder goes",
                last_contact_hours_ago: Some(49),
                ..base
            },
            Case {
                name: "a suppressed address: finance is alerted, stages claimed",
                suppressed: true,
                want_skips: &[(Skip::EmailSuppressed, 2)],
                ..base
            },
            Case {
                name: "a suppressed address ignores the contact budget (nobody is mailed)",
                suppressed: true,
                last_contact_hours_ago: Some(1),
                want_skips: &[(Skip::EmailSuppressed, 2)],
                ..base
            },
            Case {
                name: "a stuck reminder is sent again, nothing new",
                stuck: true,
                want_action: "redeliver",
                want_stage: None,
                want_skips: &[(Skip::ReminderPending, 2)],
                ..base
            },
            Case {
                name: "a reminder still in flight: the new one waits",
                waiting: true,
                want_action: "nothing",
                want_stage: None,
                want_skips: &[(Skip::ReminderPending, 2)],
                ..base
            },
            Case {
                name: "in flight but nothing due: nothing to hold back",
                waiting: true,
                as_of: day(3, 20),
                want_action: "nothing",
                want_stage: None,
                want_skips: &[(Skip::NotYetDue, 2)],
                ..base
            },
            Case {
                name: "fifty-five days late: a person takes over",
                as_of: day(5, 26),
                want_stage: Some("handoff"),
                ..base
            },
        ];
        let policy = policy();
        for case in &cases {
            let got = run(case);
            let (action, stage) = match &got.action {
                Action::Nothing => ("nothing", None),
                Action::Redeliver(_) => ("redeliver", None),
                Action::Remind(r) => ("remind", policy.stages.get(r.stage).map(|s| s.name.as_str())),
            };
            assert_eq!((action, stage), (case.want_action, case.want_stage), "{}", case.name);
            let want: BTreeMap<Skip, usize> = case.want_skips.iter().copied().collect();
            assert_eq!(got.skipped, want, "{}", case.name);
            if let Action::Remind(r) = &got.action {
                assert_eq!(r.suppressed, case.suppressed, "{}", case.name);
                // Every invoice is either due or counted once by its reason
                // (a suppressed address counts the due ones a second time).
                let counted: usize = got
                    .skipped
                    .iter()
                    .filter(|(reason, _)| **reason != Skip::EmailSuppressed)
                    .map(|(_, n)| n)
                    .sum();
                assert_eq!(r.due.len() + counted, 2, "{}: every invoice accounted for", case.name);
            }
        }
    }
}
