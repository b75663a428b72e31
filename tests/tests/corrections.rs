//! Corrective credit notes against the local stack: an invoice cancelled,
//! credited by lines or by an amount changes what the reminders ask for;
//! the note is numbered in its gap-free series, archived, valid against
//! the official EN 16931 rules and emailed with its PDF; bad requests and
//! replays write nothing new; a reminder decided on the old amount cannot
//! be claimed.

use crate::common;

use common::{World, date, history, invoice_body, morning, pass_on};
use relance::domain::{CustomerId, EventKind, InvoiceNumber};
use serde_json::{Value, json};

async fn correct(world: &World, customer: &str, number: &str, key: &str, body: Value) -> (u16, Value) {
    let (status, answer) = world
        .call(
            "POST",
            &format!("/customers/{customer}/invoices/{number}/credit-notes"),
            &[("idempotency-key", key)],
            Some(&body),
        )
        .await;
    (status.as_u16(), answer)
}

async fn invoice(world: &World, customer: &str, number: &str) -> Value {
    let (status, body) = world
        .call("GET", &format!("/customers/{customer}/invoices/{number}"), &[], None)
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The invoice of `invoice_body`: 450.00 + 2.5 kg × 12.90 − 10 % at 20 %,
/// 479.03 net, 95.81 VAT, 574.84 in all, due 2026-04-01.
const GROSS: i64 = 57_484;

#[tokio::test]
async fn a_cancelled_invoice_owes_nothing_is_never_reminded_and_its_note_is_archived_and_mailed() {
    let world = World::new("cancel").await;
    world.create_customer("c", json!({})).await;
    let (status, _) = world.issue("inv-c", &invoice_body("c")).await;
    assert_eq!(status, 201);
    world.set_now(morning(date("2026-03-10")));
    let request = json!({ "scope": "full", "reason": "la facture a été émise en double (voir F2026-000002)." });
    let (status, note) = correct(&world, "c", "F2026-000001", "cancel-1", request.clone()).await;
    assert_eq!(status, 201, "{note}");
    assert_eq!(note["number"], "AV2026-000001");
    assert_eq!(note["invoice"], "F2026-000001");
    assert_eq!(note["invoice_date"], "2026-03-02");
    assert_eq!(note["correction"]["scope"], "full");
    assert_eq!(note["gross_minor"], GROSS, "the whole invoice");
    assert_eq!(
        note["lines"].as_array().map(Vec::len),
        Some(2),
        "the invoice's two lines"
    );
    assert_eq!(note["remaining_minor"], 0, "nothing carried to a next invoice");

    let after = invoice(&world, "c", "F2026-000001").await;
    assert_eq!(after["status"], "credited");
    assert_eq!(after["remaining_minor"], 0);
    assert_eq!(after["corrections"][0]["number"], "AV2026-000001");
    assert_eq!(
        after["totals"]["gross_minor"], GROSS,
        "the invoice itself is kept as issued"
    );

    // The same request again answers the same note and writes nothing.
    let (status, again) = correct(&world, "c", "F2026-000001", "cancel-1", request).await;
    assert_eq!((status, &again["number"]), (201, &note["number"]));
    // A second cancellation finds nothing left, names why, writes nothing.
    let before = history(&world, "c").await.len();
    let (status, refused) = correct(
        &world,
        "c",
        "F2026-000001",
        "cancel-2",
        json!({ "scope": "full", "reason": "x" }),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "scope", "{refused}");
    assert!(
        refused["errors"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("AV2026-000001"),
        "{refused}"
    );
    assert_eq!(history(&world, "c").await.len(), before);

    let events = history(&world, "c").await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.name()).collect();
    for kind in ["credit_granted", "invoice_corrected", "credit_emailed"] {
        assert_eq!(
            kinds.iter().filter(|k| **k == kind).count(),
            1,
            "{kind} once: {kinds:?}"
        );
    }
    let archived = events
        .iter()
        .filter(
            |e| matches!(&e.kind, EventKind::DocumentsArchived { number, .. } if number.as_str() == "AV2026-000001"),
        )
        .count();
    assert_eq!(archived, 1, "the credit note archived once: {kinds:?}");
    assert!(
        events.iter().any(|e| matches!(&e.kind, EventKind::InvoiceCorrected { remaining_minor: 0, amount_minor, .. } if *amount_minor == GROSS)),
        "{kinds:?}"
    );

    // The email says what changed, in the customer's words, with the PDF.
    let emails = world.mailbox.to(&world.email("c")).await.expect("mailbox");
    let mail = emails
        .iter()
        .find(|m| m.subject.contains("AV2026-000001"))
        .expect("the credit note's email");
    assert!(mail.subject.contains("F2026-000001"), "{}", mail.subject);
    let text = mail.body.text.clone().unwrap_or_default();
    for needle in [
        "Nous avons corrigé votre facture F2026-000001 du 2 mars 2026",
        "la facture a été émise en double",
        "Nous l'annulons par l'avoir n° AV2026-000001",
        "Vous n'avez plus rien à régler sur la facture F2026-000001",
    ] {
        assert!(text.contains(needle), "lacks {needle:?}:\n{text}");
    }
    assert!(!text.contains("geste"), "a correction is not a gesture:\n{text}");
    let names: Vec<&str> = mail.attachments.iter().map(|a| a.filename.as_str()).collect();
    assert!(names.contains(&"AV2026-000001.pdf"), "{names:?}");

    // Never reminded: the invoice left the open-invoices index.
    let summary = pass_on(&world, date("2026-04-06")).await;
    assert_eq!(summary.emails_sent, 0, "{summary:?}");
    let (status, refused) = world
        .call(
            "POST",
            "/customers/c/invoices/F2026-000001/payments",
            &[("idempotency-key", "pay-credited")],
            Some(&json!({ "amount_minor": 100, "date": "2026-04-06", "method": "transfer" })),
        )
        .await;
    assert_eq!(status, 422, "a cancelled invoice takes no payment: {refused}");
}

#[tokio::test]
async fn a_partly_credited_invoice_is_reminded_for_the_rest_only_and_the_series_has_no_gap() {
    let world = World::new("partial").await;
    world.create_customer("p", json!({})).await;
    world.issue("inv-p", &invoice_body("p")).await;
    world.set_now(morning(date("2026-03-20")));
    // Bad requests first: each names its field and writes nothing.
    let before = history(&world, "p").await.len();
    let cases = [
        (
            json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 2, "quantity": 3 }] }),
            "lines[0].quantity",
        ),
        (
            json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 3 }] }),
            "lines[0].line",
        ),
        (
            json!({ "scope": "amount", "reason": "x", "net_minor": 47_904 }),
            "net_minor",
        ),
        (json!({ "scope": "lines", "reason": "x" }), "lines"),
        (json!({ "scope": "full", "reason": "" }), "reason"),
    ];
    for (i, (body, field)) in cases.iter().enumerate() {
        let (status, refused) = correct(&world, "p", "F2026-000001", &format!("bad-{i}"), body.clone()).await;
        assert_eq!(status, 422, "{body}: {refused}");
        assert_eq!(refused["errors"][0]["field"], *field, "{body}: {refused}");
    }
    let (status, _) = correct(
        &world,
        "p",
        "F2026-000404",
        "bad-404",
        json!({ "scope": "full", "reason": "x" }),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(history(&world, "p").await.len(), before, "nothing written");

    // The 450.00 line is credited: 540.00 comes off, 34.84 is left.
    let (status, note) = correct(
        &world,
        "p",
        "F2026-000001",
        "lines-1",
        json!({ "scope": "lines", "reason": "l'entretien de mars était compris dans le contrat annuel.", "lines": [{ "line": 1 }] }),
    )
    .await;
    assert_eq!(status, 201, "{note}");
    assert_eq!(note["number"], "AV2026-000001", "refused requests took no number");
    assert_eq!(
        (note["net_minor"].as_i64(), note["gross_minor"].as_i64()),
        (Some(45_000), Some(54_000))
    );
    let after = invoice(&world, "p", "F2026-000001").await;
    assert_eq!(
        (after["status"].as_str(), after["remaining_minor"].as_i64()),
        (Some("open"), Some(3_484))
    );
    let emails = world.mailbox.to(&world.email("p")).await.expect("mailbox");
    let text = emails
        .iter()
        .find(|m| m.subject.contains("AV2026-000001"))
        .and_then(|m| m.body.text.clone())
        .expect("the credit note's email");
    assert!(
        text.contains("L'avoir n° AV2026-000001 en retire 540,00") && text.contains("Il reste 34,84"),
        "{text}"
    );

    // The next pass asks for what is left, never for the old total.
    let summary = pass_on(&world, date("2026-04-06")).await;
    assert_eq!(summary.emails_sent, 1, "{summary:?}");
    let emails = world.mailbox.to(&world.email("p")).await.expect("mailbox");
    let reminder = emails.last().and_then(|m| m.body.text.clone()).expect("reminder");
    assert!(reminder.contains("34,84"), "{reminder}");
    assert!(!reminder.contains("574,84"), "{reminder}");

    // The rest by amount: the note takes all that is left at 20 %, VAT
    // included, and the invoice owes nothing.
    let (status, rest) = correct(
        &world,
        "p",
        "F2026-000001",
        "amount-1",
        json!({ "scope": "amount", "reason": "pièces reprises.", "net_minor": 2_903 }),
    )
    .await;
    assert_eq!(status, 201, "{rest}");
    assert_eq!(rest["number"], "AV2026-000002");
    assert_eq!(rest["gross_minor"].as_i64(), Some(3_484), "exactly what was left");
    assert_eq!(invoice(&world, "p", "F2026-000001").await["status"], "credited");
}

#[tokio::test]
async fn a_reminder_decided_before_a_correction_cannot_be_claimed_and_the_pass_asks_for_the_rest() {
    let world = World::new("correctrace").await;
    world.create_customer("r", json!({})).await;
    world.issue("inv-r", &invoice_body("r")).await;
    let customer = CustomerId::parse("r").expect("id");
    let as_of = date("2026-04-06");
    world.set_now(morning(as_of));
    // What a pass read just before finance corrected the invoice…
    let (read, _) = world.store.dunning_and_history(&customer, true).await.expect("state");
    let (status, note) = correct(
        &world,
        "r",
        "F2026-000001",
        "race-1",
        json!({ "scope": "lines", "reason": "entretien compris au contrat.", "lines": [{ "line": 1 }] }),
    )
    .await;
    assert_eq!(status, 201, "{note}");
    // …cannot be claimed on: the correction moved the customer's version on.
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
    // The credit note's email was a contact this morning: the pass waits
    // for the contact gap, then asks for the rest.
    let summary = pass_on(&world, as_of).await;
    assert_eq!(
        (
            summary.emails_sent,
            summary.skipped.get(&relance::reminders::Skip::ContactBudget)
        ),
        (0, Some(&1)),
        "{summary:?}"
    );
    let summary = pass_on(&world, date("2026-04-08")).await;
    assert_eq!(summary.emails_sent, 1, "{summary:?}");
    let emails = world.mailbox.to(&world.email("r")).await.expect("mailbox");
    let reminder = emails.last().and_then(|m| m.body.text.clone()).expect("text");
    assert!(reminder.contains("34,84") && !reminder.contains("574,84"), "{reminder}");
}

#[tokio::test]
async fn corrections_at_the_same_moment_never_credit_more_than_the_invoice() {
    let world = World::new("correctmany").await;
    world.create_customer("m", json!({})).await;
    world.issue("inv-m", &invoice_body("m")).await;
    world.set_now(morning(date("2026-03-20")));
    // Eight corrections of 100.00 net each at once on 479.03 net: four fit.
    let calls = (0..8).map(|i| {
        let world = world.sibling();
        async move {
            correct(
                &world,
                "m",
                "F2026-000001",
                &format!("many-{i}"),
                json!({ "scope": "amount", "reason": "remise.", "net_minor": 10_000 }),
            )
            .await
        }
    });
    let answers = futures::future::join_all(calls).await;
    let granted: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 201).map(|(_, b)| b).collect();
    let refused = answers.iter().filter(|(s, _)| *s == 422).count();
    assert_eq!((granted.len(), refused), (4, 4), "{answers:?}");
    let mut numbers: Vec<&str> = granted.iter().filter_map(|b| b["number"].as_str()).collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        ["AV2026-000001", "AV2026-000002", "AV2026-000003", "AV2026-000004"]
    );
    let after = invoice(&world, "m", "F2026-000001").await;
    assert_eq!(after["remaining_minor"].as_i64(), Some(GROSS - 4 * 12_000));
    let credits = world
        .store
        .customer_credits(&CustomerId::parse("m").expect("id"))
        .await
        .expect("credits");
    assert_eq!(credits.len(), 4);
}

#[tokio::test]
async fn corrective_credit_notes_pass_the_official_en16931_rules_as_served() {
    let world = World::new("correctdocs").await;
    world.create_customer("d", json!({})).await;
    world.issue("inv-d1", &invoice_body("d")).await;
    let mut second = invoice_body("d");
    second["lines"][0]["vat_rate"] = json!("5.5");
    world.issue("inv-d2", &second).await;
    world.set_now(morning(date("2026-03-20")));
    let mut files = Vec::new();
    let out = relance_e2e::validate::out_dir();
    for (number, key, body) in [
        (
            "F2026-000001",
            "docs-full",
            json!({ "scope": "full", "reason": "facture annulée à la demande du client." }),
        ),
        (
            "F2026-000002",
            "docs-lines",
            json!({ "scope": "lines", "reason": "un kilo de pièces non livré.", "lines": [{ "line": 2, "quantity": 1 }] }),
        ),
        (
            "F2026-000002",
            "docs-amount",
            json!({ "scope": "amount", "reason": "remise convenue.", "net_minor": 5_000 }),
        ),
    ] {
        let (status, note) = correct(&world, "d", number, key, body).await;
        assert_eq!(status, 201, "{note}");
        let id = note["id"].as_str().expect("credit id");
        for format in ["cii", "ubl"] {
            let (status, bytes) = world
                .call_bytes(&format!("/customers/d/credits/{id}/documents/{format}"))
                .await;
            assert_eq!(status, 200);
            let path = out.join(format!("correction-{key}.{format}.xml"));
            std::fs::write(&path, &bytes).expect("write");
            files.push(path);
        }
    }
    let verdicts = relance_e2e::validate::en16931(&files);
    assert_eq!(verdicts.len(), files.len());
    let failures: Vec<&Value> = verdicts.iter().filter(|v| relance_e2e::validate::failed(v)).collect();
    assert!(failures.is_empty(), "{failures:#?}");
}
