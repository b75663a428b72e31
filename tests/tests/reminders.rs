//! The reminder pass against the local stack: a 60-day walk through every
//! stage, each reason to stay silent, and two passes at once.

use crate::common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use common::{World, invoice_body, reminder_pass};
use relance::domain::{CustomerId, EventKind, InvoiceNumber};
use relance::reminders::{Pass, PassSummary, Skip};
use serde_json::json;

fn date(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// 08:00 in Paris on `day`, when the scheduler runs the pass.
fn morning(day: NaiveDate) -> DateTime<Utc> {
    chrono_tz::Europe::Paris
        .from_local_datetime(&day.and_hms_opt(8, 0, 0).expect("time"))
        .single()
        .expect("unambiguous")
        .with_timezone(&Utc)
}

async fn pass(world: &World, as_of: NaiveDate, dry_run: bool) -> PassSummary {
    world.set_now(morning(as_of));
    let pace = relance::reminders::Pace::new(1000);
    let summary = Pass {
        dry_run,
        concurrency: 8,
        ..common::reminder_pass(world, &world.state.deliverer, as_of, morning(as_of), &pace)
    }
    .run()
    .await
    .expect("pass runs");
    // What the table's stream does next: a business customer's final
    // notice goes out once the archive has drawn its formal notice.
    world.settle().await;
    summary
}

fn stages_sent(history: &[relance::domain::HistoryEvent]) -> Vec<String> {
    history
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ReminderSent { stage, .. } => Some(stage.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_late_invoice_walks_through_every_stage_once_then_a_person_takes_over() {
    let world = World::new("walk").await;
    world
        .create_customer("late", json!({ "customer_since": "2025-01-15" }))
        .await;
    let (status, invoice) = world.issue("inv", &invoice_body("late")).await;
    assert_eq!(status, 201);
    assert_eq!(invoice["due_date"], "2026-04-01");

    // Every day from 10 days before the due date to 60 days after; each
    // pass is run twice, as a retried scheduler would.
    let mut day = date("2026-03-22");
    while day <= date("2026-05-31") {
        pass(&world, day, false).await;
        pass(&world, day, false).await;
        day = day + Days::new(1);
    }
    let id = CustomerId::parse("late").expect("id");
    let history = world.store.full_history(&id).await.expect("history");
    assert_eq!(
        stages_sent(&history),
        ["courtesy", "help_first", "check_in", "firm", "final_notice"]
    );
    let handoffs = history
        .iter()
        .filter(|e| matches!(e.kind, EventKind::HandedOff { .. }))
        .count();
    assert_eq!(handoffs, 1, "handed to a person once");
    let alerts: Vec<&relance::domain::HistoryEvent> = history
        .iter()
        .filter(|e| matches!(e.kind, EventKind::FinanceAlerted { .. }))
        .collect();
    assert_eq!(alerts.len(), 1, "finance was told once");
    let finance = world.mailbox.all().await.expect("mailbox");
    let alert = finance
        .iter()
        .find(|e| {
            e.subject.starts_with("À reprendre par une personne")
                && e.body.text.as_deref().unwrap_or("").contains(&world.email("late"))
        })
        .expect("the alert reached finance");
    assert!(
        alert
            .destination
            .to
            .iter()
            .any(|t| t.contains("claire.fontaine@atelier-durand.fr"))
    );
    assert!(
        alert.body.text.as_deref().unwrap_or("").contains("Relance envoyée"),
        "with the recent history"
    );
    let emails = world.mailbox.to(&world.email("late")).await.expect("mailbox");
    assert_eq!(
        emails.len(),
        6,
        "the invoice and five reminders, nothing after the hand-off"
    );
    // Weekends are quiet: the courtesy stage (due − 3 = Sunday 29 March)
    // went out on Monday 30 March.
    let courtesy = history
        .iter()
        .find(|e| matches!(&e.kind, EventKind::ReminderSent { stage, .. } if stage == "courtesy"));
    assert_eq!(courtesy.map(|e| e.at.date_naive()), Some(date("2026-03-30")));
    // The tone and its reason are recorded with each reminder.
    for event in &history {
        if let EventKind::ReminderSent { tone, reason, .. } = &event.kind {
            assert_eq!(tone, "standard");
            assert!(!reason.is_empty());
        }
    }

    // The hand-off waits on the to-do, once, until a person takes it over;
    // taking it twice records once.
    let handoffs = || async {
        let list = world.store.todo().await.expect("to-do");
        list.into_iter()
            .filter(|t| t.kind == relance::domain::todo::TodoKind::Handoff)
            .map(|t| (t.customer_id.unwrap_or_default(), t.reference))
            .collect::<Vec<_>>()
    };
    let number = invoice["number"].as_str().expect("number").to_string();
    assert_eq!(handoffs().await, [("late".to_string(), number.clone())]);
    // Through the finance API (as `relance take-over` calls it): two
    // presses at once, one takes it over, the other is told 409.
    let path = format!("/customers/late/invoices/{number}/take-over");
    let headers = [("x-relance-actor", "camille")];
    let (first, second) = tokio::join!(
        world.call("POST", &path, &headers, None),
        world.call("POST", &path, &headers, None)
    );
    let mut statuses = [first.0.as_u16(), second.0.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{first:?} {second:?}");
    let taken = if first.0 == 200 { &first.1 } else { &second.1 };
    assert_eq!(taken["taken_over_by"], "local:camille", "{taken}");
    assert_eq!(handoffs().await, [], "taken over: off the to-do");
    let (status, _) = world
        .call(
            "POST",
            "/customers/late/invoices/F2026-999999/take-over",
            &headers,
            None,
        )
        .await;
    assert_eq!(status, 404, "an unknown invoice");
    // And through the store, as the console does: nothing waits any more.
    let number = relance::domain::InvoiceNumber::parse(&number).expect("number");
    let camille = relance::domain::Actor("console:camille".into());
    let again = world.store.take_over(&id, &number, &camille, world.state.now()).await;
    assert!(matches!(again, Ok(false)), "{again:?}");
    let history = world.store.full_history(&id).await.expect("history");
    let taken: Vec<&str> = history
        .iter()
        .filter(|e| e.kind.name() == "handoff_taken")
        .map(|e| e.actor.0.as_str())
        .collect();
    assert_eq!(taken, ["local:camille"]);
}

#[tokio::test]
async fn a_customer_who_was_reminded_and_pays_is_thanked() {
    let world = World::new("thanks").await;
    world.create_customer("payer", json!({})).await;
    world.issue("inv", &invoice_body("payer")).await;
    let summary = pass(&world, date("2026-04-06"), false).await;
    assert_eq!(summary.emails_sent, 1);
    world.set_now(morning(date("2026-04-08")));
    let (status, _) = world
        .call(
            "POST",
            "/customers/payer/invoices/F2026-000001/payments",
            &[("idempotency-key", "pay")],
            Some(&json!({ "amount_minor": 57484, "date": "2026-04-08", "method": "transfer" })),
        )
        .await;
    assert_eq!(status, 200);
    let emails = world.mailbox.to(&world.email("payer")).await.expect("mailbox");
    assert_eq!(emails.len(), 3, "invoice, reminder, thanks");
    assert!(
        emails[2]
            .subject
            .starts_with("Merci, nous avons bien reçu votre paiement"),
        "{}",
        emails[2].subject
    );
}

#[tokio::test]
async fn each_reason_to_stay_silent_sends_nothing_and_is_counted() {
    let world = World::new("skips").await;
    let as_of = date("2026-04-06"); // a Monday, 5 days after the due date
    let names = [
        "dispute",
        "help",
        "promise",
        "plan",
        "paused",
        "suppressed",
        "replied",
        "fine",
    ];
    for name in names {
        world.create_customer(name, json!({})).await;
        world.set_now(morning(date("2026-03-02")));
        let (status, _) = world.issue(&format!("inv-{name}"), &invoice_body(name)).await;
        assert_eq!(status, 201);
    }
    let number = |name: &str| -> (CustomerId, InvoiceNumber) {
        let n = names.iter().position(|x| *x == name).expect("known") + 1;
        (
            CustomerId::parse(name).expect("id"),
            InvoiceNumber::new("F2026", n as u64),
        )
    };
    world.set_now(morning(date("2026-04-03")));
    let path = |name: &str| format!("/customers/{name}/invoices/{}", number(name).1);
    let (s, _) = world
        .call(
            "POST",
            &format!("{}/disputes", path("dispute")),
            &[],
            Some(&json!({ "reason": "Prestation incomplète" })),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = world
        .call(
            "POST",
            &format!("{}/promise", path("promise")),
            &[],
            Some(&json!({ "date": "2026-04-10" })),
        )
        .await;
    assert_eq!(s, 200);
    let (s, plan) = world
        .call(
            "POST",
            &format!("{}/plan", path("plan")),
            &[],
            Some(&json!({ "instalments": [{ "due_date": "2026-04-15", "amount_minor": 27484 }, { "due_date": "2026-05-15", "amount_minor": 30000 }] })),
        )
        .await;
    assert_eq!(s, 200, "{plan}");
    // "I have a difficulty" (its page belongs to the customer pages; the flag is what the pass reads).
    let (help_id, help_no) = number("help");
    let help = world
        .store
        .get_invoice(&help_id, &help_no)
        .await
        .expect("read")
        .expect("exists");
    let mut changed = help.value.clone();
    changed.dunning.help_request_open = true;
    world
        .store
        .update_invoice(&changed, help.version, &[], None, world.state.now())
        .await
        .expect("saved");
    let mut paused = common::business_customer(&world.email("paused"));
    paused["paused"] = json!(true);
    let (s, _) = world.call("PUT", "/customers/paused", &[], Some(&paused)).await;
    assert_eq!(s, 200);
    let suppressed_id = CustomerId::parse("suppressed").expect("id");
    let mut suppressed = world
        .store
        .get_customer(&suppressed_id)
        .await
        .expect("read")
        .expect("exists")
        .value;
    suppressed.email_suppressed = true;
    world
        .store
        .save_customer(
            &suppressed,
            &relance::domain::Actor::system("ses-events"),
            world.state.now(),
        )
        .await
        .expect("saved");
    world.set_now(morning(as_of) - chrono::Duration::hours(3));
    let (s, _) = world
        .call(
            "POST",
            "/customers/replied/replies",
            &[],
            Some(&json!({ "note": "Appel : virement parti ce matin" })),
        )
        .await;
    assert_eq!(s, 201);

    let preview = pass(&world, as_of, true).await;
    let emailed: Vec<&str> = preview
        .planned
        .iter()
        .filter(|p| p.email)
        .map(|p| p.customer_id.as_str())
        .collect();
    assert_eq!(
        emailed,
        ["fine"],
        "only `fine` would get an email: {:?}",
        preview.planned
    );
    assert_eq!(
        preview.planned.iter().find(|p| p.email).map(|p| p.stage.as_str()),
        Some("help_first")
    );
    let alerted: Vec<&str> = preview
        .planned
        .iter()
        .filter(|p| !p.email)
        .map(|p| p.customer_id.as_str())
        .collect();
    assert_eq!(alerted, ["suppressed"], "finance would be told about the bad address");

    let summary = pass(&world, as_of, false).await;
    let expected: BTreeMap<Skip, usize> = [
        (Skip::DisputeOpen, 1),
        (Skip::HelpRequestOpen, 1),
        (Skip::PromiseToPay, 1),
        (Skip::PaymentPlan, 1),
        (Skip::CustomerPaused, 1),
        (Skip::EmailSuppressed, 1),
        (Skip::ContactBudget, 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(summary.skipped, expected);
    assert_eq!(summary.emails_sent, 1);
    assert_eq!(
        summary.finance_alerts, 1,
        "the suppressed address: finance is told instead"
    );
    for name in names {
        let count = world.mailbox.to(&world.email(name)).await.expect("mailbox").len();
        assert_eq!(count, if name == "fine" { 2 } else { 1 }, "{name}");
    }
    // The same pass again: everything already sent or still silent.
    let again = pass(&world, as_of, false).await;
    assert_eq!(again.emails_sent, 0);
    // `fine` was reminded and `suppressed` alerted: both stages are taken.
    assert_eq!(again.skipped.get(&Skip::AlreadySent), Some(&2));
    assert_eq!(again.finance_alerts, 0, "finance is told once per stage, not every day");
    // Paid invoices are not even read: they left the open-invoices index.
    let (s, _) = world
        .call(
            "POST",
            &format!("{}/payments", path("fine")),
            &[("idempotency-key", "pay-fine")],
            Some(&json!({ "amount_minor": 57484, "date": "2026-04-06", "method": "transfer" })),
        )
        .await;
    assert_eq!(s, 200);
    let later = pass(&world, date("2026-04-20"), false).await;
    assert_eq!(later.invoices_seen, 7, "the paid invoice is gone from the index");
    assert_eq!(
        world.mailbox.to(&world.email("fine")).await.expect("mailbox").len(),
        3,
        "plus the thank-you"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_passes_at_once_over_2000_invoices_send_each_stage_once() {
    const CUSTOMERS: usize = 500;
    const PER_CUSTOMER: usize = 4;
    let world = Arc::new(World::new("twopasses").await);
    let seller = relance::config::company().expect("company");
    let now = morning(date("2026-03-02"));
    let mut invoices = Vec::new();
    for c in 0..CUSTOMERS {
        let id = format!("c{c}");
        let input: relance::domain::CustomerInput =
            serde_json::from_value(common::business_customer(&world.email(&id))).expect("customer");
        let customer = input.parse(CustomerId::parse(&id).expect("id")).expect("valid");
        world
            .store
            .save_customer(&customer, &relance::domain::Actor::system("import"), now)
            .await
            .expect("saved");
        for k in 0..PER_CUSTOMER {
            let draft: relance::domain::InvoiceInput = serde_json::from_value(invoice_body(&id)).expect("invoice");
            let number = InvoiceNumber::new("M2026", (c * PER_CUSTOMER + k + 1) as u64);
            invoices.push(draft.parse().expect("valid").issue(
                number,
                seller.clone(),
                customer.clone(),
                now,
                relance::domain::Actor::system("import"),
            ));
        }
    }
    world.store.load_invoices(&invoices).await.expect("loaded");

    let as_of = date("2026-04-06");
    let second = Arc::new(world.sibling());
    let (a, b) = tokio::join!(pass(&world, as_of, false), pass(&second, as_of, false));
    assert_eq!(a.emails_sent + b.emails_sent, CUSTOMERS, "one email per customer");
    assert_eq!(a.invoices_seen, CUSTOMERS * PER_CUSTOMER);
    let claimed_elsewhere = a.skipped.get(&Skip::ClaimedElsewhere).copied().unwrap_or(0)
        + b.skipped.get(&Skip::ClaimedElsewhere).copied().unwrap_or(0)
        + a.skipped.get(&Skip::AlreadySent).copied().unwrap_or(0)
        + b.skipped.get(&Skip::AlreadySent).copied().unwrap_or(0);
    assert_eq!(
        claimed_elsewhere,
        CUSTOMERS * PER_CUSTOMER,
        "the other pass found every invoice taken"
    );

    let emails = world.mailbox.all().await.expect("mailbox");
    let mut per_customer: BTreeMap<String, usize> = BTreeMap::new();
    for email in emails
        .iter()
        .filter(|e| e.destination.to.iter().any(|t| t.contains(&world.tag)))
    {
        *per_customer.entry(email.destination.to.join(",")).or_default() += 1;
        assert!(
            email.subject.starts_with("Factures M2026-"),
            "one email lists the four: {}",
            email.subject
        );
    }
    assert_eq!(per_customer.len(), CUSTOMERS);
    assert!(per_customer.values().all(|n| *n == 1), "exactly one reminder each");
}

#[tokio::test]
async fn reminders_refused_by_a_throttled_ses_go_out_once_with_the_next_pass() {
    use aws_sdk_sesv2::operation::send_email::SendEmailError;
    use aws_sdk_sesv2::types::error::TooManyRequestsException;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    let throttled = mock!(aws_sdk_sesv2::Client::send_email)
        .then_error(|| SendEmailError::TooManyRequestsException(TooManyRequestsException::builder().build()));
    let ses = mock_client!(aws_sdk_sesv2, RuleMode::MatchAny, [&throttled]);
    let world = World::with_ses("throttledpass", Some(ses)).await;
    for name in ["a", "b", "c"] {
        world.create_customer(name, json!({})).await;
        world.issue(&format!("inv-{name}"), &invoice_body(name)).await;
    }
    let as_of = date("2026-04-06");
    world.set_now(morning(as_of));
    let pace = relance::reminders::Pace::new(100);
    let first = reminder_pass(&world, &world.state.deliverer, as_of, morning(as_of), &pace)
        .run()
        .await
        .expect("pass");
    assert_eq!(
        (first.emails_sent, first.emails_pending),
        (0, 3),
        "claimed, refused, kept"
    );
    assert!(
        pace.interval() > std::time::Duration::from_millis(10),
        "the pace slowed down: {:?}",
        pace.interval()
    );

    // The next day's pass, with SES back: first the pending reminders,
    // once; no stage is claimed twice. The invoices that never went out
    // carry their PDF: the archive's sweep sends them (and the books'
    // copies), not the pass.
    let healthy = world.sibling();
    let next = pass(&healthy, date("2026-04-07"), false).await;
    assert_eq!(next.redelivered, 3, "three reminders");
    let documents = common::document_sweep(&world);
    let swept = archive_documents::mail::sweep(&documents, morning(date("2026-04-07")))
        .await
        .expect("sweep");
    assert_eq!(swept.sent, 6, "three invoices and their three copies for the books");
    assert_eq!(next.emails_sent, 0);
    assert_eq!(next.skipped.get(&Skip::AlreadySent), Some(&3));
    for name in ["a", "b", "c"] {
        let emails = world.mailbox.to(&world.email(name)).await.expect("mailbox");
        assert_eq!(emails.len(), 2, "{name}: the invoice and one reminder");
    }
    let again = pass(&healthy, date("2026-04-08"), false).await;
    assert_eq!(again.redelivered, 0);
}

#[tokio::test]
async fn a_pass_cut_short_by_its_deadline_continues_where_it_stopped() {
    let world = World::new("cursor").await;
    let names = ["k1", "k2", "k3", "k4", "k5"];
    for name in names {
        world.create_customer(name, json!({})).await;
        world.issue(&format!("inv-{name}"), &invoice_body(name)).await;
    }
    let as_of = date("2026-04-06");
    world.set_now(morning(as_of));
    let pace = relance::reminders::Pace::new(1000);
    let mut resume_after = None;
    let mut invocations = 0;
    let mut sent = 0;
    loop {
        invocations += 1;
        assert!(invocations <= names.len(), "the chain must end");
        let summary = Pass {
            // Already past: each invocation does the one customer it must.
            deadline: Some(tokio::time::Instant::now()),
            resume_after: resume_after.take(),
            ..common::reminder_pass(&world, &world.state.deliverer, as_of, morning(as_of), &pace)
        }
        .run()
        .await
        .expect("pass");
        sent += summary.emails_sent;
        match summary.resume_after {
            Some(after) => resume_after = Some(after),
            None => break,
        }
    }
    assert_eq!((invocations, sent), (names.len(), names.len()));
    for name in names {
        assert_eq!(
            world.mailbox.to(&world.email(name)).await.expect("mailbox").len(),
            2,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_preview_in_windows_covers_what_one_preview_covers_and_sends_nothing() {
    let world = World::new("preview-window").await;
    let names = ["w1", "w2", "w3", "w4"];
    for name in names {
        world.create_customer(name, json!({})).await;
        world.issue(&format!("inv-{name}"), &invoice_body(name)).await;
    }
    let as_of = date("2026-04-06");
    let preview = |after, budget| {
        relance::reminders::preview(
            &world.store,
            world.state.deliverer.renderer.clone(),
            &world.state.policy,
            as_of,
            morning(as_of),
            relance::reminders::Window { after, budget },
        )
    };
    let whole = preview(None, std::time::Duration::from_secs(60))
        .await
        .expect("preview");
    assert_eq!(whole.resume_after, None, "a whole preview says nothing is left");
    let planned = |s: &PassSummary| {
        s.planned
            .iter()
            .map(|p| p.customer_id.as_str().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(planned(&whole), names.to_vec());

    // A spent budget: each window previews the one customer it must and
    // says where the next one starts.
    let mut after = None;
    let mut windows = Vec::new();
    loop {
        assert!(windows.len() < names.len(), "the windows must end");
        let part = preview(after.take(), std::time::Duration::ZERO).await.expect("window");
        windows.extend(planned(&part));
        match part.resume_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(
        windows,
        planned(&whole),
        "the windows cover the portfolio once, in order"
    );
    for name in names {
        assert!(
            world.mailbox.to(&world.email(name)).await.expect("mailbox").len() <= 1,
            "only the invoice email: {name}"
        );
    }
}

/// A mailer that never answers: the pass is stopped while it waits, as a
/// Lambda killed between its claim and the SES call.
struct Stalled;

impl relance::mail::Mailer for Stalled {
    async fn send(&self, _email: &relance::mail::OutgoingEmail) -> Result<String, relance::mail::SendError> {
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_pass_killed_between_claim_and_send_leaves_the_reminder_to_the_next_one_once() {
    let world = World::new("killedpass").await;
    world.create_customer("k", json!({})).await;
    world.issue("inv-k", &invoice_body("k")).await;
    let customer = CustomerId::parse("k").expect("id");
    let as_of = date("2026-04-06");
    let stalled = relance::delivery::Deliverer {
        store: world.store.clone(),
        mailer: Stalled,
        renderer: world.state.deliverer.renderer.clone(),
        public_url: common::PUBLIC_URL.into(),
        link_ttl: chrono::Duration::days(180),
        reply_to: None,
    };
    let pace = relance::reminders::Pace::new(1000);
    let killed = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        reminder_pass(&world, &stalled, as_of, morning(as_of), &pace).run(),
    )
    .await;
    assert!(killed.is_err(), "the pass was stopped while sending");
    let state = world.store.get_dunning(&customer).await.expect("state").value;
    let number = InvoiceNumber::parse("F2026-000001").expect("number");
    assert_eq!(state.stage_of(&number), Some("help_first"), "the stage was claimed");
    assert_eq!(
        state.message.as_ref().map(|m| m.status),
        Some(relance::domain::message::MessageStatus::Sending),
        "its email is held by the dead sender"
    );

    // A minute later the lease still runs: the next pass neither sends it
    // nor claims another.
    let later = morning(as_of) + chrono::Duration::minutes(1);
    world.set_now(later);
    let during = reminder_pass(&world, &world.state.deliverer, as_of, later, &pace)
        .run()
        .await
        .expect("pass");
    assert_eq!((during.redelivered, during.emails_sent), (0, 0));
    assert_eq!(during.skipped.get(&Skip::AlreadySent), Some(&1));

    // The next day the lease has long expired: the sweep sends it, once,
    // and the stage is not claimed again.
    let next = pass(&world, date("2026-04-07"), false).await;
    assert_eq!((next.redelivered, next.stuck_sending, next.emails_sent), (1, 1, 0));
    let emails = world.mailbox.to(&world.email("k")).await.expect("mailbox");
    assert_eq!(emails.len(), 2, "the invoice and one reminder");
    let history = world.store.full_history(&customer).await.expect("history");
    assert_eq!(stages_sent(&history), ["help_first"]);
    let again = pass(&world, date("2026-04-08"), false).await;
    assert_eq!((again.redelivered, again.emails_sent), (0, 0));
}

#[tokio::test]
async fn a_claim_decided_before_a_payment_was_recorded_loses_and_the_customer_is_decided_again() {
    let world = World::new("claimrace").await;
    world.create_customer("r", json!({})).await;
    world.issue("inv-r", &invoice_body("r")).await;
    let customer = CustomerId::parse("r").expect("id");
    let as_of = date("2026-04-06");
    world.set_now(morning(as_of));
    // What a pass read just before finance recorded a part payment…
    let (read, _) = world.store.dunning_and_history(&customer, true).await.expect("state");
    let (status, body) = world
        .call(
            "POST",
            "/customers/r/invoices/F2026-000001/payments",
            &[("idempotency-key", "part")],
            Some(&json!({ "amount_minor": 10000, "date": "2026-04-06", "method": "transfer" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // …cannot be claimed on: the payment moved the customer's version on.
    let number = InvoiceNumber::parse("F2026-000001").expect("number");
    let mut stale = read.value.clone();
    stale.stages.insert(
        number.clone(),
        relance::domain::dunning_state::ClaimedStage {
            stage: "help_first".into(),
            at: morning(as_of),
        },
    );
    let outcome = world
        .store
        .claim_reminder(&customer, read.version, &stale, &[])
        .await
        .expect("claim");
    assert!(
        matches!(outcome, relance::store::TxOutcome::ConditionFailed(_)),
        "{outcome:?}"
    );
    assert_eq!(
        world
            .store
            .get_dunning(&customer)
            .await
            .expect("state")
            .value
            .stage_of(&number),
        None,
        "nothing claimed"
    );
    // The pass decides on the invoice as it is now: the reminder asks for
    // what is left.
    let summary = pass(&world, as_of, false).await;
    assert_eq!(summary.emails_sent, 1);
    let emails = world.mailbox.to(&world.email("r")).await.expect("mailbox");
    let reminder = emails.last().and_then(|m| m.body.text.clone()).expect("text");
    assert!(reminder.contains("474,84"), "the remaining 474,84 €: {reminder}");
}
