//! Sample data for whoever works on the templates: a realistic customer
//! and invoice, and the contexts the invoice and reminder emails are
//! rendered from. The rendering benchmark uses exactly these.

use chrono::{NaiveDate, TimeZone, Utc};

use super::{InvoiceEmail, InvoiceView, ReminderEmail};
use crate::config::{ConfigError, company};
use crate::domain::dunning::Tone;
use crate::domain::{Actor, Customer, CustomerId, CustomerInput, Invoice, InvoiceInput, InvoiceNumber, Locale};

#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the sample data no longer passes validation: {0}")]
    Invalid(String),
}

/// Boulangerie Martin, a customer since 2016, in `locale`.
pub fn customer(locale: Locale) -> Result<Customer, SampleError> {
    let input: CustomerInput = serde_json::from_value(serde_json::json!({
        "contact_name": "Camille Martin", "email": "compta@boulangerie-martin.fr", "locale": locale.code(),
        "kind": "business", "company_name": "Boulangerie Martin SARL", "siren": "356000000",
        "vat_number": "FR39356000000",
        "billing_address": { "lines": ["3 place Bellecour"], "postal_code": "69002", "city": "Lyon", "country": "FR" },
        "customer_since": "2016-05-10"
    }))
    .map_err(|e| SampleError::Invalid(e.to_string()))?;
    let id = CustomerId::parse("boulangerie-martin").map_err(SampleError::Invalid)?;
    input.parse(id).map_err(|e| SampleError::Invalid(format!("{e:?}")))
}

/// Invoice `number` of March 2026: two lines at two VAT rates.
pub fn invoice(number: u64, locale: Locale) -> Result<Invoice, SampleError> {
    let input: InvoiceInput = serde_json::from_value(serde_json::json!({
        "customer_id": "boulangerie-martin", "currency": "EUR", "issue_date": "2026-03-02",
        "payment_terms": { "days": 30 }, "category": "mixed", "purchase_order": "BC-2026-114",
        "lines": [
            { "description": "Entretien du four à sole", "quantity": 1, "unit_price_minor": 45000, "vat_rate": "20" },
            { "description": "Farine bio T65", "quantity": "25", "unit": "KGM", "unit_price_minor": 180, "vat_rate": "5.5", "discount": "10" }
        ]
    }))
    .map_err(|e| SampleError::Invalid(e.to_string()))?;
    let issued_at = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .ok_or_else(|| SampleError::Invalid("issue time".into()))?;
    Ok(input
        .parse()
        .map_err(|e| SampleError::Invalid(format!("{e:?}")))?
        .issue(
            InvoiceNumber::new("F2026", number),
            company()?,
            customer(locale)?,
            issued_at,
            Actor::system("sample"),
        ))
}

/// What the invoice email is rendered from.
pub fn invoice_email(locale: Locale) -> Result<InvoiceEmail, SampleError> {
    Ok(InvoiceEmail {
        invoice: InvoiceView::new(&invoice(42, locale)?, locale),
        link: "https://pay.example.fr/i/SAMPLE".into(),
        attached: "F2026-000042.pdf".into(),
    })
}

/// What a reminder about `count` invoices at `stage` in `tone` is
/// rendered from, as of 20 April 2026.
pub fn reminder_email(locale: Locale, stage: &str, tone: Tone, count: u64) -> Result<ReminderEmail, SampleError> {
    let invoices = (1..=count)
        .map(|n| Ok((invoice(n, locale)?, format!("https://pay.example.fr/i/SAMPLE{n}"))))
        .collect::<Result<Vec<_>, SampleError>>()?;
    let today = NaiveDate::from_ymd_opt(2026, 4, 20).ok_or_else(|| SampleError::Invalid("date".into()))?;
    Ok(ReminderEmail::new(
        &customer(locale)?,
        &invoices,
        stage,
        tone,
        "https://pay.example.fr/help/SAMPLE".into(),
        today,
    ))
}
