//! The issued document in EN 16931's terms (its business terms, BT-n),
//! built once from an invoice or a credit note, so that CII and UBL are
//! two spellings of the same facts and never disagree.
//!
//! Only what was true when the document was issued goes in: a payment
//! received later changes what is owed, never the document.

use chrono::NaiveDate;

use relance::domain::credit::Credit;
use relance::domain::customer::{Address, Customer, CustomerKind};
use relance::domain::decimal::format_scaled;
use relance::domain::invoice::{Invoice, OperationCategory, PaymentTerms, QUANTITY_SCALE, VatBreakdown};
use relance::domain::seller::Seller;
use relance::domain::vat::VatCategory;
use relance::domain::{Currency, Locale};

/// BT-3, UNTDID 1001.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Invoice,
    CreditNote,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Invoice => "380",
            Kind::CreditNote => "381",
        }
    }
}

/// A party (BG-4 seller, BG-7 buyer).
#[derive(Debug, Clone)]
pub struct Party {
    pub name: String,
    /// BT-30 / BT-47: the SIREN (scheme 0002).
    pub siren: Option<String>,
    /// BT-31 / BT-48.
    pub vat_number: Option<String>,
    /// BT-34 / BT-49: (scheme, address). French platforms route on the
    /// SIREN (scheme 0225); a consumer is reached by email (EM).
    pub electronic_address: Option<(&'static str, String)>,
    /// BT-33: "SAS au capital de 50 000 € — RCS Lyon 356 000 000".
    pub legal_information: Option<String>,
    pub address: Address,
    pub contact: Option<Contact>,
}

#[derive(Debug, Clone)]
pub struct Contact {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// BG-16: how to pay.
#[derive(Debug, Clone)]
pub struct PaymentMeans {
    /// UNTDID 4461: 58 SEPA credit transfer, 48 bank card.
    pub code: &'static str,
    pub iban: Option<String>,
    pub bic: Option<String>,
}

/// BG-25: one line.
#[derive(Debug, Clone)]
pub struct Line {
    pub id: String,
    pub name: String,
    /// BT-129 as a decimal, BT-130 its unit code.
    pub quantity: String,
    pub unit_code: &'static str,
    /// What the PDF prints after the quantity ("h", "kg"); none for "one unit".
    pub unit_label: Option<&'static str>,
    /// The discount in percent, for the PDF.
    pub discount: Option<String>,
    /// BT-146: the price of one unit before the line's discount.
    pub net_price: String,
    /// BG-27: the discount as an allowance: (percent, base, amount).
    pub allowance: Option<(String, String, String)>,
    /// BT-131.
    pub net_amount: String,
    pub category: VatCategory,
    pub rate: String,
}

/// BG-23: the VAT of one category at one rate.
#[derive(Debug, Clone)]
pub struct Breakdown {
    pub category: VatCategory,
    pub rate: String,
    pub base: String,
    pub vat: String,
    /// BT-121 and BT-120.
    pub exemption: Option<(&'static str, &'static str)>,
}

/// BG-22.
#[derive(Debug, Clone)]
pub struct Totals {
    pub lines: String,
    pub tax_basis: String,
    pub tax: String,
    pub grand: String,
    /// BT-113: credit notes deducted when the invoice was issued.
    pub prepaid: Option<String>,
    pub payable: String,
}

#[derive(Debug, Clone)]
pub struct Document {
    pub kind: Kind,
    pub number: String,
    pub issue_date: NaiveDate,
    pub currency: &'static str,
    pub locale: Locale,
    /// BG-1: (subject code, text). French rules code the late-payment
    /// penalty (PMD), the recovery indemnity (PMT) and discount terms (AAB).
    pub notes: Vec<(Option<&'static str>, String)>,
    /// BT-10: the buyer's reference (a public buyer's service code).
    pub buyer_reference: Option<String>,
    /// BT-13: the purchase order (a public buyer's commitment number).
    pub order_reference: Option<String>,
    /// BG-3: the invoice a credit note corrects.
    pub preceding: Option<(String, NaiveDate)>,
    pub seller: Party,
    pub buyer: Party,
    /// BT-72 and BG-15: when and where the goods or services went.
    pub delivery_date: Option<NaiveDate>,
    pub deliver_to: Option<Address>,
    pub due_date: Option<NaiveDate>,
    /// BT-20.
    pub payment_terms: Option<String>,
    /// BT-83: what the customer writes in the transfer.
    pub remittance: Option<String>,
    pub payment_means: Vec<PaymentMeans>,
    /// BT-8, UNTDID 2005: 5 when VAT is due on the invoice's date (the
    /// seller opted for debits), 72 when it is due on payment.
    pub vat_point_code: Option<&'static str>,
    pub lines: Vec<Line>,
    pub breakdown: Vec<Breakdown>,
    pub totals: Totals,
    /// The EPC QR code's text for the amount payable (euros only).
    pub epc: Option<String>,
}

/// An amount in minor units as the formats write it, every decimal of the
/// currency shown: "1234.50".
fn amount(minor: i64, currency: Currency) -> String {
    let scale = currency.exponent();
    let divisor = 10u64.pow(scale);
    let value = minor.unsigned_abs();
    let sign = if minor < 0 { "-" } else { "" };
    match scale {
        0 => format!("{sign}{value}"),
        _ => format!(
            "{sign}{}.{:0width$}",
            value / divisor,
            value % divisor,
            width = scale as usize
        ),
    }
}

/// BG-23 from the VAT per (category, rate) an invoice or a credit note holds.
fn breakdown(by_rate: &[VatBreakdown], currency: Currency, locale: Locale) -> Vec<Breakdown> {
    by_rate
        .iter()
        .map(|b| Breakdown {
            category: b.category,
            rate: percent(b.rate.basis_points()),
            base: amount(b.base_minor, currency),
            vat: amount(b.vat_minor, currency),
            exemption: b.exemption.map(|e| (e.code(), e.text(locale))),
        })
        .collect()
}

fn percent(bp: u32) -> String {
    format_scaled(u64::from(bp), 2)
}

fn seller_party(seller: &Seller, with_vat: bool) -> Party {
    Party {
        name: seller.legal_name.clone(),
        siren: Some(seller.siren.siren().to_string()),
        vat_number: with_vat.then(|| seller.vat_number.as_str().to_string()),
        electronic_address: Some(("0225", seller.siren.siren().to_string())),
        legal_information: Some(format!(
            "{} au capital de {} — {}",
            seller.legal_form, seller.share_capital, seller.registration
        )),
        address: seller.address.clone(),
        contact: Some(Contact {
            name: seller.contact.name.clone(),
            phone: Some(seller.contact.phone.clone()),
            email: Some(seller.contact.email.as_str().to_string()),
        }),
    }
}

fn buyer_party(buyer: &Customer, with_vat: bool) -> Party {
    let siren = buyer.siren.as_ref().map(|s| s.siren().to_string());
    let electronic_address = match (&siren, buyer.kind) {
        (Some(siren), CustomerKind::Business) => Some(("0225", siren.clone())),
        _ => Some(("EM", buyer.email.as_str().to_string())),
    };
    Party {
        name: buyer.legal_name().to_string(),
        siren,
        vat_number: buyer
            .vat_number
            .as_ref()
            .filter(|_| with_vat)
            .map(|v| v.as_str().to_string()),
        electronic_address,
        legal_information: None,
        address: buyer.billing_address.clone(),
        contact: (buyer.kind == CustomerKind::Business).then(|| Contact {
            name: buyer.contact_name.clone(),
            phone: None,
            email: Some(buyer.email.as_str().to_string()),
        }),
    }
}

/// The French mentions a business invoice must carry (Code de commerce
/// L441-9), as the coded notes the French e-invoicing rules define.
fn mandatory_notes(seller: &Seller, buyer: &Customer, locale: Locale) -> Vec<(Option<&'static str>, String)> {
    let terms = &seller.terms;
    let mut notes = Vec::new();
    if buyer.kind == CustomerKind::Business {
        notes.push((
            Some("PMD"),
            match locale {
                Locale::Fr => format!(
                    "Pénalités de retard : taux de refinancement de la BCE majoré de {} points, exigibles dès le lendemain de l'échéance.",
                    terms.late_penalty_ecb_plus_points
                ),
                Locale::En => format!(
                    "Late-payment penalties: the ECB refinancing rate plus {} points, due from the day after the due date.",
                    terms.late_penalty_ecb_plus_points
                ),
            },
        ));
        // "40 €": the statute's own wording, without decimals.
        let indemnity = format_scaled(terms.recovery_indemnity_minor.unsigned_abs(), 2).replace('.', ",");
        notes.push((
            Some("PMT"),
            match locale {
                Locale::Fr => format!("Indemnité forfaitaire pour frais de recouvrement en cas de retard : {indemnity} € (art. L441-10 du Code de commerce)."),
                Locale::En => format!("Fixed recovery indemnity for late payment: EUR {indemnity} (art. L441-10 of the French Commercial Code)."),
            },
        ));
    }
    let discount = match (terms.early_payment_discount_bp, locale) {
        (0, Locale::Fr) => "Pas d'escompte pour paiement anticipé.".to_string(),
        (0, Locale::En) => "No discount for early payment.".to_string(),
        (bp, Locale::Fr) => format!(
            "Escompte de {} % pour paiement anticipé.",
            percent(bp).replace('.', ",")
        ),
        (bp, Locale::En) => format!("{} % discount for early payment.", percent(bp)),
    };
    notes.push((Some("AAB"), discount));
    if terms.vat_on_debits {
        notes.push((
            None,
            match locale {
                Locale::Fr => "Option pour le paiement de la taxe d'après les débits.".to_string(),
                Locale::En => "The seller pays VAT on debits (invoice date).".to_string(),
            },
        ));
    }
    notes
}

/// The EPC QR code's text: the transfer of what the invoice asks, to the
/// seller's account, with the invoice's creditor reference.
fn epc(invoice: &Invoice, payable_minor: i64) -> Option<String> {
    use relance::domain::bank::{CreditorReference, epc};
    let iban = invoice.seller.payment.account().ok()?;
    let reference = CreditorReference::for_document(invoice.number.as_str())?;
    epc::payload(
        &invoice.seller.legal_name,
        &iban,
        &invoice.seller.payment.bic,
        payable_minor,
        invoice.currency.code(),
        &reference,
    )
}

/// The SEPA credit transfer to the seller's account. EN 16931 allows one
/// means code per document (CII-SR-467, UBL-SR-47), so the online card
/// payment stays on the PDF and the hosted page, where a person reads it.
fn payment_means(seller: &Seller) -> Vec<PaymentMeans> {
    vec![PaymentMeans {
        code: "58",
        iban: Some(seller.payment.iban.replace(' ', "")),
        bic: Some(seller.payment.bic.clone()),
    }]
}

fn terms_text(terms: Option<PaymentTerms>, due: NaiveDate, locale: Locale) -> String {
    let due = due.format("%d/%m/%Y");
    match (terms, locale) {
        (Some(PaymentTerms::Days(d)), Locale::Fr) => format!("Paiement à {d} jours, au plus tard le {due}."),
        (Some(PaymentTerms::DaysEndOfMonth(d)), Locale::Fr) => {
            format!("Paiement à {d} jours fin de mois, au plus tard le {due}.")
        }
        (None, Locale::Fr) => format!("Paiement au plus tard le {due}."),
        (Some(PaymentTerms::Days(d)), Locale::En) => format!("Payment within {d} days, by {due}."),
        (Some(PaymentTerms::DaysEndOfMonth(d)), Locale::En) => {
            format!("Payment {d} days end of month, by {due}.")
        }
        (None, Locale::En) => format!("Payment by {due}."),
    }
}

/// Whether VAT identifiers may appear: a document outside the scope of VAT
/// carries none (EN 16931 BR-O-02).
fn carries_vat_ids(categories: impl IntoIterator<Item = VatCategory>) -> bool {
    !categories.into_iter().any(|c| c == VatCategory::OutsideScope)
}

impl Document {
    pub fn invoice(invoice: &Invoice) -> Self {
        let currency = invoice.currency;
        let money = |minor| amount(minor, currency);
        let locale = invoice.buyer.locale;
        let with_vat = carries_vat_ids(invoice.lines.iter().map(|l| l.vat_category));
        let lines = invoice
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| line(&(i + 1).to_string(), l, currency, locale))
            .collect();
        let t = &invoice.totals;
        let credited = invoice.credited_minor();
        let mut notes = mandatory_notes(&invoice.seller, &invoice.buyer, locale);
        for c in &invoice.credits {
            notes.push((
                None,
                match locale {
                    Locale::Fr => format!(
                        "Avoir n° {} du {} déduit : {}.",
                        c.number,
                        c.issue_date.format("%d/%m/%Y"),
                        money(c.amount_minor)
                    ),
                    Locale::En => format!(
                        "Credit note {} of {} deducted: {}.",
                        c.number,
                        c.issue_date.format("%d/%m/%Y"),
                        money(c.amount_minor)
                    ),
                },
            ));
        }
        Document {
            kind: Kind::Invoice,
            number: invoice.number.to_string(),
            issue_date: invoice.issue_date,
            currency: currency.code(),
            locale,
            notes,
            buyer_reference: invoice.buyer.service_code.clone(),
            order_reference: invoice.purchase_order.clone(),
            preceding: None,
            seller: seller_party(&invoice.seller, with_vat),
            buyer: buyer_party(&invoice.buyer, with_vat),
            delivery_date: Some(invoice.sale_date),
            deliver_to: Some(invoice.deliver_to().clone()),
            due_date: Some(invoice.due_date),
            payment_terms: Some(terms_text(invoice.payment_terms, invoice.due_date, locale)),
            // BT-83: the structured creditor reference the customer's bank
            // carries back, so the payment finds this invoice by itself.
            remittance: Some(
                relance::domain::bank::CreditorReference::for_document(invoice.number.as_str())
                    .map_or_else(|| invoice.number.to_string(), |r| r.to_string()),
            ),
            payment_means: payment_means(&invoice.seller),
            vat_point_code: vat_point(&invoice.seller, invoice.category),
            lines,
            breakdown: breakdown(&t.by_rate, currency, locale),
            totals: Totals {
                lines: money(t.net_minor),
                tax_basis: money(t.net_minor),
                tax: money(t.vat_minor),
                grand: money(t.gross_minor),
                prepaid: (credited > 0).then(|| money(credited)),
                payable: money(t.gross_minor.saturating_sub(credited)),
            },
            epc: epc(invoice, t.gross_minor.saturating_sub(credited)),
        }
    }

    /// A goodwill credit note: one line per VAT rate of the invoice it
    /// corrects, since EN 16931 wants lines and the gesture has none.
    /// `None` until the credit is granted (it has no number before).
    pub fn credit_note(credit: &Credit) -> Option<Self> {
        let (number, issue_date, seller, buyer) = (
            credit.number.as_ref()?,
            credit.issue_date?,
            credit.seller.as_ref()?,
            credit.buyer.as_ref()?,
        );
        let currency = credit.currency;
        let money = |minor| amount(minor, currency);
        let locale = buyer.locale;
        let with_vat = carries_vat_ids(credit.by_rate.iter().map(|b| b.category));
        let what = match (locale, credit.correction.is_some()) {
            (Locale::Fr, false) => format!("Geste commercial — facture {}", credit.invoice),
            (Locale::En, false) => format!("Goodwill gesture — invoice {}", credit.invoice),
            (Locale::Fr, true) => format!("Réduction du prix — facture {}", credit.invoice),
            (Locale::En, true) => format!("Price reduction — invoice {}", credit.invoice),
        };
        let lines = if credit.lines.is_empty() {
            credit
                .by_rate
                .iter()
                .enumerate()
                .map(|(i, b)| Line {
                    id: (i + 1).to_string(),
                    name: what.clone(),
                    quantity: "1".into(),
                    unit_code: "C62",
                    unit_label: None,
                    discount: None,
                    net_price: money(b.base_minor),
                    allowance: None,
                    net_amount: money(b.base_minor),
                    category: b.category,
                    rate: percent(b.rate.basis_points()),
                })
                .collect()
        } else {
            // The invoice's own lines, with the quantity credited; the id
            // is the invoice's line number, so each names what it takes back.
            credit
                .lines
                .iter()
                .map(|c| line(&c.line.to_string(), &c.credited, currency, locale))
                .collect()
        };
        let notes = credit
            .correction
            .as_ref()
            .map(|c| {
                vec![(
                    None,
                    match locale {
                        Locale::Fr => format!("Avoir rectificatif de la facture {} : {}", credit.invoice, c.reason),
                        Locale::En => format!("Corrective credit note on invoice {}: {}", credit.invoice, c.reason),
                    },
                )]
            })
            .unwrap_or_default();
        Some(Document {
            kind: Kind::CreditNote,
            number: number.to_string(),
            issue_date,
            currency: currency.code(),
            locale,
            notes,
            buyer_reference: buyer.service_code.clone(),
            order_reference: None,
            preceding: Some((credit.invoice.to_string(), credit.invoice_date)),
            seller: seller_party(seller, with_vat),
            buyer: buyer_party(buyer, with_vat),
            delivery_date: None,
            deliver_to: None,
            due_date: None,
            payment_terms: None,
            remittance: None,
            payment_means: Vec::new(),
            vat_point_code: None,
            lines,
            breakdown: breakdown(&credit.by_rate, currency, locale),
            totals: Totals {
                lines: money(credit.net_minor),
                tax_basis: money(credit.net_minor),
                tax: money(credit.vat_minor),
                grand: money(credit.gross_minor),
                prepaid: None,
                payable: money(credit.gross_minor),
            },
            epc: None,
        })
    }
}

/// One invoice line as the documents print it.
fn line(id: &str, l: &relance::domain::InvoiceLine, currency: relance::domain::Currency, locale: Locale) -> Line {
    let money = |minor| amount(minor, currency);
    let undiscounted = undiscounted_net(l);
    Line {
        id: id.to_string(),
        name: l.description.clone(),
        quantity: format_scaled(l.quantity_milli, QUANTITY_SCALE),
        unit_code: l.unit.code(),
        unit_label: (l.unit != relance::domain::unit::UnitCode::default()).then(|| l.unit.label(locale)),
        discount: (l.discount_bp > 0).then(|| percent(l.discount_bp)),
        net_price: money(l.unit_price_minor),
        allowance: (l.discount_bp > 0).then(|| {
            (
                percent(l.discount_bp),
                money(undiscounted),
                money(undiscounted.saturating_sub(l.net_minor)),
            )
        }),
        net_amount: money(l.net_minor),
        category: l.vat_category,
        rate: percent(l.vat_rate.basis_points()),
    }
}

/// The line's amount before its discount (the allowance's base). The
/// line's own net was computed from the same figures, so this fits too.
fn undiscounted_net(line: &relance::domain::InvoiceLine) -> i64 {
    line.undiscounted_net().unwrap_or(line.net_minor)
}

/// When VAT falls due, where the formats say it: services are taxed on
/// payment unless the seller opted for debits; goods on delivery (left
/// unsaid: it is the default).
fn vat_point(seller: &Seller, category: OperationCategory) -> Option<&'static str> {
    match (seller.terms.vat_on_debits, category) {
        (true, _) => Some("5"),
        (false, OperationCategory::Services) => Some("72"),
        (false, _) => None,
    }
}
