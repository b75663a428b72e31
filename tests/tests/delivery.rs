//! The outbox keeps its promise: a throttled SES leaves the invoice issued
//! and its email pending, then sent exactly once, with its PDF, by the
//! archive's sweep (never bare by the ordinary one); a sender that dies
//! between the claim and the SES call is replaced once its lease expires.

use crate::common;

use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::error::TooManyRequestsException;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use common::{World, deliverer, invoice_body};
use relance::delivery::DeliveryOutcome;
use relance::domain::message::MessageStatus;
use relance::domain::{CustomerId, InvoiceNumber};
use relance::mail::SesMailer;
use serde_json::json;

async fn message_of(world: &World, customer: &str, number: &str) -> relance::domain::message::Message {
    let id = CustomerId::parse(customer).expect("id");
    let invoice = world
        .store
        .get_invoice(&id, &InvoiceNumber::parse(number).expect("number"))
        .await
        .expect("read")
        .expect("invoice exists")
        .value;
    world
        .store
        .get_message(&id, invoice.email_message_id.expect("has a message"))
        .await
        .expect("read")
        .expect("message exists")
}

#[tokio::test]
async fn a_throttled_ses_leaves_the_invoice_issued_and_the_retry_sends_one_email() {
    // SES answers "too many requests" to every call: a fault the local
    // endpoint cannot produce, injected into the real SDK client.
    let throttled = mock!(aws_sdk_sesv2::Client::send_email)
        .then_error(|| SendEmailError::TooManyRequestsException(TooManyRequestsException::builder().build()));
    let ses = mock_client!(aws_sdk_sesv2, RuleMode::MatchAny, [&throttled]);
    let world = World::with_ses("throttle", Some(ses)).await;
    world.create_customer("c1", json!({})).await;

    let (status, invoice) = world.issue("k", &invoice_body("c1")).await;
    assert_eq!(status, 201, "the invoice is issued even though SES refused: {invoice}");
    // The invoice email and the books' copy, both refused.
    assert_eq!(throttled.num_calls(), 2);
    let message = message_of(&world, "c1", "F2026-000001").await;
    assert_eq!(message.status, MessageStatus::Pending, "marked for re-delivery");
    assert!(
        message
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("retry later")
    );
    assert!(world.mailbox.to(&world.email("c1")).await.expect("mailbox").is_empty());

    // The ordinary sweep never sends it: it would go without its PDF.
    let plain = deliverer(
        &world.store,
        SesMailer::new(aws_sdk_sesv2::Client::new(&world.config), "f@atelier-durand.fr", None),
    );
    let now = world.state.now();
    let later = now + chrono::Duration::minutes(5);
    assert_eq!(plain.deliver_due(later).await.expect("sweep").sent, 0);
    // Before the back-off ends, the archive's sweep leaves it alone.
    let real = common::document_sweep(&world);
    let early = archive_documents::mail::sweep(&real, now).await.expect("sweep");
    assert_eq!(early.sent, 0);
    // After it, the retry (with SES back) sends both; a second sweep sends nothing.
    let retried = archive_documents::mail::sweep(&real, later).await.expect("sweep");
    // Refused by SES is pending, not stuck in SENDING.
    assert_eq!((retried.sent, retried.stuck), (2, 0));
    assert_eq!(
        archive_documents::mail::sweep(&real, later + chrono::Duration::hours(1))
            .await
            .expect("sweep")
            .sent,
        0
    );
    assert_eq!(
        world.mailbox.to(&world.email("c1")).await.expect("mailbox").len(),
        1,
        "exactly one email"
    );
    assert_eq!(
        message_of(&world, "c1", "F2026-000001").await.status,
        MessageStatus::Sent
    );

    let history = world
        .store
        .full_history(&CustomerId::parse("c1").expect("id"))
        .await
        .expect("history");
    let mut kinds: Vec<&str> = history.iter().map(|e| e.kind.name()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "book_copy_sent",
            "customer_created",
            "delivery_failed",
            "delivery_failed",
            "documents_archived",
            "invoice_emailed",
            "invoice_issued",
        ]
    );
    let mails = world.mailbox.to(&world.email("c1")).await.expect("mailbox");
    assert_eq!(mails[0].attachments.len(), 1, "sent late, but with its PDF");
}

#[tokio::test]
async fn a_sender_killed_between_claim_and_send_is_replaced_once_its_lease_expires() {
    // Issue with SES throttled so the email stays pending, as after a crash.
    let throttled = mock!(aws_sdk_sesv2::Client::send_email)
        .then_error(|| SendEmailError::TooManyRequestsException(TooManyRequestsException::builder().build()));
    let ses = mock_client!(aws_sdk_sesv2, RuleMode::MatchAny, [&throttled]);
    let world = World::with_ses("lease", Some(ses)).await;
    world.create_customer("c2", json!({})).await;
    world.issue("k", &invoice_body("c2")).await;
    let message = message_of(&world, "c2", "F2026-000001").await;
    let customer = CustomerId::parse("c2").expect("id");

    // A sender claims it and dies before calling SES.
    let t0 = world.state.now() + chrono::Duration::minutes(10);
    let lease_end = t0 + relance::domain::message::LEASE;
    let claimed = world
        .store
        .claim_message(&customer, message.id, t0, lease_end)
        .await
        .expect("claim");
    assert_eq!(claimed.map(|m| m.status), Some(MessageStatus::Sending));

    let real = common::document_sweep(&world);
    // While the lease runs, nobody else may send it…
    let during = real
        .deliverer
        .deliver(&customer, message.id, t0 + chrono::Duration::seconds(30))
        .await
        .expect("deliver");
    assert_eq!(during, DeliveryOutcome::NotClaimed);
    // (the sweep then sends only the books' copy, which nobody holds)
    assert_eq!(
        archive_documents::mail::sweep(&real, t0 + chrono::Duration::seconds(60))
            .await
            .expect("sweep")
            .sent,
        1
    );
    // …and once it has expired, the sweep sends it, once, even if two
    // sweeps run at the same moment.
    let after = lease_end + chrono::Duration::seconds(1);
    let (a, b) = tokio::join!(
        archive_documents::mail::sweep(&real, after),
        archive_documents::mail::sweep(&real, after)
    );
    let (a, b) = (a.expect("sweep a"), b.expect("sweep b"));
    assert_eq!(a.sent + b.sent, 1);
    // Counted as stuck (the alarm's metric) by the sweep that found it so.
    assert_eq!(a.stuck.max(b.stuck), 1);
    assert_eq!(world.mailbox.to(&world.email("c2")).await.expect("mailbox").len(), 1);
    assert_eq!(
        message_of(&world, "c2", "F2026-000001").await.status,
        MessageStatus::Sent
    );
}
