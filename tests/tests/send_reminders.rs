//! The `send-reminders` function's edge: what its invocations carry (the
//! fixture the cold-start benchmark sends, the scheduler's own event, the
//! command line), a dry run that writes and sends nothing, a real pass
//! that sends, and the metrics line its alarms read.

use crate::common;

use chrono::NaiveDate;
use common::{World, at, invoice_body};
use relance::domain::{CustomerId, EventKind};
use relance::mail::SesMailer;
use relance::reminders::PassSummary;
use send_reminders::{Function, Request, metrics};
use serde_json::json;

const FIXTURE: &str = include_str!("../fixtures/reminder-pass-dry-run.json");

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

#[test]
fn invocations_say_what_pass_to_run() {
    let fixture = Request::from_event(serde_json::from_str(FIXTURE).expect("json")).expect("request");
    assert_eq!(
        fixture,
        Request {
            as_of: Some(day(2026, 11, 23)),
            dry_run: true,
            resume_after: None
        }
    );
    // EventBridge Scheduler's own event, or none: today's pass.
    for today in [
        json!({}),
        json!(null),
        json!({ "version": "0", "detail-type": "Scheduled Event", "detail": {} }),
    ] {
        assert_eq!(Request::from_event(today).expect("request"), Request::default());
    }
    assert!(
        Request::from_event(json!({ "as_of": "2026-13-01" })).is_err(),
        "a bad date is refused, not guessed"
    );
    assert!(Request::from_event(json!({ "as_of": "23/11/2026" })).is_err());
    let args = |a: &[&str]| Request::from_args(a.iter().map(|s| s.to_string()));
    assert_eq!(
        args(&["2026-11-23", "--dry-run"]),
        Ok(Request {
            as_of: Some(day(2026, 11, 23)),
            dry_run: true,
            resume_after: None
        })
    );
    assert!(args(&["tomorrow"]).is_err_and(|e| e.contains("tomorrow")));
    // A pass stopped at its deadline continues after its last customer.
    let stopped = PassSummary {
        as_of: Some(day(2026, 11, 23)),
        resume_after: Some(CustomerId::parse("m-42").expect("id")),
        ..Default::default()
    };
    let next = fixture.continuation(&stopped).expect("continues");
    assert_eq!(
        (next.as_of, next.resume_after.as_ref().map(CustomerId::as_str)),
        (Some(day(2026, 11, 23)), Some("m-42"))
    );
    assert_eq!(fixture.continuation(&PassSummary::default()), None);
}

#[tokio::test]
async fn the_fixture_previews_and_a_real_pass_sends() {
    let world = World::new("sendrem").await;
    world.create_customer("c1", json!({})).await;
    let (status, _) = world.issue("sr-1", &invoice_body("c1")).await;
    assert_eq!(status, 201);
    let function = Function::<SesMailer> {
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
    };
    let email = world.email("c1");
    let received = || async { world.mailbox.to(&email).await.expect("mailbox").len() };
    assert_eq!(received().await, 1, "the invoice");

    // The fixture: a dry run as of 23 November plans c1's reminder, and
    // writes and sends nothing.
    let before = world.item_count().await;
    let request = Request::from_event(serde_json::from_str(FIXTURE).expect("json")).expect("request");
    let preview = function
        .run(&request, at(2026, 11, 23, 9), None)
        .await
        .expect("dry run");
    assert_eq!(preview.as_of, Some(day(2026, 11, 23)));
    assert!(
        preview.planned.iter().any(|p| p.customer_id.as_str() == "c1"),
        "{:?}",
        preview.planned
    );
    assert_eq!((preview.emails_sent, received().await), (0, 1));
    assert_eq!(world.item_count().await, before, "a dry run writes nothing");

    // Every line of the pass is captured as JSON, as Lambda writes it.
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);

    // Monday 6 April, five days after the due date (1 April), as the
    // scheduler would run it: the help-first stage.
    let request = Request {
        as_of: Some(day(2026, 4, 6)),
        ..Request::default()
    };
    let summary = function.run(&request, at(2026, 4, 6, 6), None).await.expect("pass");
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    assert_eq!((summary.emails_sent, received().await), (1, 2));
    let history = world
        .store
        .full_history(&CustomerId::parse("c1").expect("id"))
        .await
        .expect("history");
    assert!(
        history
            .iter()
            .any(|e| matches!(&e.kind, EventKind::ReminderSent { stage, .. } if stage == "help_first"))
    );
    // The reminder can be followed through the logs: the line that says
    // it was sent carries the customer's span (id and date), and no line
    // carries the customer's address.
    let lines = logs.lines();
    let sent = lines
        .iter()
        .find(|l| l["fields"]["message"] == "email sent")
        .unwrap_or_else(|| panic!("an `email sent` line in {lines:?}"));
    assert_eq!(sent["span"]["name"], "customer", "{sent}");
    assert_eq!(sent["span"]["customer"], "c1", "{sent}");
    assert_eq!(sent["span"]["as_of"], "2026-04-06", "{sent}");
    assert!(
        lines.iter().all(|l| !l.to_string().contains(&email)),
        "no address in the logs"
    );
    let line: serde_json::Value =
        serde_json::from_str(&metrics(&summary, "relance-dev-send-reminders", at(2026, 4, 6, 6)))
            .expect("one JSON line");
    assert_eq!(line["RemindersSent"], 1, "{line}");
    assert_eq!(line["Function"], "relance-dev-send-reminders", "{line}");

    // The pass is kept for the console (the dry run above was not), and a
    // second pass the same day is kept beside it, the latest first.
    let again = function.run(&request, at(2026, 4, 6, 7), None).await.expect("pass");
    assert_eq!(again.emails_sent, 0, "once per stage");
    let passes = world.store.recent_passes(10).await.expect("passes");
    let kept: Vec<_> = passes
        .iter()
        .map(|p| (p.as_of, p.at, p.emails_sent, p.skipped.get("already_sent").copied()))
        .collect();
    assert_eq!(
        kept,
        [
            (day(2026, 4, 6), at(2026, 4, 6, 7), 0, Some(1)),
            (day(2026, 4, 6), at(2026, 4, 6, 6), 1, None),
        ]
    );
}

/// A log sink the test reads back: one JSON document per line.
#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    fn lines(&self) -> Vec<serde_json::Value> {
        let bytes = self.0.lock().expect("logs").clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
