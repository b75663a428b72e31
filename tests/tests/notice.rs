//! The formal notice to pay against the local stack: a business customer's
//! final notice goes out once, with its letter drawn, archived under
//! Object Lock and attached; a consumer's final notice carries none; a
//! final notice whose invoices were paid before it went out is withdrawn,
//! whether the payment came before or after its letter was drawn.

use crate::common;

use archive_documents::sha256_hex;
use chrono::Days;
use common::{World, date, history, invoice_body, pass_on};
use relance::domain::{EventKind, HistoryEvent, Invoice};
use serde_json::json;

const FINAL: &str = "2026-05-11";

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn euros(minor: i64) -> String {
    squash(&relance::domain::Money::new(minor, relance::domain::Currency::EUR).format(relance::domain::Locale::Fr))
}

/// Issues an invoice of `net` cents (20 % VAT) dated 2 March, due 1 April.
async fn issue(world: &World, customer: &str, key: &str, net: i64) -> String {
    let mut body = invoice_body(customer);
    body["lines"] = json!([
        { "description": "Entretien du four à sole", "quantity": 1, "unit_price_minor": net, "vat_rate": "20" }
    ]);
    let (status, invoice) = world.issue(key, &body).await;
    assert_eq!(status, 201, "{invoice}");
    assert_eq!(invoice["due_date"], "2026-04-01");
    invoice["number"].as_str().expect("number").to_string()
}

async fn invoice(world: &World, customer: &str, number: &str) -> Invoice {
    world
        .store
        .get_invoice(
            &relance::domain::CustomerId::parse(customer).expect("id"),
            &relance::domain::InvoiceNumber::parse(number).expect("number"),
        )
        .await
        .expect("read")
        .expect("issued")
        .value
}

/// Records the payment of what `number` still owes; the stream has not
/// caught up with it when this returns.
async fn pay(world: &World, customer: &str, number: &str) {
    let owed = invoice(world, customer, number).await.remaining_minor();
    let (status, answer) = world
        .call_unsettled(
            "POST",
            &format!("/customers/{customer}/invoices/{number}/payments"),
            &[("idempotency-key", &format!("pay-{number}"))],
            &json!({ "amount_minor": owed, "date": FINAL, "method": "transfer" }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
}

fn final_notices(emails: &[relance_e2e::mailbox::StoredEmail]) -> Vec<&relance_e2e::mailbox::StoredEmail> {
    emails
        .iter()
        .filter(|e| e.subject.starts_with("Dernier rappel"))
        .collect()
}

fn kinds<'a>(events: &'a [HistoryEvent], name: &str) -> Vec<&'a EventKind> {
    events.iter().map(|e| &e.kind).filter(|k| k.name() == name).collect()
}

#[tokio::test]
async fn a_business_customers_final_notice_goes_out_once_with_its_formal_notice_and_a_paid_one_is_withdrawn() {
    let world = World::new("notice").await;
    // A business customer with two unpaid invoices, a consumer with one,
    // and two business customers who will pay on the final notice's day:
    // one before its letter is drawn, one after.
    world.create_customer("bellecour", json!({})).await;
    world
        .create_customer(
            "dupont",
            json!({ "kind": "consumer", "contact_name": "Léa Dupont", "company_name": null, "siren": null, "vat_number": null }),
        )
        .await;
    world.create_customer("early", json!({})).await;
    world.create_customer("late", json!({})).await;
    let first = issue(&world, "bellecour", "b1", 45_000).await;
    let second = issue(&world, "bellecour", "b2", 120_000).await;
    issue(&world, "dupont", "d1", 30_000).await;
    let early = issue(&world, "early", "e1", 20_000).await;
    let late = issue(&world, "late", "l1", 25_000).await;

    // Each business day from ten days before the due date to the final
    // notice (due + 40 days), as the scheduler and the stream would.
    let mut day = date("2026-03-22");
    while day < date(FINAL) {
        pass_on(&world, day).await;
        world.settle().await;
        day = day + Days::new(1);
    }
    let summary = pass_on(&world, date(FINAL)).await;
    assert_eq!(
        summary.by_stage.get("final_notice"),
        Some(&5),
        "five invoices: {summary:?}"
    );
    assert_eq!(
        summary.formal_notices, 3,
        "the three business customers, not the consumer"
    );
    for customer in ["bellecour", "early", "late"] {
        let emails = world.mailbox.to(&world.email(customer)).await.expect("mailbox");
        assert!(
            final_notices(&emails).is_empty(),
            "{customer}: not sent before its letter exists"
        );
    }
    let dupont = world.mailbox.to(&world.email("dupont")).await.expect("mailbox");
    let dupont = final_notices(&dupont);
    assert_eq!(dupont.len(), 1, "the consumer's final notice went out with the pass");
    assert!(dupont[0].attachments.is_empty(), "and carries no formal notice");
    assert!(!dupont[0].body.text.as_deref().unwrap_or("").contains("mise en demeure"));

    // "late"'s letter is drawn and stored while it still owes: the archive
    // gets its record before anyone else's.
    let late_due = history(&world, "late")
        .await
        .into_iter()
        .find(|e| e.kind.name() == "formal_notice_due")
        .expect("late's notice is due");
    let record = common::pages::stream_record(&world, &late_due).await;
    let drawn = archive_documents::handle(&world.archive, record).await;
    assert!(drawn.batch_item_failures.is_empty());
    assert!(
        matches!(
            kinds(&history(&world, "late").await, "notice_archived").first(),
            Some(EventKind::NoticeArchived { document: Some(_), .. })
        ),
        "late's letter is drawn"
    );
    // Then "early" and "late" both pay, before the stream goes on: "early"
    // before its letter is drawn, "late" after.
    pay(&world, "early", &early).await;
    pay(&world, "late", &late).await;
    world.settle().await;

    // bellecour: one final notice, with the letter attached.
    let events = history(&world, "bellecour").await;
    let reference = "MED-20260511-bellecour";
    let due: Vec<&EventKind> = kinds(&events, "formal_notice_due");
    assert_eq!(due.len(), 1, "{due:?}");
    let Some(EventKind::NoticeArchived {
        document: Some(document),
        total_minor,
        ..
    }) = kinds(&events, "notice_archived").first().copied()
    else {
        panic!("bellecour's letter is archived: {events:?}");
    };
    assert_eq!(document.key, format!("notices/bellecour/{reference}.pdf"));
    let sent: Vec<Option<&String>> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ReminderSent { stage, notice, .. } if stage == "final_notice" => Some(notice.as_ref()),
            _ => None,
        })
        .collect();
    assert_eq!(sent, vec![Some(&reference.to_string())], "sent once, naming its notice");
    let emails = world.mailbox.to(&world.email("bellecour")).await.expect("mailbox");
    let finals = final_notices(&emails);
    assert_eq!(finals.len(), 1, "one final notice");
    let mail = finals[0];
    assert!(mail.subject.ends_with("(mise en demeure jointe)"), "{}", mail.subject);
    let files: Vec<(&str, &str)> = mail
        .attachments
        .iter()
        .map(|a| (a.filename.as_str(), a.content_type.as_str()))
        .collect();
    assert_eq!(files, vec![(format!("{reference}.pdf").as_str(), "application/pdf")]);
    let attached = mail.attachments[0].bytes().expect("base64");
    let text = mail.body.text.as_deref().unwrap_or("");
    for needle in [reference, "d'ici le 19 mai 2026", "J'ai une difficulté"] {
        assert!(text.contains(needle), "the email lacks {needle:?}:\n{text}");
    }

    // The archive holds the same bytes, locked for ten years.
    let object = world
        .archive
        .archive
        .s3
        .get_object()
        .bucket(&world.archive.archive.bucket)
        .key(&document.key)
        .send()
        .await
        .expect("stored");
    assert_eq!(object.object_lock_mode().map(|m| m.as_str()), Some("COMPLIANCE"));
    assert_eq!(
        object.object_lock_retain_until_date().map(|d| d.secs()),
        Some(2_114_380_800),
        "until 2037-01-01"
    );
    let stored = object.body.collect().await.expect("body").into_bytes().to_vec();
    assert_eq!(sha256_hex(&stored), document.sha256);
    assert_eq!(
        sha256_hex(&attached),
        document.sha256,
        "the email carries the archived letter"
    );

    // What the letter says, read back by pdftotext, against an independent
    // computation: what is owed × the invoice's rate × 40 days / 365.
    let path = relance_e2e::validate::out_dir().join("formal-notice-sent.pdf");
    std::fs::write(&path, &stored).expect("write the letter");
    let letter = relance_e2e::validate::pdf_text(&path);
    let mut total = 0i64;
    for number in [&first, &second] {
        let invoice = invoice(&world, "bellecour", number).await;
        let owed = invoice.remaining_minor();
        let rate = invoice.seller.terms.ecb_refinancing_rate_bp as f64
            + invoice.seller.terms.late_penalty_ecb_plus_points as f64 * 100.0;
        let interest = (owed as f64 * rate / 10_000.0 * 40.0 / 365.0).round() as i64;
        total += owed + interest + 4_000;
        let row = letter
            .lines()
            .find(|l| l.contains(number.as_str()))
            .map(squash)
            .unwrap_or_else(|| panic!("no row for {number}:\n{letter}"));
        for needle in [euros(owed), euros(interest), euros(4_000), "40j".to_string()] {
            assert!(row.contains(&needle), "{number} lacks {needle}: {row}");
        }
    }
    assert_eq!(*total_minor, total, "the recorded total is the letter's");
    let all = squash(&letter);
    for needle in [
        "Objet:miseendemeuredepayer".to_string(),
        format!("Totalàpayer{}", euros(total)),
        euros(8_000),
        "auplustardle19mai2026".to_string(),
        reference.to_string(),
    ] {
        assert!(all.contains(&needle), "the letter lacks {needle}:\n{letter}");
    }
    assert!(relance_e2e::validate::pdf_pictures(&path) >= 1, "no page drawn");

    // early paid before its letter was drawn: no letter, the reminder
    // withdrawn, nothing sent, and its dunning free again.
    let events = history(&world, "early").await;
    assert!(
        matches!(
            kinds(&events, "notice_archived").first(),
            Some(EventKind::NoticeArchived { document: None, .. })
        ),
        "{events:?}"
    );
    assert_eq!(kinds(&events, "message_withdrawn").len(), 1, "{events:?}");
    let emails = world.mailbox.to(&world.email("early")).await.expect("mailbox");
    assert!(
        final_notices(&emails).is_empty(),
        "a customer who paid gets no final notice"
    );

    // late paid after its letter was drawn: the letter stays archived (an
    // issued document is never deleted), the reminder is withdrawn unsent.
    let events = history(&world, "late").await;
    assert_eq!(kinds(&events, "message_withdrawn").len(), 1, "{events:?}");
    assert!(
        kinds(&events, "reminder_sent")
            .iter()
            .all(|k| !matches!(k, EventKind::ReminderSent { stage, .. } if stage == "final_notice"))
    );
    let emails = world.mailbox.to(&world.email("late")).await.expect("mailbox");
    assert!(
        final_notices(&emails).is_empty(),
        "the letter is not sent to a customer who paid"
    );

    // Later passes send nothing again to anyone: to this world's
    // customers, or to finance about them (other tests share the endpoint).
    let ours = || async {
        world
            .mailbox
            .all()
            .await
            .expect("mailbox")
            .into_iter()
            .filter(|m| {
                m.destination.to.iter().any(|t| t.contains(&world.tag))
                    || m.body.text.as_deref().unwrap_or("").contains(&world.tag)
            })
            .count()
    };
    let before = ours().await;
    for day in [date("2026-05-12"), date("2026-05-13")] {
        let summary = pass_on(&world, day).await;
        world.settle().await;
        assert_eq!(summary.formal_notices, 0, "{day}: {summary:?}");
    }
    assert_eq!(ours().await, before);
}
