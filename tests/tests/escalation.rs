//! The 48-hour promise: a help request nobody answered is escalated to
//! the second person of `[escalation]` by the morning pass after its
//! deadline, once — however many passes run, even two at once — and one
//! answered in time is not. Through the real `send-reminders` function,
//! DynamoDB Local and the SES endpoint.

use crate::common;

use common::{World, at, date, invoice_body, morning};
use relance::domain::help::HelpChoice;
use relance::domain::{Actor, CustomerId, EventKind, InvoiceNumber};
use relance::mail::SesMailer;
use send_reminders::{Function, Request};
use serde_json::json;

const SECOND: &str = "marc.durand@atelier-durand.fr";

fn function(world: &World) -> Function<SesMailer> {
    Function::<SesMailer> {
        store: world.store.clone(),
        deliverer: common::deliverer(
            &world.store,
            SesMailer::new(
                aws_sdk_sesv2::Client::new(&world.config),
                "Atelier Durand <factures@atelier-durand.fr>",
                None,
            ),
        ),
        policy: relance::domain::dunning::Policy::configured().expect("policy"),
        ses_per_second: 14,
    }
}

async fn pass(function: &Function<SesMailer>, day: &str) -> relance::reminders::PassSummary {
    let request = Request {
        as_of: Some(date(day)),
        ..Request::default()
    };
    function.run(&request, morning(date(day)), None).await.expect("pass")
}

/// The escalation emails about this customer (the endpoint's mailbox is
/// shared with the other tests: each email names the customer's address).
async fn escalations_about(world: &World, customer: &str) -> Vec<relance_e2e::mailbox::StoredEmail> {
    let address = world.email(customer);
    world
        .mailbox
        .to(SECOND)
        .await
        .expect("mailbox")
        .into_iter()
        .filter(|e| e.body.text.as_deref().unwrap_or("").contains(&address))
        .collect()
}

async fn escalated_events(world: &World, customer: &str) -> Vec<EventKind> {
    common::history(world, customer)
        .await
        .into_iter()
        .map(|e| e.kind)
        .filter(|k| matches!(k, EventKind::AlertEscalated { .. }))
        .collect()
}

#[tokio::test]
async fn an_unanswered_help_request_is_escalated_once_and_an_answered_one_never() {
    let world = World::new("escalate").await;
    let mut numbers = Vec::new();
    for id in ["late", "answered", "twice"] {
        world.create_customer(id, json!({})).await;
        let (status, body) = world.issue(&format!("esc-{id}"), &invoice_body(id)).await;
        assert_eq!(status, 201, "{body}");
        numbers.push(InvoiceNumber::parse(body["number"].as_str().expect("number")).expect("number"));
    }
    // Monday 6 April, 10:00 UTC: each customer asks for a call from the
    // reminder page; the deadline is Wednesday 8 April, 10:00 UTC.
    let asked = at(2026, 4, 6, 10);
    for (id, number) in ["late", "answered", "twice"].iter().zip(&numbers) {
        let customer = CustomerId::parse(id).expect("id");
        relance::help::request_help(
            &world.store,
            &customer,
            std::slice::from_ref(number),
            HelpChoice::Call,
            None,
            asked,
        )
        .await
        .expect("help request");
    }
    // Finance answers one of them the next day, in time.
    relance::help::person_replied(
        &world.store,
        &CustomerId::parse("answered").expect("id"),
        &Actor("claire".into()),
        "Rappelée, tout est clair.".into(),
        at(2026, 4, 7, 14),
    )
    .await
    .expect("reply");

    let function = function(&world);
    // Wednesday's pass runs at 08:00 in Paris, before the deadline.
    let wednesday = pass(&function, "2026-04-08").await;
    assert_eq!(wednesday.escalations, 0, "not late yet");

    // Thursday's pass: the two unanswered requests are late.
    let thursday = pass(&function, "2026-04-09").await;
    assert_eq!(thursday.escalations, 2);
    for id in ["late", "twice"] {
        let mails = escalations_about(&world, id).await;
        assert_eq!(mails.len(), 1, "{id}: {mails:?}");
        let mail = &mails[0];
        assert!(mail.subject.starts_with("Toujours sans réponse"), "{}", mail.subject);
        let text = mail.body.text.as_deref().unwrap_or("");
        assert!(text.starts_with("Bonjour Marc Durand,"), "{text}");
        assert!(
            text.contains("8 avril 2026 à 12:00"),
            "the deadline, Paris time: {text}"
        );
        assert!(text.contains("Claire Fontaine avait reçu l'alerte"), "{text}");
        let events = escalated_events(&world, id).await;
        assert!(
            matches!(events.as_slice(), [EventKind::AlertEscalated { kind, since, .. }] if kind == "help_request" && *since == asked),
            "{id}: {events:?}"
        );
    }
    assert!(escalations_about(&world, "answered").await.is_empty());
    assert!(escalated_events(&world, "answered").await.is_empty());

    // The same day again, the next day, and two escalations at once: the
    // promise was escalated already, nobody hears of it twice.
    assert_eq!(pass(&function, "2026-04-09").await.escalations, 0);
    assert_eq!(pass(&function, "2026-04-10").await.escalations, 0);
    let now = morning(date("2026-04-13"));
    let (a, b) = tokio::join!(
        relance::escalations::escalate(&world.store, &function.deliverer, now),
        relance::escalations::escalate(&world.store, &function.deliverer, now),
    );
    assert_eq!(a.expect("first") + b.expect("second"), 0);
    for id in ["late", "twice"] {
        assert_eq!(escalations_about(&world, id).await.len(), 1, "{id}");
        assert_eq!(escalated_events(&world, id).await.len(), 1, "{id}");
    }
}

#[tokio::test]
async fn two_passes_at_once_escalate_a_promise_once() {
    let world = World::new("escalate-race").await;
    world.create_customer("race", json!({})).await;
    let (status, body) = world.issue("esc-race", &invoice_body("race")).await;
    assert_eq!(status, 201, "{body}");
    let number = InvoiceNumber::parse(body["number"].as_str().expect("number")).expect("number");
    relance::help::request_help(
        &world.store,
        &CustomerId::parse("race").expect("id"),
        &[number],
        HelpChoice::PaymentPlan,
        None,
        at(2026, 4, 6, 10),
    )
    .await
    .expect("help request");
    let function = function(&world);
    let now = morning(date("2026-04-09"));
    let (a, b) = tokio::join!(
        relance::escalations::escalate(&world.store, &function.deliverer, now),
        relance::escalations::escalate(&world.store, &function.deliverer, now),
    );
    assert_eq!(a.expect("first") + b.expect("second"), 1, "queued by one of them");
    assert_eq!(escalations_about(&world, "race").await.len(), 1);
    assert_eq!(escalated_events(&world, "race").await.len(), 1);
}
