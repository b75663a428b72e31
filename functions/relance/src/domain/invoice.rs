//! Invoices: lines, totals, payment terms, payments and disputes.
//!
//! Rounding rule (written down because invoices are legal documents):
//! 1. each line's net amount is `quantity × unit price × (1 − discount)`,
//!    rounded once, half away from zero, to the currency's minor unit;
//! 2. VAT is computed per rate on the sum of the line nets at that rate,
//!    rounded once, half away from zero (French practice: one VAT figure
//!    per rate, as the VAT breakdown on the invoice shows);
//! 3. the invoice's net, VAT and gross totals are exact sums of the above,
//!    so the printed breakdown always adds up to the printed total.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::customer::Customer;
use super::decimal::{format_scaled, parse_scaled};
use super::event::{EventKind, HistoryEvent};
use super::ids::{Actor, CustomerId, InvoiceNumber};
use super::money::{Currency, MAX_AMOUNT_MINOR, checked_sum, div_round_half_away};
use super::seller::Seller;
use super::validation::{FieldError, Problems, text};
use super::vat::VatRate;

/// Quantities are kept in thousandths so "1.5 hours" is exact.
pub const QUANTITY_SCALE: u32 = 3;
/// The longest payment term French law allows between businesses
/// (Code de commerce L441-10): 60 days from issue...
pub const MAX_TERM_DAYS: u64 = 60;
/// ...or 45 days end of month when agreed.
pub const MAX_TERM_DAYS_END_OF_MONTH: u64 = 45;
/// A line count no real invoice reaches; bounds the item size.
pub const MAX_LINES: usize = 200;
/// The largest quantity on a line, in thousandths (a thousand million units).
pub const MAX_QUANTITY_MILLI: u64 = 1_000_000_000_000;
/// The largest unit price, in minor units (ten thousand million euros).
pub const MAX_UNIT_PRICE_MINOR: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationCategory {
    Goods,
    Services,
    Mixed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub description: String,
    /// Thousandths of a unit.
    pub quantity_milli: u64,
    pub unit: Option<String>,
    pub unit_price_minor: i64,
    /// Discount on this line in basis points (1000 = 10 %).
    pub discount_bp: u32,
    pub vat_rate: VatRate,
    pub net_minor: i64,
}

impl InvoiceLine {
    pub fn quantity_text(&self) -> String {
        format_scaled(self.quantity_milli, QUANTITY_SCALE)
    }

    /// The line's net, or `None` when it does not fit in an `i64`. Worked
    /// in `i128` with checked steps: quantity (< 2^64) × price (< 2^63) ×
    /// 10 000 cannot reach 2^127, but the steps say so rather than assume it.
    fn compute_net(quantity_milli: u64, unit_price_minor: i64, discount_bp: u32) -> Option<i64> {
        let kept = 10_000u32.checked_sub(discount_bp)?;
        let after_discount = i128::from(quantity_milli)
            .checked_mul(i128::from(unit_price_minor))?
            .checked_mul(i128::from(kept))?;
        i64::try_from(div_round_half_away(after_discount, 1_000 * 10_000)).ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatBreakdown {
    pub rate: VatRate,
    pub base_minor: i64,
    pub vat_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub net_minor: i64,
    pub vat_minor: i64,
    pub gross_minor: i64,
    /// Sum of the line discounts, shown as a mandatory mention.
    pub discount_minor: i64,
    pub by_rate: Vec<VatBreakdown>,
}

impl Totals {
    /// The totals of `lines`, or `None` when a sum would not fit in an
    /// `i64` (the caller names the field; nothing ever wraps).
    pub fn compute(lines: &[InvoiceLine]) -> Option<Self> {
        let mut bases: BTreeMap<VatRate, i64> = BTreeMap::new();
        let mut discount_minor: i64 = 0;
        for line in lines {
            let base = bases.entry(line.vat_rate).or_default();
            *base = base.checked_add(line.net_minor)?;
            let undiscounted = InvoiceLine::compute_net(line.quantity_milli, line.unit_price_minor, 0)?;
            discount_minor = discount_minor.checked_add(undiscounted.checked_sub(line.net_minor)?)?;
        }
        let by_rate = bases
            .into_iter()
            .rev()
            .map(|(rate, base_minor)| {
                let vat = div_round_half_away(i128::from(base_minor) * i128::from(rate.basis_points()), 10_000);
                Some(VatBreakdown {
                    rate,
                    base_minor,
                    vat_minor: i64::try_from(vat).ok()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let net_minor = checked_sum(by_rate.iter().map(|b| b.base_minor))?;
        let vat_minor = checked_sum(by_rate.iter().map(|b| b.vat_minor))?;
        Some(Self {
            net_minor,
            vat_minor,
            gross_minor: net_minor.checked_add(vat_minor)?,
            discount_minor,
            by_rate,
        })
    }
}

/// How the due date was set: the terms are printed on the invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentTerms {
    /// N days from the issue date.
    Days(u16),
    /// N days, then to the end of that month ("45 jours fin de mois").
    DaysEndOfMonth(u16),
}

impl PaymentTerms {
    pub fn due_date(self, issue: NaiveDate) -> NaiveDate {
        match self {
            PaymentTerms::Days(d) => issue + Days::new(u64::from(d)),
            PaymentTerms::DaysEndOfMonth(d) => end_of_month(issue + Days::new(u64::from(d))),
        }
    }
}

pub fn end_of_month(date: NaiveDate) -> NaiveDate {
    let (y, m) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|first| first.pred_opt())
        .unwrap_or(date)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Open,
    Paid,
}

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    pub reason: String,
    pub opened_by: Actor,
    pub opened_at: DateTime<Utc>,
    pub settled: Option<Settlement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub resolution: String,
    pub settled_by: Actor,
    pub settled_at: DateTime<Utc>,
}

/// The buyer as printed on the invoice: a snapshot taken at issue, because
/// an issued invoice never changes when the customer's profile does.
pub type Buyer = Customer;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub number: InvoiceNumber,
    pub customer_id: CustomerId,
    pub currency: Currency,
    pub issue_date: NaiveDate,
    /// Date of the sale or of the end of the service.
    pub sale_date: NaiveDate,
    pub due_date: NaiveDate,
    pub payment_terms: Option<PaymentTerms>,
    pub category: OperationCategory,
    pub purchase_order: Option<String>,
    pub lines: Vec<InvoiceLine>,
    pub totals: Totals,
    pub seller: Seller,
    pub buyer: Buyer,
    pub status: InvoiceStatus,
    pub paid_minor: i64,
    pub payments: Vec<Payment>,
    pub disputes: Vec<Dispute>,
    pub issued_at: DateTime<Utc>,
    pub issued_by: Actor,
    /// The outbox message that carries this invoice to the customer.
    pub email_message_id: Option<ulid::Ulid>,
    #[serde(default)]
    pub dunning: Dunning,
    /// Credit notes deducted from this invoice when it was issued.
    #[serde(default)]
    pub credits: Vec<CreditDeduction>,
}

/// A credit note deducted from an invoice: printed under its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditDeduction {
    pub number: InvoiceNumber,
    pub issue_date: NaiveDate,
    /// Gross (VAT included): it reduces what is left to pay.
    pub amount_minor: i64,
}

/// What pauses an invoice's reminders. The stage it has reached is the
/// reminder pass's own record (`dunning_state::DunningState`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dunning {
    /// The customer promised to pay by this date.
    pub promise_to_pay: Option<NaiveDate>,
    /// An agreed instalment schedule: (due date, amount).
    #[serde(default)]
    pub plan: Vec<(NaiveDate, i64)>,
    /// The customer asked for help ("I have a difficulty") and nobody has
    /// answered yet: reminders wait.
    #[serde(default)]
    pub help_request_open: bool,
}

/// Why a payment or dispute cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceRuleError {
    #[error("the invoice is already paid in full")]
    AlreadyPaid,
    #[error("{amount} is more than the {remaining} still due")]
    Overpayment { amount: i64, remaining: i64 },
    #[error("a dispute is already open on this invoice")]
    DisputeAlreadyOpen,
    #[error("no dispute is open on this invoice")]
    NoOpenDispute,
}

impl Invoice {
    /// What the customer still owes: the total, less credit notes
    /// deducted and payments received. Both are kept at most the total
    /// (by `record_payment` and `apply_credits`), and the total at most
    /// `MAX_AMOUNT_MINOR`, so the subtraction cannot wrap; it saturates
    /// rather than panic if a stored item ever broke that.
    pub fn remaining_minor(&self) -> i64 {
        self.totals
            .gross_minor
            .saturating_sub(self.credited_minor())
            .saturating_sub(self.paid_minor)
    }

    pub fn credited_minor(&self) -> i64 {
        self.credits
            .iter()
            .fold(0i64, |sum, c| sum.saturating_add(c.amount_minor))
    }

    pub fn open_dispute(&self) -> Option<&Dispute> {
        self.disputes.iter().find(|d| d.settled.is_none())
    }

    pub fn record_payment(&mut self, payment: Payment) -> Result<(), InvoiceRuleError> {
        if self.status == InvoiceStatus::Paid {
            return Err(InvoiceRuleError::AlreadyPaid);
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

    pub fn open_new_dispute(&mut self, dispute: Dispute) -> Result<(), InvoiceRuleError> {
        if self.open_dispute().is_some() {
            return Err(InvoiceRuleError::DisputeAlreadyOpen);
        }
        self.disputes.push(dispute);
        Ok(())
    }

    pub fn settle_dispute(&mut self, settlement: Settlement) -> Result<(), InvoiceRuleError> {
        let dispute = self
            .disputes
            .iter_mut()
            .find(|d| d.settled.is_none())
            .ok_or(InvoiceRuleError::NoOpenDispute)?;
        dispute.settled = Some(settlement);
        Ok(())
    }
}

/// An invoice request as finance submits it (`POST /invoices`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceInput {
    pub customer_id: String,
    pub currency: String,
    pub issue_date: NaiveDate,
    #[serde(default)]
    pub sale_date: Option<NaiveDate>,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    #[serde(default)]
    pub payment_terms: Option<PaymentTerms>,
    pub category: OperationCategory,
    #[serde(default)]
    pub purchase_order: Option<String>,
    pub lines: Vec<LineInput>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    pub description: String,
    /// A decimal as a string ("1.5") or a whole number.
    pub quantity: QuantityInput,
    #[serde(default)]
    pub unit: Option<String>,
    pub unit_price_minor: i64,
    /// Percent as a string, e.g. "20" or "5.5".
    pub vat_rate: String,
    /// Percent as a string, e.g. "10".
    #[serde(default)]
    pub discount: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum QuantityInput {
    Whole(i64),
    Text(String),
}

/// A validated invoice request, not yet numbered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDraft {
    pub customer_id: CustomerId,
    pub currency: Currency,
    pub issue_date: NaiveDate,
    pub sale_date: NaiveDate,
    pub due_date: NaiveDate,
    pub payment_terms: Option<PaymentTerms>,
    pub category: OperationCategory,
    pub purchase_order: Option<String>,
    pub lines: Vec<InvoiceLine>,
    /// Computed once, when the lines were checked: a draft whose totals
    /// do not fit the bounds is never made.
    pub totals: Totals,
}

impl InvoiceInput {
    pub fn parse(&self) -> Result<InvoiceDraft, Vec<FieldError>> {
        let mut p = Problems::default();
        let customer_id = p.check("customer_id", CustomerId::parse(&self.customer_id));
        let currency = p.check("currency", Currency::parse(self.currency.trim()));
        let sale_date = self.sale_date.unwrap_or(self.issue_date);
        if sale_date > self.issue_date + Days::new(31) {
            p.push("sale_date", "must not be more than a month after the issue date");
        }
        let due_date = match (self.due_date, self.payment_terms) {
            (Some(_), Some(_)) => {
                p.push("due_date", "give either due_date or payment_terms, not both");
                None
            }
            (None, None) => {
                p.push("due_date", "is required (or give payment_terms)");
                None
            }
            (Some(due), None) => Some(due),
            (None, Some(terms)) => Some(terms.due_date(self.issue_date)),
        };
        if let Some(due) = due_date {
            if due < self.issue_date {
                p.push("due_date", "must not be before the issue date");
            }
            let eom_agreed = matches!(self.payment_terms, Some(PaymentTerms::DaysEndOfMonth(_)));
            let limit = if eom_agreed {
                end_of_month(self.issue_date + Days::new(MAX_TERM_DAYS_END_OF_MONTH))
            } else {
                self.issue_date + Days::new(MAX_TERM_DAYS)
            };
            if due > limit {
                let field = if self.payment_terms.is_some() {
                    "payment_terms"
                } else {
                    "due_date"
                };
                p.push(
                    field,
                    format!(
                        "the payment term exceeds the legal maximum (60 days from issue, or 45 days end of month): latest allowed due date is {limit}"
                    ),
                );
            }
        }
        let purchase_order = self
            .purchase_order
            .as_deref()
            .and_then(|po| p.check("purchase_order", text(po, 60)));
        if self.lines.is_empty() {
            p.push("lines", "an invoice needs at least one line");
        }
        if self.lines.len() > MAX_LINES {
            p.push("lines", format!("at most {MAX_LINES} lines"));
        }
        let lines: Vec<InvoiceLine> = self
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, line)| line.parse(&format!("lines[{i}]"), &mut p))
            .collect();
        let totals = if lines.len() == self.lines.len() && !lines.is_empty() {
            let totals = Totals::compute(&lines).filter(|t| t.gross_minor <= MAX_AMOUNT_MINOR);
            if totals.is_none() {
                p.push(
                    "lines",
                    format!("the invoice's total (VAT included) exceeds the maximum of {MAX_AMOUNT_MINOR} minor units"),
                );
            }
            totals
        } else {
            None
        };
        p.into_result(|| {
            Some(InvoiceDraft {
                customer_id: customer_id?,
                currency: currency?,
                issue_date: self.issue_date,
                sale_date,
                due_date: due_date?,
                payment_terms: self.payment_terms,
                category: self.category,
                purchase_order,
                lines,
                totals: totals?,
            })
        })
    }
}

impl LineInput {
    fn parse(&self, field: &str, p: &mut Problems) -> Option<InvoiceLine> {
        let description = p.check(format!("{field}.description"), text(&self.description, 300));
        let quantity = p.check(
            format!("{field}.quantity"),
            match &self.quantity {
                QuantityInput::Whole(q) if *q > 0 => u64::try_from(*q)
                    .ok()
                    .and_then(|q| q.checked_mul(1000))
                    .ok_or_else(|| format!("is larger than the maximum of {}", MAX_QUANTITY_MILLI / 1000)),
                QuantityInput::Whole(_) => Err("must be greater than zero".to_string()),
                QuantityInput::Text(t) => parse_scaled(t, QUANTITY_SCALE),
            }
            .and_then(|q| match q {
                0 => Err("must be greater than zero".to_string()),
                q if q > MAX_QUANTITY_MILLI => {
                    Err(format!("is larger than the maximum of {}", MAX_QUANTITY_MILLI / 1000))
                }
                q => Ok(q),
            }),
        );
        let unit = self
            .unit
            .as_deref()
            .and_then(|u| p.check(format!("{field}.unit"), text(u, 20)));
        let unit_price = p.check(
            format!("{field}.unit_price_minor"),
            match self.unit_price_minor {
                n if n < 0 => Err("must not be negative (issue a credit note instead)".to_string()),
                n if n > MAX_UNIT_PRICE_MINOR => Err(format!("is larger than the maximum of {MAX_UNIT_PRICE_MINOR}")),
                n => Ok(n),
            },
        );
        let vat_rate = p.check(format!("{field}.vat_rate"), VatRate::parse_percent(&self.vat_rate));
        let discount_bp = p.check(
            format!("{field}.discount"),
            match self.discount.as_deref() {
                None => Ok(0),
                Some(d) => parse_scaled(d, 2).and_then(|bp| {
                    u32::try_from(bp)
                        .ok()
                        .filter(|bp| *bp <= 10_000)
                        .ok_or_else(|| "must be between 0 and 100 %".to_string())
                }),
            },
        );
        let (quantity_milli, unit_price_minor, discount_bp) = (quantity?, unit_price?, discount_bp?);
        let net_minor = InvoiceLine::compute_net(quantity_milli, unit_price_minor, discount_bp)
            .filter(|net| *net <= MAX_AMOUNT_MINOR);
        if net_minor.is_none() {
            p.push(
                field,
                format!("quantity × unit price exceeds the maximum of {MAX_AMOUNT_MINOR} minor units for a line"),
            );
        }
        Some(InvoiceLine {
            description: description?,
            quantity_milli,
            unit,
            unit_price_minor,
            discount_bp,
            vat_rate: vat_rate?,
            net_minor: net_minor?,
        })
    }
}

impl InvoiceDraft {
    /// Turns the draft into an issued invoice with its number.
    pub fn issue(
        self,
        number: InvoiceNumber,
        seller: Seller,
        buyer: Customer,
        now: DateTime<Utc>,
        actor: Actor,
    ) -> Invoice {
        let totals = self.totals;
        Invoice {
            number,
            customer_id: self.customer_id,
            currency: self.currency,
            issue_date: self.issue_date,
            sale_date: self.sale_date,
            due_date: self.due_date,
            payment_terms: self.payment_terms,
            category: self.category,
            purchase_order: self.purchase_order,
            lines: self.lines,
            totals,
            seller,
            buyer,
            status: InvoiceStatus::Open,
            paid_minor: 0,
            payments: Vec::new(),
            disputes: Vec::new(),
            issued_at: now,
            issued_by: actor,
            email_message_id: None,
            dunning: Dunning::default(),
            credits: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(qty_milli: u64, price: i64, discount_bp: u32, vat_bp: u32) -> InvoiceLine {
        InvoiceLine {
            description: "x".into(),
            quantity_milli: qty_milli,
            unit: None,
            unit_price_minor: price,
            discount_bp,
            vat_rate: VatRate::from_basis_points(vat_bp).unwrap_or_else(|e| panic!("{e}")),
            net_minor: InvoiceLine::compute_net(qty_milli, price, discount_bp).unwrap_or(i64::MIN),
        }
    }

    fn totals(lines: &[InvoiceLine]) -> Totals {
        Totals::compute(lines).unwrap_or_else(|| panic!("totals of {lines:?} fit"))
    }

    #[test]
    fn line_nets_round_half_away_from_zero() {
        // (quantity, unit price, discount, expected net)
        let cases = [
            (1_000, 1000, 0, 1000),    // 1 × 10.00
            (1_500, 333, 0, 500),      // 1.5 × 3.33 = 4.995 → 5.00
            (3_000, 333, 0, 999),      // exact
            (1_000, 1005, 5000, 503),  // 10.05 − 50 % = 5.025 → 5.03
            (2_000, 1999, 1000, 3598), // 39.98 − 10 % = 35.982 → 35.98
            (333, 1, 0, 0),            // 0.333 × 0.01 → 0.00
        ];
        for (q, price, disc, want) in cases {
            assert_eq!(
                InvoiceLine::compute_net(q, price, disc),
                Some(want),
                "{q} × {price} − {disc}bp"
            );
        }
    }

    #[test]
    fn vat_is_computed_once_per_rate_on_the_sum_of_nets() {
        // Three lines at 20 % of 0.33 each: per-line VAT would be 3 × 0.07 = 0.21,
        // per-rate VAT on 0.99 is 0.198 → 0.20. The rule is per rate.
        let lines = [
            line(1_000, 33, 0, 2000),
            line(1_000, 33, 0, 2000),
            line(1_000, 33, 0, 2000),
            line(1_000, 1000, 0, 550),
        ];
        let t = totals(&lines);
        assert_eq!(t.by_rate.len(), 2);
        assert_eq!((t.by_rate[0].base_minor, t.by_rate[0].vat_minor), (99, 20));
        assert_eq!((t.by_rate[1].base_minor, t.by_rate[1].vat_minor), (1000, 55));
        assert_eq!((t.net_minor, t.vat_minor, t.gross_minor), (1099, 75, 1174));
    }

    #[test]
    fn discounts_are_totalled() {
        let t = totals(&[line(2_000, 5000, 1000, 2000)]);
        assert_eq!((t.net_minor, t.discount_minor, t.vat_minor), (9000, 1000, 1800));
    }

    fn input(lines: Vec<LineInput>) -> InvoiceInput {
        InvoiceInput {
            customer_id: "c1".into(),
            currency: "EUR".into(),
            issue_date: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default(),
            sale_date: None,
            due_date: None,
            payment_terms: Some(PaymentTerms::Days(30)),
            category: OperationCategory::Services,
            purchase_order: None,
            lines,
        }
    }

    fn line_input(quantity: QuantityInput, unit_price_minor: i64) -> LineInput {
        LineInput {
            description: "Travaux".into(),
            quantity,
            unit: None,
            unit_price_minor,
            vat_rate: "20".into(),
            discount: None,
        }
    }

    fn refused_fields(input: &InvoiceInput) -> Vec<String> {
        match input.parse() {
            Ok(draft) => panic!("accepted: {:?}", draft.totals),
            Err(errors) => errors.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn amounts_that_would_wrap_are_refused_by_field() {
        use QuantityInput::{Text, Whole};
        let big = MAX_UNIT_PRICE_MINOR;
        // (what, lines, the field that must be named)
        let cases: Vec<(&str, Vec<LineInput>, &str)> = vec![
            // 2305843009213693953 × 1000 wraps to exactly 1000 in u64.
            (
                "whole quantity × 1000",
                vec![line_input(Whole(2_305_843_009_213_693_953), 100)],
                "lines[0].quantity",
            ),
            (
                "i64::MAX quantity",
                vec![line_input(Whole(i64::MAX), 100)],
                "lines[0].quantity",
            ),
            (
                "text quantity",
                vec![line_input(Text("18446744073709551.615".into()), 1)],
                "lines[0].quantity",
            ),
            (
                "price above bound",
                vec![line_input(Whole(1), big + 1)],
                "lines[0].unit_price_minor",
            ),
            (
                "quantity × price over a line's bound",
                vec![line_input(Whole(1_000_000_000), big)],
                "lines[0]",
            ),
            (
                "200 lines each under the bound, total over it",
                (0..200).map(|_| line_input(Whole(100), big)).collect(),
                "lines",
            ),
        ];
        for (what, lines, field) in cases {
            let fields = refused_fields(&input(lines));
            assert!(
                fields.iter().any(|f| f == field),
                "{what}: expected {field}, got {fields:?}"
            );
        }
    }

    #[test]
    fn the_largest_accepted_invoice_adds_up() {
        // Two lines of 100 × 4·10^11 at 20 %: 9.6·10^13 VAT included, just
        // under the bound, and the breakdown still adds up exactly.
        let lines = (0..2)
            .map(|_| line_input(QuantityInput::Whole(100), 400_000_000_000))
            .collect();
        let draft = input(lines).parse().unwrap_or_else(|e| panic!("{e:?}"));
        let t = &draft.totals;
        assert_eq!((t.net_minor, t.vat_minor), (80_000_000_000_000, 16_000_000_000_000));
        assert_eq!(t.gross_minor, 96_000_000_000_000);
        assert!(t.gross_minor <= MAX_AMOUNT_MINOR);
    }

    #[test]
    fn totals_report_a_sum_that_does_not_fit() {
        let huge = InvoiceLine {
            net_minor: i64::MAX,
            quantity_milli: 1000,
            unit_price_minor: i64::MAX,
            ..line(1000, 1, 0, 2000)
        };
        assert_eq!(Totals::compute(&[huge.clone(), huge]), None);
        assert_eq!(InvoiceLine::compute_net(u64::MAX, i64::MAX, 0), None);
        assert_eq!(InvoiceLine::compute_net(1000, 1, 10_001), None, "a discount over 100 %");
    }

    #[test]
    fn payment_terms_give_due_dates() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(PaymentTerms::Days(30).due_date(d(2026, 1, 15)), d(2026, 2, 14));
        assert_eq!(
            PaymentTerms::DaysEndOfMonth(45).due_date(d(2026, 1, 15)),
            d(2026, 3, 31)
        );
        assert_eq!(end_of_month(d(2026, 12, 3)), d(2026, 12, 31));
        assert_eq!(end_of_month(d(2028, 2, 1)), d(2028, 2, 29));
    }
}
