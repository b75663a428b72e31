//! Customers answer reminders by email. Real MIME messages (a Gmail reply,
//! an Outlook one saying it is paid, out-of-office answers in French with
//! a return date and in English without, an `Auto-Submitted` receipt, a
//! colleague answering a forwarded reminder, a message that is no email)
//! are written to a bucket and handed to `receive-reply` as S3 notifies
//! it; each has its outcome, once, and the next reminder pass obeys them.

use std::sync::Arc;

use crate::common;

use common::{World, at, history, invoice_body, reminder_pass};
use receive_reply::{Deps, handle};
use relance::domain::reply::{Reply, reply_address};
use relance::domain::{CustomerId, EventKind, HistoryEvent};
use relance::inbound::Received;
use relance::mail::SesMailer;
use relance::reminders::{Pace, Skip};
use serde_json::json;

const REPLY_TO: &str = "factures@atelier-durand.fr";
const FINANCE: &str = "claire.fontaine@atelier-durand.fr";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/replies/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fixture addressed as the test needs: from `from`, to `to`, about
/// invoice `number`.
fn message(name: &str, from: &str, to: &str, number: &str) -> Vec<u8> {
    let raw = fixture(name);
    match String::from_utf8(raw.clone()) {
        Ok(text) => text
            .replace("{{FROM}}", from)
            .replace("{{TO}}", to)
            .replace("{{NUMBER}}", number)
            .into_bytes(),
        Err(_) => raw,
    }
}

fn replies(events: &[HistoryEvent]) -> Vec<&EventKind> {
    events
        .iter()
        .map(|e| &e.kind)
        .filter(|k| matches!(k, EventKind::CustomerReplied { .. }))
        .collect()
}

#[tokio::test]
async fn replies_from_real_mail_clients_are_recorded_once_and_the_chase_obeys_them() {
    let world = World::new("replies").await;
    let names = ["martin", "globex", "lune", "acme", "petit"];
    let mut numbers = std::collections::BTreeMap::new();
    for (i, id) in names.into_iter().enumerate() {
        let locale = if matches!(id, "globex" | "acme") { "en" } else { "fr" };
        world
            .create_customer(id, json!({ "locale": locale, "customer_since": "2019-01-07" }))
            .await;
        let (status, invoice) = world.issue(&format!("{id}-1"), &invoice_body(id)).await;
        assert_eq!(status, 201, "{invoice} ({i})");
        numbers.insert(id, invoice["number"].as_str().expect("number").to_string());
    }

    // Monday 30 March: the courtesy reminders, each with its own reply
    // address.
    let mut deliverer = common::deliverer(
        &world.store,
        SesMailer::new(
            aws_sdk_sesv2::Client::new(&world.config),
            "Atelier Durand <factures@atelier-durand.fr>",
            None,
        ),
    );
    deliverer.reply_to = Some(relance::domain::Email::parse(REPLY_TO).expect("address"));
    let pass = |day: &str| {
        let day = common::date(day);
        let deliverer = &deliverer;
        let world = &world;
        async move {
            world.set_now(common::morning(day));
            let pace = Pace::new(1000);
            reminder_pass(world, deliverer, day, common::morning(day), &pace)
                .run()
                .await
                .expect("pass")
        }
    };
    let summary = pass("2026-03-30").await;
    assert_eq!(summary.emails_sent, 5, "{summary:?}");
    let mut address = std::collections::BTreeMap::new();
    for id in names {
        let sent = history(&world, id)
            .await
            .into_iter()
            .find_map(|e| match e.kind {
                EventKind::ReminderSent { message_id, .. } => Some(message_id),
                _ => None,
            })
            .expect("a reminder");
        let tagged = reply_address(REPLY_TO, sent.parse().expect("ulid")).expect("address");
        let mail = world.mailbox.to(&world.email(id)).await.expect("mailbox");
        let eml = world
            .mailbox
            .eml(&mail.last().expect("the reminder").message_id)
            .await
            .expect("eml");
        let parsed = mail_parser::MessageParser::default().parse(&eml).expect("MIME");
        let reply_to = parsed
            .reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .expect("Reply-To")
            .to_ascii_lowercase();
        assert_eq!(reply_to, tagged, "{id}: the reminder answers to its own address");
        address.insert(id, tagged);
    }

    let bucket = relance_e2e::fresh_bucket(&world.config, "replies")
        .await
        .expect("bucket");
    let s3 = aws_sdk_s3::Client::new(&world.config);
    let clock = world.clock.clone();
    let deps = Arc::new(Deps {
        deliverer: common::deliverer(
            &world.store,
            SesMailer::new(
                aws_sdk_sesv2::Client::new(&world.config),
                "Atelier Durand <factures@atelier-durand.fr>",
                None,
            ),
        ),
        s3: s3.clone(),
        reply_address: Some(REPLY_TO.into()),
        clock: Arc::new(move || *clock.lock().expect("clock")),
    });
    let drop_in = |key: String, body: Vec<u8>| {
        let s3 = s3.clone();
        let bucket = bucket.clone();
        let deps = deps.clone();
        async move {
            s3.put_object()
                .bucket(&bucket)
                .key(&key)
                .body(body.clone().into())
                .send()
                .await
                .expect("put");
            let event = common::s3_event(&bucket, &key, body.len() as i64);
            handle(deps, event).await.expect("received").remove(0)
        }
    };
    world.set_now(at(2026, 3, 30, 12));
    let from = |id: &str| world.email(id);
    let cases = [
        ("martin", "gmail-reply.eml", from("martin"), address["martin"].clone()),
        ("globex", "outlook-reply.eml", from("globex"), address["globex"].clone()),
        ("lune", "ooo-fr-return-date.eml", from("lune"), address["lune"].clone()),
        ("acme", "ooo-en-no-date.eml", from("acme"), address["acme"].clone()),
        // No reply address: the sender's address names the customer.
        ("acme", "auto-submitted.eml", from("acme"), REPLY_TO.to_string()),
        // A colleague answers a forwarded reminder: the address names the
        // customer, whoever writes.
        ("petit", "forwarded-reply.eml", from("petit"), address["petit"].clone()),
    ];
    let mut outcomes = Vec::new();
    for (i, (id, name, sender, to)) in cases.iter().enumerate() {
        let raw = message(name, sender, to, &numbers[id]);
        outcomes.push(drop_in(format!("replies/{i}-{name}"), raw).await);
    }
    let customer = |id: &str| CustomerId::parse(id).expect("id");
    assert_eq!(
        outcomes,
        vec![
            Received::Reply {
                customer: customer("martin"),
                reply: Reply::Person { says_paid: false }
            },
            Received::Reply {
                customer: customer("globex"),
                reply: Reply::Person { says_paid: true }
            },
            Received::Reply {
                customer: customer("lune"),
                reply: Reply::Automatic {
                    back_on: Some(common::date("2026-04-14"))
                }
            },
            Received::Reply {
                customer: customer("acme"),
                reply: Reply::Automatic { back_on: None }
            },
            Received::Reply {
                customer: customer("acme"),
                reply: Reply::Automatic { back_on: None }
            },
            Received::Reply {
                customer: customer("petit"),
                reply: Reply::Person { says_paid: false }
            },
        ]
    );

    // A person's words reach finance at once, in an alert that says
    // whether they say it is paid; an automatic reply alerts nobody.
    let finance = world.mailbox.to(FINANCE).await.expect("mailbox");
    let alerts = |id: &str| -> Vec<relance_e2e::StoredEmail> {
        finance
            .iter()
            .filter(|m| m.body.text.as_deref().is_some_and(|t| t.contains(&world.email(id))))
            .cloned()
            .collect()
    };
    for id in ["martin", "globex", "petit"] {
        assert_eq!(alerts(id).len(), 1, "{id}: one alert");
    }
    for id in ["lune", "acme"] {
        assert!(alerts(id).is_empty(), "{id}: an automatic reply alerts nobody");
    }
    let martin_alert = &alerts("martin")[0];
    let text = martin_alert.body.text.clone().unwrap_or_default();
    assert!(
        martin_alert.subject.contains("a répondu par e-mail") && text.contains("Son message"),
        "{}: {text}",
        martin_alert.subject
    );
    assert!(
        text.contains(&format!("Facture {}", numbers["martin"])) && !text.contains("a écrit"),
        "the invoices waiting and the words without the quoted reminder: {text}"
    );
    let globex_alert = &alerts("globex")[0];
    assert!(
        globex_alert.subject.contains("dit avoir payé"),
        "{}",
        globex_alert.subject
    );

    // The same object notified again, and another copy of it: one record.
    let again = drop_in(
        "replies/0-gmail-reply.eml".into(),
        message(
            "gmail-reply.eml",
            &from("martin"),
            &address["martin"],
            &numbers["martin"],
        ),
    )
    .await;
    assert_eq!(again, Received::AlreadyRecorded);
    assert_eq!(replies(&history(&world, "martin").await).len(), 1);

    // What matches nothing is kept once for finance, and changes nobody.
    let forged = address["martin"].replace("+r01", "+r7z");
    let strays = [
        ("replies/stray-malformed", fixture("malformed.eml")),
        (
            "replies/stray-unknown",
            message("gmail-reply.eml", "someone@elsewhere.example", REPLY_TO, "F2026-000001"),
        ),
        (
            "replies/stray-forged",
            message("gmail-reply.eml", &from("martin"), &forged, &numbers["martin"]),
        ),
    ];
    for (key, raw) in &strays {
        let first = drop_in(key.to_string(), raw.clone()).await;
        assert!(matches!(first, Received::Unmatched { .. }), "{key}: {first:?}");
        assert_eq!(
            drop_in(key.to_string(), raw.clone()).await,
            Received::AlreadyRecorded,
            "{key}"
        );
    }
    let unmatched = world
        .store
        .unmatched_replies(at(2026, 3, 30, 13))
        .await
        .expect("unmatched");
    let mut ours: Vec<(String, String)> = unmatched
        .iter()
        .filter(|u| u.source.contains(&bucket))
        .map(|u| {
            (
                u.source.rsplit('/').next().unwrap_or_default().to_string(),
                u.reason.clone(),
            )
        })
        .collect();
    ours.sort();
    let expected = [
        ("stray-forged", "reply address unknown or expired"),
        ("stray-malformed", "not a MIME message"),
        ("stray-unknown", "no customer has this address"),
    ]
    .map(|(k, r)| (k.to_string(), r.to_string()));
    assert_eq!(ours, expected.to_vec());
    assert_eq!(
        replies(&history(&world, "martin").await).len(),
        1,
        "a forged address records nothing"
    );

    // The words are kept apart, without the quoted reminder.
    let martin = history(&world, "martin").await;
    let event = martin
        .iter()
        .find(|e| matches!(e.kind, EventKind::CustomerReplied { .. }))
        .expect("reply");
    let text = world
        .store
        .reply_text(&customer("martin"), event.id, at(2026, 3, 31, 9))
        .await
        .expect("text")
        .expect("kept");
    assert!(text.starts_with("Bonjour,") && text.ends_with("Claire"), "{text}");
    assert!(!text.contains("a écrit"), "{text}");
    let month_later = world
        .store
        .reply_text(&customer("martin"), event.id, at(2026, 5, 1, 9))
        .await
        .expect("text");
    assert_eq!(month_later, None, "kept 30 days");

    // A person's reply waits for a person; automatic ones do not.
    let (status, todo) = world.call("GET", "/todo", &[], None).await;
    assert_eq!(status, 200, "{todo}");
    let waiting: std::collections::BTreeSet<String> = todo["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|t| t["kind"] == "customer_reply")
        .filter_map(|t| t["customer_id"].as_str().map(String::from))
        .collect();
    assert_eq!(
        waiting,
        ["globex", "martin", "petit"].into_iter().map(String::from).collect()
    );

    // Monday 6 April, the help-first stage: the three who wrote wait for a
    // person, the absent one for her return; the auto-replies hold nothing.
    let summary = pass("2026-04-06").await;
    assert_eq!(summary.emails_sent, 1, "{summary:?}");
    assert_eq!(summary.skipped.get(&Skip::ReplyWaiting), Some(&3), "{summary:?}");
    assert_eq!(summary.skipped.get(&Skip::CustomerAway), Some(&1), "{summary:?}");

    // Finance answers Martin; her reminder resumes once the 48 hours
    // after that answer have passed. Lune's comes when she is back.
    world.set_now(at(2026, 4, 6, 9));
    let (status, body) = world
        .call(
            "POST",
            "/customers/martin/replies",
            &[],
            Some(&json!({ "note": "RIB renvoyé par email." })),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let summary = pass("2026-04-09").await;
    assert_eq!(summary.skipped.get(&Skip::ReplyWaiting), Some(&2), "{summary:?}");
    assert_eq!(summary.skipped.get(&Skip::CustomerAway), Some(&1), "{summary:?}");
    assert_eq!(summary.emails_sent, 1, "Martin's help-first reminder: {summary:?}");
    let summary = pass("2026-04-14").await;
    assert_eq!(summary.skipped.get(&Skip::CustomerAway), None, "{summary:?}");
    let lune = history(&world, "lune").await;
    assert_eq!(
        lune.iter().filter(|e| e.kind.name() == "reminder_sent").count(),
        2,
        "Lune's second reminder on her return"
    );
}
