//! Card payments reported by the provider's webhook, against the local
//! stack: events in Stripe's documented shape, signed exactly as Stripe
//! signs them. A payment delivered twice, and reported again by its
//! checkout, is recorded once and thanked once; a forged or stale
//! signature answers 400 and writes nothing; the bank's later payout of
//! it is not taken for a customer's transfer.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use common::{World, date, history, invoice_body, morning, pass_on};
use http_body_util::BodyExt;
use relance::domain::{CustomerId, InvoiceNumber, InvoiceStatus};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "whsec_relance_local_test";

fn app(world: &World) -> axum::Router {
    let clock = world.clock.clone();
    payment_webhook::router(Arc::new(payment_webhook::AppState {
        store: world.store.clone(),
        deliverer: common::deliverer(
            &world.store,
            relance::mail::SesMailer::new(aws_sdk_sesv2::Client::new(&world.config), "f@atelier-durand.fr", None),
        ),
        signing_secret: SECRET.into(),
        clock: Arc::new(move || *clock.lock().expect("clock")),
    }))
}

async fn deliver(world: &World, body: &str, signature: Option<String>) -> (u16, Value) {
    let mut request = Request::builder()
        .method("POST")
        .uri("/payments/stripe")
        .header("content-type", "application/json");
    if let Some(s) = signature {
        request = request.header("stripe-signature", s);
    }
    let response = app(world)
        .oneshot(request.body(Body::from(body.to_string())).expect("request"))
        .await
        .expect("answers");
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// `Stripe-Signature` as Stripe writes it, at `t`.
fn signed(body: &str, t: i64, secret: &str) -> String {
    format!(
        "t={t},v1={}",
        payment_webhook::signature::sign(secret, t, body.as_bytes())
    )
}

#[tokio::test]
async fn a_card_payment_delivered_twice_is_recorded_and_thanked_once_and_a_forged_one_is_refused() {
    let world = World::new("card").await;
    world
        .create_customer(
            "martin",
            json!({ "company_name": "Menuiserie Martin SARL", "contact_name": "Paul Martin" }),
        )
        .await;
    let (status, invoice) = world.issue("c1", &invoice_body("martin")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number").to_string();
    let gross = invoice["totals"]["gross_minor"].as_i64().expect("gross");
    assert_eq!(pass_on(&world, date("2026-04-06")).await.emails_sent, 1);

    // The provider's events about one payment (documented shapes, trimmed
    // to what they always carry).
    let paid_at = morning(date("2026-04-07"));
    world.set_now(paid_at + chrono::Duration::seconds(2));
    let t = world.clock.lock().expect("clock").timestamp();
    let metadata = json!({ "invoice": number, "customer": "martin", "reference": "RF" });
    let intent = json!({
        "id": "evt_1PaymentIntent", "object": "event", "type": "payment_intent.succeeded", "created": paid_at.timestamp(),
        "livemode": false, "api_version": "2024-06-20",
        "data": { "object": {
            "id": "pi_3Relance", "object": "payment_intent", "amount": gross, "amount_received": gross,
            "currency": "eur", "status": "succeeded", "created": paid_at.timestamp(), "metadata": metadata
        } }
    })
    .to_string();
    let checkout = json!({
        "id": "evt_1Checkout", "object": "event", "type": "checkout.session.completed", "created": paid_at.timestamp(),
        "data": { "object": {
            "id": "cs_test_relance", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
            "payment_intent": "pi_3Relance", "amount_total": gross, "currency": "eur", "created": paid_at.timestamp(),
            "metadata": metadata
        } }
    })
    .to_string();

    // A forged signature, a stale one, none: 400, nothing written.
    let before = world.item_count().await;
    for (why, signature) in [
        ("forged", Some(signed(&intent, t, "whsec_not_ours"))),
        ("stale", Some(signed(&intent, t - 3_600, SECRET))),
        (
            "tampered",
            Some(signed(&intent.replace("pi_3Relance", "pi_3Other"), t, SECRET)),
        ),
        ("missing", None),
    ] {
        let (status, answer) = deliver(&world, &intent, signature).await;
        assert_eq!(status, 400, "{why}: {answer}");
        assert_eq!(answer["error"], "bad_signature", "{why}");
    }
    assert_eq!(world.item_count().await, before, "a refused webhook writes nothing");

    // The payment, delivered twice, then reported by its checkout.
    let (status, first) = deliver(&world, &intent, Some(signed(&intent, t, SECRET))).await;
    assert_eq!((status, &first["outcome"]), (200, &json!("recorded")), "{first}");
    let (status, again) = deliver(&world, &intent, Some(signed(&intent, t + 30, SECRET))).await;
    assert_eq!(
        (status, &again["outcome"]),
        (200, &json!("already_recorded")),
        "{again}"
    );
    let (status, by_checkout) = deliver(&world, &checkout, Some(signed(&checkout, t, SECRET))).await;
    assert_eq!(
        (status, &by_checkout["outcome"]),
        (200, &json!("already_recorded")),
        "{by_checkout}"
    );

    let invoice = world
        .store
        .get_invoice(
            &CustomerId::parse("martin").expect("id"),
            &InvoiceNumber::parse(&number).expect("n"),
        )
        .await
        .expect("read")
        .expect("issued")
        .value;
    assert_eq!(invoice.status, InvoiceStatus::Paid);
    assert_eq!(invoice.payments.len(), 1);
    assert_eq!(invoice.payments[0].source.as_deref(), Some("stripe:pi_3Relance"));
    assert_eq!(
        invoice.payments[0].method,
        relance::domain::invoice::PaymentMethod::Card
    );
    let events = history(&world, "martin").await;
    let count = |name: &str| events.iter().filter(|e| e.kind.name() == name).count();
    assert_eq!(
        (
            count("payment_recorded"),
            count("payment_received"),
            count("thanks_sent")
        ),
        (1, 1, 1)
    );

    // The provider's payout reaches the bank days later: not a customer's transfer.
    let payout = relance_e2e::statements::Movement::credit(
        date("2026-04-09"),
        gross,
        "STRIPE PAYMENTS UK LTD",
        &["STRIPE PAYOUT"],
    );
    let file = relance_e2e::statements::camt053("08", "FR7630004000500000123456733", &[payout]);
    let (status, summary) = world.call_raw("POST", "/bank-statements", &[], Some(file)).await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(
        (summary["ignored"].as_i64(), summary["applied"].as_i64()),
        (Some(1), Some(0)),
        "{summary}"
    );
}

/// A Stripe event about `object`, at `created`.
fn event(id: &str, kind: &str, created: i64, object: Value) -> String {
    json!({
        "id": id, "object": "event", "type": kind, "created": created, "livemode": false,
        "api_version": "2024-06-20", "data": { "object": object }
    })
    .to_string()
}

#[tokio::test]
async fn a_refund_makes_the_invoice_owe_again_once_and_a_card_dispute_stops_the_reminders() {
    let world = World::new("card-refund").await;
    world
        .create_customer(
            "roux",
            json!({ "company_name": "Boulangerie Roux", "contact_name": "Anne Roux" }),
        )
        .await;
    let (status, invoice) = world.issue("r1", &invoice_body("roux")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number").to_string();
    let gross = invoice["totals"]["gross_minor"].as_i64().expect("gross");
    assert_eq!(pass_on(&world, date("2026-04-06")).await.emails_sent, 1);

    let paid_at = morning(date("2026-04-07"));
    world.set_now(paid_at);
    let intent = event(
        "evt_1Paid",
        "payment_intent.succeeded",
        paid_at.timestamp(),
        json!({
            "id": "pi_3Roux", "object": "payment_intent", "amount": gross, "amount_received": gross,
            "currency": "eur", "status": "succeeded", "created": paid_at.timestamp(),
            "metadata": { "invoice": number, "customer": "roux" }
        }),
    );
    let (status, paid) = deliver(&world, &intent, Some(signed(&intent, paid_at.timestamp(), SECRET))).await;
    assert_eq!((status, &paid["outcome"]), (200, &json!("recorded")), "{paid}");

    // Finance refunds part of it in the provider's dashboard: Stripe
    // reports the charge with its running total, twice.
    let refunded_at = morning(date("2026-04-08"));
    world.set_now(refunded_at);
    let part = gross / 4;
    let charge = |total: i64| {
        json!({
            "id": "ch_3Roux", "object": "charge", "amount": gross, "amount_captured": gross,
            "amount_refunded": total, "refunded": total == gross, "currency": "eur",
            "payment_intent": "pi_3Roux", "created": paid_at.timestamp(), "metadata": {}
        })
    };
    let refund = event("evt_1Refund", "charge.refunded", refunded_at.timestamp(), charge(part));
    let t = refunded_at.timestamp();
    let (status, first) = deliver(&world, &refund, Some(signed(&refund, t, SECRET))).await;
    assert_eq!((status, &first["outcome"]), (200, &json!("recorded")), "{first}");
    let (status, again) = deliver(&world, &refund, Some(signed(&refund, t + 60, SECRET))).await;
    assert_eq!(
        (status, &again["outcome"]),
        (200, &json!("already_recorded")),
        "{again}"
    );
    let read = || async {
        world
            .store
            .get_invoice(
                &CustomerId::parse("roux").expect("id"),
                &InvoiceNumber::parse(&number).expect("n"),
            )
            .await
            .expect("read")
            .expect("issued")
            .value
    };
    let owed = read().await;
    assert_eq!((owed.status, owed.remaining_minor()), (InvoiceStatus::Open, part));
    let refunds = history(&world, "roux")
        .await
        .into_iter()
        .filter(|e| e.kind.name() == "payment_refunded")
        .count();
    assert_eq!(refunds, 1);

    // What is owed again is reminded again, at the next stage.
    assert_eq!(pass_on(&world, date("2026-04-13")).await.emails_sent, 1);

    // The cardholder's bank disputes the payment: a dispute on the
    // invoice, once, and no reminder while it is open.
    let disputed_at = morning(date("2026-04-14"));
    world.set_now(disputed_at);
    let dispute = event(
        "evt_1Dispute",
        "charge.dispute.created",
        disputed_at.timestamp(),
        json!({
            "id": "dp_1Roux", "object": "dispute", "amount": gross - part, "currency": "eur",
            "charge": "ch_3Roux", "payment_intent": "pi_3Roux", "reason": "product_not_received",
            "status": "needs_response", "created": disputed_at.timestamp()
        }),
    );
    let t = disputed_at.timestamp();
    for want in ["recorded", "already_recorded"] {
        let (status, got) = deliver(&world, &dispute, Some(signed(&dispute, t, SECRET))).await;
        assert_eq!((status, &got["outcome"]), (200, &json!(want)), "{got}");
    }
    let disputed = read().await;
    assert_eq!(disputed.disputes.len(), 1);
    assert!(
        disputed.disputes[0].reason.contains("dp_1Roux") && disputed.open_dispute().is_some(),
        "{:?}",
        disputed.disputes
    );
    assert_eq!(pass_on(&world, date("2026-04-27")).await.emails_sent, 0);

    // A refund of a payment relance never recorded changes nothing.
    world.set_now(disputed_at);
    let stranger = event(
        "evt_1Other",
        "charge.refunded",
        t,
        json!({ "id": "ch_X", "object": "charge", "amount_refunded": 100, "currency": "eur", "payment_intent": "pi_unknown" }),
    );
    let (status, got) = deliver(&world, &stranger, Some(signed(&stranger, t, SECRET))).await;
    assert_eq!((status, &got["outcome"]), (200, &json!("unknown_payment")), "{got}");
}
