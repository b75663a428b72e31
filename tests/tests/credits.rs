//! Goodwill credits against the local stack: the grant-credit API on the
//! same table as the finance API, real SES endpoint, a clock the test sets.

use crate::common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::pages::{stream_record, survey_deps};
use common::{World, at, invoice_body};
use grant_credit::{AppState, Identity, router};
use http_body_util::BodyExt;
use relance::config::company;
use relance::credits::{CreditContext, CreditError, CreditInput, follow_up_credits};
use relance::domain::goodwill::GoodwillPolicy;
use relance::domain::{CustomerId, EventKind, HistoryEvent};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The credit API on a world's table; its writes are handed to the
/// world's archive, as the table's stream would (it sends the credit-note
/// emails).
struct Credits {
    app: Arc<AppState>,
    world: World,
}

fn credit_state(world: &World, policy: GoodwillPolicy) -> Credits {
    let clock = world.clock.clone();
    let app = Arc::new(AppState {
        store: world.store.clone(),
        seller: company().expect("company"),
        policy,
        series: "AV".into(),
        gate: Default::default(),
        clock: Arc::new(move || *clock.lock().expect("clock")),
        identity: Identity::Header,
    });
    Credits {
        app,
        world: world.sibling(),
    }
}

/// Calls the credit API as `actor`.
async fn credit_call(
    credits: &Credits,
    actor: &str,
    method: &str,
    uri: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("x-relance-actor", actor)
        .header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let request = request
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .expect("request");
    let response = router(credits.app.clone())
        .oneshot(request)
        .await
        .expect("router answers");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    if method != "GET" && status.is_success() {
        credits.world.settle().await;
    }
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn history(world: &World, id: &str) -> Vec<HistoryEvent> {
    world
        .store
        .full_history(&CustomerId::parse(id).expect("id"))
        .await
        .expect("history")
}

fn kinds(events: &[HistoryEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.name()).collect()
}

fn billing_error() -> Value {
    json!({
        "situation": "billing_error",
        "severity": "major",
        "invoice": "F2026-000001",
        "what_happened": "Votre facture F2026-000001 comptait deux fois le déplacement du technicien.",
        "what_we_did": "Nous avons corrigé notre grille de saisie pour que cela ne se reproduise pas."
    })
}

/// An invoice of one line at 20 % VAT.
fn one_line(customer: &str, date: &str, description: &str, price_minor: i64) -> Value {
    json!({
        "customer_id": customer, "currency": "EUR", "issue_date": date,
        "payment_terms": { "days": 30 }, "category": "services",
        "lines": [{ "description": description, "quantity": 1, "unit_price_minor": price_minor, "vat_rate": "20" }]
    })
}

/// A small invoice: one 20 € line at 20 % VAT (24 € gross).
fn small_invoice(customer: &str, date: &str) -> Value {
    one_line(customer, date, "Détartrage", 2000)
}

#[tokio::test]
async fn a_credit_is_quoted_granted_emailed_and_deducted_from_the_next_invoice_once() {
    let world = World::new("credit-flow").await;
    let credits = credit_state(&world, GoodwillPolicy::configured().expect("policy"));
    world.create_customer("acme", json!({})).await;
    let (status, _) = world.issue("i1", &invoice_body("acme")).await;
    assert_eq!(status, StatusCode::CREATED);

    // The quote: 7.5 % of the invoice's 479,03 € net = 35,93 €, × 1.1 for
    // nine years as a customer = 39,52 €, rounded to 40 €. Nothing written.
    let items = world.item_count().await;
    let (status, quote) = credit_call(
        &credits,
        "camille",
        "POST",
        "/customers/acme/credits/quote",
        None,
        Some(&billing_error()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    assert_eq!(quote["proposed_net_minor"], 4000);
    assert_eq!(
        (quote["vat_minor"].as_i64(), quote["gross_minor"].as_i64()),
        (Some(800), Some(4800))
    );
    assert_eq!(quote["needs_approval"], false);
    assert_eq!(quote["fits"], true);
    let reasons: Vec<&str> = quote["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        reasons,
        [
            "billing error, major: 7.5% of the invoice's net amount (€479.03) = €35.93",
            "tenure: 9 years (tier from 3 years): × 1.1",
            "scaled and rounded: €40.00",
        ]
    );
    assert_eq!(world.item_count().await, items, "a quote writes nothing");

    // The grant: a credit note numbered in its own series, referencing the invoice.
    let (status, credit) = credit_call(
        &credits,
        "camille",
        "POST",
        "/customers/acme/credits",
        Some("c1"),
        Some(&billing_error()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{credit}");
    assert_eq!(credit["number"], "AV2026-000001");
    assert_eq!(credit["status"], "granted");
    assert_eq!(credit["invoice"], "F2026-000001");
    assert_eq!(credit["remaining_minor"], 4800);
    // The same request again: the same answer, no second credit.
    let (status, again) = credit_call(
        &credits,
        "camille",
        "POST",
        "/customers/acme/credits",
        Some("c1"),
        Some(&billing_error()),
    )
    .await;
    assert_eq!((status, &again["id"]), (StatusCode::CREATED, &credit["id"]));
    let (_, list) = credit_call(&credits, "camille", "GET", "/customers/acme/credits", None, None).await;
    assert_eq!(list["credits"].as_array().map(Vec::len), Some(1));

    // The email: specific, with the finance words, the credit note and a text part.
    let mail = world.mailbox.to(&world.email("acme")).await.expect("mailbox");
    let email = mail.iter().find(|m| m.subject.contains("avoir")).expect("credit email");
    assert_eq!(
        email.subject,
        "Erreur sur votre facture F2026-000001 : nos excuses, et un avoir de 48,00\u{a0}€"
    );
    let text = email.body.text.as_deref().expect("text part");
    let html = email.body.html.as_deref().expect("html part");
    for needle in [
        "Bonjour Camille Martin,",
        "comptait deux fois le déplacement du technicien",
        "Nous vous présentons nos sincères excuses pour cette erreur sur la facture F2026-000001.",
        "nous vous accordons un avoir de 48,00\u{a0}€ TTC (40,00\u{a0}€ HT), n° AV2026-000001",
        "« Avoir n° AV2026-000001 déduit »",
        "AVOIR N° AV2026-000001",
        "Rectifie la facture n° F2026-000001 du 2 mars 2026",
        "TVA 20\u{a0}% sur 40,00\u{a0}€ : 8,00\u{a0}€",
        "SIREN 356000000",
        "Claire Fontaine",
    ] {
        assert!(text.contains(needle), "text part lacks {needle:?}:\n{text}");
    }
    assert!(html.contains("lang=\"fr\"") && html.contains("Avoir n° AV2026-000001</h2>"));
    assert!(html.contains("Rectifie la facture n° F2026-000001 du 2 mars 2026"));

    // The next invoice deducts it, once, also when its request is retried.
    world.set_now(at(2026, 3, 20, 9));
    let (status, second) = world.issue("i2", &small_invoice("acme", "2026-03-20")).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["credits"][0]["number"], "AV2026-000001");
    // 48 € of credit on a 24 € invoice: it is settled, 24 € carry over.
    assert_eq!(second["credits"][0]["amount_minor"], 2400);
    assert_eq!(second["status"], "paid");
    let (status, replay) = world.issue("i2", &small_invoice("acme", "2026-03-20")).await;
    assert_eq!((status, &replay), (StatusCode::CREATED, &second));
    // Two retries of the next invoice's request at the same time.
    let third_body = small_invoice("acme", "2026-03-20");
    let (a, b) = tokio::join!(world.issue("i3", &third_body), world.issue("i3", &third_body));
    assert_eq!((a.0, b.0), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(a.1["number"], b.1["number"], "one invoice for one key");
    assert_eq!(a.1["credits"][0]["amount_minor"], 2400);
    // Nothing remains for a fourth invoice.
    let (_, fourth) = world.issue("i4", &small_invoice("acme", "2026-03-20")).await;
    assert_eq!(fourth["credits"], json!([]));
    assert_eq!(fourth["status"], "open");

    let (_, credit) = credit_call(
        &credits,
        "camille",
        "GET",
        &format!("/customers/acme/credits/{}", credit["id"].as_str().expect("id")),
        None,
        None,
    )
    .await;
    assert_eq!(credit["remaining_minor"], 0);
    let applied: Vec<(&str, i64)> = credit["applications"]
        .as_array()
        .expect("applications")
        .iter()
        .map(|a| {
            (
                a["invoice"].as_str().unwrap_or(""),
                a["amount_minor"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(applied, [("F2026-000002", 2400), ("F2026-000003", 2400)]);
    let events = history(&world, "acme").await;
    let names = kinds(&events);
    assert_eq!(names.iter().filter(|k| **k == "credit_granted").count(), 1);
    assert_eq!(names.iter().filter(|k| **k == "credit_emailed").count(), 1);
    assert_eq!(names.iter().filter(|k| **k == "credit_applied").count(), 2);
    assert_eq!(names.iter().filter(|k| **k == "invoice_issued").count(), 4);

    // The invoice that took the credit says so, in its email too.
    let mail = world.mailbox.to(&world.email("acme")).await.expect("mailbox");
    let invoice_mail = mail
        .iter()
        .find(|m| m.subject.contains("F2026-000002"))
        .expect("second invoice email");
    assert!(
        invoice_mail.subject.contains("réglée par avoir"),
        "{}",
        invoice_mail.subject
    );
    let text = invoice_mail.body.text.as_deref().unwrap_or_default();
    assert!(
        text.contains("Avoir n° AV2026-000001 du 2 mars 2026 déduit : −24,00\u{a0}€"),
        "{text}"
    );
    assert!(text.contains("Net à payer : 0,00\u{a0}€"), "{text}");

    // The portfolio: this month's budget and the year's total.
    let (_, portfolio) = credit_call(&credits, "camille", "GET", "/credits/portfolio", None, None).await;
    assert_eq!(portfolio["month"], "2026-03");
    assert_eq!(portfolio["month_credits"], 1);
    assert_eq!(portfolio["month_budget"]["spent_minor"], 4000);
    assert_eq!(portfolio["month_budget"]["remaining_minor"], 496_000);
    assert_eq!(portfolio["year_granted_minor"], 4000);
}

#[tokio::test]
async fn a_thank_you_in_english_and_the_follow_up_question_days_later() {
    let world = World::new("credit-thanks").await;
    let credits = credit_state(&world, GoodwillPolicy::configured().expect("policy"));
    world
        .create_customer(
            "globex",
            json!({ "locale": "en", "contact_name": "Jordan Lee", "customer_since": "2020-01-15" }),
        )
        .await;
    world.issue("g1", &invoice_body("globex")).await;
    let thanks = json!({ "situation": "loyalty_thanks", "invoice": "F2026-000001" });
    let (status, credit) = credit_call(
        &credits,
        "camille",
        "POST",
        "/customers/globex/credits",
        Some("t1"),
        Some(&thanks),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{credit}");
    // 50 € × 1.1 (six years) = 55 € net, 66 € with VAT.
    assert_eq!(
        (credit["net_minor"].as_i64(), credit["gross_minor"].as_i64()),
        (Some(5500), Some(6600))
    );
    let mail = world.mailbox.to(&world.email("globex")).await.expect("mailbox");
    let email = mail
        .iter()
        .find(|m| m.subject.contains("credit"))
        .expect("credit email");
    assert_eq!(email.subject, "Thank you for your loyalty: a €66.00 credit for you");
    let text = email.body.text.as_deref().expect("text part");
    for needle in [
        "Dear Jordan Lee,",
        "You have trusted us for 6 years now, and we wanted to thank you for it.",
        "we are giving you a credit of €66.00 including VAT (€55.00 excluding VAT), credit note AV2026-000001",
        "on the line “Credit note AV2026-000001 deducted”",
        "CREDIT NOTE NO. AV2026-000001",
        "Corrects invoice no. F2026-000001 of 2 March 2026",
        "Reason: goodwill gesture (thanks for your loyalty)",
        "VAT 20% on €55.00: €11.00",
    ] {
        assert!(text.contains(needle), "text part lacks {needle:?}:\n{text}");
    }
    assert!(email.body.html.as_deref().is_some_and(|h| h.contains("lang=\"en\"")));

    // Six days later nothing is due; on the seventh the follow-up is written once.
    let store = &world.store;
    assert_eq!(
        follow_up_credits(store, at(2026, 3, 8, 8).date_naive(), at(2026, 3, 8, 8))
            .await
            .expect("pass"),
        0
    );
    let day = at(2026, 3, 9, 8);
    world.set_now(day);
    let (a, b) = tokio::join!(
        follow_up_credits(store, day.date_naive(), day),
        follow_up_credits(store, day.date_naive(), day)
    );
    assert_eq!(a.expect("pass") + b.expect("pass"), 1, "two passes write one follow-up");
    assert_eq!(follow_up_credits(store, day.date_naive(), day).await.expect("pass"), 0);
    let events = history(&world, "globex").await;
    let due = events
        .iter()
        .find(|e| matches!(e.kind, EventKind::CreditFollowUpDue { .. }))
        .expect("follow-up event")
        .clone();
    // The survey dispatcher hears it on the stream and asks one question.
    let response = dispatch_survey::handle(&survey_deps(&world), stream_record(&world, &due).await, day).await;
    assert!(response.batch_item_failures.is_empty());
    let mail = world.mailbox.to(&world.email("globex")).await.expect("mailbox");
    let survey = mail
        .iter()
        .find(|m| m.subject.contains("just one question"))
        .expect("follow-up survey");
    assert_eq!(survey.subject, "Your credit note AV2026-000001: just one question");
    let text = survey.body.text.as_deref().unwrap_or_default();
    assert!(
        text.contains("Did this gesture live up to your expectations?"),
        "{text}"
    );
}

/// "Was the gesture enough?" meets another survey's cooling-off: it waits
/// in the outbox until the period ends and is sent then, once.
#[tokio::test]
async fn a_follow_up_inside_the_cooling_off_waits_for_its_end_and_is_sent_once() {
    let world = World::new("credit-wait").await;
    let credits = credit_state(&world, GoodwillPolicy::configured().expect("policy"));
    world
        .create_customer(
            "wayne",
            json!({ "locale": "en", "contact_name": "Bruce Wayne", "customer_since": "2019-05-02" }),
        )
        .await;
    world.issue("w1", &invoice_body("wayne")).await;
    let thanks = json!({ "situation": "loyalty_thanks", "invoice": "F2026-000001" });
    let (status, credit) = credit_call(
        &credits,
        "camille",
        "POST",
        "/customers/wayne/credits",
        Some("w-thanks"),
        Some(&thanks),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{credit}");
    let customer = CustomerId::parse("wayne").expect("id");
    let deps = survey_deps(&world);

    // 5 March: a help request answered, and its effort question asked.
    let answered = HistoryEvent::new(
        customer.clone(),
        at(2026, 3, 5, 8),
        relance::domain::Actor("claire".into()),
        EventKind::HelpRequestAnswered { numbers: vec![] },
    );
    world.store.append_event(&answered).await.expect("event");
    let response = dispatch_survey::handle(&deps, stream_record(&world, &answered).await, at(2026, 3, 5, 8)).await;
    assert!(response.batch_item_failures.is_empty());
    let asked = |mail: &[relance_e2e::mailbox::StoredEmail]| {
        mail.iter()
            .filter(|m| m.subject == "Your credit note AV2026-000001: just one question")
            .count()
    };
    let inbox = || async { world.mailbox.to(&world.email("wayne")).await.expect("mailbox") };
    let before = inbox().await.len();

    // 9 March: the follow-up is due, four days into the cooling-off.
    let day = at(2026, 3, 9, 8);
    world.set_now(day);
    assert_eq!(
        follow_up_credits(&world.store, day.date_naive(), day)
            .await
            .expect("pass"),
        1
    );
    let due = history(&world, "wayne")
        .await
        .into_iter()
        .find(|e| matches!(e.kind, EventKind::CreditFollowUpDue { .. }))
        .expect("follow-up event");
    let record = stream_record(&world, &due).await;
    let response = dispatch_survey::handle(&deps, record.clone(), day).await;
    assert!(response.batch_item_failures.is_empty());
    // Delivered twice: still one survey.
    let response = dispatch_survey::handle(&deps, record, day).await;
    assert!(response.batch_item_failures.is_empty());
    let mail = inbox().await;
    assert_eq!((mail.len(), asked(&mail)), (before, 0), "not during the cooling-off");

    // The outbox sweep the day before the end sends nothing; after it, the
    // question goes once, however often the sweep runs.
    let deliverer = &deps.deliverer;
    let sweep = |now| async move { deliverer.deliver_due(now).await.expect("sweep") };
    sweep(at(2026, 4, 4, 7)).await;
    assert_eq!(asked(&inbox().await), 0, "the cooling-off ends 4 April, 08:00 UTC");
    sweep(at(2026, 4, 4, 9)).await;
    sweep(at(2026, 4, 4, 10)).await;
    assert_eq!(asked(&inbox().await), 1);
    let sent: Vec<_> = history(&world, "wayne")
        .await
        .into_iter()
        .filter(|e| matches!(&e.kind, EventKind::SurveySent { survey_id, .. } if *survey_id == due.id.to_string()))
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
}

#[tokio::test]
async fn above_the_threshold_a_second_person_approves() {
    let world = World::new("credit-approval").await;
    let credits = credit_state(&world, GoodwillPolicy::configured().expect("policy"));
    world.create_customer("acme", json!({})).await;
    world.issue("i1", &invoice_body("acme")).await;
    let big = one_line("acme", "2026-03-02", "Four à sole 4 étages", 1_200_000);
    world.issue("i2", &big).await;
    let request = json!({
        "situation": "defective_product", "severity": "critical", "invoice": "F2026-000002",
        "what_happened": "Le four livré le 2 mars ne chauffait pas au-delà de 180 °C.",
        "what_we_did": "Notre technicien l'a remplacé le 4 mars."
    });
    let items = world.item_count().await;
    let (status, pending) = credit_call(
        &credits,
        "camille",
        "POST",
        "/customers/acme/credits",
        Some("big"),
        Some(&request),
    )
    .await;
    // 30 % of 12 000 € = 3 600 €, capped at 1 500 € per credit: above 300 €, so it waits.
    assert_eq!(status, StatusCode::ACCEPTED, "{pending}");
    assert_eq!(pending["status"], "pending_approval");
    assert_eq!(pending["net_minor"], 150_000);
    assert_eq!(pending["number"], Value::Null, "no credit note before approval");
    assert_eq!(
        world.item_count().await,
        items + 3,
        "the request, its event and its idempotency record"
    );
    let id = pending["id"].as_str().expect("id").to_string();

    // The requester cannot approve it: 403, nothing written.
    let items = world.item_count().await;
    let (status, body) = credit_call(
        &credits,
        "camille",
        "POST",
        &format!("/customers/acme/credits/{id}/approve"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "same_approver");
    assert_eq!(world.item_count().await, items);

    // Another person approves: the credit note exists now.
    let (status, granted) = credit_call(
        &credits,
        "nadia",
        "POST",
        &format!("/customers/acme/credits/{id}/approve"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{granted}");
    assert_eq!(granted["number"], "AV2026-000001");
    assert_eq!(granted["approved_by"], "local:nadia");
    assert_eq!(granted["requested_by"], "local:camille");
    // Approving twice, or cancelling a granted credit note, is refused.
    let (status, _) = credit_call(
        &credits,
        "nadia",
        "POST",
        &format!("/customers/acme/credits/{id}/approve"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = credit_call(
        &credits,
        "nadia",
        "POST",
        &format!("/customers/acme/credits/{id}/cancel"),
        None,
        Some(&json!({ "reason": "erreur" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("legal document")),
        "{body}"
    );

    // A pending request can be cancelled; it never takes a number.
    let second = json!({
        "situation": "late_delivery", "severity": "critical", "invoice": "F2026-000002",
        "what_happened": "Votre four est arrivé avec trois semaines de retard.",
        "what_we_did": "Nous avons changé de transporteur."
    });
    let (status, pending) = credit_call(
        &credits,
        "camille",
        "POST",
        "/customers/acme/credits",
        Some("late"),
        Some(&second),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{pending}");
    let id2 = pending["id"].as_str().expect("id").to_string();
    let (status, cancelled) = credit_call(
        &credits,
        "nadia",
        "POST",
        &format!("/customers/acme/credits/{id2}/cancel"),
        None,
        Some(&json!({ "reason": "le client préfère un remplacement" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let (status, _) = credit_call(
        &credits,
        "camille",
        "POST",
        &format!("/customers/acme/credits/{id2}/approve"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let names = kinds(&history(&world, "acme").await);
    for kind in [
        "credit_requested",
        "credit_granted",
        "credit_emailed",
        "credit_cancelled",
    ] {
        assert!(names.contains(&kind), "history lacks {kind}: {names:?}");
    }
}

#[tokio::test]
async fn fifty_concurrent_grants_against_a_budget_for_twenty_grant_twenty() {
    let world = World::new("credit-budget").await;
    // A budget that fits exactly twenty 50 € referral credits.
    let text = include_str!("../../config/goodwill.toml")
        .replace("per_credit_max_minor = 150000", "per_credit_max_minor = 10000")
        .replace("monthly_budget_minor = 500000", "monthly_budget_minor = 100000")
        .replace(
            "per_customer_year_max_minor = 300000",
            "per_customer_year_max_minor = 10000000",
        );
    let policy = GoodwillPolicy::parse(&text).expect("test policy");
    assert_eq!(policy.caps.monthly_budget_minor, 100_000);
    world
        .create_customer("acme", json!({ "customer_since": "2026-01-05" }))
        .await;
    let big = one_line("acme", "2026-03-02", "Contrat de maintenance annuel", 300_000);
    world.issue("i1", &big).await;
    let seller = company().expect("company");
    let customer = CustomerId::parse("acme").expect("id");
    let input: CreditInput =
        serde_json::from_value(json!({ "situation": "referral", "invoice": "F2026-000001" })).expect("input");
    let now = world.state.now();
    let today = now.date_naive();
    // Each grant runs as if in its own Lambda instance (its own gate), so
    // only the table's conditions keep the budget.
    let grants = (0..50).map(|i| {
        let (store, policy, seller, customer, input) = (&world.store, &policy, &seller, &customer, &input);
        async move {
            let gate = relance::context::IssueGate::default();
            let actor = relance::domain::Actor(format!("local:finance-{i}"));
            let ctx = CreditContext {
                store,
                policy,
                gate: &gate,
                seller,
                series_prefix: "AV",
            };
            let call = relance::context::Call {
                actor: &actor,
                now,
                today,
            };
            // Under this much contention an instance may run out of time
            // and answer "busy, try again" (503): finance's client tries
            // again with the same key, as a person would.
            let mut tries = 0;
            loop {
                match ctx
                    .request(customer, input, &format!("k{i}"), &format!("h{i}"), &call)
                    .await
                {
                    Err(CreditError::Busy) if tries < 30 => tries += 1,
                    settled => break settled,
                }
            }
        }
    });
    let results = futures::future::join_all(grants).await;
    let granted = results
        .iter()
        .filter(|r| r.as_ref().is_ok_and(|(a, _)| a.status == 201))
        .count();
    let refused: Vec<i64> = results
        .iter()
        .filter_map(|r| match r {
            Err(CreditError::OverCap { remaining_minor, .. }) => Some(*remaining_minor),
            _ => None,
        })
        .collect();
    let other: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .filter(|e| !matches!(e, CreditError::OverCap { .. }))
        .map(ToString::to_string)
        .collect();
    assert!(other.is_empty(), "unexpected failures: {other:?}");
    assert_eq!(granted, 20);
    assert_eq!(refused.len(), 30);
    assert!(
        refused.iter().all(|r| *r == 0),
        "the refusal says what remains: {refused:?}"
    );
    let spent = world.store.spending("2026-03").await.expect("spending");
    assert_eq!((spent.spent_minor, spent.credits), (100_000, 20));

    // Twenty credit notes, numbered without a gap, each referencing the invoice.
    let mut numbers: Vec<String> = world
        .store
        .customer_credits(&customer)
        .await
        .expect("credits")
        .into_iter()
        .map(|c| {
            assert_eq!(c.value.invoice.as_str(), "F2026-000001");
            c.value.number.map(|n| n.to_string()).unwrap_or_default()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=20).map(|i| format!("AV2026-{i:06}")).collect();
    assert_eq!(numbers, expected);
    let names = kinds(&history(&world, "acme").await);
    assert_eq!(names.iter().filter(|k| **k == "credit_granted").count(), 20);
}

#[tokio::test]
async fn bad_credit_requests_are_refused_with_their_field_and_write_nothing() {
    let world = World::new("credit-bad-input").await;
    let credits = credit_state(&world, GoodwillPolicy::configured().expect("policy"));
    world.create_customer("acme", json!({})).await;
    world.issue("i1", &invoice_body("acme")).await;
    let with = |changes: Value| {
        let mut body = billing_error();
        if let (Some(b), Some(c)) = (body.as_object_mut(), changes.as_object()) {
            for (k, v) in c {
                if v.is_null() {
                    b.remove(k);
                } else {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
        body
    };
    let items = world.item_count().await;
    let cases: Vec<(&str, &str, Value, StatusCode, &str)> = vec![
        (
            "unknown customer",
            "/customers/nobody/credits",
            billing_error(),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            "unknown invoice",
            "/customers/acme/credits",
            with(json!({ "invoice": "F2026-000099" })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invoice",
        ),
        (
            "malformed invoice",
            "/customers/acme/credits",
            with(json!({ "invoice": "nope" })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invoice",
        ),
        (
            "unknown situation",
            "/customers/acme/credits",
            with(json!({ "situation": "bad_weather" })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "situation",
        ),
        (
            "no severity for a repair",
            "/customers/acme/credits",
            with(json!({ "severity": null })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "severity",
        ),
        (
            "no words for an apology",
            "/customers/acme/credits",
            with(json!({ "what_happened": null })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "what_happened",
        ),
        (
            "negative amount",
            "/customers/acme/credits",
            with(json!({ "net_minor": -500 })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "net_minor",
        ),
        (
            "absurd amount",
            "/customers/acme/credits",
            with(json!({ "net_minor": 900_000_000 })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "net_minor",
        ),
        (
            "more than the proposal",
            "/customers/acme/credits",
            with(json!({ "net_minor": 4100 })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "net_minor",
        ),
        (
            "unknown field",
            "/customers/acme/credits",
            with(json!({ "amount": 10 })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "amount",
        ),
    ];
    for (i, (what, uri, body, status, field)) in cases.iter().enumerate() {
        let (got, answer) = credit_call(&credits, "camille", "POST", uri, Some(&format!("bad{i}")), Some(body)).await;
        assert_eq!(got, *status, "{what}: {answer}");
        if !field.is_empty() {
            let fields: Vec<&str> = answer["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .filter_map(|e| e["field"].as_str())
                .collect();
            assert!(fields.contains(field), "{what}: {answer}");
        }
    }
    assert_eq!(world.item_count().await, items, "refused requests write nothing");

    // Less than the proposal is allowed, and said.
    let (status, credit) = credit_call(
        &credits,
        "camille",
        "POST",
        "/customers/acme/credits",
        Some("less"),
        Some(&with(json!({ "net_minor": 3000 }))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{credit}");
    assert_eq!(
        (credit["net_minor"].as_i64(), credit["proposed_net_minor"].as_i64()),
        (Some(3000), Some(4000))
    );

    // A customer whose yearly cap is used up: 409 with what remains.
    let text = include_str!("../../config/goodwill.toml").replace(
        "per_customer_year_max_minor = 300000",
        "per_customer_year_max_minor = 150000",
    );
    let tight = credit_state(&world, GoodwillPolicy::parse(&text).expect("policy"));
    let big = one_line("acme", "2026-03-02", "Rénovation du fournil", 2_000_000);
    world.issue("i2", &big).await;
    let critical = with(json!({ "invoice": "F2026-000002", "severity": "critical", "situation": "defective_product" }));
    let items = world.item_count().await;
    let (status, body) = credit_call(
        &tight,
        "camille",
        "POST",
        "/customers/acme/credits",
        Some("cap"),
        Some(&critical),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "cap_exceeded");
    assert_eq!(body["remaining_minor"], 147_000, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("€1,470.00")),
        "{body}"
    );
    assert_eq!(world.item_count().await, items);
}
