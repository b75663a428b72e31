//! Every stage × tone × language of the reminder renders its own words,
//! offers help before money, names a person, and states penalties only
//! when the stage calls for it.

use chrono::{NaiveDate, TimeZone, Utc};
use relance::config::company;
use relance::domain::dunning::{Policy, Tone};
use relance::domain::{Actor, CustomerId, CustomerInput, Invoice, InvoiceInput, InvoiceNumber, Locale};
use relance::render::{RenderedEmail, Renderer};
use relance::view::ReminderEmail;
use serde_json::json;

/// Parsed once, as in a function's cold start.
static RENDERER: std::sync::LazyLock<Renderer> = std::sync::LazyLock::new(|| Renderer::new().expect("templates"));

fn invoice_to(number: u64, locale: Locale, kind: &str) -> (relance::domain::Customer, Invoice) {
    let mut body = json!({
        "contact_name": "Camille <b>Martin</b>", "email": "compta@boulangerie-martin.fr", "locale": locale.code(),
        "kind": kind,
        "billing_address": { "lines": ["3 place Bellecour"], "postal_code": "69002", "city": "Lyon", "country": "FR" },
        "customer_since": "2016-05-10"
    });
    if kind == "business" {
        body["company_name"] = json!("Boulangerie Martin SARL");
        body["siren"] = json!("356000000");
    }
    let customer: CustomerInput = serde_json::from_value(body).expect("customer");
    let customer = customer.parse(CustomerId::parse("martin").expect("id")).expect("valid");
    let input: InvoiceInput = serde_json::from_value(json!({
        "customer_id": "martin", "currency": "EUR", "issue_date": "2026-03-02", "payment_terms": { "days": 30 },
        "category": "services",
        "lines": [{ "description": "Entretien", "quantity": 1, "unit_price_minor": 45000, "vat_rate": "20" }]
    }))
    .expect("invoice");
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("date");
    let inv = input.parse().expect("valid").issue(
        InvoiceNumber::new("F2026", number),
        company().expect("company"),
        customer.clone(),
        now,
        Actor("t".into()),
    );
    (customer, inv)
}

fn render(locale: Locale, stage: &str, tone: Tone, count: u64) -> RenderedEmail {
    render_to("business", locale, stage, tone, count)
}

fn render_to(kind: &str, locale: Locale, stage: &str, tone: Tone, count: u64) -> RenderedEmail {
    let invoices: Vec<(Invoice, String)> = (1..=count)
        .map(|n| {
            (
                invoice_to(n, locale, kind).1,
                format!("https://pay.example.test/i/tok{n}"),
            )
        })
        .collect();
    let customer = invoice_to(1, locale, kind).0;
    let today = NaiveDate::from_ymd_opt(2026, 4, 20).expect("date");
    let context = ReminderEmail::new(
        &customer,
        &invoices,
        stage,
        tone,
        "https://pay.example.test/help/H".into(),
        today,
    );
    RENDERER.email("reminder", locale, &context).expect("renders")
}

fn opening(email: &RenderedEmail) -> String {
    email.text.lines().nth(2).unwrap_or_default().to_string()
}

#[test]
fn every_stage_tone_and_language_has_its_own_words() {
    let policy = Policy::configured().expect("policy");
    for locale in [Locale::Fr, Locale::En] {
        for stage in policy.stages.iter().filter(|s| s.email) {
            let openings: Vec<String> = Tone::ALL
                .iter()
                .map(|t| opening(&render(locale, &stage.name, *t, 1)))
                .collect();
            for (i, a) in openings.iter().enumerate() {
                assert!(a.len() > 40, "{locale:?} {} {:?}: {a:?}", stage.name, Tone::ALL[i]);
                for b in &openings[i + 1..] {
                    assert_ne!(a, b, "{locale:?} {}: two tones share an opening", stage.name);
                }
            }
        }
    }
}

#[test]
fn help_comes_before_money_and_a_person_is_named() {
    for (locale, help, pay) in [
        (Locale::Fr, "J'ai une difficulté", "Si tout est en ordre"),
        (Locale::En, "I have a difficulty", "If everything is in order"),
    ] {
        for tone in Tone::ALL {
            let email = render(locale, "help_first", tone, 1);
            let h = email.text.find(help).expect("help link");
            let p = email.text.find(pay).expect("pay sentence");
            assert!(h < p, "{locale:?} {tone:?}: help before money");
            assert!(email.text.contains("https://pay.example.test/help/H"));
            assert!(email.text.contains("Claire Fontaine"));
            assert!(
                !email.text.contains("pénalités") && !email.text.contains("penalties"),
                "no penalties this early"
            );
        }
    }
}

#[test]
fn firm_and_final_stages_state_penalties_plainly_and_never_threaten_first() {
    let firm = render(Locale::Fr, "firm", Tone::Standard, 1);
    assert!(firm.text.contains("majoré de 10 points"));
    assert!(firm.text.contains("40,00\u{a0}€"));
    let last = render(Locale::Fr, "final_notice", Tone::Direct, 1);
    assert!(last.text.contains("Claire Fontaine vous appellera"), "{}", last.text);
    for word in ["huissier", "contentieux", "poursuites", "injonction"] {
        assert!(!last.text.contains(word), "no threats: {word}");
    }
    let courtesy = render(Locale::Fr, "courtesy", Tone::Warm, 1);
    assert!(!courtesy.text.contains("pénalités"));
}

#[test]
fn a_consumer_never_reads_the_business_penalty_terms() {
    for locale in [Locale::Fr, Locale::En] {
        for stage in ["firm", "final_notice"] {
            let business = render_to("business", locale, stage, Tone::Standard, 1);
            let consumer = render_to("consumer", locale, stage, Tone::Standard, 1);
            let b2b = match locale {
                Locale::Fr => ["pénalités", "indemnité forfaitaire"],
                Locale::En => ["penalties", "recovery indemnity"],
            };
            for words in b2b {
                assert!(business.text.contains(words), "{locale:?} {stage} business: {words}");
                assert!(
                    !consumer.text.contains(words),
                    "{locale:?} {stage} consumer: {words}\n{}",
                    consumer.text
                );
                assert!(
                    !consumer.html.contains(words),
                    "{locale:?} {stage} consumer html: {words}"
                );
            }
        }
    }
}

#[test]
fn several_invoices_make_one_email_that_lists_them_all() {
    let email = render(Locale::Fr, "check_in", Tone::Standard, 3);
    for n in 1..=3 {
        assert!(email.text.contains(&format!("F2026-00000{n}")));
        // Tera escapes `/` in attributes; a browser decodes it back.
        assert!(
            email
                .html
                .replace("&#x2F;", "/")
                .contains(&format!("https://pay.example.test/i/tok{n}"))
        );
    }
    assert!(
        email
            .subject
            .starts_with("Factures F2026-000001, F2026-000002, F2026-000003"),
        "{}",
        email.subject
    );
    assert!(
        email.text.contains("Total restant dû : 1\u{202f}620,00\u{a0}€"),
        "{}",
        email.text
    );
    assert!(
        email.html.contains("Camille &lt;b&gt;Martin&lt;&#x2F;b&gt;"),
        "names are escaped in HTML"
    );
}

#[test]
fn a_final_notice_with_a_formal_notice_says_it_is_attached_and_when_to_pay_by() {
    let notice = relance::domain::message::NoticeRef {
        reference: "MED-20260511-martin".into(),
        dated: NaiveDate::from_ymd_opt(2026, 5, 11).expect("date"),
    };
    for (locale, attached, pay_by, subject) in [
        (
            Locale::Fr,
            "mise en demeure de payer (réf. MED-20260511-martin)",
            "d'ici le 19 mai 2026",
            "(mise en demeure jointe)",
        ),
        (
            Locale::En,
            "formal notice to pay (ref. MED-20260511-martin)",
            "by 19 May 2026",
            "(formal notice attached)",
        ),
    ] {
        let (customer, invoice) = invoice_to(1, locale, "business");
        let today = NaiveDate::from_ymd_opt(2026, 5, 11).expect("date");
        let help = "https://pay.example.test/help/H".to_string();
        let plain = ReminderEmail::new(
            &customer,
            &[(invoice.clone(), "https://pay.example.test/i/t".into())],
            "final_notice",
            Tone::Standard,
            help.clone(),
            today,
        );
        let with = plain.with_notice(Some(&notice), locale);
        let email = RENDERER.email("reminder", locale, &with).expect("renders");
        assert!(email.text.contains(attached), "{locale:?}: {}", email.text);
        assert!(email.text.contains(pay_by), "{locale:?}: {}", email.text);
        assert!(email.subject.ends_with(subject), "{locale:?}: {}", email.subject);
        assert!(email.html.contains("MED-20260511-martin"));
        // The help link stays, before the letter's paragraph.
        let h = email.text.find("https://pay.example.test/help/H").expect("help link");
        let n = email.text.find(attached).expect("notice paragraph");
        assert!(h < n, "{locale:?}: help before the formal notice");
        // Without a letter, nothing claims one is attached.
        let bare = ReminderEmail::new(
            &customer,
            &[(invoice, "https://pay.example.test/i/t".into())],
            "final_notice",
            Tone::Standard,
            help,
            today,
        );
        let bare = RENDERER.email("reminder", locale, &bare).expect("renders");
        assert!(!bare.text.contains("MED-"), "{locale:?}");
        assert!(!bare.subject.contains(subject), "{locale:?}");
    }
}
