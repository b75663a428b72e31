//! The relationship balance ("bilan relationnel") of a portfolio over a
//! period, read from the customers' histories alone: what was invoiced and
//! how it was paid, how often and how we reminded, what customers answered,
//! how fast a person answered them, who stopped ordering, what we gave
//! back. Pure: the histories and the period are parameters.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::event::{EventKind, HistoryEvent};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Balance {
    /// Invoices issued in the period (all currencies).
    pub invoices_issued: u32,
    /// Invoices settled in the period, and how many of them by their due date.
    pub invoices_paid: u32,
    pub paid_on_time: u32,
    /// % of the invoices settled in the period that were settled on time.
    pub on_time_rate: Option<f64>,
    /// The amounts, one entry per currency: amounts of two currencies are
    /// never added together.
    pub amounts: BTreeMap<String, Amounts>,
    /// Reminder emails by stage and by tone.
    pub reminders_by_stage: BTreeMap<String, u32>,
    pub reminders_by_tone: BTreeMap<String, u32>,
    /// Invoices handed to a person (no more automatic email).
    pub handed_off: u32,
    pub help_requests: u32,
    pub disputes_opened: u32,
    pub surveys_sent: u32,
    pub surveys_answered: u32,
    /// Of those, answers that looked like a mail scanner's (too soon after
    /// delivery, from a known scanner): recorded, never counted in CSAT,
    /// NPS or CES.
    pub scanner_answers: u32,
    /// % of satisfaction answers at 4 or 5 (of 5).
    pub csat: Option<f64>,
    /// % promoters (9–10) minus % detractors (0–6).
    pub nps: Option<f64>,
    /// Mean effort score (1 very hard … 5 very easy).
    pub ces: Option<f64>,
    /// Alerts to finance: detractors, help requests, hand-offs.
    pub finance_alerts: u32,
    /// Of the help requests and alerts raised in the period, how many a
    /// person answered by its end, how many within the 48-hour promise,
    /// and the median time to that answer in hours.
    pub alerts_answered: u32,
    pub alerts_answered_within_48h: u32,
    pub answer_hours_median: Option<f64>,
    pub credits_granted: u32,
    /// Customers whose ordering stopped against their own rhythm: at the
    /// end of the period, the time since their last invoice is more than
    /// twice their usual gap between two (see `silent_churn`).
    pub silent_churn: Vec<String>,
}

/// The money figures of one currency.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Amounts {
    /// Gross total of the invoices issued in the period (minor units).
    pub invoiced_minor: i64,
    /// Still owed at the end of the period, on every invoice ever issued.
    pub receivables_minor: i64,
    /// Days sales outstanding: receivables ÷ invoiced in the period × its days.
    pub dso_days: Option<f64>,
    /// Goodwill credits granted in the period (corrections are not gestures).
    pub credits_net_minor: i64,
    pub credits_gross_minor: i64,
}

impl Balance {
    /// The euro figures, or zeros: what a French portfolio reads first.
    pub fn eur(&self) -> Amounts {
        self.amounts.get("EUR").cloned().unwrap_or_default()
    }
}

/// An invoice or alert counted at the end of the period needs this many
/// past invoices before a customer's rhythm means anything.
const RHYTHM_MIN_INVOICES: usize = 3;
/// A customer who last ordered more than a year ago left long before this
/// period: not a silent churn of it.
const RHYTHM_HORIZON_DAYS: i64 = 365;

/// Whether a customer's ordering stopped against their own rhythm at `to`:
/// at least three invoices, the last within a year, and more than twice
/// the median gap between two invoices since it.
pub fn silent_churn(issued_on: &[NaiveDate], to: NaiveDate) -> bool {
    let mut days: Vec<NaiveDate> = issued_on.iter().copied().filter(|d| *d <= to).collect();
    days.sort_unstable();
    let (Some(last), true) = (days.last().copied(), days.len() >= RHYTHM_MIN_INVOICES) else {
        return false;
    };
    let mut gaps: Vec<i64> = days.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2].max(1);
    let since = (to - last).num_days();
    since <= RHYTHM_HORIZON_DAYS && since > 2 * median
}

/// The longest period one balance covers: a year, a leap day included.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// Why a period was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodError {
    EndsBeforeItStarts,
    StartsAfterToday,
    LongerThanAYear,
}

impl PeriodError {
    /// The query field to correct.
    pub fn field(self) -> &'static str {
        match self {
            PeriodError::LongerThanAYear => "to",
            _ => "from",
        }
    }

    /// The reason, in the API's words.
    pub fn reason(self) -> &'static str {
        match self {
            PeriodError::EndsBeforeItStarts => "is after to",
            PeriodError::StartsAfterToday => "is after today: nothing has happened yet",
            PeriodError::LongerThanAYear => "is more than a year after from: ask one year at a time",
        }
    }
}

/// The period a balance is asked for, with what was left out filled in:
/// `to` is today, `from` the first day of `to`'s month. Refused: a period
/// that ends before it starts, starts after today, or covers more than a
/// year.
pub fn period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), PeriodError> {
    use chrono::Datelike;
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| to.with_day(1).unwrap_or(to));
    if from > to {
        return Err(PeriodError::EndsBeforeItStarts);
    }
    if from > today {
        return Err(PeriodError::StartsAfterToday);
    }
    if (to - from).num_days() >= MAX_PERIOD_DAYS {
        return Err(PeriodError::LongerThanAYear);
    }
    Ok((from, to))
}

/// The balance of `histories` (each customer's events, any order) for the
/// days `from..=to` (Paris business dates of the events' instants).
pub fn balance<'a>(histories: impl IntoIterator<Item = &'a [HistoryEvent]>, from: NaiveDate, to: NaiveDate) -> Balance {
    let mut tally = Tally::default();
    for history in histories {
        let mut events: Vec<&HistoryEvent> = history.iter().collect();
        events.sort_by_key(|e| (e.at, e.id));
        let mut issued_on = Vec::new();
        let mut waiting: Vec<DateTime<Utc>> = Vec::new();
        for e in events {
            let day = super::calendar::business_date(e.at);
            if day > to {
                break;
            }
            let in_period = day >= from;
            if let EventKind::InvoiceIssued { .. } = e.kind {
                issued_on.push(day);
            }
            tally.answers_to(e, in_period, &mut waiting);
            tally.count(e, in_period);
        }
        if let (true, Some(first)) = (silent_churn(&issued_on, to), history.first()) {
            tally.b.silent_churn.push(first.customer_id.to_string());
        }
    }
    tally.finish((to - from).num_days() + 1)
}

/// What the events add up to while they are read.
#[derive(Default)]
struct Tally {
    b: Balance,
    /// Owed per invoice, over all time: what was issued less what came in,
    /// in the invoice's currency.
    owed: HashMap<String, (String, i64)>,
    /// The last answer to each survey counts (answering again replaces).
    /// Each survey's last answer: question, score, and whether it looked
    /// like a scanner's.
    answers: HashMap<String, (String, u8, bool)>,
    /// Hours from an alert raised in the period to a person's answer.
    answer_hours: Vec<f64>,
}

impl Tally {
    fn amounts(&mut self, currency: &str) -> &mut Amounts {
        self.b.amounts.entry(currency.to_string()).or_default()
    }

    /// Alerts raised in the period wait in `waiting` until a person answers
    /// the customer (a reply, a help request answered, a dispute settled).
    fn answers_to(&mut self, e: &HistoryEvent, in_period: bool, waiting: &mut Vec<DateTime<Utc>>) {
        match &e.kind {
            EventKind::HelpRequested { .. } if in_period => waiting.push(e.at),
            // The alert mailed about a help request is the same wait, not a
            // second one; a detractor's or a hand-off's alert opens its own.
            EventKind::FinanceAlerted { .. } if in_period && waiting.is_empty() => waiting.push(e.at),
            EventKind::HelpRequestAnswered { .. }
            | EventKind::PersonReplied { .. }
            | EventKind::DisputeSettled { .. } => {
                for raised in waiting.drain(..) {
                    let hours = (e.at - raised).num_minutes() as f64 / 60.0;
                    self.b.alerts_answered += 1;
                    self.b.alerts_answered_within_48h += u32::from(hours <= 48.0);
                    self.answer_hours.push(hours);
                }
            }
            _ => {}
        }
    }

    /// Counts one event; what is owed counts whenever it happened, the
    /// rest only within the period.
    fn count(&mut self, e: &HistoryEvent, in_period: bool) {
        let key = |n: &dyn std::fmt::Display| format!("{}/{n}", e.customer_id);
        let set_owed = |owed: &mut HashMap<String, (String, i64)>, k: String, left: i64| {
            if let Some(entry) = owed.get_mut(&k) {
                entry.1 = left;
            }
        };
        match &e.kind {
            EventKind::InvoiceIssued {
                number,
                gross_minor,
                currency,
                ..
            } => {
                self.owed.insert(key(number), (currency.clone(), *gross_minor));
                if in_period {
                    self.b.invoices_issued += 1;
                    let a = self.amounts(currency);
                    a.invoiced_minor = a.invoiced_minor.saturating_add(*gross_minor);
                }
            }
            EventKind::PaymentRecorded {
                number,
                remaining_minor,
                ..
            }
            | EventKind::InvoiceCorrected {
                number,
                remaining_minor,
                ..
            }
            | EventKind::PaymentRefunded {
                number,
                remaining_minor,
                ..
            } => set_owed(&mut self.owed, key(number), *remaining_minor),
            EventKind::CreditApplied {
                invoice, amount_minor, ..
            } => {
                if let Some((_, left)) = self.owed.get_mut(&key(invoice)) {
                    *left = left.saturating_sub(*amount_minor).max(0);
                }
            }
            EventKind::InvoicePaid { number, days_late, .. } => {
                set_owed(&mut self.owed, key(number), 0);
                if in_period {
                    self.b.invoices_paid += 1;
                    self.b.paid_on_time += u32::from(*days_late <= 0);
                }
            }
            _ if !in_period => {}
            EventKind::ReminderSent { stage, tone, .. } => {
                *self.b.reminders_by_stage.entry(stage.clone()).or_default() += 1;
                *self.b.reminders_by_tone.entry(tone.clone()).or_default() += 1;
            }
            EventKind::HandedOff { .. } => self.b.handed_off += 1,
            EventKind::HelpRequested { .. } => self.b.help_requests += 1,
            EventKind::DisputeOpened { .. } => self.b.disputes_opened += 1,
            EventKind::SurveySent { .. } => self.b.surveys_sent += 1,
            EventKind::SurveyAnswered {
                survey_id,
                question,
                score,
                suspicious,
                ..
            } => {
                self.answers
                    .insert(key(survey_id), (question.clone(), *score, !suspicious.is_empty()));
            }
            EventKind::FinanceAlerted { .. } => self.b.finance_alerts += 1,
            EventKind::CreditGranted {
                net_minor,
                gross_minor,
                currency,
                correction: None,
                ..
            } => {
                self.b.credits_granted += 1;
                let a = self.amounts(currency);
                a.credits_net_minor = a.credits_net_minor.saturating_add(*net_minor);
                a.credits_gross_minor = a.credits_gross_minor.saturating_add(*gross_minor);
            }
            _ => {}
        }
    }

    /// The receivables, the DSO over `days`, the answer times and the
    /// survey scores.
    fn finish(self, days: i64) -> Balance {
        let Tally {
            mut b,
            owed,
            answers,
            mut answer_hours,
        } = self;
        // Portfolio sums saturate: each amount is bounded, their count is not.
        for (currency, left) in owed.values() {
            let a = b.amounts.entry(currency.clone()).or_default();
            a.receivables_minor = a.receivables_minor.saturating_add(*left);
        }
        b.amounts.retain(|_, a| *a != Amounts::default());
        for a in b.amounts.values_mut() {
            a.dso_days =
                (a.invoiced_minor > 0).then(|| a.receivables_minor as f64 / a.invoiced_minor as f64 * days as f64);
        }
        b.on_time_rate = (b.invoices_paid > 0).then(|| 100.0 * f64::from(b.paid_on_time) / f64::from(b.invoices_paid));
        answer_hours.sort_by(f64::total_cmp);
        b.answer_hours_median = answer_hours.get(answer_hours.len() / 2).copied();
        b.silent_churn.sort_unstable();
        b.surveys_answered = u32::try_from(answers.len()).unwrap_or(u32::MAX);
        b.scanner_answers =
            u32::try_from(answers.values().filter(|(.., scanner)| *scanner).count()).unwrap_or(u32::MAX);
        let scores = |q: &str| -> Vec<u8> {
            let mut s: Vec<u8> = answers
                .values()
                .filter(|(k, _, scanner)| k == q && !scanner)
                .map(|(_, s, _)| *s)
                .collect();
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
    use chrono::{DateTime, Datelike, TimeZone, Utc};

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
                alerted: false,
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
        assert_eq!(got.eur().invoiced_minor, 50_000);
        assert_eq!((got.invoices_paid, got.paid_on_time), (1, 0));
        assert_eq!(got.on_time_rate, Some(0.0));
        // 20 000 (a, unpaid) + 20 000 (b, part paid) owed of 50 000 invoiced over 30 days.
        assert_eq!(got.eur().receivables_minor, 40_000);
        assert_eq!(got.eur().dso_days, Some(24.0));
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
        assert_eq!(got.eur().receivables_minor, 10_000);
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
    fn a_scanner_s_answers_are_recorded_but_not_scored() {
        let scanned = |mut e: HistoryEvent| {
            if let EventKind::SurveyAnswered { suspicious, .. } = &mut e.kind {
                suspicious.push("seconds_after_delivery".into());
            }
            e
        };
        let a = vec![
            answer("a", at(11, 5), "s1", "nps", 10),
            scanned(answer("a", at(11, 6), "s2", "nps", 0)),
            scanned(answer("a", at(11, 7), "s3", "csat", 1)),
            scanned(answer("a", at(11, 8), "s4", "ces", 1)),
            // A scanner first, then the person: the person's answer counts.
            scanned(answer("a", at(11, 9), "s5", "ces", 1)),
            answer("a", at(11, 10), "s5", "ces", 5),
        ];
        let got = balance([a.as_slice()], day(11, 1), day(11, 30));
        assert_eq!(got.surveys_answered, 5);
        assert_eq!(got.scanner_answers, 3);
        assert_eq!(got.nps, Some(100.0), "the scanner's 0 is not a detractor");
        assert_eq!(got.csat, None, "the only CSAT answer was a scanner's");
        assert_eq!(got.ces, Some(5.0));
    }

    #[test]
    fn amounts_of_two_currencies_are_never_added() {
        let mut usd = issued("b", at(11, 3), "F2026-000002", 7_000);
        if let EventKind::InvoiceIssued { currency, .. } = &mut usd.kind {
            *currency = "USD".into();
        }
        let a = vec![issued("a", at(11, 2), "F2026-000001", 10_000)];
        let b = vec![usd];
        let got = balance([a.as_slice(), b.as_slice()], day(11, 1), day(11, 30));
        assert_eq!(got.invoices_issued, 2);
        assert_eq!(got.eur().invoiced_minor, 10_000);
        assert_eq!(got.amounts.get("USD").map(|a| a.receivables_minor), Some(7_000));
        assert_eq!(got.amounts.len(), 2);
    }

    #[test]
    fn alerts_are_answered_within_or_after_the_promise() {
        let help = |when| {
            ev(
                "a",
                when,
                EventKind::HelpRequested {
                    numbers: vec![],
                    choice: "question".into(),
                    request_id: "r".into(),
                    with_comment: false,
                },
            )
        };
        let reply = |when| ev("a", when, EventKind::PersonReplied { note: "called".into() });
        let a = vec![
            help(at(11, 2)),
            reply(at(11, 3)), // 24 h
            help(at(11, 10)),
            reply(at(11, 14)), // 96 h
            help(at(11, 28)),  // not answered by the end
            help(at(10, 20)),  // raised before the period
            reply(at(10, 30)),
        ];
        let got = balance([a.as_slice()], day(11, 1), day(11, 30));
        assert_eq!(got.help_requests, 3);
        assert_eq!((got.alerts_answered, got.alerts_answered_within_48h), (2, 1));
        assert_eq!(got.answer_hours_median, Some(96.0));
    }

    #[test]
    fn silent_churn_reads_each_customers_own_rhythm() {
        let d = |m, dd| day(m, dd);
        // Monthly orders, the last on 1 August: 121 days > 2 × 31.
        let monthly = [d(5, 1), d(6, 1), d(7, 1), d(8, 1)];
        assert!(silent_churn(&monthly, d(11, 30)));
        assert!(!silent_churn(&monthly, d(8, 30)), "a month is their rhythm");
        // Quarterly orders: four months of silence is still their rhythm.
        let quarterly = [d(1, 10), d(4, 10), d(7, 10)];
        assert!(!silent_churn(&quarterly, d(11, 1)));
        // Two invoices are not a rhythm; a year and more is not this period's.
        assert!(!silent_churn(&[d(1, 1), d(2, 1)], d(11, 30)));
        let gone = [d(1, 1), d(1, 8), d(1, 15)];
        assert!(!silent_churn(&gone, d(1, 15) + chrono::Duration::days(400)));
        let a: Vec<HistoryEvent> = monthly
            .iter()
            .enumerate()
            .map(|(i, on)| issued("a", at(on.month0() + 1, 1), &format!("F2026-00000{}", i + 1), 100))
            .collect();
        let got = balance([a.as_slice()], d(11, 1), d(11, 30));
        assert_eq!(got.silent_churn, vec!["a".to_string()]);
    }

    #[test]
    fn a_period_defaults_to_this_month_and_refuses_what_means_nothing() {
        let today = day(11, 20);
        assert_eq!(period(None, None, today), Ok((day(11, 1), today)));
        assert_eq!(
            period(Some(day(10, 1)), Some(day(10, 31)), today),
            Ok((day(10, 1), day(10, 31)))
        );
        assert_eq!(
            period(Some(day(11, 5)), Some(day(11, 4)), today).map_err(PeriodError::field),
            Err("from")
        );
        assert_eq!(
            period(Some(day(11, 21)), Some(day(11, 30)), today).map_err(PeriodError::field),
            Err("from")
        );
        let long_ago = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
        assert_eq!(
            period(Some(long_ago), Some(day(11, 1)), today).map_err(PeriodError::field),
            Err("to")
        );
    }

    #[test]
    fn an_empty_portfolio_has_no_rates() {
        let got = balance(std::iter::empty::<&[HistoryEvent]>(), day(11, 1), day(11, 30));
        assert_eq!(got, Balance::default());
        assert_eq!(got.on_time_rate, None);
    }
}
