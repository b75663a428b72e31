//! A customer's access request: `GET /customers/{id}/export` holds every
//! item the table keeps in their partition — compared with the test's own
//! query of it — page after page, with their documents' addresses, and
//! the export is written in their history with who asked.

use std::collections::BTreeSet;

use crate::common;

use common::{World, date, invoice_body, pass_on};
use serde_json::{Value, json};

/// Every sort key of the customer's partition, read directly.
async fn partition(world: &World, customer: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut start = None;
    loop {
        let out = world
            .dynamodb()
            .query()
            .table_name(world.store.table())
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(
                ":pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("CUST#{customer}")),
            )
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("query");
        for item in out.items.unwrap_or_default() {
            keys.insert(item["SK"].as_s().expect("SK").clone());
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            return keys;
        }
    }
}

#[tokio::test]
async fn an_export_holds_every_item_of_the_customer_page_by_page_and_is_recorded() {
    let world = World::new("export").await;
    world.create_customer("martin", json!({})).await;
    let (status, invoice) = world.issue("exp-1", &invoice_body("martin")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number").to_string();
    assert_eq!(pass_on(&world, date("2026-04-06")).await.emails_sent, 1);
    let (status, _) = world
        .call(
            "POST",
            &format!("/customers/martin/invoices/{number}/disputes"),
            &[],
            Some(&json!({ "reason": "La deuxième visite n'a pas eu lieu." })),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = world
        .call(
            "POST",
            "/customers/martin/replies",
            &[],
            Some(&json!({ "note": "Appel : visite replanifiée." })),
        )
        .await;
    assert_eq!(status, 201);

    // Three items a page, as a client walks it.
    let mut seen: Vec<Value> = Vec::new();
    let mut documents = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let uri = match &cursor {
            Some(c) => format!("/customers/martin/export?limit=3&cursor={c}"),
            None => "/customers/martin/export?limit=3".to_string(),
        };
        let (status, page) = world
            .call("GET", &uri, &[("x-relance-actor", "dpo.atelier")], None)
            .await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["format"], "relance-export/1");
        assert_eq!(page["customer_id"], "martin");
        let mut on_page = 0;
        for (section, items) in page["sections"].as_object().expect("sections") {
            for item in items.as_array().expect("items") {
                assert_ne!(section, "other", "an item kind the export does not name: {item}");
                seen.push(item.clone());
                on_page += 1;
            }
        }
        assert_eq!(page["items"].as_u64(), Some(on_page));
        documents.extend(page["documents"].as_array().cloned().unwrap_or_default());
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert!(pages > 3, "{pages} pages");

    // Exactly what the partition holds, each item once.
    let exported: Vec<String> = seen.iter().map(|i| i["SK"].as_str().expect("SK").to_string()).collect();
    let unique: BTreeSet<String> = exported.iter().cloned().collect();
    assert_eq!(unique.len(), exported.len(), "an item exported twice");
    assert_eq!(unique, partition(&world, "martin").await);

    // What the person holds, readable: the profile with their name and
    // address, the dispute's words, the note, the reminder; the invoice's
    // documents.
    let text = serde_json::to_string(&seen).expect("json");
    let email = world.email("martin");
    for wanted in [
        email.as_str(),
        "Camille Martin",
        "La deuxième visite n'a pas eu lieu.",
        "Appel : visite replanifiée.",
        "reminder_sent",
        "data_exported",
    ] {
        assert!(text.contains(wanted), "{wanted} missing from the export");
    }
    assert_eq!(
        documents,
        vec![json!({
            "number": number,
            "pdf": format!("/customers/martin/invoices/{number}/documents/pdf"),
            "cii": format!("/customers/martin/invoices/{number}/documents/cii"),
            "ubl": format!("/customers/martin/invoices/{number}/documents/ubl"),
        })]
    );
    let (status, _) = world
        .call_bytes(&documents[0]["pdf"].as_str().map(String::from).unwrap_or_default())
        .await;
    assert_eq!(status, 200, "the document route the export names serves the PDF");

    // Recorded once, with who asked: the later pages record nothing.
    let exports: Vec<_> = common::history(&world, "martin")
        .await
        .into_iter()
        .filter(|e| e.kind.name() == "data_exported")
        .collect();
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].actor.0, "local:dpo.atelier");

    // Nobody to export, and a cursor this API never gave.
    let (status, _) = world.call("GET", "/customers/nobody/export", &[], None).await;
    assert_eq!(status, 404);
    let (status, answer) = world
        .call("GET", "/customers/martin/export?cursor=%%%", &[], None)
        .await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = world
        .call("GET", "/customers/martin/export?limit=5000", &[], None)
        .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(common::error_fields(&answer), ["limit"]);
}
