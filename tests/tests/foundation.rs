//! The foundation's promises against the real local stack: the store
//! writes and reads a customer's history in order; an email rendered from
//! the templates goes through the SES endpoint and reads back whole.

use crate::common;

use common::{World, at, invoice_body};
use relance::domain::Email;
use relance::domain::EventKind;
use relance::mail::{Mailer, OutgoingEmail, SesMailer};

#[tokio::test]
async fn the_store_keeps_a_customers_history_in_time_order() {
    let world = World::new("history").await;
    world.create_customer("boulangerie-martin", serde_json::json!({})).await;
    world.set_now(at(2026, 3, 2, 10));
    let (status, invoice) = world.issue("k1", &invoice_body("boulangerie-martin")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number");
    world.set_now(at(2026, 3, 20, 8));
    let (status, _) = world
        .call(
            "POST",
            &format!("/customers/boulangerie-martin/invoices/{number}/disputes"),
            &[],
            Some(&serde_json::json!({ "reason": "Le four a de nouveau calé le 12 mars" })),
        )
        .await;
    assert_eq!(status, 201);

    let id = relance::domain::CustomerId::parse("boulangerie-martin").expect("id");
    let events = world.store.full_history(&id).await.expect("history");
    // The archive's own events (archived, the books' copy) come at the
    // same instant as the invoice email, in no fixed order: archive.rs
    // checks them.
    let kinds: Vec<&str> = events
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
            "dispute_opened"
        ]
    );
    assert!(events.windows(2).all(|w| w[0].at <= w[1].at), "time order");
    assert_eq!(events[0].actor.0, "local:camille.finance");

    // Paginated reads return the same events, page by page.
    let first = world.store.history(&id, 2, None).await.expect("page 1");
    assert_eq!(first.events.len(), 2);
    let second = world
        .store
        .history(&id, 2, first.next.as_deref())
        .await
        .expect("page 2");
    assert_eq!(second.events[0].id, events[2].id);
    assert!(matches!(events[1].kind, EventKind::InvoiceIssued { .. }));
}

#[tokio::test]
async fn an_email_goes_through_the_ses_endpoint_and_reads_back_whole() {
    let world = World::new("mail").await;
    let to = world.email("claire");
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::new(&world.config),
        "factures@atelier-durand.fr",
        None,
    );
    let renderer = relance::render::Renderer::new().expect("templates");
    let locale = relance::domain::Locale::Fr;
    let sample = relance::view::sample::invoice_email(locale).expect("sample");
    let rendered = renderer.email("invoice", locale, &sample).expect("renders");
    assert!(rendered.html.contains("<html lang=\"fr\">"));
    let email = OutgoingEmail {
        to: Email::parse(&to).expect("address"),
        subject: "Facture F2026-000001 : 1 234,56 €".into(),
        html: "<p>Bonjour <strong>Claire</strong></p>".into(),
        text: "Bonjour Claire".into(),
        reply_to: None,
        tags: vec![("kind".into(), "test".into())],
        headers: vec![],
        stream: Default::default(),
        attachments: vec![relance::mail::Attachment {
            file_name: "F2026-000001.pdf".into(),
            content_type: "application/pdf",
            bytes: b"%PDF-1.7 not a real document".to_vec(),
        }],
    };
    let id = mailer.send(&email).await.expect("sent");
    let received = world.mailbox.to(&to).await.expect("mailbox");
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.message_id, id);
    assert_eq!(got.subject, email.subject);
    assert_eq!(got.body.html.as_deref(), Some(email.html.as_str()));
    assert_eq!(got.body.text.as_deref().map(str::trim), Some("Bonjour Claire"));
    assert!(got.destination.to.iter().any(|t| t == &to));
    let file = &got.attachments[..];
    assert_eq!(file.len(), 1, "{file:?}");
    assert_eq!(
        (file[0].filename.as_str(), file[0].content_type.as_str()),
        ("F2026-000001.pdf", "application/pdf")
    );
    assert_eq!(file[0].bytes().expect("base64"), email.attachments[0].bytes);
}

/// An index as compared: name, key schema, projected attributes.
type IndexShape = (String, Vec<(String, String)>, Vec<String>);

/// The table every test runs against is the one SAM deploys: created from
/// the template's `Table` resource, and the keys, indexes, stream and TTL
/// the code uses are the ones DynamoDB Local reports back.
#[tokio::test]
async fn the_tests_table_is_the_templates_and_the_codes() {
    use relance::store::keys;
    let world = World::new("shape").await;
    let client = world.dynamodb();
    let described = client
        .describe_table()
        .table_name(world.store.table())
        .send()
        .await
        .expect("describe");
    let table = described.table.expect("a table");
    let template = relance_e2e::table::table_properties().expect("template table");

    let keys_of = |schema: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<(String, String)> {
        schema
            .iter()
            .map(|k| (k.attribute_name.clone(), k.key_type.as_str().to_string()))
            .collect()
    };
    let template_keys = |schema: &[relance_e2e::table::KeyDef]| -> Vec<(String, String)> {
        schema
            .iter()
            .map(|k| (k.attribute_name.clone(), k.key_type.clone()))
            .collect()
    };
    assert_eq!(keys_of(table.key_schema()), template_keys(&template.key_schema));
    assert_eq!(
        keys_of(table.key_schema()),
        [
            (keys::PK.to_string(), "HASH".to_string()),
            (keys::SK.to_string(), "RANGE".to_string())
        ]
    );

    let mut indexes: Vec<IndexShape> = table
        .global_secondary_indexes()
        .iter()
        .map(|i| {
            let mut projected = i
                .projection()
                .map(|p| p.non_key_attributes().to_vec())
                .unwrap_or_default();
            projected.sort();
            (
                i.index_name().unwrap_or_default().to_string(),
                keys_of(i.key_schema()),
                projected,
            )
        })
        .collect();
    indexes.sort();
    let mut expected: Vec<IndexShape> = template
        .global_secondary_indexes
        .iter()
        .map(|i| {
            let mut projected = i.projection.non_key_attributes.clone();
            projected.sort();
            (i.index_name.clone(), template_keys(&i.key_schema), projected)
        })
        .collect();
    expected.sort();
    assert_eq!(indexes, expected);
    let code_indexes = [
        (keys::OPEN_INVOICES_INDEX, keys::OPEN_PK, keys::OPEN_SK),
        (keys::OUTBOX_INDEX, keys::OUTBOX_PK, keys::OUTBOX_SK),
    ];
    for (name, pk, sk) in code_indexes {
        let index = indexes.iter().find(|i| i.0 == name).expect("the code's index exists");
        assert_eq!(
            index.1,
            [
                (pk.to_string(), "HASH".to_string()),
                (sk.to_string(), "RANGE".to_string())
            ]
        );
    }

    let stream = table.stream_specification().expect("a stream");
    assert!(stream.stream_enabled());
    assert_eq!(
        stream.stream_view_type().map(|v| v.as_str().to_string()),
        template.stream_specification.map(|s| s.stream_view_type)
    );
    let ttl = client
        .describe_time_to_live()
        .table_name(world.store.table())
        .send()
        .await
        .expect("describe TTL");
    let ttl = ttl.time_to_live_description.expect("TTL");
    assert_eq!(ttl.attribute_name(), Some(keys::EXPIRES_AT));
    assert_eq!(
        template.time_to_live_specification.map(|t| t.attribute_name),
        Some(keys::EXPIRES_AT.to_string())
    );
}
