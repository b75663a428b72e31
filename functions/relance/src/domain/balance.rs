//! The relationship balance ("bilan relationnel") of a portfolio over a
//! period, read from the customers' histories alone: what was invoiced and
//! how it was paid, how often and how we reminded, what customers answered,
//! what we gave back. Pure: the histories and the period are parameters.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::event::{EventKind, HistoryEvent};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Balance {
    /// Invoices issued in the period, and their gross total (minor units).
    pub invoices_issued: u32,
    pub invoiced_minor: i64,
    /// Invoices settled in the period, and how many of them by their due date.
    pub invoices_paid: u32,
    pub paid_on_time: u32,
    /// Still owed at the end of the period, on every invoice ever issued.
    pub receivables_minor: i64,
    /// Days sales outstanding: receivables ÷ invoiced in the period × its days.
    pub dso_days: Option<f64>,
    /// Reminder emails by stage and by tone.
    pub reminders_by_stage: BTreeMap<String, u32>,
    pub reminders_by_tone: BTreeMap<String, u32>,
    /// Invoices handed to a person (no more automatic email).
    pub handed_off: u32,
    pub help_requests: u32,
    pub disputes_opened: u32,
    pub surveys_sent: u32,
    pub surveys_answered: u32,
    /// % of satisfaction answers at 4 or 5 (of 5).
    pub csat: Option<f64>,
    /// % promoters (9–10) minus % detractors (0–6).
    pub nps: Option<f64>,
    /// Mean effort score (1 very hard … 5 very easy).
    pub ces: Option<f64>,
    /// Alerts to finance: detractors, help requests, hand-offs.
    pub finance_alerts: u32,
    pub credits_granted: u32,
    pub credits_net_minor: i64,
    pub credits_gross_minor: i64,
}

impl Balance {
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.invoices_paid > 0).then(|| 100.0 * f64::from(self.paid_on_time) / f64::from(self.invoices_paid))
    }
}

/// The balance of `histories` (each customer's events, any order) for the
/// days `from..=to` (Paris business dates of the events' instants).
pub fn balance<'a>(histories: impl IntoIterator<Item = &'a [HistoryEvent]>, from: NaiveDate, to: NaiveDate) -> Balance {
    let mut tally = Tally::default();
    for history in histories {
        let mut events: Vec<&HistoryEvent> = history.iter().collect();
        events.sort_by_key(|e| (e.at, e.id));
        for e in events {
            let day = super::calendar::business_date(e.at);
            if day <= to {
                tally.count(e, day >= from);
            }
        }
    }
    tally.finish((to - from).num_days() + 1)
}

/// What the events add up to while they are read.
#[derive(Default)]
struct Tally {
    b: Balance,
    /// Owed per invoice, over all time: what was issued less what came in.
    owed: HashMap<String, i64>,
    /// The last answer to each survey counts (answering again replaces).
    answers: HashMap<String, (String, u8)>,
}

impl Tally {
    /// Counts one event; what is owed counts whenever it happened, the
    /// rest only within the period.
    fn count(&mut self, e: &HistoryEvent, in_period: bool) {
        let key = |n: &dyn std::fmt::Display| format!("{}/{n}", e.customer_id);
        let b = &mut self.b;
        match &e.kind {
            EventKind::InvoiceIssued {
                number, gross_minor, ..
            } => {
                self.owed.insert(key(number), *gross_minor);
                if in_period {
                    b.invoices_issued += 1;
                    b.invoiced_minor = b.invoiced_minor.saturating_add(*gross_minor);
                }
            }
            EventKind::PaymentRecorded {
                number,
                remaining_minor,
                ..
            } => {
                self.owed.insert(key(number), *remaining_minor);
            }
            EventKind::InvoiceCorrected {
                number,
                remaining_minor,
                ..
            }
            | EventKind::PaymentRefunded {
                number,
                remaining_minor,
                ..
            } => {
                self.owed.insert(key(number), *remaining_minor);
            }
            EventKind::CreditApplied {
                invoice, amount_minor, ..
            } => {
                if let Some(left) = self.owed.get_mut(&key(invoice)) {
                    *left = left.saturating_sub(*amount_minor).max(0);
                }
            }
            EventKind::InvoicePaid { number, days_late, .. } => {
                self.owed.insert(key(number), 0);
                if in_period {
                    b.invoices_paid += 1;
                    b.paid_on_time += u32::from(*days_late <= 0);
                }
            }
            _ if !in_period => {}
            EventKind::ReminderSent { stage, tone, .. } => {
                *b.reminders_by_stage.entry(stage.clone()).or_default() += 1;
                *b.reminders_by_tone.entry(tone.clone()).or_default() += 1;
            }
            EventKind::HandedOff { .. } => b.handed_off += 1,
            EventKind::HelpRequested { .. } => b.help_requests += 1,
            EventKind::DisputeOpened { .. } => b.disputes_opened += 1,
            EventKind::SurveySent { .. } => b.surveys_sent += 1,
            EventKind::SurveyAnswered {
                survey_id,
                question,
                score,
                ..
            } => {
                self.answers.insert(key(survey_id), (question.clone(), *score));
            }
            EventKind::FinanceAlerted { .. } => b.finance_alerts += 1,
            EventKind::CreditGranted {
                net_minor,
                gross_minor,
                correction: None,
                ..
            } => {
                b.credits_granted += 1;
                b.credits_net_minor = b.credits_net_minor.saturating_add(*net_minor);
                b.credits_gross_minor = b.credits_gross_minor.saturating_add(*gross_minor);
            }
            _ => {}
        }
    }

    /// The receivables, the DSO over `days`, and the survey scores.
    fn finish(self, days: i64) -> Balance {
        let Tally { mut b, owed, answers } = self;
        // Portfolio sums saturate: each amount is bounded, their count is not.
        b.receivables_minor = owed.values().fold(0i64, |sum, v| sum.saturating_add(*v));
        b.dso_days = (b.invoiced_minor > 0).then(|| b.receivables_minor as f64 / b.invoiced_minor as f64 * days as f64);
        b.surveys_answered = u32::try_from(answers.len()).unwrap_or(u32::MAX);
        let scores = |q: &str| -> Vec<u8> {
            let mut s: Vec<u8> = answers.values().filter(|(k, _)| k == q).map(|(_, s)| *s).collect();
            s.sort_unstable();
            s
        };
        let percent = |part: usize, all: usize| 100.0 * part as f64 / all as f64;
        let csat = scores("csat");
        b.csat = (!csat.is_empty()).then(|| percent(csat.iter().filter(|s| **s >= 4).count(), csat.len()));
        let nps = scores("nps");
        b.nps = (!nps.is_empty()).then(|| {
            let promoters = nps.iter().filter(|s| **s >= 9).count();
            let detractors = nps.iter().filter(|s| **s <= 6).count();
            percent(promoters, nps.len()) - percent(detractors, nps.len())
        });
        let ces = scores("ces");
        b.ces = (!ces.is_empty()).then(|| ces.iter().map(|s| f64::from(*s)).sum::<f64>() / ces.len() as f64);
        b
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::domain::{Actor, CustomerId, InvoiceNumber};

    fn at(m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, 9, 0, 0).single().unwrap_or_default()
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        at(m, d).date_naive()
    }

    fn n(s: &str) -> InvoiceNumber {
        InvoiceNumber::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn ev(customer: &str, when: DateTime<Utc>, kind: EventKind) -> HistoryEvent {
        let id = CustomerId::parse(customer).unwrap_or_else(|e| panic!("{customer}: {e}"));
        HistoryEvent::new(id, when, Actor("test".into()), kind)
    }

    fn issued(c: &str, when: DateTime<Utc>, number: &str, gross: i64) -> HistoryEvent {
        ev(
            c,
            when,
            EventKind::InvoiceIssued {
                number: n(number),
                gross_minor: gross,
                currency: "EUR".into(),
                due_date: when.date_naive() + chrono::Duration::days(30),
            },
        )
    }

    fn paid(c: &str, when: DateTime<Utc>, number: &str, days_late: i64) -> HistoryEvent {
        ev(
            c,
            when,
            EventKind::InvoicePaid {
                number: n(number),
                paid_on: when.date_naive(),
                days_late,
            },
        )
    }

    fn reminder(c: &str, when: DateTime<Utc>, stage: &str, tone: &str) -> HistoryEvent {
        ev(
            c,
            when,
            EventKind::ReminderSent {
                numbers: vec![],
                stage: stage.into(),
                tone: tone.into(),
                reason: String::new(),
                message_id: String::new(),
                provider_message_id: String::new(),
                notice: None,
            },
        )
    }

    fn answer(c: &str, when: DateTime<Utc>, survey: &str, question: &str, score: u8) -> HistoryEvent {
        ev(
            c,
            when,
            EventKind::SurveyAnswered {
                survey_id: survey.into(),
                question: question.into(),
                score,
                detractor: false,
                comment: None,
                suspicious: vec![],
            },
        )
    }

    #[test]
    fn invoices_payments_and_dso() {
        let a = vec![
            // Before the period: counts as owed, not as invoiced in it.
            issued("a", at(10, 1), "F2026-000001", 10_000),
            issued("a", at(11, 2), "F2026-000002", 20_000),
            paid("a", at(11, 10), "F2026-000001", 9),
        ];
        let b = vec![
            issued("b", at(11, 2), "F2026-000003", 30_000),
            ev(
                "b",
                at(11, 20),
                EventKind::PaymentRecorded {
                    number: n("F2026-000003"),
                    amount_minor: 10_000,
                    currency: "EUR".into(),
                    date: day(11, 20),
                    method: crate::domain::invoice::PaymentMethod::Transfer,
                    reference: None,
                    remaining_minor: 20_000,
                },
            ),
            // After the period: ignored.
            paid("b", at(12, 5), "F2026-000003", 0),
        ];
        let got = balance([a.as_slice(), b.as_slice()], day(11, 1), day(11, 30));
        assert_eq!(got.invoices_issued, 2);
        assert_eq!(got.invoiced_minor, 50_000);
        assert_eq!((got.invoices_paid, got.paid_on_time), (1, 0));
        assert_eq!(got.on_time_rate(), Some(0.0));
        // 20 000 (a, unpaid) + 20 000 (b, part paid) owed of 50 000 invoiced over 30 days.
        assert_eq!(got.receivables_minor, 40_000);
        assert_eq!(got.dso_days, Some(24.0));
    }

    #[test]
    fn credits_applied_reduce_what_is_owed() {
        let a = vec![
            issued("a", at(11, 2), "F2026-000001", 12_000),
            ev(
                "a",
                at(11, 2),
                EventKind::CreditApplied {
                    number: n("AV2026-000001"),
                    invoice: n("F2026-000001"),
                    amount_minor: 2_000,
                    remaining_minor: 0,
                },
            ),
        ];
        let got = balance([a.as_slice()], day(11, 1), day(11, 30));
        assert_eq!(got.receivables_minor, 10_000);
    }

    #[test]
    fn reminders_by_stage_and_tone() {
        let a = vec![
            reminder("a", at(11, 3), "help_first", "warm"),
            reminder("a", at(11, 12), "check_in", "warm"),
            reminder("a", at(10, 12), "check_in", "direct"), // before the period
        ];
        let b = vec![reminder("b", at(11, 3), "help_first", "direct")];
        let got = balance([a.as_slice(), b.as_slice()], day(11, 1), day(11, 30));
        assert_eq!(
            got.reminders_by_stage,
            BTreeMap::from([("check_in".into(), 1), ("help_first".into(), 2)])
        );
        assert_eq!(
            got.reminders_by_tone,
            BTreeMap::from([("direct".into(), 1), ("warm".into(), 2)])
        );
    }

    #[test]
    fn scores_count_the_last_answer_of_each_survey() {
        let a = vec![
            answer("a", at(11, 5), "s1", "nps", 3),
            answer("a", at(11, 6), "s1", "nps", 10), // replaces the 3
            answer("a", at(11, 7), "s2", "csat", 5),
            answer("a", at(11, 8), "s3", "ces", 4),
        ];
        let b = vec![
            answer("b", at(11, 5), "s1", "nps", 6), // another customer's s1
            answer("b", at(11, 9), "s4", "csat", 2),
            answer("b", at(11, 9), "s5", "ces", 2),
            answer("b", at(11, 10), "s6", "nps", 8),
        ];
        let got = balance([a.as_slice(), b.as_slice()], day(11, 1), day(11, 30));
        assert_eq!(got.surveys_answered, 7);
        // NPS: 10 promoter, 6 detractor, 8 passive → 33.3 − 33.3 = 0.
        assert_eq!(got.nps.map(f64::round), Some(0.0));
        assert_eq!(got.csat, Some(50.0));
        assert_eq!(got.ces, Some(3.0));
    }

    #[test]
    fn an_empty_portfolio_has_no_rates() {
        let got = balance(std::iter::empty::<&[HistoryEvent]>(), day(11, 1), day(11, 30));
        assert_eq!(got, Balance::default());
        assert_eq!(got.on_time_rate(), None);
    }
}
