//! Invoices and customers for the domain's table tests, built through the
//! same parsing finance's requests go through.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Actor, Customer, CustomerId, CustomerInput, Invoice, InvoiceInput, InvoiceNumber};

pub fn consumer(id: &str) -> Customer {
    serde_json::from_value::<CustomerInput>(serde_json::json!({
        "contact_name": "Camille", "email": "c@example.test", "locale": "fr", "kind": "consumer",
        "billing_address": { "lines": ["1 rue"], "postal_code": "69002", "city": "Lyon", "country": "FR" },
        "customer_since": "2020-01-01"
    }))
    .unwrap_or_else(|e| panic!("{e}"))
    .parse(CustomerId::parse(id).unwrap_or_else(|e| panic!("{e}")))
    .unwrap_or_else(|e| panic!("{e:?}"))
}

/// A business customer in `country`, with or without a VAT number.
pub fn business(id: &str, country: &str, vat_number: Option<&str>) -> Customer {
    let mut body = serde_json::json!({
        "contact_name": "Jonas", "email": "j@example.test", "kind": "business", "company_name": "Weber GmbH",
        "billing_address": { "lines": ["1 Straße"], "postal_code": "10115", "city": "Berlin", "country": country },
        "customer_since": "2020-01-01"
    });
    if let Some(vat) = vat_number {
        body["vat_number"] = serde_json::json!(vat);
    }
    if country == "FR" {
        body["siren"] = serde_json::json!("732829320");
    }
    serde_json::from_value::<CustomerInput>(body)
        .unwrap_or_else(|e| panic!("{e}"))
        .parse(CustomerId::parse(id).unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e:?}"))
}

/// An open invoice of one line at 20 % VAT, numbered `F2026-<position>`.
pub fn invoice(position: u64, issue: NaiveDate, due: NaiveDate, net_minor: i64) -> Invoice {
    let input: InvoiceInput = serde_json::from_value(serde_json::json!({
        "customer_id": "c1", "currency": "EUR", "issue_date": issue, "due_date": due,
        "category": "services",
        "lines": [{ "description": "Travaux", "quantity": 1, "unit_price_minor": net_minor, "vat_rate": "20" }]
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    input.parse().unwrap_or_else(|e| panic!("{e:?}")).issue(
        InvoiceNumber::new("F2026", position),
        crate::config::company().unwrap_or_else(|e| panic!("{e}")),
        consumer("c1"),
        DateTime::<Utc>::UNIX_EPOCH,
        Actor("test".into()),
    )
}
