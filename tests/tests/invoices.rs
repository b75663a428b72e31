//! Invoice issuance through the finance API, against the local stack.

use crate::common;

use common::{World, at, invoice_body};
use relance::domain::{CustomerId, InvoiceNumber};
use serde_json::json;

#[tokio::test]
async fn an_invoice_is_issued_numbered_stored_and_emailed_with_its_link() {
    let world = World::new("issue").await;
    world.create_customer("boulangerie-martin", json!({})).await;
    let (status, invoice) = world.issue("first-key", &invoice_body("boulangerie-martin")).await;
    assert_eq!(status, 201, "{invoice}");
    assert_eq!(invoice["number"], "F2026-000001");
    // 450.00 + 2.5 kg × 12.90 − 10 % = 29.025 → 29.03; VAT 20 % on 479.03 = 95.806 → 95.81
    assert_eq!(invoice["totals"]["net_minor"], 47903);
    assert_eq!(invoice["totals"]["vat_minor"], 9581);
    assert_eq!(invoice["totals"]["gross_minor"], 57484);
    assert_eq!(invoice["due_date"], "2026-04-01");
    assert_eq!(invoice["status"], "open");

    let emails = world
        .mailbox
        .to(&world.email("boulangerie-martin"))
        .await
        .expect("mailbox");
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert!(email.subject.contains("F2026-000001"), "{}", email.subject);
    assert!(email.subject.contains("574,84"), "{}", email.subject);
    let text = email.body.text.as_deref().expect("text part");
    assert!(text.starts_with("Bonjour Camille Martin,"), "{text}");
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with(common::PUBLIC_URL))
        .expect("a hosted invoice link");
    let token = link.rsplit('/').next().expect("token");
    assert!(token.len() >= 22, "at least 128 bits of token");

    // The link resolves to this customer's invoice, for viewing only; the
    // token itself is not stored, only its hash.
    use relance::links::{LinkPurpose, hash};
    let now = world.state.now();
    let grant = world
        .store
        .resolve_link(token, LinkPurpose::ViewInvoice, now)
        .await
        .expect("store")
        .expect("valid");
    assert_eq!(grant.customer_id.as_str(), "boulangerie-martin");
    assert_eq!(grant.object, "F2026-000001");
    let scan = world
        .dynamodb()
        .scan()
        .table_name(world.store.table())
        .send()
        .await
        .expect("scan");
    let raw = format!("{:?}", scan.items);
    assert!(!raw.contains(token), "the token text is stored nowhere");
    assert!(raw.contains(&hash(token)), "its hash is");

    // The invoice reads back with its delivery status.
    let (status, read) = world
        .call("GET", "/customers/boulangerie-martin/invoices/F2026-000001", &[], None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(read["email"]["status"], "SENT");
    assert_eq!(read["totals"], invoice["totals"]);
}

#[tokio::test]
async fn a_replayed_request_returns_the_first_answer_and_creates_nothing() {
    let world = World::new("replay").await;
    world.create_customer("c1", json!({})).await;
    let body = invoice_body("c1");
    let (s1, first) = world.issue("same-key", &body).await;
    let items_after_first = world.item_count().await;
    let (s2, second) = world.issue("same-key", &body).await;
    assert_eq!((s1.as_u16(), s2.as_u16()), (201, 201));
    assert_eq!(first, second, "same answer");
    assert_eq!(world.item_count().await, items_after_first, "nothing new written");
    assert_eq!(
        world.mailbox.to(&world.email("c1")).await.expect("mailbox").len(),
        1,
        "one email"
    );

    // Key order and whitespace do not make a different request…
    let reordered = serde_json::to_string_pretty(&body).expect("json");
    let (s3, third) = world
        .call_raw("POST", "/invoices", &[("idempotency-key", "same-key")], Some(reordered))
        .await;
    assert_eq!((s3.as_u16(), &third), (201, &first));
    // …nor do keys written in another order (the same invoice, its fields
    // and its lines' fields reversed).
    let reversed = |value: &serde_json::Value| -> String {
        fn write(v: &serde_json::Value) -> String {
            match v {
                serde_json::Value::Object(m) => {
                    let fields: Vec<String> = m.iter().rev().map(|(k, v)| format!("{k:?}: {}", write(v))).collect();
                    format!("{{{}}}", fields.join(", "))
                }
                serde_json::Value::Array(a) => format!("[{}]", a.iter().map(write).collect::<Vec<_>>().join(", ")),
                other => other.to_string(),
            }
        }
        write(value)
    };
    let (s3b, fourth) = world
        .call_raw(
            "POST",
            "/invoices",
            &[("idempotency-key", "same-key")],
            Some(reversed(&body)),
        )
        .await;
    assert_eq!(
        (s3b.as_u16(), &fourth),
        (201, &first),
        "keys in another order are the same request"
    );

    // …but a different body with the same key is refused, naming the header.
    let mut other = body.clone();
    other["lines"][0]["unit_price_minor"] = json!(46000);
    let (s4, refused) = world.issue("same-key", &other).await;
    assert_eq!(s4, 422, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(world.item_count().await, items_after_first);

    // And a request without a key is refused before anything happens.
    let (s5, missing) = world.call("POST", "/invoices", &[], Some(&body)).await;
    assert_eq!(s5, 400);
    assert_eq!(missing["errors"][0]["field"], "Idempotency-Key");
}

#[tokio::test]
async fn a_consumer_invoice_carries_no_recovery_indemnity_and_long_terms_are_refused() {
    let world = World::new("b2c").await;
    world
        .create_customer(
            "dupont",
            json!({ "kind": "consumer", "contact_name": "Léa Dupont", "company_name": null, "siren": null, "vat_number": null }),
        )
        .await;
    world.create_customer("acme", json!({ "locale": "en" })).await;

    let (status, _) = world.issue("b2c", &invoice_body("dupont")).await;
    assert_eq!(status, 201);
    let (status, _) = world.issue("b2b", &invoice_body("acme")).await;
    assert_eq!(status, 201);
    let b2c = &world.mailbox.to(&world.email("dupont")).await.expect("mailbox")[0];
    let b2b = &world.mailbox.to(&world.email("acme")).await.expect("mailbox")[0];
    for part in [b2c.body.text.as_deref(), b2c.body.html.as_deref()] {
        let part = part.expect("part");
        assert!(!part.contains("40,00"), "no indemnity for a consumer");
        assert!(!part.contains("indemnité forfaitaire"));
        assert!(part.contains("Léa Dupont"));
    }
    let text = b2b.body.text.as_deref().expect("text");
    assert!(text.contains("fixed recovery indemnity of €40.00"), "{text}");

    // 75 days is beyond the legal 60; 45 days end of month is allowed.
    let mut long = invoice_body("acme");
    long["payment_terms"] = json!({ "days": 75 });
    let before = world.item_count().await;
    let (status, refused) = world.issue("long", &long).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "payment_terms");
    assert!(
        refused["errors"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("legal maximum")
    );
    assert_eq!(world.item_count().await, before, "nothing written");
    let mut eom = invoice_body("acme");
    eom["payment_terms"] = json!({ "days_end_of_month": 45 });
    let (status, ok) = world.issue("eom", &eom).await;
    assert_eq!(status, 201, "{ok}");
    assert_eq!(ok["due_date"], "2026-04-30");
}

#[tokio::test]
async fn partial_then_full_payment_closes_the_invoice_and_each_step_is_in_the_history() {
    let world = World::new("pay").await;
    world.create_customer("c2", json!({})).await;
    let (_, invoice) = world.issue("inv", &invoice_body("c2")).await;
    let number = invoice["number"].as_str().expect("number").to_string();
    let path = format!("/customers/c2/invoices/{number}/payments");
    let id = CustomerId::parse("c2").expect("id");
    let open = |w: &World| {
        let store = w.store.clone();
        async move {
            let mut all = Vec::new();
            for shard in 0..relance::store::keys::SHARDS {
                all.extend(
                    store
                        .open_invoice_keys(shard, chrono::NaiveDate::from_ymd_opt(2099, 12, 31).expect("date"))
                        .await
                        .expect("query"),
                );
            }
            all
        }
    };
    assert_eq!(
        open(&world).await,
        vec![(id.clone(), InvoiceNumber::parse(&number).expect("n"))]
    );

    world.set_now(at(2026, 3, 20, 9));
    let partial = json!({ "amount_minor": 20000, "date": "2026-03-19", "method": "transfer", "reference": "VIR 8841" });
    let (s, after_partial) = world
        .call("POST", &path, &[("idempotency-key", "p1")], Some(&partial))
        .await;
    assert_eq!(s, 200, "{after_partial}");
    assert_eq!(after_partial["status"], "open");
    assert_eq!(after_partial["paid_minor"], 20000);

    // Retrying the same payment records it once.
    let (s, again) = world
        .call("POST", &path, &[("idempotency-key", "p1")], Some(&partial))
        .await;
    assert_eq!((s.as_u16(), &again), (200, &after_partial));

    // Paying more than what remains is refused with the amount that remains.
    let too_much = json!({ "amount_minor": 40000, "date": "2026-03-20", "method": "card" });
    let (s, refused) = world
        .call("POST", &path, &[("idempotency-key", "p2")], Some(&too_much))
        .await;
    assert_eq!(s, 422);
    assert_eq!(refused["errors"][0]["field"], "amount_minor");
    assert!(
        refused["message"].as_str().unwrap_or_default().contains("37484"),
        "{refused}"
    );

    let rest = json!({ "amount_minor": 37484, "date": "2026-04-03", "method": "transfer", "reference": "VIR 9120" });
    world.set_now(at(2026, 4, 3, 9));
    let (s, paid) = world
        .call("POST", &path, &[("idempotency-key", "p3")], Some(&rest))
        .await;
    assert_eq!(s, 200, "{paid}");
    assert_eq!(paid["status"], "paid");
    assert!(
        open(&world).await.is_empty(),
        "a paid invoice leaves the open-invoices index"
    );

    let history = world.store.full_history(&id).await.expect("history");
    // The archive's own events (archived, the books' copy) come at the
    // same instant as the invoice email, in no fixed order: archive.rs
    // checks them.
    let kinds: Vec<&str> = history
        .iter()
        .map(|e| e.kind.name())
        .filter(|k| !matches!(*k, "documents_archived" | "book_copy_sent"))
        .collect();
    assert_eq!(
        kinds,
        [
            "customer_created",
            "invoice_issued",
            "invoice_emailed",
            "payment_recorded",
            "payment_recorded",
            "invoice_paid"
        ]
    );
    let paid_event = history
        .iter()
        .find(|e| matches!(e.kind, relance::domain::EventKind::InvoicePaid { .. }));
    match paid_event.map(|e| &e.kind) {
        Some(relance::domain::EventKind::InvoicePaid { days_late, .. }) => assert_eq!(*days_late, 2),
        other => panic!("unexpected {other:?}"),
    }
    // A paid invoice takes no more payments.
    let (s, _) = world
        .call(
            "POST",
            &path,
            &[("idempotency-key", "p4")],
            Some(&json!({ "amount_minor": 1, "date": "2026-04-03", "method": "cash" })),
        )
        .await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn disputes_open_and_settle_once_each() {
    let world = World::new("dispute").await;
    world.create_customer("c3", json!({})).await;
    let (_, invoice) = world.issue("inv", &invoice_body("c3")).await;
    let base = format!(
        "/customers/c3/invoices/{}/disputes",
        invoice["number"].as_str().expect("n")
    );
    let (s, opened) = world
        .call("POST", &base, &[], Some(&json!({ "reason": "Pièces non livrées" })))
        .await;
    assert_eq!(s, 201, "{opened}");
    assert_eq!(opened["disputes"][0]["opened_by"], "local:camille.finance");
    let (s, _) = world
        .call("POST", &base, &[], Some(&json!({ "reason": "encore" })))
        .await;
    assert_eq!(s, 409, "one open dispute at a time");
    let (s, settled) = world
        .call(
            "POST",
            &format!("{base}/settle"),
            &[],
            Some(&json!({ "resolution": "Pièces livrées le 5 mars" })),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        settled["disputes"][0]["settled"]["resolution"],
        "Pièces livrées le 5 mars"
    );
    let (s, _) = world
        .call(
            "POST",
            &format!("{base}/settle"),
            &[],
            Some(&json!({ "resolution": "x" })),
        )
        .await;
    assert_eq!(s, 409);
}
