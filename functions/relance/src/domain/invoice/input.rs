//! The invoice request finance submits, checked field by field into a
//! draft, and the draft issued under its number.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::lines::{
    InvoiceLine, MAX_LINES, MAX_QUANTITY_MILLI, MAX_UNIT_PRICE_MINOR, OperationCategory, QUANTITY_SCALE, Totals,
};
use super::terms::{MAX_TERM_DAYS, MAX_TERM_DAYS_END_OF_MONTH, PaymentTerms, end_of_month};
use super::vat_case::{self, LineVat, VatRegime};
use super::{Dunning, Invoice, InvoiceStatus};
use crate::domain::customer::{Address, AddressInput, Customer};
use crate::domain::decimal::parse_scaled;
use crate::domain::ids::{Actor, CustomerId, InvoiceNumber};
use crate::domain::money::{Currency, MAX_AMOUNT_MINOR};
use crate::domain::seller::Seller;
use crate::domain::unit::UnitCode;
use crate::domain::validation::{FieldError, Problems, line, text};
use crate::domain::vat::VatTerritory;

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
    /// The buyer's order reference; for a public buyer, the commitment
    /// number (numéro d'engagement).
    #[serde(default)]
    pub purchase_order: Option<String>,
    /// Where the goods or services go, when not the customer's own
    /// delivery (or billing) address.
    #[serde(default)]
    pub delivery_address: Option<AddressInput>,
    pub lines: Vec<LineInput>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    pub description: String,
    /// A decimal as a string ("1.5") or a whole number.
    pub quantity: QuantityInput,
    /// A UN/ECE Recommendation 20 code ("HUR", "DAY", "KGM"…); one unit
    /// ("C62") when absent.
    #[serde(default)]
    pub unit: Option<String>,
    pub unit_price_minor: i64,
    /// Percent as a string, e.g. "20" or "5.5"; "0" or absent for a line
    /// that charges no VAT.
    #[serde(default)]
    pub vat_rate: Option<String>,
    /// standard, zero, exempt, reverse_charge, intra_community, export or
    /// outside_scope; standard when a rate above 0 is given.
    #[serde(default)]
    pub vat_category: Option<String>,
    /// The VATEX code of the reason no VAT is charged.
    #[serde(default)]
    pub vat_exemption: Option<String>,
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
    pub delivery_address: Option<Address>,
    pub lines: Vec<InvoiceLine>,
    /// Computed once, when the lines were checked: a draft whose totals
    /// do not fit the bounds is never made.
    pub totals: Totals,
}

impl InvoiceInput {
    /// The request checked for a mainland seller who charges VAT normally.
    pub fn parse(&self) -> Result<InvoiceDraft, Vec<FieldError>> {
        self.parse_under(VatRegime::Normal, VatTerritory::Metropolitan)
    }

    /// The request checked field by field, under the seller's VAT regime
    /// and the rates of the territory the seller charges VAT in.
    pub fn parse_under(&self, regime: VatRegime, territory: VatTerritory) -> Result<InvoiceDraft, Vec<FieldError>> {
        let mut p = Problems::default();
        let customer_id = p.check("customer_id", CustomerId::parse(&self.customer_id));
        let currency = p.check("currency", Currency::parse(self.currency.trim()));
        let sale_date = self.sale_date.unwrap_or(self.issue_date);
        if sale_date > self.issue_date + Days::new(31) {
            p.push("sale_date", "must not be more than a month after the issue date");
        }
        let due_date = self.due_date(&mut p);
        let purchase_order = self
            .purchase_order
            .as_deref()
            .and_then(|po| p.check("purchase_order", line(po, 60)));
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
            .filter_map(|(i, line)| line.parse(&format!("lines[{i}]"), (regime, territory), &mut p))
            .collect();
        vat_case::check_lines(&lines, &mut p);
        let delivery_address = self
            .delivery_address
            .as_ref()
            .and_then(|a| a.parse("delivery_address", &mut p));
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
                delivery_address,
                lines,
                totals: totals?,
            })
        })
    }

    /// The due date, given or from the terms, within the legal maximum.
    fn due_date(&self, p: &mut Problems) -> Option<NaiveDate> {
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
        due_date
    }
}

impl LineInput {
    fn parse(
        &self,
        field: &str,
        (regime, territory): (VatRegime, VatTerritory),
        p: &mut Problems,
    ) -> Option<InvoiceLine> {
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
        let unit = match self.unit.as_deref() {
            None => Some(UnitCode::default()),
            Some(code) => p.check(format!("{field}.unit"), UnitCode::parse(code.trim())),
        };
        let unit_price = p.check(
            format!("{field}.unit_price_minor"),
            match self.unit_price_minor {
                n if n < 0 => Err("must not be negative (issue a credit note instead)".to_string()),
                n if n > MAX_UNIT_PRICE_MINOR => Err(format!("is larger than the maximum of {MAX_UNIT_PRICE_MINOR}")),
                n => Ok(n),
            },
        );
        let vat = LineVat {
            rate: self.vat_rate.as_deref().map(str::trim),
            category: self.vat_category.as_deref().map(str::trim),
            exemption: self.vat_exemption.as_deref().map(str::trim),
        }
        .resolve(regime, territory, field, p);
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
        let (vat_rate, vat_category, vat_exemption) = vat?;
        Some(InvoiceLine {
            description: description?,
            quantity_milli,
            unit: unit?,
            unit_price_minor,
            discount_bp,
            vat_rate,
            vat_category,
            vat_exemption,
            net_minor: net_minor?,
        })
    }
}

impl InvoiceDraft {
    /// Where the goods or services go: the request's address, else the
    /// buyer's delivery address, else their billing address.
    pub fn deliver_to<'a>(&'a self, buyer: &'a Customer) -> &'a Address {
        self.delivery_address
            .as_ref()
            .or(buyer.delivery_address.as_ref())
            .unwrap_or(&buyer.billing_address)
    }

    /// The rules that need the buyer: VAT numbers, countries, consumers.
    pub fn check_buyer(&self, buyer: &Customer) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        vat_case::check_parties(&self.lines, self.category, buyer, self.deliver_to(buyer), &mut p);
        p.into_result(|| Some(()))
    }

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
            delivery_address: self.delivery_address,
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
            corrections: Vec::new(),
            refunds: Vec::new(),
            platform: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            delivery_address: None,
            lines,
        }
    }

    fn line_input(quantity: QuantityInput, unit_price_minor: i64) -> LineInput {
        LineInput {
            description: "Travaux".into(),
            quantity,
            unit: None,
            unit_price_minor,
            vat_rate: Some("20".into()),
            vat_category: None,
            vat_exemption: None,
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
}
