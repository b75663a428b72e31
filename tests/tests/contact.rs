//! One contact budget across every kind of message: a customer reminded in
//! the morning who pays before noon gets the thank-you and the survey,
//! but not that day, and not together — each waits for the 48 hours after
//! the last message, and each goes once, however often the outbox sweeps.

use crate::common;

use common::pages::{stream_record, survey_deps};
use common::{World, at, history, invoice_body, pass_on};
use relance::domain::{EventKind, HistoryEvent};
use serde_json::json;

fn count(events: &[HistoryEvent], name: &str) -> usize {
    events.iter().filter(|e| e.kind.name() == name).count()
}

#[tokio::test]
async fn a_thank_you_and_a_survey_after_a_morning_reminder_wait_their_turn_and_go_once_each() {
    let world = World::new("contact").await;
    world
        .create_customer("lune", json!({ "locale": "fr", "customer_since": "2019-01-07" }))
        .await;
    let (status, invoice) = world.issue("l1", &invoice_body("lune")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number").to_string();
    let total = invoice["totals"]["gross_minor"].as_i64().expect("total");

    // Monday 30 March, 08:00 in Paris (06:00 UTC): the courtesy reminder.
    let summary = pass_on(&world, common::date("2026-03-30")).await;
    assert_eq!(summary.emails_sent, 1, "{summary:?}");
    let reminded = at(2026, 3, 30, 6);

    // 10:00 UTC: the customer pays in full, before the due date.
    world.set_now(at(2026, 3, 30, 10));
    let (status, body) = world
        .call(
            "POST",
            &format!("/customers/lune/invoices/{number}/payments"),
            &[("idempotency-key", "lune-pays")],
            Some(&json!({ "amount_minor": total, "date": "2026-03-30", "method": "transfer" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let paid = history(&world, "lune")
        .await
        .into_iter()
        .find(|e| matches!(e.kind, EventKind::InvoicePaid { .. }))
        .expect("invoice_paid");
    let deps = survey_deps(&world);
    let response = dispatch_survey::handle(&deps, stream_record(&world, &paid).await, at(2026, 3, 30, 10)).await;
    assert!(response.batch_item_failures.is_empty());

    let inbox = || async { world.mailbox.to(&world.email("lune")).await.expect("mailbox").len() };
    let after_reminder = inbox().await;
    let events = history(&world, "lune").await;
    assert_eq!(
        (count(&events, "thanks_sent"), count(&events, "survey_sent")),
        (0, 0),
        "nothing more on the reminder's day"
    );
    let postponed: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessagePostponed { kind, until, .. } => Some((kind.as_str(), *until)),
            _ => None,
        })
        .collect();
    assert_eq!(
        postponed,
        vec![("thanks", reminded + chrono::Duration::hours(48))],
        "the thank-you says when it goes"
    );

    let sweep = |now| {
        let deps = &deps;
        async move { deps.deliverer.deliver_due(now).await.expect("sweep") }
    };
    // Just before the 48 hours: nothing. Just after: one of the two, and
    // the other waits 48 hours more, since that one is a contact too.
    sweep(at(2026, 4, 1, 5)).await;
    assert_eq!(inbox().await, after_reminder, "not before 1 April, 06:00 UTC");
    sweep(at(2026, 4, 1, 7)).await;
    sweep(at(2026, 4, 1, 8)).await;
    assert_eq!(inbox().await, after_reminder + 1, "one message at a time");
    let events = history(&world, "lune").await;
    let first = count(&events, "thanks_sent") + count(&events, "survey_sent");
    assert_eq!(first, 1, "{events:?}");

    sweep(at(2026, 4, 3, 6)).await;
    assert_eq!(
        inbox().await,
        after_reminder + 1,
        "the second waits for 3 April, 07:00 UTC"
    );
    for hour in [8, 9, 10] {
        sweep(at(2026, 4, 3, hour)).await;
    }
    sweep(at(2026, 4, 8, 8)).await;
    assert_eq!(inbox().await, after_reminder + 2);
    let events = history(&world, "lune").await;
    assert_eq!(
        (count(&events, "thanks_sent"), count(&events, "survey_sent")),
        (1, 1),
        "each once"
    );
    let sent_at: Vec<_> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ThanksSent { .. } | EventKind::SurveySent { .. }))
        .map(|e| e.at)
        .collect();
    assert!(
        sent_at[1] - sent_at[0] >= chrono::Duration::hours(48),
        "48 hours apart: {sent_at:?}"
    );
}
