//! Payments received on an invoice.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Invoice, InvoiceRuleError, InvoiceStatus, Refused};
use crate::domain::event::{EventKind, HistoryEvent};
use crate::domain::ids::Actor;
use crate::domain::money::MAX_AMOUNT_MINOR;
use crate::domain::validation::{FieldError, Problems, text};

/// The longest payment reference kept (a bank's remittance line).
pub const REFERENCE_MAX_CHARS: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Transfer,
    Card,
    DirectDebit,
    Cheque,
    Cash,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub amount_minor: i64,
    pub date: NaiveDate,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Actor,
    /// Where it came from when nobody typed it: the bank entry (`BE-…`) or
    /// the card provider's payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Money the card provider gave back on one of the invoice's payments:
/// that much is owed again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub amount_minor: i64,
    pub date: NaiveDate,
    /// The payment it gives money back on, as its `Payment::source`
    /// (`stripe:pi_…`).
    pub source: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Actor,
}

/// A payment as finance records it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub amount_minor: i64,
    /// When given, must be the invoice's currency.
    #[serde(default)]
    pub currency: Option<String>,
    pub date: NaiveDate,
    pub method: PaymentMethod,
    #[serde(default)]
    pub reference: Option<String>,
}

/// A payment whose fields were checked on their own, before any invoice is
/// read: a request with a bad amount is refused whatever the invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPayment {
    amount_minor: i64,
    currency: Option<String>,
    date: NaiveDate,
    method: PaymentMethod,
    reference: Option<String>,
    source: Option<String>,
}

impl CheckedPayment {
    /// A payment that came in by itself (a bank entry, the card provider):
    /// its amount was already checked by the matching, its date is the
    /// booking's, `source` names where it came from.
    pub fn received(
        amount_minor: i64,
        currency: &str,
        date: NaiveDate,
        method: PaymentMethod,
        reference: Option<String>,
        source: String,
    ) -> Self {
        let reference = reference.map(|r| r.chars().take(REFERENCE_MAX_CHARS).collect());
        Self {
            amount_minor,
            currency: Some(currency.to_string()),
            date,
            method,
            reference,
            source: Some(source),
        }
    }
}

impl PaymentInput {
    /// Checks what needs no invoice: a positive amount within bounds, a
    /// date that is not in the future, a short reference.
    pub fn check(&self, today: NaiveDate) -> Result<CheckedPayment, Vec<FieldError>> {
        let mut p = Problems::default();
        if self.amount_minor <= 0 {
            p.push("amount_minor", "must be greater than zero");
        } else if self.amount_minor > MAX_AMOUNT_MINOR {
            p.push(
                "amount_minor",
                format!("is larger than the maximum of {MAX_AMOUNT_MINOR}"),
            );
        }
        if self.date > today {
            p.push("date", format!("must not be after today ({today})"));
        }
        let reference = self
            .reference
            .as_deref()
            .and_then(|r| p.check("reference", text(r, REFERENCE_MAX_CHARS)));
        p.into_result(|| {
            Some(CheckedPayment {
                amount_minor: self.amount_minor,
                currency: self.currency.as_deref().map(|c| c.trim().to_string()),
                date: self.date,
                method: self.method,
                reference,
                source: None,
            })
        })
    }
}

impl Invoice {
    /// Records a checked payment on this invoice, if it is in the
    /// invoice's currency, not dated before the invoice, and not more than
    /// is still due. Returns the payment and the events that say so.
    pub fn take_payment(
        &mut self,
        payment: &CheckedPayment,
        now: DateTime<Utc>,
        by: &Actor,
    ) -> Result<(Payment, Vec<HistoryEvent>), Refused> {
        if let Some(currency) = payment.currency.as_deref().filter(|c| *c != self.currency.code()) {
            return Err(Refused::field(
                "currency",
                format!(
                    "{currency} is not the invoice's currency ({}); record the payment in {}",
                    self.currency, self.currency
                ),
            ));
        }
        if payment.date < self.issue_date {
            return Err(Refused::field(
                "date",
                format!("is before the invoice's issue date ({})", self.issue_date),
            ));
        }
        let payment = Payment {
            amount_minor: payment.amount_minor,
            date: payment.date,
            method: payment.method,
            reference: payment.reference.clone(),
            recorded_at: now,
            recorded_by: by.clone(),
            source: payment.source.clone(),
        };
        self.record_payment(payment.clone())?;
        let events = self.payment_events(&payment);
        Ok((payment, events))
    }

    pub fn record_payment(&mut self, payment: Payment) -> Result<(), InvoiceRuleError> {
        match self.status {
            InvoiceStatus::Open => {}
            InvoiceStatus::Paid => return Err(InvoiceRuleError::AlreadyPaid),
            InvoiceStatus::Credited => return Err(InvoiceRuleError::Credited),
        }
        let remaining = self.remaining_minor();
        if payment.amount_minor > remaining {
            return Err(InvoiceRuleError::Overpayment {
                amount: payment.amount_minor,
                remaining,
            });
        }
        // amount ≤ remaining = gross − credited − paid, so paid + amount ≤ gross.
        self.paid_minor = self.paid_minor.saturating_add(payment.amount_minor);
        self.payments.push(payment);
        if self.remaining_minor() == 0 {
            self.status = InvoiceStatus::Paid;
        }
        Ok(())
    }

    /// Records that the provider has refunded `refunded_total` so far on
    /// the payment `source` (the provider reports the running total, so
    /// the same report read twice, or an older one read late, changes
    /// nothing: `None`). What it gives back beyond what that payment paid
    /// on this invoice is not this invoice's (it was held). A paid invoice
    /// is open again for what is owed again.
    pub fn take_refund(
        &mut self,
        source: &str,
        refunded_total: i64,
        date: NaiveDate,
        now: DateTime<Utc>,
        by: &Actor,
    ) -> Option<EventKind> {
        let paid: i64 = self
            .payments
            .iter()
            .filter(|p| p.source.as_deref() == Some(source))
            .fold(0i64, |sum, p| sum.saturating_add(p.amount_minor));
        let before: i64 = self
            .refunds
            .iter()
            .filter(|r| r.source == source)
            .fold(0i64, |sum, r| sum.saturating_add(r.amount_minor));
        let amount = refunded_total.clamp(0, paid).saturating_sub(before);
        if amount <= 0 {
            return None;
        }
        self.paid_minor = self.paid_minor.saturating_sub(amount);
        self.refunds.push(Refund {
            amount_minor: amount,
            date,
            source: source.to_string(),
            recorded_at: now,
            recorded_by: by.clone(),
        });
        if self.status == InvoiceStatus::Paid && self.remaining_minor() > 0 {
            self.status = InvoiceStatus::Open;
        }
        Some(EventKind::PaymentRefunded {
            number: self.number.clone(),
            amount_minor: amount,
            currency: self.currency.to_string(),
            date,
            source: source.to_string(),
            remaining_minor: self.remaining_minor(),
        })
    }

    /// What recording `payment` (already applied to this invoice) writes
    /// in the history: the payment with what is left, and `invoice_paid`
    /// when it settles the invoice.
    pub fn payment_events(&self, payment: &Payment) -> Vec<HistoryEvent> {
        let event = |kind| {
            HistoryEvent::new(
                self.customer_id.clone(),
                payment.recorded_at,
                payment.recorded_by.clone(),
                kind,
            )
        };
        let mut events = vec![event(EventKind::PaymentRecorded {
            number: self.number.clone(),
            amount_minor: payment.amount_minor,
            currency: self.currency.to_string(),
            date: payment.date,
            method: payment.method,
            reference: payment.reference.clone(),
            remaining_minor: self.remaining_minor(),
        })];
        if self.remaining_minor() == 0 {
            events.push(event(EventKind::InvoicePaid {
                number: self.number.clone(),
                paid_on: payment.date,
                days_late: (payment.date - self.due_date).num_days().max(0),
            }));
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventKind;
    use crate::domain::fixtures;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
    }

    fn input(amount_minor: i64, date: NaiveDate, currency: Option<&str>) -> PaymentInput {
        PaymentInput {
            amount_minor,
            currency: currency.map(str::to_string),
            date,
            method: PaymentMethod::Transfer,
            reference: None,
        }
    }

    /// 120.00 EUR issued on the 2nd, due on the 12th.
    fn test_invoice() -> Invoice {
        fixtures::invoice(1, day(2), day(12), 10_000)
    }

    fn fields(err: Vec<FieldError>) -> Vec<String> {
        err.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_payment_is_checked_before_any_invoice_is_read() {
        let today = day(20);
        // (amount, date, the fields refused)
        let cases: [(i64, NaiveDate, &[&str]); 5] = [
            (1_000, day(20), &[]),
            (0, day(20), &["amount_minor"]),
            (-5, day(19), &["amount_minor"]),
            (MAX_AMOUNT_MINOR + 1, day(20), &["amount_minor"]),
            (1_000, day(21), &["date"]),
        ];
        for (amount, date, refused) in cases {
            let got = input(amount, date, None).check(today).map(|_| ()).map_err(fields);
            let want: Result<(), Vec<String>> = if refused.is_empty() {
                Ok(())
            } else {
                Err(refused.iter().map(|f| f.to_string()).collect())
            };
            assert_eq!(got, want, "{amount} on {date}");
        }
        let long = PaymentInput {
            reference: Some("x".repeat(REFERENCE_MAX_CHARS + 1)),
            ..input(1, day(20), None)
        };
        assert_eq!(
            long.check(today).map(|_| ()).map_err(fields),
            Err(vec!["reference".into()])
        );
    }

    #[test]
    fn a_payment_settles_what_is_due_and_no_more() {
        let now = chrono::DateTime::<Utc>::UNIX_EPOCH;
        let by = Actor::system("test");
        // (payments in order, the refusal of the last one if any, what remains)
        // The invoice is 120.00 EUR issued on the 2nd, due on the 12th.
        type Case = (&'static [(i64, u32, Option<&'static str>)], Option<Refused>, i64);
        let cases: [Case; 6] = [
            (&[(2_000, 10, None)], None, 10_000),
            (&[(12_000, 10, Some("EUR"))], None, 0),
            (
                &[(12_001, 10, None)],
                Some(Refused::Rule(InvoiceRuleError::Overpayment {
                    amount: 12_001,
                    remaining: 12_000,
                })),
                12_000,
            ),
            (
                &[(12_000, 10, None), (1, 11, None)],
                Some(Refused::Rule(InvoiceRuleError::AlreadyPaid)),
                0,
            ),
            (
                &[(100, 1, None)],
                Some(Refused::field(
                    "date",
                    "is before the invoice's issue date (2026-11-02)",
                )),
                12_000,
            ),
            (
                &[(100, 3, Some("USD"))],
                Some(Refused::field(
                    "currency",
                    "USD is not the invoice's currency (EUR); record the payment in EUR",
                )),
                12_000,
            ),
        ];
        for (payments, refusal, remaining) in cases {
            let mut invoice = test_invoice();
            let mut last = None;
            for (amount, d, currency) in payments {
                let checked = input(*amount, day(*d), *currency)
                    .check(day(20))
                    .unwrap_or_else(|e| panic!("{e:?}"));
                last = invoice.take_payment(&checked, now, &by).err();
            }
            assert_eq!(last, refusal, "{payments:?}");
            assert_eq!(invoice.remaining_minor(), remaining, "{payments:?}");
        }
    }

    #[test]
    fn a_refund_reopens_what_it_gives_back_once() {
        let now = chrono::DateTime::<Utc>::UNIX_EPOCH;
        let by = Actor::system("test");
        let card = |amount: i64| {
            CheckedPayment::received(amount, "EUR", day(10), PaymentMethod::Card, None, "stripe:pi_1".into())
        };
        // (running totals the provider reports, in order; what each
        // records; what remains due after; the status after)
        type Case = (&'static [i64], &'static [Option<i64>], i64, InvoiceStatus);
        let cases: [Case; 5] = [
            (&[12_000], &[Some(12_000)], 12_000, InvoiceStatus::Open),
            (&[2_000, 2_000], &[Some(2_000), None], 2_000, InvoiceStatus::Open),
            (&[2_000, 5_000], &[Some(2_000), Some(3_000)], 5_000, InvoiceStatus::Open),
            // An older report read after a newer one changes nothing.
            (&[5_000, 2_000], &[Some(5_000), None], 5_000, InvoiceStatus::Open),
            // Beyond what the payment paid here: not this invoice's.
            (&[99_000, 0], &[Some(12_000), None], 12_000, InvoiceStatus::Open),
        ];
        for (totals, recorded, remaining, status) in cases {
            let mut invoice = test_invoice();
            invoice
                .take_payment(&card(12_000), now, &by)
                .unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(invoice.status, InvoiceStatus::Paid);
            let got: Vec<Option<i64>> = totals
                .iter()
                .map(|t| {
                    invoice
                        .take_refund("stripe:pi_1", *t, day(15), now, &by)
                        .map(|k| match k {
                            EventKind::PaymentRefunded { amount_minor, .. } => amount_minor,
                            other => panic!("{other:?}"),
                        })
                })
                .collect();
            assert_eq!(got, recorded, "{totals:?}");
            assert_eq!(
                (invoice.remaining_minor(), invoice.status),
                (remaining, status),
                "{totals:?}"
            );
        }
        // A refund on another payment gives nothing back here.
        let mut invoice = test_invoice();
        invoice
            .take_payment(&card(12_000), now, &by)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(invoice.take_refund("stripe:pi_2", 12_000, day(15), now, &by), None);
        assert_eq!(invoice.status, InvoiceStatus::Paid);
    }

    #[test]
    fn a_payment_in_full_writes_invoice_paid_with_the_days_late() {
        let mut invoice = test_invoice();
        let checked = input(12_000, day(20), None)
            .check(day(20))
            .unwrap_or_else(|e| panic!("{e:?}"));
        let (_, events) = invoice
            .take_payment(&checked, chrono::DateTime::<Utc>::UNIX_EPOCH, &Actor::system("test"))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(events.len(), 2);
        assert!(
            matches!(&events[1].kind, EventKind::InvoicePaid { days_late: 8, .. }),
            "{:?}",
            events[1].kind
        );
        assert_eq!(invoice.status, InvoiceStatus::Paid);
    }
}
