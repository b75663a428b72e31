//! The foundation's promises against the real local stack: the store
//! writes and reads a customer's history in order; an email rendered from
//! the templates goes through the SES endpoint and reads back whole.

mod common;

use common::{World, at, invoice_body};
use relance::domain::Email;
use relance::domain::EventKind;
use relance::mail::{Mailer, OutgoingEmail, SesMailer};

#[tokio::test]
async fn the_store_keeps_a_customers_history_in_time_order() {
    let world = World::new("history").await;
    world.create_customer("boulangerie-martin", serde_json::json!({})).await;
    world.set_now(at(2026, 3, 2, 10));
    let (status, invoice) = world.issue("k1", &invoice_body("boulangerie-martin")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number");
    world.set_now(at(2026, 3, 20, 8));
    let (status, _) = world
        .call(
            "POST",
            &format!("/customers/boulangerie-martin/invoices/{number}/disputes"),
            &[],
            Some(&serde_json::json!({ "reason": "Le four a de nouveau calé le 12 mars" })),
        )
        .await;
    assert_eq!(status, 201);

    let id = relance::domain::CustomerId::parse("boulangerie-martin").expect("id");
    let events = world.store.full_history(&id).await.expect("history");
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(
        kinds,
        [
            "customer_created",
            "invoice_issued",
            "invoice_emailed",
            "dispute_opened"
        ]
    );
    assert!(events.windows(2).all(|w| w[0].at <= w[1].at), "time order");
    assert_eq!(events[0].actor.0, "local:camille.finance");

    // Paginated reads return the same events, page by page.
    let first = world.store.history(&id, 2, None).await.expect("page 1");
    assert_eq!(first.events.len(), 2);
    let second = world
        .store
        .history(&id, 2, first.next.as_deref())
        .await
        .expect("page 2");
    assert_eq!(second.events[0].id, events[2].id);
    assert!(matches!(events[1].kind, EventKind::InvoiceIssued { .. }));
}

#[tokio::test]
async fn an_email_goes_through_the_ses_endpoint_and_reads_back_whole() {
    let world = World::new("mail").await;
    let to = world.email("claire");
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::new(&world.config),
        "factures@atelier-durand.fr",
        None,
    );
    let renderer = relance::render::Renderer::new().expect("templates");
    let rendered = renderer
        .render("email/layout.html", &serde_json::json!({}))
        .expect("layout renders alone");
    assert!(rendered.contains("<html lang=\"fr\">"));
    let email = OutgoingEmail {
        to: Email::parse(&to).expect("address"),
        subject: "Facture F2026-000001 : 1 234,56 €".into(),
        html: "<p>Bonjour <strong>Claire</strong></p>".into(),
        text: "Bonjour Claire".into(),
        reply_to: None,
        tags: vec![("kind".into(), "test".into())],
        headers: vec![],
        stream: Default::default(),
    };
    let id = mailer.send(&email).await.expect("sent");
    let received = world.mailbox.to(&to).await.expect("mailbox");
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.message_id, id);
    assert_eq!(got.subject, email.subject);
    assert_eq!(got.body.html.as_deref(), Some(email.html.as_str()));
    assert_eq!(got.body.text.as_deref().map(str::trim), Some("Bonjour Claire"));
    assert!(got.destination.to.iter().any(|t| t == &to));
}
