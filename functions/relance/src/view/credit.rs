//! The goodwill email and its credit note.

use serde::Serialize;

use super::{BuyerView, SellerView, VatView, format_date};
use crate::domain::credit::Credit;
use crate::domain::{Customer, Invoice, Money, Seller};

/// The credit note (avoir) with every mention an invoice carries, plus the
/// number and date of the invoice it corrects.
#[derive(Debug, Serialize)]
pub struct CreditNoteView {
    pub number: String,
    pub issue_date: String,
    pub invoice_number: String,
    pub invoice_date: String,
    pub situation: &'static str,
    /// A corrective credit note's reason (printed instead of the gesture's).
    pub correction_reason: Option<String>,
    pub seller: SellerView,
    pub buyer: BuyerView,
    pub vat_breakdown: Vec<VatView>,
    pub total_net: String,
    pub total_vat: String,
    pub total_gross: String,
}

#[derive(Debug, Serialize)]
pub struct CreditEmail {
    pub contact_name: String,
    /// An apology (something went wrong) or a thank-you.
    pub repair: bool,
    pub situation: &'static str,
    pub severity: Option<&'static str>,
    pub what_happened: Option<String>,
    pub what_we_did: Option<String>,
    pub net: String,
    pub gross: String,
    /// Whole years as a customer, for a thank-you that says how long.
    pub tenure_years: i64,
    pub credit: CreditNoteView,
    /// The attached documents' file names ("" when none are attached).
    pub attached: String,
    /// For a corrective credit note: what it changes on the invoice.
    pub correction: Option<CorrectionView>,
}

/// What a corrective credit note did to the invoice it corrects, for the
/// customer: why, how much came off, what is left to pay and by when, or
/// what will be deducted from the next invoice when it was already paid.
#[derive(Debug, Serialize)]
pub struct CorrectionView {
    pub reason: String,
    /// The whole invoice is cancelled.
    pub full: bool,
    pub taken_off: String,
    /// Still to pay on the invoice, if anything.
    pub still_due: Option<String>,
    pub due_date: String,
    /// Kept for the next invoices (the invoice was already paid), if any.
    pub carried: Option<String>,
}

impl CorrectionView {
    /// `invoice`: the corrected invoice as it stands now.
    pub fn new(credit: &Credit, invoice: &Invoice, locale: crate::domain::Locale) -> Option<Self> {
        let correction = credit.correction.as_ref()?;
        let money = |minor: i64| Money::new(minor, credit.currency).format(locale);
        let taken_off = credit
            .applications
            .iter()
            .find(|a| a.invoice == credit.invoice)
            .map_or(0, |a| a.amount_minor);
        let still_due = invoice.remaining_minor();
        Some(Self {
            reason: correction.reason.clone(),
            full: correction.scope == crate::domain::credit::Scope::Full,
            taken_off: money(taken_off),
            still_due: (still_due > 0).then(|| money(still_due)),
            due_date: format_date(invoice.due_date, locale),
            carried: (credit.remaining_minor > 0).then(|| money(credit.remaining_minor)),
        })
    }
}

impl CreditEmail {
    /// `None` for a credit that is not granted (no credit note yet).
    pub fn new(credit: &Credit, customer: &Customer, seller: &Seller) -> Option<Self> {
        let locale = customer.locale;
        let money = |minor: i64| Money::new(minor, credit.currency).format(locale);
        let number = credit.number.as_ref()?;
        let issue_date = credit.issue_date?;
        let buyer = credit.buyer.as_ref().unwrap_or(customer);
        let seller = credit.seller.as_ref().unwrap_or(seller);
        let tenure_years = i64::from(issue_date.years_since(customer.customer_since).unwrap_or(0));
        Some(Self {
            contact_name: customer.contact_name.clone(),
            repair: credit.situation.is_repair(),
            situation: credit.situation.name(),
            severity: credit.severity.map(|s| s.name()),
            what_happened: credit.words.what_happened.clone(),
            what_we_did: credit.words.what_we_did.clone(),
            net: money(credit.net_minor),
            gross: money(credit.gross_minor),
            tenure_years,
            credit: CreditNoteView {
                number: number.to_string(),
                issue_date: format_date(issue_date, locale),
                invoice_number: credit.invoice.to_string(),
                invoice_date: format_date(credit.invoice_date, locale),
                situation: credit.situation.name(),
                correction_reason: credit.correction.as_ref().map(|c| c.reason.clone()),
                seller: SellerView::new(seller, locale),
                buyer: BuyerView::new(buyer),
                vat_breakdown: credit.by_rate.iter().map(|b| VatView::new(b, locale, money)).collect(),
                total_net: money(credit.net_minor),
                total_vat: money(credit.vat_minor),
                total_gross: money(credit.gross_minor),
            },
            attached: String::new(),
            correction: None,
        })
    }
}
