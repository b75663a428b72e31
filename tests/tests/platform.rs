//! Platform lifecycle statuses against the local stack: refused stops the
//! reminders and alerts finance once, rejected never reminds, paid records
//! one payment whoever recorded it first, an older status changes nothing,
//! and a status is recorded once by its id.

use crate::common;

use chrono::Days;
use common::{World, date, history, invoice_body, morning, pass_on};
use relance::domain::{EventKind, HistoryEvent};
use serde_json::{Value, json};

/// Every day's pass from the due date to 30 days after: what it sent.
async fn month_of_passes(world: &World) -> usize {
    let mut sent = 0;
    let mut day = date("2026-04-01");
    while day <= date("2026-05-01") {
        sent += pass_on(world, day).await.emails_sent;
        day = day + Days::new(1);
    }
    sent
}

async fn status(world: &World, customer: &str, body: Value) -> (u16, Value) {
    status_on(world, customer, "F2026-000001", body).await
}

async fn status_on(world: &World, customer: &str, number: &str, body: Value) -> (u16, Value) {
    let (status, answer) = world
        .call(
            "POST",
            &format!("/customers/{customer}/invoices/{number}/statuses"),
            &[],
            Some(&body),
        )
        .await;
    (status.as_u16(), answer)
}

fn count(events: &[HistoryEvent], name: &str) -> usize {
    events.iter().filter(|e| e.kind.name() == name).count()
}

async fn setup(label: &str, customer: &str) -> World {
    let world = World::new(label).await;
    world.create_customer(customer, json!({})).await;
    let (status, _) = world.issue(&format!("inv-{customer}"), &invoice_body(customer)).await;
    assert_eq!(status, 201);
    world.set_now(morning(date("2026-03-20")));
    world
}

/// The finance alerts about `customer` that reached the finance contact.
async fn alerts_about(world: &World, customer: &str) -> Vec<String> {
    world
        .mailbox
        .all()
        .await
        .expect("mailbox")
        .into_iter()
        .filter(|e| {
            e.destination
                .to
                .iter()
                .any(|t| t.contains("claire.fontaine@atelier-durand.fr"))
        })
        .filter_map(|e| e.body.text)
        .filter(|t| t.contains(&world.email(customer)))
        .collect()
}

#[tokio::test]
async fn a_refusal_stops_the_reminders_and_alerts_finance_once() {
    let world = setup("refused", "r").await;
    let refused = json!({
        "status": "refused", "status_id": "pa-77-1", "at": "2026-03-19T15:30:00+01:00",
        "platform": "pa-test", "reason": "Prestation non conforme au devis"
    });
    let (code, first) = status(&world, "r", refused.clone()).await;
    assert_eq!(code, 200, "{first}");
    assert_eq!(first["platform"]["status"], "refused");
    assert_eq!(first["platform"]["code"], 210);
    assert_eq!(first["status_current"], true);
    // The same status again (a platform retrying) answers the same.
    let (code, again) = status(&world, "r", refused.clone()).await;
    assert_eq!((code, &again), (200, &first));
    // Its id with other content is refused; a second refusal is recorded
    // but the dispute is already open: no second alert.
    let mut other = refused.clone();
    other["reason"] = json!("autre chose");
    let (code, body) = status(&world, "r", other).await;
    assert_eq!(
        (code, body["errors"][0]["field"].as_str()),
        (422, Some("status_id")),
        "{body}"
    );
    let mut second = refused;
    second["status_id"] = json!("pa-77-2");
    second["at"] = json!("2026-03-19T16:00:00+01:00");
    assert_eq!(status(&world, "r", second).await.0, 200);

    let events = history(&world, "r").await;
    assert_eq!(count(&events, "platform_status_received"), 2);
    assert_eq!(count(&events, "dispute_opened"), 1);
    assert_eq!(count(&events, "finance_alerted"), 1, "alerted once");
    let alerts = alerts_about(&world, "r").await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(
        alerts[0].contains("Prestation non conforme au devis") && alerts[0].contains("conteste la facture"),
        "{}",
        alerts[0]
    );
    assert_eq!(
        month_of_passes(&world).await,
        0,
        "no reminder while the dispute is open"
    );
}

#[tokio::test]
async fn a_rejected_invoice_is_never_reminded_and_an_older_status_changes_nothing() {
    let world = setup("rejected", "j").await;
    let (code, body) = status(
        &world,
        "j",
        json!({ "status": "213", "status_id": "rej-1", "at": "2026-03-03T10:00:00Z", "reason": "SIREN du destinataire inconnu" }),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["platform"]["status"], "rejected");
    // An older "deposited" arrives late: recorded, the rejection stays.
    let (code, late) = status(
        &world,
        "j",
        json!({ "status": "deposited", "status_id": "dep-1", "at": "2026-03-02T18:00:00Z" }),
    )
    .await;
    assert_eq!(code, 200, "{late}");
    assert_eq!(
        (late["platform"]["status"].as_str(), late["status_current"].as_bool()),
        (Some("rejected"), Some(false))
    );
    assert_eq!(month_of_passes(&world).await, 0, "never reminded");
    let alerts = alerts_about(&world, "j").await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].contains("SIREN du destinataire inconnu"), "{}", alerts[0]);
    let events = history(&world, "j").await;
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::PlatformStatusReceived { status, current: false, .. } if status == "deposited"
    )));

    // Bad statuses name their field and write nothing.
    let before = history(&world, "j").await.len();
    for (body, field) in [
        (
            json!({ "status": "lost", "status_id": "x1", "at": "2026-03-04T10:00:00Z" }),
            "status",
        ),
        (
            json!({ "status": "approved", "status_id": "", "at": "2026-03-04T10:00:00Z" }),
            "status_id",
        ),
        (
            json!({ "status": "approved", "status_id": "x2", "at": "2026-03-04T10:00:00Z", "amount_minor": 5 }),
            "amount_minor",
        ),
    ] {
        let (code, answer) = status(&world, "j", body.clone()).await;
        assert_eq!(
            (code, answer["errors"][0]["field"].as_str()),
            (422, Some(field)),
            "{body}: {answer}"
        );
    }
    let (code, _) = status(
        &world,
        "j",
        json!({ "status": "approved", "status_id": "x3", "at": "yesterday" }),
    )
    .await;
    assert_eq!(code, 422);
    let (code, _) = world
        .call(
            "POST",
            "/customers/j/invoices/F2026-000404/statuses",
            &[],
            Some(&json!({ "status": "approved", "status_id": "x4", "at": "2026-03-04T10:00:00Z" })),
        )
        .await;
    assert_eq!(code, 404);
    assert_eq!(history(&world, "j").await.len(), before);
}

async fn payments(world: &World, customer: &str, number: &str) -> Vec<Value> {
    let (_, invoice) = world
        .call("GET", &format!("/customers/{customer}/invoices/{number}"), &[], None)
        .await;
    invoice["payments"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn paid_on_the_platform_records_one_payment_whoever_recorded_it_first() {
    let world = setup("platformpaid", "a").await;
    world.set_now(morning(date("2026-03-26")));
    world.create_customer("b", json!({})).await;
    let (code, _) = world.issue("inv-b", &invoice_body("b")).await;
    assert_eq!(code, 201);
    let paid = |id: &str| json!({ "status": "paid", "status_id": id, "at": "2026-03-25T09:00:00+01:00", "platform": "pa-test" });
    let by_hand =
        json!({ "amount_minor": 57_484, "date": "2026-03-25", "method": "transfer", "reference": "VIR F2026-000001" });

    // a: finance typed it first; the platform's "paid" adds nothing.
    let (code, body) = world
        .call(
            "POST",
            "/customers/a/invoices/F2026-000001/payments",
            &[("idempotency-key", "hand-a")],
            Some(&by_hand),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(status(&world, "a", paid("paid-a")).await.0, 200);
    assert_eq!(payments(&world, "a", "F2026-000001").await.len(), 1);

    // b (F2026-000002): the platform first, then its retry, then finance
    // by hand.
    let (code, first) = status_on(&world, "b", "F2026-000002", paid("paid-b")).await;
    assert_eq!(code, 200, "{first}");
    assert_eq!(
        (first["status"].as_str(), first["remaining_minor"].as_i64()),
        (Some("paid"), Some(0))
    );
    assert_eq!(
        status_on(&world, "b", "F2026-000002", paid("paid-b")).await,
        (200, first)
    );
    let (code, refused) = world
        .call(
            "POST",
            "/customers/b/invoices/F2026-000002/payments",
            &[("idempotency-key", "hand-b")],
            Some(&by_hand),
        )
        .await;
    assert_eq!(code, 422, "already paid: {refused}");
    let recorded = payments(&world, "b", "F2026-000002").await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0]["amount_minor"], 57_484);
    assert_eq!(recorded[0]["date"], "2026-03-25");
    for customer in ["a", "b"] {
        let events = history(&world, customer).await;
        assert_eq!(count(&events, "payment_recorded"), 1, "{customer}");
        assert_eq!(count(&events, "invoice_paid"), 1, "{customer}");
    }
}
