//! Payments from the bank against the local stack: a month's statement
//! imported as camt.053 and as CFONB 120 records each payment once, stops
//! the reminders of what it paid, thanks once, and leaves the uncertain to
//! the review queue; importing both again changes nothing; a person's
//! assignment pays what it names and nothing more.

use crate::common;

use common::{World, date, error_fields, history, invoice_body, pass_on};
use relance::domain::bank::CreditorReference;
use relance::domain::{CustomerId, EventKind, Invoice, InvoiceNumber, InvoiceStatus};
use relance_e2e::statements::{Movement, camt053, cfonb120};
use serde_json::{Value, json};

const OWN_IBAN: &str = "FR7630004000500000123456733";
const ROUX_IBAN: &str = "DE89370400440532013000";
/// 450.00 net + 20 % VAT.
const GROSS: i64 = 54_000;

async fn customer(world: &World, id: &str, company: &str, contact: &str, extra: Value) {
    let mut overrides = json!({ "company_name": company, "contact_name": contact });
    if let (Some(o), Some(e)) = (overrides.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    world.create_customer(id, overrides).await;
}

/// An invoice of 540.00 EUR (450.00 net, 20 % VAT) dated 2 March, due 1 April.
async fn issue(world: &World, customer: &str, key: &str) -> String {
    let mut body = invoice_body(customer);
    body["lines"] = json!([
        { "description": "Entretien du four à sole", "quantity": 1, "unit_price_minor": 45_000, "vat_rate": "20" }
    ]);
    let (status, invoice) = world.issue(key, &body).await;
    assert_eq!(status, 201, "{invoice}");
    assert_eq!(invoice["totals"]["gross_minor"], GROSS, "{invoice}");
    invoice["number"].as_str().expect("number").to_string()
}

async fn invoice(world: &World, customer: &str, number: &str) -> Invoice {
    world
        .store
        .get_invoice(
            &CustomerId::parse(customer).expect("id"),
            &InvoiceNumber::parse(number).expect("number"),
        )
        .await
        .expect("read")
        .expect("issued")
        .value
}

async fn import(world: &World, file: String) -> (u16, Value) {
    let (status, answer) = world
        .call_raw(
            "POST",
            "/bank-statements",
            &[("content-type", "application/xml")],
            Some(file),
        )
        .await;
    (status.as_u16(), answer)
}

fn count(events: &[relance::domain::HistoryEvent], name: &str) -> usize {
    events.iter().filter(|e| e.kind.name() == name).count()
}

fn rf(number: &str) -> String {
    CreditorReference::for_document(number).expect("reference").grouped()
}

#[tokio::test]
async fn a_months_statement_in_both_formats_pays_each_invoice_once_and_stops_its_reminders() {
    let world = World::new("bank").await;
    customer(&world, "martin", "Menuiserie Martin SARL", "Paul Martin", json!({})).await;
    customer(&world, "lefevre", "Boulangerie Lefèvre", "Anne Lefèvre", json!({})).await;
    customer(
        &world,
        "roux",
        "Atelier Roux",
        "Julie Roux",
        json!({ "ibans": [ROUX_IBAN] }),
    )
    .await;
    customer(&world, "dupont", "Dupont Conseil", "Luc Dupont", json!({})).await;
    customer(&world, "dupond", "Dupond Conseil", "Marc Dupond", json!({})).await;
    let martin_1 = issue(&world, "martin", "m1").await;
    let martin_2 = issue(&world, "martin", "m2").await;
    let lefevre = issue(&world, "lefevre", "l1").await;
    let roux_1 = issue(&world, "roux", "r1").await;
    let roux_2 = issue(&world, "roux", "r2").await;
    let dupont = issue(&world, "dupont", "d1").await;
    let dupond = issue(&world, "dupond", "d2").await;
    // Due on 1 April; the firm reminder goes out on Monday 6 April.
    let first = pass_on(&world, date("2026-04-06")).await;
    assert_eq!(first.emails_sent, 5, "{first:?}");

    // The month as the bank booked it.
    let lefevre_compact: String = lefevre.chars().filter(|c| *c != '-').collect();
    let (lefevre_start, lefevre_end) = lefevre_compact.split_at(8);
    let movements = vec![
        // Martin's first invoice by its creditor reference, and half of
        // the second by its number.
        Movement {
            creditor_reference: Some(rf(&martin_1).replace(' ', "")),
            bank_reference: Some("20260414-0001".into()),
            ..Movement::credit(
                date("2026-04-14"),
                GROSS,
                "MENUISERIE MARTIN SARL",
                &["VIR SEPA MENUISERIE MARTIN"],
            )
        },
        Movement::credit(
            date("2026-04-14"),
            20_000,
            "MENUISERIE MARTIN SARL",
            &[&format!("ACOMPTE FACT {martin_2}")],
        ),
        // Lefèvre's number wrapped across two lines, lower case, and 10 €
        // more than it owes.
        Movement::credit(
            date("2026-04-15"),
            GROSS + 1_000,
            "BOULANGERIE LEFEVRE",
            &[&format!("reglement {}", lefevre_start.to_lowercase()), lefevre_end],
        ),
        // Roux pays both invoices in one transfer from its known account,
        // naming neither.
        Movement {
            debtor_iban: Some(ROUX_IBAN.into()),
            ..Movement::credit(date("2026-04-16"), 2 * GROSS, "ATELIER ROUX", &["VIREMENT"])
        },
        // A name that nearly matches two customers, no reference.
        Movement::credit(date("2026-04-16"), GROSS, "DUPONT CONSEIL SARL", &["HONORAIRES"]),
        // The card provider's payout and a direct debit.
        Movement::credit(
            date("2026-04-17"),
            123_400,
            "STRIPE PAYMENTS UK LTD",
            &["STRIPE PAYOUT PO_1"],
        ),
        Movement {
            amount_minor: -82_000,
            ..Movement::credit(date("2026-04-17"), 0, "URSSAF", &["PRLV SEPA URSSAF"])
        },
    ];
    world.set_now(common::morning(date("2026-04-20")));
    let camt = camt053("02", OWN_IBAN, &movements);
    let cfonb = cfonb120("30004", "00050", "00001234567", &movements);

    let (status, summary) = import(&world, camt.clone()).await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(
        summary,
        json!({
            "statements": 1, "entries": 7, "applied": 4, "review": 2, "ignored": 2,
            "already_imported": 0, "invoices_settled": 4,
            "paid_minor": GROSS + 20_000 + GROSS + 2 * GROSS, "held_minor": 1_000
        })
    );
    // The same month as CFONB 120: every booking is already in.
    let (status, again) = import(&world, cfonb.clone()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["already_imported"], 7, "{again}");
    assert_eq!(again["applied"], 0, "{again}");
    for file in [camt, cfonb] {
        let (_, again) = import(&world, file).await;
        assert_eq!(again["already_imported"], 7, "{again}");
    }

    // Each invoice as the bank left it.
    let settled = [
        ("martin", &martin_1),
        ("lefevre", &lefevre),
        ("roux", &roux_1),
        ("roux", &roux_2),
    ];
    for (customer, number) in settled {
        let invoice = invoice(&world, customer, number).await;
        assert_eq!(invoice.status, InvoiceStatus::Paid, "{number}");
        assert_eq!(invoice.payments.len(), 1, "{number}: paid once");
    }
    let partial = invoice(&world, "martin", &martin_2).await;
    assert_eq!(
        partial.remaining_minor(),
        GROSS - 20_000,
        "the rest of a partial payment stays due"
    );
    for (customer, number) in [("dupont", &dupont), ("dupond", &dupond)] {
        assert_eq!(invoice(&world, customer, number).await.status, InvoiceStatus::Open);
    }

    // payment_received says where the money came from; the thank-yous
    // went out once for each settled, reminded invoice.
    let martin = history(&world, "martin").await;
    let received: Vec<&EventKind> = martin
        .iter()
        .map(|e| &e.kind)
        .filter(|k| k.name() == "payment_received")
        .collect();
    assert_eq!(received.len(), 2, "{received:?}");
    match received[0] {
        EventKind::PaymentReceived {
            source,
            rule,
            confidence,
            amount_minor,
            entry,
            ..
        } => {
            assert_eq!(
                (source.as_str(), rule.as_str(), *confidence, *amount_minor),
                ("camt053", "creditor_reference", 100, GROSS)
            );
            assert!(entry.starts_with("BE-"), "{entry}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(count(&martin, "payment_recorded"), 2);
    assert_eq!(count(&martin, "invoice_paid"), 1);
    // One of them was reminded the day before: its thank-you waited for
    // the contact budget, and goes out once the gap has passed.
    let held: usize = {
        let mut n = 0;
        for c in ["martin", "lefevre", "roux"] {
            n += count(&history(&world, c).await, "message_postponed");
        }
        n
    };
    assert!(held >= 1, "a thank-you inside the contact gap waits");
    assert_eq!(world.after_the_contact_gap().await.sent, held);
    let thanks: usize = {
        let mut n = 0;
        for c in ["martin", "lefevre", "roux"] {
            n += count(&history(&world, c).await, "thanks_sent");
        }
        n
    };
    assert_eq!(thanks, 4, "one thank-you per settled, reminded invoice");

    // The review queue: the near-match and the overpayment.
    let (status, queue) = world.call("GET", "/bank-entries/review", &[], None).await;
    assert_eq!(status, 200, "{queue}");
    let waiting: Vec<(&str, i64)> = queue["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["waiting"].as_str().unwrap_or_default(),
                e["amount_minor"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(waiting, vec![("overpaid", GROSS + 1_000), ("ambiguous", GROSS)]);

    // The next passes remind nobody for what the bank paid; Martin's rest
    // is still asked for.
    for day in ["2026-04-21", "2026-04-22", "2026-04-23", "2026-04-24"] {
        pass_on(&world, date(day)).await;
    }
    for customer in ["lefevre", "roux"] {
        let events = history(&world, customer).await;
        assert_eq!(
            count(&events, "reminder_sent"),
            1,
            "{customer}: only the reminder before the payment"
        );
    }

    // A person assigns the near-match to Dupont's invoice.
    let ambiguous = queue["entries"][1]["id"].as_str().expect("id").to_string();
    let assignment = |amount: i64| json!({ "allocations": [{ "customer_id": "dupont", "number": dupont, "amount_minor": amount }], "note": "confirmé par téléphone" });
    let (status, refused) = world
        .call(
            "POST",
            &format!("/bank-entries/{ambiguous}/assignment"),
            &[],
            Some(&assignment(GROSS + 1)),
        )
        .await;
    assert_eq!(status, 409, "more than the entry brought: {refused}");
    let (status, refused) = world
        .call(
            "POST",
            &format!("/bank-entries/{ambiguous}/assignment"),
            &[],
            Some(&json!({ "allocations": [{ "customer_id": "dupont", "number": "nope", "amount_minor": 0 }] })),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        error_fields(&refused),
        vec!["allocations[0].number", "allocations[0].amount_minor"]
    );
    let (status, done) = world
        .call(
            "POST",
            &format!("/bank-entries/{ambiguous}/assignment"),
            &[],
            Some(&assignment(GROSS)),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(invoice(&world, "dupont", &dupont).await.status, InvoiceStatus::Paid);
    let (status, again) = world
        .call(
            "POST",
            &format!("/bank-entries/{ambiguous}/assignment"),
            &[],
            Some(&assignment(GROSS)),
        )
        .await;
    assert_eq!(status, 409, "an entry is assigned once: {again}");
    let (_, queue) = world.call("GET", "/bank-entries/review", &[], None).await;
    assert_eq!(queue["entries"].as_array().map(Vec::len), Some(1), "{queue}");
}

#[tokio::test]
async fn a_file_relance_cannot_import_is_refused_and_records_nothing() {
    let world = World::new("bank-refused").await;
    customer(&world, "martin", "Menuiserie Martin SARL", "Paul Martin", json!({})).await;
    let number = issue(&world, "martin", "m1").await;
    let before = world.item_count().await;
    let movements = vec![Movement::credit(date("2026-03-10"), GROSS, "MARTIN", &[&number])];
    let other = camt053("08", ROUX_IBAN, &movements);
    let cfonb = cfonb120("30004", "00050", "00001234567", &movements);
    let short = cfonb.replacen("\r\n04", "\r\n4", 1);
    let cases = [
        (other, "statement 1", "is for account DE89 3704 0044 0532 0130 00"),
        (short, "line 2", "is 119 characters long"),
        ("Date;Montant\n".to_string(), "the file", "is neither a camt.053"),
    ];
    for (file, at, why) in cases {
        let (status, answer) = import(&world, file).await;
        assert_eq!(status, 422, "{answer}");
        assert_eq!(error_fields(&answer), vec![at], "{answer}");
        assert!(
            answer["errors"][0]["reason"].as_str().unwrap_or_default().contains(why),
            "{answer}"
        );
    }
    assert_eq!(
        world.item_count().await,
        before,
        "nothing from a refused file is written"
    );
}

#[tokio::test]
async fn a_statement_dropped_in_the_bucket_is_imported_once_and_a_bad_one_fails_the_invocation() {
    let world = World::new("bank-s3").await;
    customer(&world, "martin", "Menuiserie Martin SARL", "Paul Martin", json!({})).await;
    let number = issue(&world, "martin", "m1").await;
    let bucket = relance_e2e::fresh_bucket(&world.config, "statements")
        .await
        .expect("bucket");
    let s3 = aws_sdk_s3::Client::new(&world.config);
    let movements = vec![Movement::credit(
        date("2026-03-20"),
        GROSS,
        "MENUISERIE MARTIN",
        &[&format!("FACT {number}")],
    )];
    let good = cfonb120("30004", "00050", "00001234567", &movements);
    let bad = "Date;Montant\n03/11/2026;540,00\n";
    for (key, body) in [
        ("statements/relevé mars.txt", good.as_str()),
        ("statements/export.csv", bad),
    ] {
        s3.put_object()
            .bucket(&bucket)
            .key(key)
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .expect("put");
    }
    let event = |key: &str| common::s3_event(&bucket, key, 1);
    let clock = world.clock.clone();
    let deps = std::sync::Arc::new(import_statement::Deps {
        store: world.store.clone(),
        s3,
        deliverer: common::deliverer(
            &world.store,
            relance::mail::SesMailer::new(aws_sdk_sesv2::Client::new(&world.config), "f@atelier-durand.fr", None),
        ),
        account: relance::config::company()
            .expect("company")
            .payment
            .account()
            .expect("IBAN"),
        payout_names: relance::config::payout_names().expect("company file"),
        clock: std::sync::Arc::new(move || *clock.lock().expect("clock")),
    });
    world.set_now(common::morning(date("2026-03-21")));
    // The key as S3 notifies it: URL-encoded, spaces as '+'.
    let encoded = "statements/relev%C3%A9+mars.txt";
    for _ in 0..2 {
        let done = import_statement::handle(deps.clone(), event(encoded))
            .await
            .expect("imported");
        assert_eq!(done.len(), 1);
    }
    assert_eq!(
        invoice(&world, "martin", &number).await.payments.len(),
        1,
        "S3's retry records nothing twice"
    );
    let refused = import_statement::handle(deps, event("statements/export.csv")).await;
    assert!(
        matches!(&refused, Err(import_statement::ImportError::Refused { reason, .. }) if reason.contains("neither a camt.053")),
        "{refused:?}"
    );
}
