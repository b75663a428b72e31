//! An invoice as its email and its document show it.

use serde::Serialize;

use super::{format_date, percent};
use crate::domain::invoice::{InvoiceStatus, PaymentTerms, VatBreakdown};
use crate::domain::unit::UnitCode;
use crate::domain::{Address, CustomerKind, Invoice, Locale, Money, Seller};

fn address_lines(address: &Address) -> Vec<String> {
    let mut lines = address.lines.clone();
    lines.push(format!("{} {}", address.postal_code, address.city));
    if address.country != "FR" {
        lines.push(address.country.clone());
    }
    lines
}

#[derive(Debug, Default, Serialize)]
pub struct SellerView {
    pub legal_name: String,
    pub legal_form: String,
    pub share_capital: String,
    pub siren: String,
    pub registration: String,
    pub vat_number: String,
    pub address: Vec<String>,
    pub contact_name: String,
    pub contact_role: String,
    pub contact_email: String,
    pub contact_phone: String,
    /// In groups of four, as banks print it.
    pub iban: String,
    pub bic: String,
}

impl SellerView {
    pub fn new(seller: &Seller, locale: Locale) -> Self {
        Self {
            legal_name: seller.legal_name.clone(),
            legal_form: seller.legal_form.clone(),
            share_capital: seller.share_capital.clone(),
            siren: seller.siren.siren().to_string(),
            registration: seller.registration.clone(),
            vat_number: seller.vat_number.to_string(),
            address: address_lines(&seller.address),
            contact_name: seller.contact.name.clone(),
            contact_role: match locale {
                Locale::Fr => seller.contact.role_fr.clone(),
                Locale::En => seller.contact.role_en.clone(),
            },
            contact_email: seller.contact.email.to_string(),
            contact_phone: seller.contact.phone.clone(),
            iban: seller
                .payment
                .account()
                .map_or_else(|_| seller.payment.iban.clone(), |i| i.grouped()),
            bic: seller.payment.bic.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct BuyerView {
    pub name: String,
    pub contact_name: String,
    pub is_business: bool,
    pub siren: Option<String>,
    pub vat_number: Option<String>,
    pub address: Vec<String>,
    pub delivery_address: Option<Vec<String>>,
}

impl BuyerView {
    pub fn new(buyer: &crate::domain::Customer) -> Self {
        Self {
            name: buyer.legal_name().to_string(),
            contact_name: buyer.contact_name.clone(),
            is_business: buyer.kind == CustomerKind::Business,
            siren: buyer.siren.as_ref().map(|s| s.siren().to_string()),
            vat_number: buyer.vat_number.as_ref().map(ToString::to_string),
            address: address_lines(&buyer.billing_address),
            delivery_address: buyer.delivery_address.as_ref().map(address_lines),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct LineView {
    pub description: String,
    pub quantity: String,
    pub unit: Option<String>,
    pub unit_price: String,
    pub discount: Option<String>,
    pub vat_rate: String,
    pub net: String,
}

/// A credit note deducted from an invoice, as printed under its total.
#[derive(Debug, Serialize)]
pub struct DeductionView {
    pub number: String,
    pub issue_date: String,
    pub amount: String,
}

#[derive(Debug, Serialize)]
pub struct VatView {
    pub rate: String,
    pub base: String,
    pub vat: String,
    /// Why no VAT is charged, as the law asks it to be printed.
    pub mention: Option<&'static str>,
}

impl VatView {
    pub fn new(b: &VatBreakdown, locale: Locale, money: impl Fn(i64) -> String) -> Self {
        Self {
            rate: percent(b.rate.basis_points(), locale),
            base: money(b.base_minor),
            vat: money(b.vat_minor),
            mention: b.exemption.map(|e| e.text(locale)),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct InvoiceView {
    pub number: String,
    /// The structured creditor reference (ISO 11649) to quote in a
    /// transfer, in groups of four: the bank carries it back.
    pub reference: String,
    pub issue_date: String,
    pub sale_date: String,
    pub due_date: String,
    /// `goods`, `services` or `mixed`; templates word it.
    pub category: &'static str,
    pub purchase_order: Option<String>,
    /// `days:30`, `days_end_of_month:45`, or none when a date was given.
    pub terms_days: Option<u16>,
    pub terms_end_of_month: bool,
    pub seller: SellerView,
    pub buyer: BuyerView,
    pub lines: Vec<LineView>,
    /// Lines beyond the first, for "… and 2 other lines".
    pub other_lines: usize,
    pub vat_breakdown: Vec<VatView>,
    pub total_net: String,
    pub total_vat: String,
    pub total_gross: String,
    pub total_discount: Option<String>,
    pub amount_due: String,
    /// The total less the credit notes deducted ("net à payer").
    pub net_payable: String,
    pub credits: Vec<DeductionView>,
    /// Corrective credit notes issued since, with what each took off.
    pub corrections: Vec<DeductionView>,
    pub paid: bool,
    /// Cancelled by credit notes: nothing is owed, nothing was paid.
    pub credited: bool,
    pub late_penalty_points: u32,
    /// Whether the B2B late-payment terms apply (never to a consumer).
    pub penalties: bool,
    pub early_payment_discount: Option<String>,
    /// Only for business customers: consumers may not be charged it.
    pub recovery_indemnity: Option<String>,
    pub vat_on_debits: bool,
}

/// The reference a customer quotes in a transfer: the document's
/// creditor reference, grouped for copying (its number if it has none).
pub fn transfer_reference(number: &str) -> String {
    crate::domain::bank::CreditorReference::for_document(number).map_or_else(|| number.to_string(), |r| r.grouped())
}

/// The EPC QR code of what `invoice` still asks, as an inline SVG for the
/// invoice page: none once it is settled, or outside the euro.
pub fn payment_code(invoice: &Invoice, label: &str) -> Option<String> {
    use crate::domain::bank::{CreditorReference, epc};
    if invoice.status != crate::domain::InvoiceStatus::Open {
        return None;
    }
    let iban = invoice.seller.payment.account().ok()?;
    let reference = CreditorReference::for_document(invoice.number.as_str())?;
    let payload = epc::payload(
        &invoice.seller.legal_name,
        &iban,
        &invoice.seller.payment.bic,
        invoice.remaining_minor(),
        invoice.currency.code(),
        &reference,
    )?;
    super::qr::svg(&payload, label)
}

impl InvoiceView {
    pub fn new(invoice: &Invoice, locale: Locale) -> Self {
        let money = |minor: i64| Money::new(minor, invoice.currency).format(locale);
        let seller: &Seller = &invoice.seller;
        let buyer = &invoice.buyer;
        let deductions = |list: &[crate::domain::invoice::CreditDeduction]| -> Vec<DeductionView> {
            list.iter()
                .map(|c| DeductionView {
                    number: c.number.to_string(),
                    issue_date: format_date(c.issue_date, locale),
                    amount: money(c.amount_minor),
                })
                .collect()
        };
        let credits = deductions(&invoice.credits);
        let corrections = deductions(&invoice.corrections);
        let is_business = buyer.kind == CustomerKind::Business;
        let (terms_days, terms_end_of_month) = match invoice.payment_terms {
            Some(PaymentTerms::Days(d)) => (Some(d), false),
            Some(PaymentTerms::DaysEndOfMonth(d)) => (Some(d), true),
            None => (None, false),
        };
        Self {
            number: invoice.number.to_string(),
            reference: transfer_reference(invoice.number.as_str()),
            issue_date: format_date(invoice.issue_date, locale),
            sale_date: format_date(invoice.sale_date, locale),
            due_date: format_date(invoice.due_date, locale),
            category: match invoice.category {
                crate::domain::invoice::OperationCategory::Goods => "goods",
                crate::domain::invoice::OperationCategory::Services => "services",
                crate::domain::invoice::OperationCategory::Mixed => "mixed",
            },
            purchase_order: invoice.purchase_order.clone(),
            terms_days,
            terms_end_of_month,
            seller: SellerView::new(seller, locale),
            buyer: BuyerView::new(buyer),
            lines: invoice
                .lines
                .iter()
                .map(|l| LineView {
                    description: l.description.clone(),
                    quantity: match locale {
                        Locale::Fr => l.quantity_text().replace('.', ","),
                        Locale::En => l.quantity_text(),
                    },
                    // "1 unité" says nothing: the default unit is not printed.
                    unit: (l.unit != UnitCode::default()).then(|| l.unit.label(locale).to_string()),
                    unit_price: money(l.unit_price_minor),
                    discount: (l.discount_bp > 0).then(|| percent(l.discount_bp, locale)),
                    vat_rate: percent(l.vat_rate.basis_points(), locale),
                    net: money(l.net_minor),
                })
                .collect(),
            other_lines: invoice.lines.len().saturating_sub(1),
            vat_breakdown: invoice
                .totals
                .by_rate
                .iter()
                .map(|b| VatView::new(b, locale, money))
                .collect(),
            total_net: money(invoice.totals.net_minor),
            total_vat: money(invoice.totals.vat_minor),
            total_gross: money(invoice.totals.gross_minor),
            total_discount: (invoice.totals.discount_minor > 0).then(|| money(invoice.totals.discount_minor)),
            amount_due: money(invoice.remaining_minor()),
            net_payable: money(invoice.totals.gross_minor - invoice.credited_minor()),
            credits,
            corrections,
            paid: invoice.status == InvoiceStatus::Paid,
            credited: invoice.status == InvoiceStatus::Credited,
            late_penalty_points: seller.terms.late_penalty_ecb_plus_points,
            penalties: is_business,
            early_payment_discount: (seller.terms.early_payment_discount_bp > 0)
                .then(|| percent(seller.terms.early_payment_discount_bp, locale)),
            recovery_indemnity: is_business.then(|| {
                Money::new(seller.terms.recovery_indemnity_minor, crate::domain::Currency::EUR).format(locale)
            }),
            vat_on_debits: seller.terms.vat_on_debits,
        }
    }
}

/// The invoice email's context.
#[derive(Debug, Serialize)]
pub struct InvoiceEmail {
    pub invoice: InvoiceView,
    /// The hosted invoice page (a personal link).
    pub link: String,
    /// The attached documents' file names ("" when none are attached).
    pub attached: String,
}
