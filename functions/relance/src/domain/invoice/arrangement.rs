//! Arrangements on an open invoice: a promise to pay by a date, or an
//! agreed instalment plan. Reminders then follow the promise or the plan
//! instead of the due date.

use chrono::{Days, NaiveDate};
use serde::Deserialize;

use super::{Invoice, InvoiceRuleError, Refused};
use crate::domain::event::EventKind;
use crate::domain::money::{MAX_AMOUNT_MINOR, checked_sum};
use crate::domain::validation::Problems;

/// How far ahead a customer may promise to pay.
pub const PROMISE_MAX_DAYS: u64 = 180;
/// The most instalments a plan may have: two years of monthly payments.
pub const PLAN_MAX_INSTALMENTS: usize = 24;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromiseInput {
    pub date: NaiveDate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    pub instalments: Vec<InstalmentInput>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstalmentInput {
    pub due_date: NaiveDate,
    pub amount_minor: i64,
}

impl PlanInput {
    /// `what is due` in `count` monthly instalments from `first`, as a
    /// person agrees it on the phone: equal parts in minor units, the
    /// remainder spread one unit at a time over the first instalments so
    /// they add up exactly; a date past the end of a shorter month falls
    /// on its last day (31 January, then 28 February). The plan's own
    /// rules (count, dates, total) are checked when it is recorded.
    pub fn monthly(due_minor: i64, count: u32, first: NaiveDate) -> Option<Self> {
        if count == 0 || due_minor <= 0 {
            return None;
        }
        let parts = i64::from(count);
        let (base, rest) = (due_minor / parts, due_minor % parts);
        let instalments = (0..count)
            .map(|i| {
                let due_date = first.checked_add_months(chrono::Months::new(i))?;
                let extra = i64::from(i64::from(i) < rest);
                Some(InstalmentInput {
                    due_date,
                    amount_minor: base + extra,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self { instalments })
    }
}

pub enum Arrangement {
    Promise(PromiseInput),
    Plan(PlanInput),
}

impl Invoice {
    /// Records a promise or a plan on an invoice that still owes something,
    /// and says so in an event.
    pub fn arrange(&mut self, arrangement: &Arrangement, today: NaiveDate) -> Result<EventKind, Refused> {
        if self.remaining_minor() <= 0 {
            return Err(InvoiceRuleError::AlreadyPaid.into());
        }
        let number = self.number.clone();
        Ok(match arrangement {
            Arrangement::Promise(promise) => {
                if promise.date < today {
                    return Err(Refused::field("date", format!("must not be before today ({today})")));
                }
                if promise.date > today + Days::new(PROMISE_MAX_DAYS) {
                    return Err(Refused::field(
                        "date",
                        format!("must be within {PROMISE_MAX_DAYS} days"),
                    ));
                }
                self.dunning.promise_to_pay = Some(promise.date);
                EventKind::PromiseToPayRecorded {
                    number,
                    date: promise.date,
                }
            }
            Arrangement::Plan(plan) => {
                self.check_plan(plan, today)?;
                // Instalments are counted from what is already paid.
                self.dunning.plan = std::iter::once((self.issue_date, self.paid_minor))
                    .filter(|(_, paid)| *paid > 0)
                    .chain(plan.instalments.iter().map(|i| (i.due_date, i.amount_minor)))
                    .collect();
                EventKind::PaymentPlanAgreed {
                    number,
                    instalments: plan.instalments.iter().map(|i| (i.due_date, i.amount_minor)).collect(),
                }
            }
        })
    }

    /// A plan has 1 to 24 instalments, each positive, dated from today on
    /// in increasing order, adding up to exactly what is still due.
    fn check_plan(&self, plan: &PlanInput, today: NaiveDate) -> Result<(), Vec<crate::domain::FieldError>> {
        let mut p = Problems::default();
        if plan.instalments.is_empty() || plan.instalments.len() > PLAN_MAX_INSTALMENTS {
            p.push(
                "instalments",
                format!("a plan has 1 to {PLAN_MAX_INSTALMENTS} instalments"),
            );
        }
        let mut previous = today.pred_opt().unwrap_or(today);
        for (i, inst) in plan.instalments.iter().enumerate() {
            if inst.amount_minor <= 0 {
                p.push(format!("instalments[{i}].amount_minor"), "must be greater than zero");
            } else if inst.amount_minor > MAX_AMOUNT_MINOR {
                p.push(
                    format!("instalments[{i}].amount_minor"),
                    format!("is larger than the maximum of {MAX_AMOUNT_MINOR}"),
                );
            }
            if inst.due_date <= previous {
                p.push(
                    format!("instalments[{i}].due_date"),
                    "dates must be from today on, in increasing order",
                );
            }
            previous = inst.due_date;
        }
        let due = self.remaining_minor();
        match checked_sum(plan.instalments.iter().map(|i| i.amount_minor)) {
            Some(total) if total == due => {}
            Some(total) => p.push(
                "instalments",
                format!("the instalments add up to {total}; they must add up to the {due} still due"),
            ),
            None => p.push(
                "instalments",
                format!("the instalments add up to more than any amount; they must add up to the {due} still due"),
            ),
        }
        p.into_result(|| Some(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_monthly_plan_adds_up_to_what_is_due_and_keeps_to_short_months() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let plan = PlanInput::monthly(100_001, 3, day(2027, 1, 31)).unwrap_or_else(|| panic!("a plan"));
        let parts: Vec<(NaiveDate, i64)> = plan.instalments.iter().map(|i| (i.due_date, i.amount_minor)).collect();
        assert_eq!(
            parts,
            [
                (day(2027, 1, 31), 33_334),
                (day(2027, 2, 28), 33_334),
                (day(2027, 3, 31), 33_333)
            ]
        );
        for (due, count) in [(1, 1), (7, 7), (i64::MAX, 24), (5, 24)] {
            let plan = PlanInput::monthly(due, count, day(2027, 1, 1)).unwrap_or_else(|| panic!("a plan"));
            let total = checked_sum(plan.instalments.iter().map(|i| i.amount_minor));
            assert_eq!(total, Some(due), "{due} in {count}");
            assert_eq!(plan.instalments.len(), count as usize);
        }
        assert!(PlanInput::monthly(0, 3, day(2027, 1, 1)).is_none());
        assert!(PlanInput::monthly(100, 0, day(2027, 1, 1)).is_none());
    }
    use crate::domain::Actor;
    use crate::domain::fixtures;
    use crate::domain::invoice::Payment;
    use crate::domain::invoice::PaymentMethod;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    /// 120.00 EUR due on 12 November; today is the 20th.
    fn invoice(paid_minor: i64) -> Invoice {
        let mut invoice = fixtures::invoice(1, day(11, 2), day(11, 12), 10_000);
        if paid_minor > 0 {
            let payment = Payment {
                amount_minor: paid_minor,
                date: day(11, 3),
                method: PaymentMethod::Transfer,
                reference: None,
                recorded_at: chrono::DateTime::UNIX_EPOCH,
                recorded_by: Actor::system("test"),
                source: None,
            };
            invoice.record_payment(payment).unwrap_or_else(|e| panic!("{e}"));
        }
        invoice
    }

    fn refused_fields(result: Result<EventKind, Refused>) -> Vec<String> {
        match result {
            Ok(_) => Vec::new(),
            Err(Refused::Fields(f)) => f.into_iter().map(|e| e.field).collect(),
            Err(Refused::Rule(rule)) => vec![format!("rule: {rule}")],
        }
    }

    #[test]
    fn a_promise_is_from_today_to_six_months_ahead() {
        let today = day(11, 20);
        // (paid before, promised date, the refusal)
        let cases: [(i64, NaiveDate, &[&str]); 5] = [
            (0, day(11, 20), &[]),
            (0, day(12, 15), &[]),
            (0, day(11, 19), &["date"]),
            (0, today + Days::new(PROMISE_MAX_DAYS + 1), &["date"]),
            (12_000, day(12, 15), &["rule: the invoice is already paid in full"]),
        ];
        for (paid, date, want) in cases {
            let mut invoice = invoice(paid);
            let got = refused_fields(invoice.arrange(&Arrangement::Promise(PromiseInput { date }), today));
            assert_eq!(got, want, "{paid} paid, promise for {date}");
            if want.is_empty() {
                assert_eq!(invoice.dunning.promise_to_pay, Some(date));
            }
        }
    }

    #[test]
    fn a_plan_adds_up_to_what_is_due_in_increasing_dates() {
        let today = day(11, 20);
        let plan = |parts: &[(NaiveDate, i64)]| {
            Arrangement::Plan(PlanInput {
                instalments: parts
                    .iter()
                    .map(|(due_date, amount_minor)| InstalmentInput {
                        due_date: *due_date,
                        amount_minor: *amount_minor,
                    })
                    .collect(),
            })
        };
        // (paid before, instalments, the fields refused)
        type Case = (i64, Vec<(NaiveDate, i64)>, &'static [&'static str]);
        let cases: Vec<Case> = vec![
            (0, vec![(day(12, 1), 6_000), (day(12, 31), 6_000)], &[]),
            (2_000, vec![(day(11, 20), 10_000)], &[]),
            (0, vec![(day(12, 1), 6_000), (day(12, 31), 5_000)], &["instalments"]),
            (0, vec![], &["instalments", "instalments"]),
            (0, vec![(day(11, 19), 12_000)], &["instalments[0].due_date"]),
            (
                0,
                vec![(day(12, 31), 6_000), (day(12, 1), 6_000)],
                &["instalments[1].due_date"],
            ),
            (
                0,
                vec![(day(12, 1), 12_001), (day(12, 31), -1)],
                &["instalments[1].amount_minor"],
            ),
            (
                0,
                vec![(day(12, 1), i64::MAX), (day(12, 31), i64::MAX)],
                &[
                    "instalments[0].amount_minor",
                    "instalments[1].amount_minor",
                    "instalments",
                ],
            ),
            (
                0,
                (1..=25).map(|m| (day(12, 1) + Days::new(m), 480)).collect(),
                &["instalments"],
            ),
        ];
        for (paid, parts, want) in cases {
            let mut invoice = invoice(paid);
            let got = refused_fields(invoice.arrange(&plan(&parts), today));
            assert_eq!(got, want, "{paid} paid, plan {parts:?}");
            if want.is_empty() {
                // The schedule counts what was paid, then the instalments.
                let scheduled: i64 = invoice.dunning.plan.iter().map(|(_, a)| a).sum();
                assert_eq!(scheduled, 12_000);
            }
        }
    }
}
