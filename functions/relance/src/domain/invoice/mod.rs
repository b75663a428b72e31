//! Invoices: what an issued invoice holds and what it still owes. Its
//! lines and totals, payment terms, the request finance submits, payments,
//! disputes and payment arrangements each have their own module.
//!
//! Rounding rule (written down because invoices are legal documents):
//! 1. each line's net amount is `quantity × unit price × (1 − discount)`,
//!    rounded once, half away from zero, to the currency's minor unit;
//! 2. VAT is computed per rate on the sum of the line nets at that rate,
//!    rounded once, half away from zero (French practice: one VAT figure
//!    per rate, as the VAT breakdown on the invoice shows);
//! 3. the invoice's net, VAT and gross totals are exact sums of the above,
//!    so the printed breakdown always adds up to the printed total.

mod arrangement;
mod dispute;
mod input;
mod lines;
mod payment;
mod platform;
mod terms;
mod vat_case;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::customer::Customer;
use super::ids::{Actor, CustomerId, InvoiceNumber};
use super::money::Currency;
use super::seller::Seller;
use super::validation::FieldError;

pub use arrangement::{Arrangement, InstalmentInput, PlanInput, PromiseInput};
pub use dispute::{Dispute, DisputeChange, DisputeInput, Settlement, SettlementInput};
pub use input::{InvoiceDraft, InvoiceInput, LineInput, QuantityInput};
pub use lines::{
    InvoiceLine, MAX_LINES, MAX_QUANTITY_MILLI, MAX_UNIT_PRICE_MINOR, OperationCategory, QUANTITY_SCALE, Totals,
    VatBreakdown,
};
pub use payment::{CheckedPayment, Payment, PaymentInput, PaymentMethod, Refund};
pub use platform::{Effect as PlatformEffect, PlatformState, PlatformStatus, PlatformStatusInput, StatusTaken};
pub use terms::{MAX_TERM_DAYS, MAX_TERM_DAYS_END_OF_MONTH, PaymentTerms, end_of_month};
pub use vat_case::{VatRegime, in_eu};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Open,
    Paid,
    /// Cancelled by credit notes: nothing is owed and nothing was paid.
    Credited,
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
    /// Where the goods or services went, when the request named an address
    /// other than the buyer's (`deliver_to` answers in every case).
    #[serde(default)]
    pub delivery_address: Option<super::customer::Address>,
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
    /// Corrective credit notes issued on this invoice later, and what each
    /// took off what it owed. Not printed on the invoice: it is kept as
    /// issued; the credit notes say it.
    #[serde(default)]
    pub corrections: Vec<CreditDeduction>,
    /// Money given back on its card payments (the provider's refunds):
    /// what it gives back is owed again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refunds: Vec<payment::Refund>,
    /// The buyer's platform's current status for this invoice, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<PlatformState>,
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
    /// When that help request came: its 48 hours count from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_requested_at: Option<DateTime<Utc>>,
}

/// Why a payment, a dispute or an arrangement cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceRuleError {
    #[error("the invoice is already paid in full")]
    AlreadyPaid,
    #[error("the invoice is cancelled by credit note: nothing is owed on it")]
    Credited,
    #[error("{amount} is more than the {remaining} still due")]
    Overpayment { amount: i64, remaining: i64 },
    #[error("a dispute is already open on this invoice")]
    DisputeAlreadyOpen,
    #[error("no dispute is open on this invoice")]
    NoOpenDispute,
}

/// Why a change to an invoice was refused: a field of the request, or a
/// rule of the invoice's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Fields(Vec<FieldError>),
    Rule(InvoiceRuleError),
}

impl From<InvoiceRuleError> for Refused {
    fn from(rule: InvoiceRuleError) -> Self {
        Refused::Rule(rule)
    }
}

impl From<Vec<FieldError>> for Refused {
    fn from(fields: Vec<FieldError>) -> Self {
        Refused::Fields(fields)
    }
}

impl Refused {
    fn field(field: &str, reason: impl Into<String>) -> Self {
        Refused::Fields(vec![FieldError::new(field, reason)])
    }
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
            .saturating_sub(self.corrected_minor())
            .saturating_sub(self.paid_minor)
    }

    /// What corrective credit notes took off what the invoice owes.
    pub fn corrected_minor(&self) -> i64 {
        self.corrections
            .iter()
            .fold(0i64, |sum, c| sum.saturating_add(c.amount_minor))
    }

    pub fn credited_minor(&self) -> i64 {
        self.credits
            .iter()
            .fold(0i64, |sum, c| sum.saturating_add(c.amount_minor))
    }

    /// Where the goods or services went: the address the request named,
    /// else the buyer's delivery address, else their billing address.
    pub fn deliver_to(&self) -> &super::customer::Address {
        self.delivery_address
            .as_ref()
            .or(self.buyer.delivery_address.as_ref())
            .unwrap_or(&self.buyer.billing_address)
    }

    pub fn open_dispute(&self) -> Option<&Dispute> {
        self.disputes.iter().find(|d| d.settled.is_none())
    }

    /// Whether a reminder may still ask for this invoice: open, something
    /// left to pay, and nothing of it contested.
    pub fn asks_payment(&self) -> bool {
        self.status == InvoiceStatus::Open && self.remaining_minor() > 0 && self.open_dispute().is_none()
    }
}
