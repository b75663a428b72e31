//! Bounces and complaints from SES, through the `ses-feedback` handler, on
//! the local table: the address is suppressed (reminders then alert
//! finance), surveys stop on a survey complaint, each notification counts
//! once, and a corrected address mails again.

use crate::common;

use aws_lambda_events::event::sns::{SnsEvent, SnsMessage, SnsRecord};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::{World, invoice_body};
use relance::domain::feedback::{Action, Stream};
use relance::domain::{CustomerId, EventKind, HistoryEvent};
use relance::feedback::Outcome;
use relance::reminders::{Pass, PassSummary, Skip};
use serde_json::json;
use ses_feedback::{FeedbackError, handle};

fn morning(day: &str) -> DateTime<Utc> {
    let day: NaiveDate = day.parse().expect("date");
    chrono_tz::Europe::Paris
        .from_local_datetime(&day.and_hms_opt(8, 0, 0).expect("time"))
        .single()
        .expect("unambiguous")
        .with_timezone(&Utc)
}

async fn pass(world: &World, day: &str) -> PassSummary {
    world.set_now(morning(day));
    let pace = relance::reminders::Pace::new(1000);
    let as_of = day.parse().expect("date");
    Pass {
        concurrency: 4,
        ..common::reminder_pass(world, &world.state.deliverer, as_of, morning(day), &pace)
    }
    .run()
    .await
    .expect("pass runs")
}

/// An SNS delivery of one SES event, shaped as SES publishes it, with the
/// tags relance put on the email.
fn notification(kind: &str, id: &str, recipient: &str, tags: serde_json::Value) -> SnsEvent {
    let body = match kind {
        "hard" => json!({ "eventType": "Bounce", "bounce": {
            "feedbackId": id, "bounceType": "Permanent", "bounceSubType": "NoEmail",
            "bouncedRecipients": [{ "emailAddress": recipient, "status": "5.1.1" }] } }),
        "soft" => json!({ "eventType": "Bounce", "bounce": {
            "feedbackId": id, "bounceType": "Transient", "bounceSubType": "MailboxFull",
            "bouncedRecipients": [{ "emailAddress": recipient }] } }),
        _ => json!({ "eventType": "Complaint", "complaint": {
            "feedbackId": id, "complaintFeedbackType": "abuse",
            "complainedRecipients": [{ "emailAddress": recipient }] } }),
    };
    let mut body = body;
    body["mail"] = json!({ "messageId": "ses-1", "destination": [recipient], "tags": tags });
    raw_notification(&body.to_string())
}

fn raw_notification(message: &str) -> SnsEvent {
    let mut sns = SnsMessage::default();
    sns.message_id = "sns-1".into();
    sns.message = message.into();
    let mut record = SnsRecord::default();
    record.sns = sns;
    let mut event = SnsEvent::default();
    event.records = vec![record];
    event
}

fn tags(customer: &str, stream: Stream) -> serde_json::Value {
    json!({ "customer": [customer], "message": ["01JD0000000000000000000000"], "stream": [stream.name()] })
}

fn feedback_events(history: &[HistoryEvent]) -> Vec<(String, Action)> {
    history
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::EmailBounced { action, .. } => Some(("email_bounced".into(), *action)),
            EventKind::EmailComplained { action, .. } => Some(("email_complained".into(), *action)),
            _ => None,
        })
        .collect()
}

/// The customers the to-do lists for a failing address, and since when.
async fn bounced_on_todo(world: &World) -> Vec<(String, DateTime<Utc>)> {
    let list = world.store.todo().await.expect("to-do");
    list.into_iter()
        .filter(|t| t.kind == relance::domain::todo::TodoKind::BouncedAddress)
        .map(|t| (t.customer_id.unwrap_or_default(), t.since))
        .collect()
}

async fn customer(world: &World, id: &str) -> relance::domain::Customer {
    world
        .store
        .get_customer(&CustomerId::parse(id).expect("id"))
        .await
        .expect("read")
        .expect("exists")
        .value
}

#[tokio::test]
async fn a_hard_bounce_suppresses_the_address_once_then_finance_is_alerted_until_the_address_is_corrected() {
    let world = World::new("bounce").await;
    world.create_customer("gone", json!({})).await;
    let (status, _) = world.issue("inv-1", &invoice_body("gone")).await;
    assert_eq!(status, 201);
    let address = world.email("gone");
    let now = world.state.now();

    // The same notification, delivered twice at once (SNS delivers at
    // least once), then once more later.
    let event = notification("hard", "0102-hard", &address, tags("gone", Stream::Transactional));
    let (a, b) = tokio::join!(
        handle(&world.store, event.clone(), now),
        handle(&world.store, event.clone(), now)
    );
    let mut outcomes = [a.expect("handled"), b.expect("handled")].concat();
    outcomes.extend(handle(&world.store, event, now).await.expect("handled"));
    let applied = outcomes
        .iter()
        .filter(|o| {
            matches!(
                o,
                Outcome::Applied {
                    action: Action::SuppressAddress,
                    ..
                }
            )
        })
        .count();
    let duplicates = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Duplicate { .. }))
        .count();
    assert_eq!((applied, duplicates), (1, 2), "{outcomes:?}");
    assert!(customer(&world, "gone").await.email_suppressed);
    // The to-do asks for another address, counted from the notification.
    let bounced = bounced_on_todo(&world).await;
    assert_eq!(
        bounced,
        [("gone".to_string(), now)],
        "one to-do entry for three deliveries"
    );
    let id = CustomerId::parse("gone").expect("id");
    let history = world.store.full_history(&id).await.expect("history");
    assert_eq!(
        feedback_events(&history),
        [("email_bounced".to_string(), Action::SuppressAddress)]
    );
    let bounced = history
        .iter()
        .find(|e| e.kind.name() == "email_bounced")
        .expect("event");
    assert_eq!(bounced.actor.0, "system:mail-feedback");
    assert!(
        matches!(&bounced.kind, EventKind::EmailBounced { permanent: true, detail, address: a, .. }
            if detail == "Permanent (NoEmail)" && *a == address)
    );

    // The courtesy reminder (3 days before the due date) is not mailed:
    // finance hears about it instead, with the address that bounced.
    let before = world.mailbox.to(&address).await.expect("mailbox").len();
    let summary = pass(&world, "2026-03-30").await;
    assert_eq!(summary.skipped.get(&Skip::EmailSuppressed), Some(&1));
    assert_eq!((summary.emails_sent, summary.finance_alerts), (0, 1));
    assert_eq!(world.mailbox.to(&address).await.expect("mailbox").len(), before);
    let history = world.store.full_history(&id).await.expect("history");
    assert!(
        history
            .iter()
            .any(|e| matches!(&e.kind, EventKind::FinanceAlerted { reason, .. }
            if reason.contains(&address))),
        "finance alerted about {address}"
    );

    // Finance records another address: mail flows again.
    let fixed = world.email("gone-fixed");
    let body = common::business_customer(&fixed);
    let (status, _) = world.call("PUT", "/customers/gone", &[], Some(&body)).await;
    assert_eq!(status, 200);
    assert!(!customer(&world, "gone").await.email_suppressed);
    assert_eq!(bounced_on_todo(&world).await, [], "a new address clears the to-do");
    let summary = pass(&world, "2026-04-06").await;
    assert_eq!(summary.by_stage.get("help_first"), Some(&1));
    assert_eq!(world.mailbox.to(&fixed).await.expect("mailbox").len(), 1);
}

#[tokio::test]
async fn a_survey_complaint_stops_surveys_and_nothing_else_an_invoice_complaint_suppresses() {
    let world = World::new("complaint").await;
    world.create_customer("spam", json!({})).await;
    let address = world.email("spam");
    let now = world.state.now();

    let outcomes = handle(
        &world.store,
        notification("complaint", "0102-c1", &address, tags("spam", Stream::Survey)),
        now,
    )
    .await
    .expect("handled");
    assert!(matches!(
        outcomes.as_slice(),
        [Outcome::Applied {
            action: Action::StopSurveys,
            ..
        }]
    ));
    let profile = customer(&world, "spam").await;
    assert!(profile.surveys_opted_out);
    assert!(!profile.email_suppressed);
    // Invoices still reach the customer.
    let (status, _) = world.issue("inv-1", &invoice_body("spam")).await;
    assert_eq!(status, 201);
    assert_eq!(world.mailbox.to(&address).await.expect("mailbox").len(), 1);

    // The invoice itself reported as spam: no more email to that address.
    handle(
        &world.store,
        notification("complaint", "0102-c2", &address, tags("spam", Stream::Transactional)),
        now,
    )
    .await
    .expect("handled");
    assert!(customer(&world, "spam").await.email_suppressed);
    let id = CustomerId::parse("spam").expect("id");
    let history = world.store.full_history(&id).await.expect("history");
    assert_eq!(
        feedback_events(&history),
        [
            ("email_complained".to_string(), Action::StopSurveys),
            ("email_complained".to_string(), Action::SuppressAddress)
        ]
    );
}

#[tokio::test]
async fn soft_bounces_and_old_addresses_change_nothing_and_unreadable_notices_fail_without_writing() {
    let world = World::new("softbounce").await;
    world.create_customer("full", json!({})).await;
    let address = world.email("full");
    let now = world.state.now();

    handle(
        &world.store,
        notification("soft", "0102-s1", &address, tags("full", Stream::Transactional)),
        now,
    )
    .await
    .expect("handled");
    // A hard bounce for an address finance has replaced since.
    handle(
        &world.store,
        notification(
            "hard",
            "0102-h1",
            &world.email("old"),
            tags("full", Stream::Transactional),
        ),
        now,
    )
    .await
    .expect("handled");
    let profile = customer(&world, "full").await;
    assert!(!profile.email_suppressed && !profile.surveys_opted_out);
    let id = CustomerId::parse("full").expect("id");
    let history = world.store.full_history(&id).await.expect("history");
    assert_eq!(
        feedback_events(&history),
        [
            ("email_bounced".to_string(), Action::RecordOnly),
            ("email_bounced".to_string(), Action::RecordOnly)
        ]
    );

    let items = world.item_count().await;
    // Not relance's email (no customer tag), a customer that does not
    // exist, a delivery event: nothing to write.
    let untagged = notification("hard", "0102-u1", &address, json!({}));
    let stranger = notification("hard", "0102-u2", &address, tags("nobody", Stream::Transactional));
    for event in [untagged, stranger] {
        let outcomes = handle(&world.store, event, now).await.expect("handled");
        assert_eq!(outcomes, [Outcome::Unknown]);
    }
    let delivery = raw_notification(r#"{"eventType": "Delivery", "delivery": {}, "mail": {}}"#);
    assert_eq!(handle(&world.store, delivery, now).await.expect("handled"), []);
    // Not an SES notification at all: the invocation fails (Lambda retries,
    // then keeps it on the dead-letter queue for a person).
    let garbage = handle(&world.store, raw_notification("{\"hello\": 1}"), now).await;
    assert!(
        matches!(&garbage, Err(FeedbackError::Unreadable { message, .. }) if message == "sns-1"),
        "{garbage:?}"
    );
    assert_eq!(world.item_count().await, items);
}
