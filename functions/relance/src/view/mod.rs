//! What templates see: plain, pre-formatted values in the reader's
//! language, so people who edit templates never format a number.

mod credit;
pub mod sample;
mod survey;

pub use credit::CreditEmail;
pub use survey::{CustomerAlert, ScoreLink, SurveyEmail};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::domain::decimal::format_scaled;
use crate::domain::invoice::{InvoiceStatus, PaymentTerms};
use crate::domain::{Address, CustomerKind, Invoice, Locale, Money, Seller};

/// French month names, lower case as French writes them in dates.
pub const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "22 novembre 2026", "22 November 2026".
pub fn format_date(date: NaiveDate, locale: Locale) -> String {
    let month = date.month0() as usize;
    match locale {
        Locale::Fr if date.day() == 1 => format!("1er {} {}", MONTHS_FR[month], date.year()),
        Locale::Fr => format!("{} {} {}", date.day(), MONTHS_FR[month], date.year()),
        Locale::En => format!("{} {} {}", date.day(), MONTHS_EN[month], date.year()),
    }
}

pub(crate) fn percent(bp: u32, locale: Locale) -> String {
    let number = format_scaled(u64::from(bp), 2);
    match locale {
        Locale::Fr => format!("{}\u{a0}%", number.replace('.', ",")),
        Locale::En => format!("{number}%"),
    }
}

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
            iban: seller.payment.iban.clone(),
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
}

#[derive(Debug, Serialize)]
pub struct InvoiceView {
    pub number: String,
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
    pub paid: bool,
    pub late_penalty_points: u32,
    pub early_payment_discount: Option<String>,
    /// Only for business customers: consumers may not be charged it.
    pub recovery_indemnity: Option<String>,
    pub vat_on_debits: bool,
}

impl InvoiceView {
    pub fn new(invoice: &Invoice, locale: Locale) -> Self {
        let money = |minor: i64| Money::new(minor, invoice.currency).format(locale);
        let seller: &Seller = &invoice.seller;
        let buyer = &invoice.buyer;
        let credits: Vec<DeductionView> = invoice
            .credits
            .iter()
            .map(|c| DeductionView {
                number: c.number.to_string(),
                issue_date: format_date(c.issue_date, locale),
                amount: money(c.amount_minor),
            })
            .collect();
        let is_business = buyer.kind == CustomerKind::Business;
        let (terms_days, terms_end_of_month) = match invoice.payment_terms {
            Some(PaymentTerms::Days(d)) => (Some(d), false),
            Some(PaymentTerms::DaysEndOfMonth(d)) => (Some(d), true),
            None => (None, false),
        };
        Self {
            number: invoice.number.to_string(),
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
                    unit: l.unit.clone(),
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
                .map(|b| VatView {
                    rate: percent(b.rate.basis_points(), locale),
                    base: money(b.base_minor),
                    vat: money(b.vat_minor),
                })
                .collect(),
            total_net: money(invoice.totals.net_minor),
            total_vat: money(invoice.totals.vat_minor),
            total_gross: money(invoice.totals.gross_minor),
            total_discount: (invoice.totals.discount_minor > 0).then(|| money(invoice.totals.discount_minor)),
            amount_due: money(invoice.remaining_minor()),
            net_payable: money(invoice.totals.gross_minor - invoice.credited_minor()),
            credits,
            paid: invoice.status == InvoiceStatus::Paid,
            late_penalty_points: seller.terms.late_penalty_ecb_plus_points,
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
}

/// One invoice in a reminder.
#[derive(Debug, Serialize)]
pub struct ReminderLine {
    pub number: String,
    pub issue_date: String,
    pub due_date: String,
    pub amount_due: String,
    /// Negative before the due date.
    pub days_late: i64,
    pub link: String,
}

/// A reminder's context: one email for all of a customer's reminded invoices.
#[derive(Debug, Serialize)]
pub struct ReminderEmail {
    pub contact_name: String,
    pub stage: String,
    pub tone: &'static str,
    pub single: bool,
    /// "F2026-000001" or "F2026-000001, F2026-000007".
    pub numbers: String,
    pub invoices: Vec<ReminderLine>,
    pub total_due: String,
    pub days_late: i64,
    pub help_link: String,
    pub seller: SellerView,
    pub late_penalty_points: u32,
    pub recovery_indemnity: Option<String>,
    /// When a person will call if nothing happens (final notice).
    pub reply_by: String,
}

impl ReminderEmail {
    pub fn new(
        customer: &crate::domain::Customer,
        invoices: &[(Invoice, String)],
        stage: &str,
        tone: crate::domain::dunning::Tone,
        help_link: String,
        today: NaiveDate,
    ) -> Self {
        let locale = customer.locale;
        let lines: Vec<ReminderLine> = invoices
            .iter()
            .map(|(inv, link)| ReminderLine {
                number: inv.number.to_string(),
                issue_date: format_date(inv.issue_date, locale),
                due_date: format_date(inv.due_date, locale),
                amount_due: Money::new(inv.remaining_minor(), inv.currency).format(locale),
                days_late: (today - inv.due_date).num_days(),
                link: link.clone(),
            })
            .collect();
        let first = invoices.first().map(|(inv, _)| InvoiceView::new(inv, locale));
        let currency = invoices
            .first()
            .map_or(crate::domain::Currency::EUR, |(inv, _)| inv.currency);
        let total: i64 = invoices.iter().map(|(inv, _)| inv.remaining_minor()).sum();
        Self {
            contact_name: customer.contact_name.clone(),
            stage: stage.to_string(),
            tone: tone.name(),
            single: invoices.len() == 1,
            numbers: invoices
                .iter()
                .map(|(i, _)| i.number.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            total_due: Money::new(total, currency).format(locale),
            days_late: lines.iter().map(|l| l.days_late).max().unwrap_or(0),
            invoices: lines,
            help_link,
            late_penalty_points: first.as_ref().map_or(10, |v| v.late_penalty_points),
            recovery_indemnity: first.as_ref().and_then(|v| v.recovery_indemnity.clone()),
            seller: match first {
                Some(v) => v.seller,
                None => return Self::empty(customer),
            },
            reply_by: format_date(today + chrono::Days::new(8), locale),
        }
    }

    fn empty(customer: &crate::domain::Customer) -> Self {
        // Never rendered: a reminder always has at least one invoice.
        Self {
            contact_name: customer.contact_name.clone(),
            stage: String::new(),
            tone: "standard",
            single: true,
            numbers: String::new(),
            invoices: Vec::new(),
            total_due: String::new(),
            days_late: 0,
            help_link: String::new(),
            seller: SellerView::default(),
            late_penalty_points: 0,
            recovery_indemnity: None,
            reply_by: String::new(),
        }
    }
}

/// An alert to the company's finance contact: who, what, why, and what
/// was said to the customer lately.
#[derive(Debug, Serialize)]
pub struct FinanceAlert {
    pub customer_name: String,
    pub contact_name: String,
    pub email: String,
    pub stage: String,
    pub reason: String,
    pub invoices: Vec<AlertLine>,
    pub total_due: String,
    /// The last events, newest first: "date — what happened".
    pub recent: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct AlertLine {
    pub number: String,
    pub due_date: String,
    pub amount_due: String,
}

impl FinanceAlert {
    pub fn new(
        customer: &crate::domain::Customer,
        invoices: &[Invoice],
        stage: &str,
        reason: &str,
        history: &[crate::domain::HistoryEvent],
        locale: Locale,
    ) -> Self {
        let currency = invoices.first().map_or(crate::domain::Currency::EUR, |i| i.currency);
        Self {
            customer_name: customer.legal_name().to_string(),
            contact_name: customer.contact_name.clone(),
            email: customer.email.to_string(),
            stage: stage.to_string(),
            reason: reason.to_string(),
            invoices: invoices
                .iter()
                .map(|i| AlertLine {
                    number: i.number.to_string(),
                    due_date: format_date(i.due_date, locale),
                    amount_due: Money::new(i.remaining_minor(), i.currency).format(locale),
                })
                .collect(),
            total_due: Money::new(invoices.iter().map(Invoice::remaining_minor).sum(), currency).format(locale),
            recent: recent_lines(history, locale),
        }
    }
}

/// The last ten events, newest first: "date — what happened".
pub fn recent_lines(history: &[crate::domain::HistoryEvent], locale: Locale) -> Vec<String> {
    history
        .iter()
        .rev()
        .take(10)
        .map(|e| {
            format!(
                "{} — {}",
                format_date(e.at.date_naive(), locale),
                e.kind.name().replace('_', " ")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(format_date(d(2026, 11, 22), Locale::Fr), "22 novembre 2026");
        assert_eq!(format_date(d(2026, 8, 1), Locale::Fr), "1er août 2026");
        assert_eq!(format_date(d(2026, 8, 1), Locale::En), "1 August 2026");
        assert_eq!(percent(550, Locale::Fr), "5,5\u{a0}%");
        assert_eq!(percent(2000, Locale::En), "20%");
    }
}
