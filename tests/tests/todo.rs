//! The finance team's to-do against the local stack: a help request, a
//! dispute, a credit waiting for a second person and a bank entry nobody
//! matched each appear with their deadline, the late ones first — read
//! from the to-do index, never by scanning — and acting on each (answer,
//! settle, approve, assign) removes it.

use crate::common;

use common::{World, at, invoice_body};
use relance::domain::help::HelpChoice;
use relance::domain::{CustomerId, InvoiceNumber};
use serde_json::{Value, json};

async fn todo(world: &World) -> Value {
    let (status, list) = world.call("GET", "/todo", &[], None).await;
    assert_eq!(status, 200, "{list}");
    list
}

fn kinds(list: &Value) -> Vec<(String, String, bool)> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap_or_default().to_string(),
                i["customer_id"].as_str().unwrap_or("-").to_string(),
                i["late"].as_bool().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn what_waits_for_a_person_is_listed_by_deadline_and_leaves_when_acted_on() {
    let world = World::new("todo").await;
    for id in ["roux", "petit", "acme"] {
        world.create_customer(id, json!({})).await;
    }
    let mut numbers = Vec::new();
    for (id, key) in [("roux", "r1"), ("petit", "p1"), ("acme", "a1")] {
        let (status, invoice) = world.issue(key, &invoice_body(id)).await;
        assert_eq!(status, 201, "{invoice}");
        numbers.push(invoice["number"].as_str().expect("number").to_string());
    }
    assert_eq!(todo(&world).await["items"], json!([]), "nothing waits yet");

    // Monday 9:00, the customer asks for more days (as the page records it).
    world.set_now(at(2026, 4, 6, 9));
    relance::help::request_help(
        &world.store,
        &CustomerId::parse("roux").expect("id"),
        &[InvoiceNumber::parse(&numbers[0]).expect("n")],
        HelpChoice::MoreDays,
        None,
        at(2026, 4, 6, 9),
    )
    .await
    .expect("help requested");

    // Wednesday: a dispute, a credit above the threshold, a transfer
    // nobody recognises.
    world.set_now(at(2026, 4, 8, 10));
    let dispute = format!("/customers/petit/invoices/{}/disputes", numbers[1]);
    let (status, body) = world
        .call("POST", &dispute, &[], Some(&json!({ "reason": "Quantité contestée" })))
        .await;
    assert_eq!(status, 201, "{body}");
    let big = json!({
        "customer_id": "acme", "currency": "EUR", "issue_date": "2026-03-02", "payment_terms": { "days": 30 },
        "category": "goods",
        "lines": [{ "description": "Four à sole", "quantity": 1, "unit_price_minor": 1_200_000, "vat_rate": "20" }]
    });
    let (status, big) = world.issue("a2", &big).await;
    assert_eq!(status, 201, "{big}");
    let request = json!({
        "situation": "defective_product", "severity": "critical", "invoice": big["number"],
        "what_happened": "Le four ne chauffait pas.", "what_we_did": "Nous l'avons remplacé."
    });
    let (status, pending) = world
        .call(
            "POST",
            "/customers/acme/credits",
            &[("idempotency-key", "c1")],
            Some(&request),
        )
        .await;
    assert_eq!(status, 202, "{pending}");
    let credit = pending["id"].as_str().expect("id").to_string();
    let stranger = relance_e2e::statements::Movement::credit(
        "2026-04-07".parse().expect("date"),
        4_321,
        "JEAN VALJEAN",
        &["CADEAU"],
    );
    let file = relance_e2e::statements::camt053("08", "FR7630004000500000123456733", &[stranger]);
    let (status, summary) = world.call_raw("POST", "/bank-statements", &[], Some(file)).await;
    assert_eq!(status, 200, "{summary}");

    // Wednesday noon: the help request's 48 hours ran out at 9:00.
    world.set_now(at(2026, 4, 8, 12));
    let list = todo(&world).await;
    assert_eq!(
        kinds(&list),
        [
            ("help_request".to_string(), "roux".to_string(), true),
            ("credit_approval".into(), "acme".into(), false),
            ("bank_review".into(), "-".into(), false),
            ("dispute".into(), "petit".into(), false),
        ],
        "{list}"
    );
    assert_eq!(list["late"], 1);
    assert_eq!(
        list["items"][0]["deadline"], "2026-04-08T09:00:00Z",
        "48 hours after the request"
    );
    assert_eq!(list["items"][0]["reference"], numbers[0].as_str());
    let entry = list["items"][2]["reference"].as_str().expect("entry").to_string();

    // Each is acted on, and leaves the list.
    let (status, body) = world
        .call(
            "POST",
            "/customers/roux/replies",
            &[],
            Some(&json!({ "note": "Appelée : 15 jours de plus" })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = world
        .call(
            "POST",
            &format!("{dispute}/settle"),
            &[],
            Some(&json!({ "resolution": "Quantité corrigée" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let approve = format!("/customers/acme/credits/{credit}/approve");
    let (status, body) = world
        .call("POST", &approve, &[("x-relance-actor", "nadia.approver")], None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        kinds(&todo(&world).await),
        [("bank_review".to_string(), "-".to_string(), false)]
    );
    let decided = json!({ "not_a_customer_payment": true, "note": "un don" }).to_string();
    let (status, body) = world
        .call_raw("POST", &format!("/bank-entries/{entry}/assignment"), &[], Some(decided))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(todo(&world).await["items"], json!([]), "everything was acted on");
}
