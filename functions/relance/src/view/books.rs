//! The copy of an issued document for the accounting inbox.

use serde::Serialize;

use super::format_date;
use crate::domain::credit::Credit;
use crate::domain::{Customer, Invoice, Locale, Money};

/// What the books' copy says: which document, for whom, how much; the
/// documents themselves are attached.
#[derive(Debug, Serialize)]
pub struct BookCopyEmail {
    /// `invoice` or `credit_note`.
    pub kind: &'static str,
    pub number: String,
    pub issue_date: String,
    /// The buyer as the document names them: the company, else the person.
    pub buyer: String,
    pub customer_id: String,
    pub total_net: String,
    pub total_vat: String,
    pub total_gross: String,
    /// For an invoice, when it is due.
    pub due_date: Option<String>,
    /// For a credit note, the invoice it corrects.
    pub invoice_number: Option<String>,
    /// The attached files' names.
    pub attached: String,
}

fn buyer_name(buyer: &Customer) -> String {
    buyer.company_name.clone().unwrap_or_else(|| buyer.contact_name.clone())
}

impl BookCopyEmail {
    pub fn invoice(invoice: &Invoice, customer: &Customer, locale: Locale, attached: String) -> Self {
        let money = |minor: i64| Money::new(minor, invoice.currency).format(locale);
        Self {
            kind: "invoice",
            number: invoice.number.to_string(),
            issue_date: format_date(invoice.issue_date, locale),
            buyer: buyer_name(&invoice.buyer),
            customer_id: customer.id.to_string(),
            total_net: money(invoice.totals.net_minor),
            total_vat: money(invoice.totals.vat_minor),
            total_gross: money(invoice.totals.gross_minor),
            due_date: Some(format_date(invoice.due_date, locale)),
            invoice_number: None,
            attached,
        }
    }

    /// `None` for a credit that is not granted (no credit note yet).
    pub fn credit_note(credit: &Credit, customer: &Customer, locale: Locale, attached: String) -> Option<Self> {
        let money = |minor: i64| Money::new(minor, credit.currency).format(locale);
        Some(Self {
            kind: "credit_note",
            number: credit.number.as_ref()?.to_string(),
            issue_date: format_date(credit.issue_date?, locale),
            buyer: buyer_name(credit.buyer.as_ref().unwrap_or(customer)),
            customer_id: customer.id.to_string(),
            total_net: money(credit.net_minor),
            total_vat: money(credit.vat_minor),
            total_gross: money(credit.gross_minor),
            due_date: None,
            invoice_number: Some(credit.invoice.to_string()),
            attached,
        })
    }
}
