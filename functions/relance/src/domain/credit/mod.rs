//! Goodwill credits and the credit notes (avoirs) they become.
//!
//! A credit is requested, granted (directly, or once a second person
//! approves it), then deducted from the customer's next invoices until
//! nothing remains. Only a granted credit is a credit note: it takes the
//! next number of its own gap-free series then, so a request that is
//! cancelled never leaves a hole in the numbering.

mod caps;
mod correction;
mod lifecycle;
mod request;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::goodwill::{Severity, Situation};
use super::invoice::{Buyer, Invoice, VatBreakdown};
use super::money::div_round_half_away;
use super::{Actor, Currency, CustomerId, FieldError, InvoiceNumber, Seller};

pub use caps::{Room, fits};
pub use correction::Correction;
pub use correction::{
    CheckedCorrection, CorrectionInput, CreditedLine, LeftToCredit, LineCorrectionInput, REASON_MAX_CHARS, Scope, Taken,
};
pub use lifecycle::Grant;
pub use request::{CheckedCredit, CreditInput, WORDS_MAX_CHARS, already_credited};

/// Why a credit request or a change to a credit was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditRefused {
    Fields(Vec<FieldError>),
    /// A cap cannot take the credit: which cap, what is left, what the
    /// credit needs.
    OverCap {
        cap: &'static str,
        remaining: super::Money,
        needed: super::Money,
    },
    /// The person who requested a credit cannot approve it.
    SameApprover,
    /// The credit is not in the state the change needs; says which it is.
    Conflict(String),
}

impl CreditRefused {
    fn field(field: &str, reason: impl Into<String>) -> Self {
        CreditRefused::Fields(vec![FieldError::new(field, reason)])
    }
}

impl From<Vec<FieldError>> for CreditRefused {
    fn from(fields: Vec<FieldError>) -> Self {
        CreditRefused::Fields(fields)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditStatus {
    /// Above the approval threshold: waits for a second person.
    PendingApproval,
    /// A credit note exists; what remains is deducted from next invoices.
    Granted,
    /// Withdrawn before it was granted.
    Cancelled,
}

/// A deduction of a credit from an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub invoice: InvoiceNumber,
    pub amount_minor: i64,
    pub at: DateTime<Utc>,
}

/// The words finance writes for the customer: what happened and what was
/// done about it. The email is built around them, never around a formula.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Words {
    pub what_happened: Option<String>,
    pub what_we_did: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub id: String,
    pub customer_id: CustomerId,
    pub status: CreditStatus,
    pub situation: Situation,
    pub severity: Option<Severity>,
    /// The invoice the credit corrects (its number and date are mandatory
    /// mentions of the credit note).
    pub invoice: InvoiceNumber,
    pub invoice_date: NaiveDate,
    pub currency: Currency,
    /// What the policy proposed, and why.
    pub proposed_net_minor: i64,
    pub reasons: Vec<String>,
    pub net_minor: i64,
    pub by_rate: Vec<VatBreakdown>,
    pub vat_minor: i64,
    pub gross_minor: i64,
    pub words: Words,
    pub requested_by: Actor,
    pub requested_at: DateTime<Utc>,
    #[serde(default)]
    pub approved_by: Option<Actor>,
    /// The credit note: number and date, once granted.
    #[serde(default)]
    pub number: Option<InvoiceNumber>,
    #[serde(default)]
    pub issue_date: Option<NaiveDate>,
    #[serde(default)]
    pub granted_at: Option<DateTime<Utc>>,
    /// The seller and buyer as printed on the credit note, frozen when it
    /// is granted (an issued document never changes).
    #[serde(default)]
    pub seller: Option<Seller>,
    #[serde(default)]
    pub buyer: Option<Buyer>,
    /// Gross amount not yet deducted from an invoice.
    pub remaining_minor: i64,
    #[serde(default)]
    pub applications: Vec<Application>,
    #[serde(default)]
    pub cancelled: Option<Cancellation>,
    #[serde(default)]
    pub email_message_id: Option<ulid::Ulid>,
    /// When the customer is asked whether the gesture met expectations;
    /// cleared once asked.
    #[serde(default)]
    pub follow_up_on: Option<NaiveDate>,
    /// A corrective credit note: what it corrects and why. None for a
    /// goodwill gesture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<Correction>,
    /// The invoice's lines a correction takes back; empty for a gesture or
    /// a correction by amount (one line per VAT rate is printed then).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<CreditedLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub by: Actor,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// Splits a net credit over the VAT rates of the invoice it corrects, in
/// proportion to each rate's base: a price reduction takes back VAT at the
/// rate the sale bore. The last rate takes the rounding remainder so the
/// bases add up to the net exactly; VAT is rounded once per rate, as on
/// invoices.
pub fn split_by_rate(net_minor: i64, invoice_rates: &[VatBreakdown]) -> Vec<VatBreakdown> {
    let total_base = invoice_rates
        .iter()
        .fold(0i64, |sum, r| sum.saturating_add(r.base_minor));
    let mut out = Vec::with_capacity(invoice_rates.len());
    let mut left = net_minor;
    for (i, rate) in invoice_rates.iter().enumerate() {
        let base = if i + 1 == invoice_rates.len() || total_base == 0 {
            left
        } else {
            let share = div_round_half_away(
                i128::from(net_minor) * i128::from(rate.base_minor),
                i128::from(total_base),
            );
            i64::try_from(share).unwrap_or(0).min(left)
        };
        left = left.saturating_sub(base);
        if base == 0 {
            continue;
        }
        let vat = div_round_half_away(i128::from(base) * i128::from(rate.rate.basis_points()), 10_000);
        out.push(VatBreakdown {
            rate: rate.rate,
            base_minor: base,
            vat_minor: i64::try_from(vat).unwrap_or(0),
            category: rate.category,
            exemption: rate.exemption,
        });
        if total_base == 0 {
            break;
        }
    }
    out
}

impl Credit {
    /// Whether some of it still waits to be deducted.
    pub fn is_open(&self) -> bool {
        self.status == CreditStatus::Granted && self.remaining_minor > 0
    }
}

/// Deducts open credits from a new invoice, oldest credit note first,
/// never taking the invoice below zero; a credit larger than the invoice
/// keeps its remainder for the next one. Returns the credits changed and
/// what each gave.
pub fn apply_credits(invoice: &mut Invoice, credits: &mut [Credit], now: DateTime<Utc>) -> Vec<(usize, i64)> {
    let mut applied = Vec::new();
    let mut order: Vec<usize> = (0..credits.len())
        .filter(|i| credits[*i].is_open() && credits[*i].currency == invoice.currency)
        .filter(|i| credits[*i].number.is_some())
        .collect();
    order.sort_by(|a, b| credits[*a].number.cmp(&credits[*b].number));
    for i in order {
        let due = invoice.remaining_minor();
        if due <= 0 {
            break;
        }
        let credit = &mut credits[i];
        let (Some(number), Some(issue_date)) = (credit.number.clone(), credit.issue_date) else {
            continue;
        };
        let amount = credit.remaining_minor.min(due);
        credit.remaining_minor = credit.remaining_minor.saturating_sub(amount);
        credit.applications.push(Application {
            invoice: invoice.number.clone(),
            amount_minor: amount,
            at: now,
        });
        invoice.credits.push(super::invoice::CreditDeduction {
            number,
            issue_date,
            amount_minor: amount,
        });
        applied.push((i, amount));
    }
    if invoice.remaining_minor() == 0 {
        invoice.status = super::InvoiceStatus::Paid;
    }
    applied
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::VatRate;

    fn rate(bp: u32, base: i64) -> VatBreakdown {
        let rate = VatRate::from_basis_points(bp).unwrap_or_else(|e| panic!("{e}"));
        VatBreakdown {
            rate,
            base_minor: base,
            vat_minor: 0,
            category: crate::domain::vat::VatCategory::Standard,
            exemption: None,
        }
    }

    #[test]
    fn a_credit_takes_back_vat_at_the_rates_of_the_sale() {
        // (net credit, invoice bases by rate) → (base, VAT) per rate
        let one = split_by_rate(9_000, &[rate(2000, 120_000)]);
        assert_eq!(
            one.iter().map(|r| (r.base_minor, r.vat_minor)).collect::<Vec<_>>(),
            [(9_000, 1_800)]
        );
        // 3/4 of the sale at 20 %, 1/4 at 5.5 %: 100 € → 75 € + 25 €.
        let two = split_by_rate(10_000, &[rate(2000, 30_000), rate(550, 10_000)]);
        assert_eq!(
            two.iter().map(|r| (r.base_minor, r.vat_minor)).collect::<Vec<_>>(),
            [(7_500, 1_500), (2_500, 138)]
        );
        // Shares that do not divide evenly still add up to the net.
        let three = split_by_rate(1_000, &[rate(2000, 1), rate(1000, 1), rate(550, 1)]);
        assert_eq!(three.iter().map(|r| r.base_minor).sum::<i64>(), 1_000);
    }
}
