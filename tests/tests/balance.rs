//! The relationship balance on the table's data, through the finance API:
//! a month of invoices, payments on time and late, a part payment, a help
//! request answered the next day and an invoice in another currency add up
//! to figures counted here by hand; the portfolio is read from the
//! customers index, and a period that means nothing is refused.

use crate::common;

use common::{World, at};
use relance::domain::help::HelpChoice;
use relance::domain::{CustomerId, InvoiceNumber};
use serde_json::{Value, json};

fn invoice(customer: &str, issue_date: &str, currency: &str, unit_price_minor: i64) -> Value {
    json!({
        "customer_id": customer, "currency": currency, "issue_date": issue_date,
        "payment_terms": { "days": 30 }, "category": "services",
        "lines": [{ "description": "Entretien du four", "quantity": 1, "unit_price_minor": unit_price_minor, "vat_rate": "20" }]
    })
}

async fn issue(world: &World, key: &str, body: &Value) -> String {
    let (status, answer) = world.issue(key, body).await;
    assert_eq!(status, 201, "{answer}");
    answer["number"].as_str().expect("number").to_string()
}

async fn pay(world: &World, customer: &str, number: &str, amount: i64, date: &str) {
    let (status, body) = world
        .call(
            "POST",
            &format!("/customers/{customer}/invoices/{number}/payments"),
            &[("idempotency-key", &format!("pay-{number}-{date}"))],
            Some(&json!({ "amount_minor": amount, "date": date, "method": "transfer" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_month_adds_up_to_the_figures_counted_by_hand() {
    let world = World::new("balance").await;
    for id in ["roux", "petit", "acme", "globex"] {
        world.create_customer(id, json!({})).await;
    }
    // February: acme's invoice, due 12 March, paid 18 days late.
    world.set_now(at(2026, 2, 10, 9));
    let acme = issue(&world, "acme-1", &invoice("acme", "2026-02-10", "EUR", 5_000)).await;
    // March: roux pays on time, petit pays part, globex is billed in dollars.
    world.set_now(at(2026, 3, 2, 9));
    let roux = issue(&world, "roux-1", &invoice("roux", "2026-03-02", "EUR", 10_000)).await;
    world.set_now(at(2026, 3, 5, 9));
    let petit = issue(&world, "petit-1", &invoice("petit", "2026-03-05", "EUR", 20_000)).await;
    issue(&world, "globex-1", &invoice("globex", "2026-03-05", "USD", 7_000)).await;

    world.set_now(at(2026, 3, 10, 9));
    relance::help::request_help(
        &world.store,
        &CustomerId::parse("petit").expect("id"),
        &[InvoiceNumber::parse(&petit).expect("number")],
        HelpChoice::MoreDays,
        None,
        at(2026, 3, 10, 9),
    )
    .await
    .expect("help requested");
    world.set_now(at(2026, 3, 11, 15));
    let (status, body) = world
        .call(
            "POST",
            "/customers/petit/replies",
            &[],
            Some(&json!({ "note": "Appelée : réglera en deux fois." })),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    world.set_now(at(2026, 3, 20, 10));
    pay(&world, "roux", &roux, 12_000, "2026-03-20").await;
    world.set_now(at(2026, 3, 25, 10));
    pay(&world, "petit", &petit, 4_000, "2026-03-25").await;
    world.set_now(at(2026, 3, 30, 10));
    pay(&world, "acme", &acme, 6_000, "2026-03-30").await;
    // April: nothing of it belongs to March.
    world.set_now(at(2026, 4, 2, 9));
    issue(&world, "roux-2", &invoice("roux", "2026-04-02", "EUR", 30_000)).await;
    pay(&world, "petit", &petit, 20_000, "2026-04-02").await;

    let (status, answer) = world
        .call("GET", "/balance?from=2026-03-01&to=2026-03-31", &[], None)
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        (answer["from"].as_str(), answer["to"].as_str()),
        (Some("2026-03-01"), Some("2026-03-31"))
    );
    let b = &answer["balance"];
    assert_eq!(
        b["invoices_issued"], 3,
        "roux, petit and globex's, not acme's February one: {b}"
    );
    assert_eq!(
        (b["invoices_paid"].as_i64(), b["paid_on_time"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(b["on_time_rate"].as_f64(), Some(50.0));
    let eur = &b["amounts"]["EUR"];
    assert_eq!(eur["invoiced_minor"], 12_000 + 24_000);
    assert_eq!(eur["receivables_minor"], 20_000, "what petit still owed on 31 March");
    let dso = eur["dso_days"].as_f64().expect("a DSO");
    assert!((dso - 20_000.0 / 36_000.0 * 31.0).abs() < 1e-9, "{dso}");
    let usd = &b["amounts"]["USD"];
    assert_eq!(
        (usd["invoiced_minor"].as_i64(), usd["receivables_minor"].as_i64()),
        (Some(8_400), Some(8_400))
    );
    assert_eq!(b["help_requests"], 1);
    assert_eq!(
        (b["alerts_answered"].as_i64(), b["alerts_answered_within_48h"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(b["answer_hours_median"].as_f64(), Some(30.0));

    // This month by default: April's invoice and petit's last payment.
    let (status, april) = world.call("GET", "/balance", &[], None).await;
    assert_eq!(status, 200, "{april}");
    assert_eq!(april["from"], "2026-04-01");
    assert_eq!(april["balance"]["invoices_issued"], 1);
    assert_eq!(april["balance"]["amounts"]["EUR"]["receivables_minor"], 36_000);
}

#[tokio::test]
async fn a_period_that_means_nothing_is_refused_naming_the_field() {
    let world = World::new("balance-bad").await;
    world.set_now(at(2026, 4, 2, 9));
    for (query, field) in [
        ("from=2026-03-31&to=2026-03-01", "from"),
        ("from=2026-05-01&to=2026-05-31", "from"),
        ("from=2024-01-01&to=2026-03-31", "to"),
        ("from=2026-02-30", "query"),
    ] {
        let (status, body) = world.call("GET", &format!("/balance?{query}"), &[], None).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(common::error_fields(&body), vec![field], "{query}: {body}");
    }
}
