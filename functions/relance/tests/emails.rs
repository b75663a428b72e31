//! The invoice email, rendered in French and English: every mandatory
//! mention is there (Code de commerce L441-9, CGI annexe II art. 242
//! nonies A, décret 2022-1299), customer text is escaped, and there is a
//! plain-text part.

use chrono::{TimeZone, Utc};
use relance::config::company;
use relance::domain::{Actor, CustomerId, CustomerInput, InvoiceInput, InvoiceNumber, Locale};
use relance::render::{RenderedEmail, Renderer};
use relance::view::{InvoiceEmail, InvoiceView};
use serde_json::json;

fn render(locale: Locale, kind: &str, name: &str) -> RenderedEmail {
    let customer: CustomerInput = serde_json::from_value(json!({
        "contact_name": name,
        "email": "compta@boulangerie-martin.fr",
        "locale": locale.code(),
        "kind": kind,
        "company_name": if kind == "business" { json!(format!("{name} SARL")) } else { json!(null) },
        "siren": if kind == "business" { json!("356000000") } else { json!(null) },
        "vat_number": if kind == "business" { json!("FR39356000000") } else { json!(null) },
        "billing_address": { "lines": ["3 place Bellecour"], "postal_code": "69002", "city": "Lyon", "country": "FR" },
        "delivery_address": { "lines": ["Fournil, 8 rue Mercière"], "postal_code": "69002", "city": "Lyon", "country": "FR" },
        "customer_since": "2016-05-10"
    }))
    .expect("customer input");
    let customer = customer
        .parse(CustomerId::parse("martin").expect("id"))
        .expect("valid customer");
    let input: InvoiceInput = serde_json::from_value(json!({
        "customer_id": "martin", "currency": "EUR", "issue_date": "2026-03-02", "sale_date": "2026-02-27",
        "payment_terms": { "days": 30 }, "category": "mixed", "purchase_order": "BC-2026-114",
        "lines": [
            { "description": "Entretien du four à sole", "quantity": 1, "unit_price_minor": 45000, "vat_rate": "20" },
            { "description": "Farine bio T65", "quantity": "25", "unit": "KGM", "unit_price_minor": 180, "vat_rate": "5.5", "discount": "10" }
        ]
    }))
    .expect("invoice input");
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("date");
    let invoice = input.parse().expect("valid invoice").issue(
        InvoiceNumber::new("F2026", 42),
        company().expect("company"),
        customer,
        now,
        Actor("test".into()),
    );
    let context = InvoiceEmail {
        invoice: InvoiceView::new(&invoice, locale),
        link: "https://pay.example.test/i/TOKEN".into(),
        attached: String::new(),
    };
    Renderer::new()
        .expect("templates")
        .email("invoice", locale, &context)
        .expect("renders")
}

/// (what the law asks for, how it reads) for a business customer.
fn mentions(locale: Locale) -> Vec<(&'static str, &'static str)> {
    match locale {
        Locale::Fr => vec![
            ("invoice number", "F2026-000042"),
            ("issue date", "Date d'émission : 2 mars 2026"),
            ("date of sale or service", "Date de la prestation : 27 février 2026"),
            ("category of operation", "livraison de biens et prestation de services"),
            ("purchase order", "BC-2026-114"),
            (
                "seller name and legal form",
                "Atelier Durand, SAS au capital de 50 000 €",
            ),
            ("seller address", "12 rue des Tanneurs"),
            (
                "seller SIREN and registration",
                "SIREN 356000000 – RCS Lyon 356 000 000",
            ),
            ("seller VAT number", "FR39356000000"),
            ("buyer address", "3 place Bellecour"),
            ("buyer SIREN", "SIREN 356000000"),
            ("delivery address", "Fournil, 8 rue Mercière"),
            ("quantity and unit", "25 kg"),
            ("unit price net of VAT", "1,80\u{a0}€"),
            ("discount", "10\u{a0}%"),
            ("VAT per rate (20 %)", "TVA 20\u{a0}% sur 450,00\u{a0}€"),
            ("VAT per rate (5.5 %)", "TVA 5,5\u{a0}% sur 40,50\u{a0}€"),
            ("total net of VAT", "490,50\u{a0}€"),
            ("total including VAT", "582,73\u{a0}€"),
            ("due date", "Échéance : 1er avril 2026"),
            ("early-payment discount terms", "Pas d'escompte pour paiement anticipé"),
            ("late-payment penalty rate", "majoré de 10 points"),
            (
                "recovery indemnity (business)",
                "indemnité forfaitaire pour frais de recouvrement de 40,00\u{a0}€",
            ),
        ],
        Locale::En => vec![
            ("invoice number", "F2026-000042"),
            ("issue date", "Issue date: 2 March 2026"),
            ("date of sale or service", "Date of service: 27 February 2026"),
            ("category of operation", "supply of goods and services"),
            ("purchase order", "BC-2026-114"),
            (
                "seller name and legal form",
                "Atelier Durand, SAS with a share capital of 50 000 €",
            ),
            ("seller address", "12 rue des Tanneurs"),
            (
                "seller SIREN and registration",
                "SIREN 356000000 – RCS Lyon 356 000 000",
            ),
            ("seller VAT number", "FR39356000000"),
            ("buyer address", "3 place Bellecour"),
            ("buyer SIREN", "SIREN 356000000"),
            ("delivery address", "Fournil, 8 rue Mercière"),
            ("quantity and unit", "25 kg"),
            ("unit price net of VAT", "€1.80"),
            ("discount", "10%"),
            ("VAT per rate (20 %)", "VAT 20% on €450.00"),
            ("VAT per rate (5.5 %)", "VAT 5.5% on €40.50"),
            ("total net of VAT", "€490.50"),
            ("total including VAT", "€582.73"),
            ("due date", "Due date: 1 April 2026"),
            ("early-payment discount terms", "No discount for early payment"),
            ("late-payment penalty rate", "plus 10 percentage points"),
            ("recovery indemnity (business)", "fixed recovery indemnity of €40.00"),
        ],
    }
}

#[test]
fn every_mandatory_mention_is_in_both_parts_in_both_languages() {
    for locale in [Locale::Fr, Locale::En] {
        let email = render(locale, "business", "Camille Martin");
        for (what, expected) in mentions(locale) {
            // The HTML escapes apostrophes; compare on the unescaped text.
            let html = email.html.replace("&#x27;", "'");
            assert!(html.contains(expected), "{locale:?} HTML lacks {what}: {expected:?}");
            assert!(
                email.text.contains(expected),
                "{locale:?} text lacks {what}: {expected:?}\n{}",
                email.text
            );
        }
        assert!(
            email.subject.contains("F2026-000042") && email.subject.contains("582"),
            "{}",
            email.subject
        );
        assert!(!email.text.contains('<'), "the text part has no markup");
    }
}

#[test]
fn a_consumer_is_never_charged_the_recovery_indemnity() {
    for locale in [Locale::Fr, Locale::En] {
        let email = render(locale, "consumer", "Léa Dupont");
        for part in [&email.html, &email.text] {
            assert!(!part.contains("40,00") && !part.contains("40.00"), "{locale:?}");
            // Nor the business late-payment penalty (L441-10 is B2B).
            assert!(
                !part.contains("pénalités") && !part.contains("penalties"),
                "{locale:?}: {part}"
            );
        }
        assert!(email.text.contains("Léa Dupont"));
    }
}

#[test]
fn customer_text_is_escaped_in_html_and_left_plain_in_text() {
    let name = "<script>alert(1)</script>";
    let email = render(Locale::Fr, "business", name);
    assert!(!email.html.contains(name), "the HTML part escapes it");
    assert!(email.html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"));
    assert!(email.text.contains(name), "the text part shows it as typed");
}

#[test]
fn the_greeting_names_the_person_and_never_says_dear_customer() {
    for locale in [Locale::Fr, Locale::En] {
        let email = render(locale, "business", "Camille Martin");
        let first = email.text.lines().next().unwrap_or_default();
        assert!(first.ends_with("Camille Martin,"), "{first}");
        for generic in ["Cher client", "Dear customer", "Madame, Monsieur"] {
            assert!(!email.text.contains(generic));
        }
        assert!(email.html.contains("lang=\"fr\"") == (locale == Locale::Fr));
    }
}
