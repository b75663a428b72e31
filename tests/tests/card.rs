//! Card payments reported by the provider's webhook, against the local
//! stack: events in Stripe's documented shape, signed exactly as Stripe
//! signs them. A payment delivered twice, and reported again by its
//! checkout, is recorded once and thanked once; a forged or stale
//! signature answers 400 and writes nothing; the bank's later payout of
//! it is not taken for a customer's transfer.

use crate::common;

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
    // Paid the day after its reminder: the thank-you waits for the
    // contact gap, then goes out once.
    assert_eq!(world.after_the_contact_gap().await.sent, 1);
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

    // What is owed again is reminded again, at the next stage; the
    // thank-you that waited for the contact gap is not sent for a
    // payment refunded since.
    let summary = pass_on(&world, date("2026-04-13")).await;
    assert_eq!((summary.emails_sent, summary.redelivered), (1, 0), "{summary:?}");
    let withdrawn: Vec<String> = history(&world, "roux")
        .await
        .iter()
        .filter_map(|e| match &e.kind {
            relance::domain::EventKind::MessageWithdrawn { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(withdrawn, ["the payment it thanked for was refunded since"]);

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

/// What Stripe documents for `POST /v1/checkout/sessions`, for the
/// parameters relance may send: each key must be one of these, with a
/// value Stripe accepts. Returns what breaks a rule.
fn against_stripe_docs(form: &[(String, String)], now: i64) -> Vec<String> {
    const LOCALES: [&str; 41] = [
        "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr", "fr-CA", "hr",
        "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl",
        "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
    ];
    let mut problems = Vec::new();
    let mut metadata = std::collections::HashMap::<&str, usize>::new();
    let url = |v: &str| v.starts_with("https://") || v.starts_with("http://");
    for (key, value) in form {
        let ok = match key.as_str() {
            "mode" => ["payment", "setup", "subscription"].contains(&value.as_str()),
            "success_url" | "cancel_url" => url(value),
            "client_reference_id" => !value.is_empty() && value.chars().count() <= 200,
            "customer_email" => value.contains('@'),
            "locale" => LOCALES.contains(&value.as_str()),
            // Between 30 minutes and 24 hours after the session's creation.
            "expires_at" => value
                .parse::<i64>()
                .is_ok_and(|t| (now + 1_800..=now + 86_400).contains(&t)),
            "payment_intent_data[description]" => !value.is_empty() && value.chars().count() <= 1_000,
            k if k.starts_with("line_items[") => {
                let field = k.split_once(']').map(|(_, f)| f).unwrap_or_default();
                match field {
                    "[quantity]" => value.parse::<u32>().is_ok_and(|q| q > 0),
                    "[price_data][currency]" => value.len() == 3 && value.chars().all(|c| c.is_ascii_lowercase()),
                    "[price_data][unit_amount]" => value.parse::<u64>().is_ok(),
                    "[price_data][product_data][name]" => !value.trim().is_empty(),
                    _ => false,
                }
            }
            k if k.starts_with("metadata[") || k.starts_with("payment_intent_data[metadata][") => {
                let owner = if k.starts_with("metadata[") {
                    "session"
                } else {
                    "intent"
                };
                *metadata.entry(owner).or_default() += 1;
                let name = k
                    .rsplit_once('[')
                    .map(|(_, n)| n.trim_end_matches(']'))
                    .unwrap_or_default();
                !name.is_empty() && name.chars().count() <= 40 && value.chars().count() <= 500
            }
            _ => false,
        };
        if !ok {
            problems.push(format!("{key}={value}"));
        }
    }
    if metadata.values().any(|n| *n > 50) {
        problems.push("more than 50 metadata keys".into());
    }
    let has = |k: &str| form.iter().any(|(key, _)| key == k);
    for required in [
        "mode",
        "success_url",
        "line_items[0][price_data][currency]",
        "line_items[0][quantity]",
    ] {
        if !has(required) {
            problems.push(format!("{required} is missing"));
        }
    }
    problems
}

/// A request the card provider's endpoint received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: axum::http::HeaderMap,
    form: Vec<(String, String)>,
}

/// An endpoint that records what it is sent and answers as Stripe's
/// Checkout does (or with Stripe's error object when `failing`).
async fn checkout_endpoint() -> (
    String,
    Arc<std::sync::Mutex<Vec<Received>>>,
    Arc<std::sync::atomic::AtomicBool>,
) {
    use axum::extract::State;
    type Shared = (Arc<std::sync::Mutex<Vec<Received>>>, Arc<std::sync::atomic::AtomicBool>);
    async fn sessions(
        State((seen, failing)): State<Shared>,
        uri: axum::http::Uri,
        headers: axum::http::HeaderMap,
        body: axum::body::Bytes,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        let form = form_urlencoded::parse(&body).into_owned().collect();
        seen.lock().expect("seen").push(Received {
            path: uri.path().to_string(),
            headers,
            form,
        });
        if failing.load(std::sync::atomic::Ordering::SeqCst) {
            let error = json!({ "error": { "type": "api_error", "message": "An unknown error occurred" } });
            return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, axum::Json(error)).into_response();
        }
        axum::Json(json!({
            "id": "cs_test_a1Relance", "object": "checkout.session", "mode": "payment",
            "status": "open", "payment_status": "unpaid",
            "url": "https://checkout.stripe.com/c/pay/cs_test_a1Relance"
        }))
        .into_response()
    }
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let app = axum::Router::new()
        .route("/v1/checkout/sessions", axum::routing::post(sessions))
        .with_state((seen.clone(), failing.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, seen, failing)
}

#[tokio::test]
async fn pay_online_opens_a_checkout_session_for_what_is_due_as_stripe_documents_it() {
    use axum::http::StatusCode;
    use common::pages::{Visitor, links_in, links_state};
    let world = World::new("checkout").await;
    world.create_customer("acme", json!({})).await;
    let (status, invoice) = world.issue("k1", &invoice_body("acme")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number").to_string();
    let gross = invoice["totals"]["gross_minor"].as_i64().expect("gross");

    let (base, seen, failing) = checkout_endpoint().await;
    let mut visitor = Visitor::new(&world, "192.0.2.40");
    let Ok(mut state) = Arc::try_unwrap(links_state(&world)) else {
        panic!("a fresh state")
    };
    state.checkout = Some(Arc::new(
        customer_links::checkout::StripeApi::new(&base, "sk_test_relance").expect("client"),
    ));
    visitor.state = Arc::new(state);

    let mails = world.mailbox.to(&world.email("acme")).await.expect("mailbox");
    let text = mails.last().and_then(|m| m.body.text.clone()).expect("a text part");
    let link = links_in(&text, "/i/").into_iter().next().expect("a link");
    let page = visitor.open(&link).await;
    assert!(page.body.contains("action=\"/pay\""), "the button is offered");
    let csp = page.headers["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("form-action 'self' https://checkout.stripe.com;"), "{csp}");

    let now = world.clock.lock().expect("clock").timestamp();
    let pay = visitor
        .post("/pay", &[("once", &page.once()), ("number", &number)])
        .await;
    assert_eq!(pay.status, StatusCode::SEE_OTHER, "{}", pay.body);
    assert_eq!(
        pay.location(),
        Some("https://checkout.stripe.com/c/pay/cs_test_a1Relance")
    );

    let first = seen.lock().expect("seen")[0].clone();
    assert_eq!(first.path, "/v1/checkout/sessions");
    assert_eq!(first.headers["authorization"], "Bearer sk_test_relance");
    assert_eq!(first.headers["content-type"], "application/x-www-form-urlencoded");
    assert!(first.headers.contains_key("stripe-version"));
    let problems = against_stripe_docs(&first.form, now);
    assert!(problems.is_empty(), "not as Stripe documents it: {problems:?}");
    let value = |k: &str| {
        first
            .form
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let page_url = format!("http://127.0.0.1:3001/portal/invoices/{number}");
    let reference = relance::domain::bank::CreditorReference::for_document(&number)
        .expect("a reference")
        .as_str()
        .to_string();
    for (key, want) in [
        ("mode", "payment".to_string()),
        ("line_items[0][price_data][unit_amount]", gross.to_string()),
        ("line_items[0][price_data][currency]", "eur".into()),
        ("line_items[0][quantity]", "1".into()),
        ("metadata[invoice]", number.clone()),
        ("metadata[customer]", "acme".into()),
        ("metadata[reference]", reference.clone()),
        ("payment_intent_data[metadata][invoice]", number.clone()),
        ("payment_intent_data[metadata][customer]", "acme".into()),
        ("payment_intent_data[metadata][reference]", reference),
        ("client_reference_id", number.clone()),
        ("customer_email", world.email("acme")),
        ("locale", "fr".into()),
        ("success_url", format!("{page_url}?checkout=done")),
        ("cancel_url", page_url),
    ] {
        assert_eq!(value(key), want, "{key}");
    }
    assert!(
        value("line_items[0][price_data][product_data][name]").starts_with(&format!("Facture {number}")),
        "{first:?}"
    );

    // A second click a moment later asks for the same session.
    let page = visitor.get(&format!("/portal/invoices/{number}")).await;
    let again = visitor
        .post("/pay", &[("once", &page.once()), ("number", &number)])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let second = seen.lock().expect("seen")[1].clone();
    assert_eq!(second.headers["idempotency-key"], first.headers["idempotency-key"]);

    // Back from the payment page, before the webhook: no second button.
    let back = visitor.get(&format!("/portal/invoices/{number}?checkout=done")).await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(back.body.contains("en cours de confirmation"), "{}", back.body);
    assert!(!back.body.contains("action=\"/pay\""));

    // The provider failing: the customer is told, and told how else to pay.
    failing.store(true, std::sync::atomic::Ordering::SeqCst);
    let page = visitor.get(&format!("/portal/invoices/{number}")).await;
    let down = visitor
        .post("/pay", &[("once", &page.once()), ("number", &number)])
        .await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        down.body.contains("momentanément indisponible") && down.body.contains("virement"),
        "{}",
        down.body
    );
    let clicks = history(&world, "acme")
        .await
        .iter()
        .filter(|e| e.kind.name() == "pay_clicked")
        .count();
    assert_eq!(clicks, 3);
}

/// The card provider's stand-in from the local stack (localstripe).
fn stand_in() -> String {
    std::env::var("RELANCE_STRIPE_STAND_IN").expect("RELANCE_STRIPE_STAND_IN: start the local stack (scripts/stack.sh)")
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn a_card_payment_through_the_stand_in_its_webhook_twice_and_forged_is_one_payment_one_thank_you_one_400() {
    let world = World::new("card-stand-in").await;
    world
        .create_customer(
            "petit",
            json!({ "company_name": "Garage Petit", "contact_name": "Luc Petit" }),
        )
        .await;
    let (status, invoice) = world.issue("p1", &invoice_body("petit")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number").to_string();
    let gross = invoice["totals"]["gross_minor"].as_i64().expect("gross");
    assert_eq!(pass_on(&world, date("2026-04-06")).await.emails_sent, 1);

    // The webhook endpoint, served over HTTP on the real clock: the
    // stand-in signs its deliveries with the moment it sends them.
    let secret = format!("whsec_{}", ulid::Ulid::new());
    let state = Arc::new(payment_webhook::AppState {
        store: world.store.clone(),
        deliverer: common::deliverer(
            &world.store,
            relance::mail::SesMailer::new(aws_sdk_sesv2::Client::new(&world.config), "f@atelier-durand.fr", None),
        ),
        signing_secret: secret.clone(),
        clock: relance::context::system_clock(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
    let endpoint = format!("http://{}/payments/stripe", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, payment_webhook::router(state)).await });

    let stripe = customer_links::checkout::StripeApi::new(&stand_in(), "sk_test_relance").expect("client");
    // Each test has its own endpoint id: the stand-in is shared.
    let hook = format!("/_config/webhooks/{}", world.store.table());
    stripe
        .post_form(
            &hook,
            &pairs(&[
                ("url", &endpoint),
                ("secret", &secret),
                ("events[0]", "payment_intent.succeeded"),
            ]),
            None,
        )
        .await
        .ok(); // answers an empty body, which is not JSON: configured all the same
    // A bad request is refused with Stripe's error.
    let refused = stripe
        .post_form(
            "/v1/payment_intents",
            &pairs(&[("amount", "-5"), ("currency", "eur")]),
            None,
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(customer_links::checkout::ProviderError::Refused { status: 400, .. })
        ),
        "{refused:?}"
    );

    // The customer pays by card; the metadata is what relance's checkout
    // puts on the PaymentIntent.
    let method = stripe
        .post_form(
            "/v1/payment_methods",
            &pairs(&[
                ("type", "card"),
                ("card[number]", "4242424242424242"),
                ("card[exp_month]", "12"),
                ("card[exp_year]", "2030"),
                ("card[cvc]", "123"),
            ]),
            None,
        )
        .await
        .expect("a card");
    let amount = gross.to_string();
    let intent = stripe
        .post_form(
            "/v1/payment_intents",
            &pairs(&[
                ("amount", &amount),
                ("currency", "eur"),
                ("payment_method", method["id"].as_str().expect("pm")),
                ("confirm", "true"),
                ("metadata[invoice]", &number),
                ("metadata[customer]", "petit"),
            ]),
            Some("relance-test-intent"),
        )
        .await
        .expect("a payment");
    assert_eq!(intent["status"], "succeeded", "{intent}");
    let intent_id = intent["id"].as_str().expect("pi").to_string();

    // The stand-in delivers payment_intent.succeeded by itself.
    let customer = CustomerId::parse("petit").expect("id");
    let n = InvoiceNumber::parse(&number).expect("n");
    let mut paid = None;
    for _ in 0..150 {
        let invoice = world
            .store
            .get_invoice(&customer, &n)
            .await
            .expect("read")
            .expect("issued")
            .value;
        if invoice.status == InvoiceStatus::Paid {
            paid = Some(invoice);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let paid = paid.expect("the stand-in's webhook recorded the payment within 15 s");
    assert_eq!(
        paid.payments[0].source.as_deref(),
        Some(format!("stripe:{intent_id}").as_str())
    );

    // Stripe delivers again (the same event, signed anew), and a forger
    // tries: nothing new, and one 400.
    let events: Value = reqwest::Client::new()
        .get(format!("{}/v1/events?type=payment_intent.succeeded", stand_in()))
        .bearer_auth("sk_test_relance")
        .send()
        .await
        .expect("events")
        .json()
        .await
        .expect("json");
    let delivered = events["data"]
        .as_array()
        .and_then(|all| all.iter().find(|e| e["data"]["object"]["id"] == intent_id.as_str()))
        .expect("the stand-in's event")
        .to_string();
    let post = |signature: String| {
        let endpoint = endpoint.clone();
        let body = delivered.clone();
        async move {
            let response = reqwest::Client::new()
                .post(endpoint)
                .header("content-type", "application/json")
                .header("stripe-signature", signature)
                .body(body)
                .send()
                .await
                .expect("delivered");
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let t = chrono::Utc::now().timestamp();
    let (status, again) = post(signed(&delivered, t, &secret)).await;
    assert_eq!(
        (status, &again["outcome"]),
        (200, &json!("already_recorded")),
        "{again}"
    );
    let (status, forged) = post(signed(&delivered, t, "whsec_forged")).await;
    assert_eq!((status, &forged["error"]), (400, &json!("bad_signature")), "{forged}");

    let paid = world
        .store
        .get_invoice(&customer, &n)
        .await
        .expect("read")
        .expect("issued")
        .value;
    assert_eq!(paid.payments.len(), 1);
    // The webhook answers once the payment is recorded; its thank-you
    // goes out just after (the contact budget reads the recent history
    // first): wait for it rather than race it.
    let mut events = history(&world, "petit").await;
    for _ in 0..150 {
        if events.iter().any(|e| e.kind.name() == "thanks_sent") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        events = history(&world, "petit").await;
    }
    let count = |name: &str| events.iter().filter(|e| e.kind.name() == name).count();
    assert_eq!(
        (
            count("payment_recorded"),
            count("payment_received"),
            count("thanks_sent")
        ),
        (1, 1, 1)
    );
}
