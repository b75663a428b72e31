//! The write-once archive against the local S3 (moto's server, Object
//! Lock in compliance mode) and DynamoDB Local: an issued invoice's
//! Factur-X PDF, CII and UBL are stored once, exactly as the documents
//! function serves them, locked for ten years; the history records each
//! SHA-256; a redelivered record, or two archivers at once, store nothing
//! new and send nothing twice; the invoice email carries the archived PDF
//! (checked in its MIME source), and the accounting inbox gets one copy;
//! a locked original cannot be deleted.

use crate::common;

use std::sync::Arc;

use archive_documents::{Deps, sha256_hex};
use common::World;
use mail_parser::MimeHeaders;
use relance::domain::{CustomerId, EventKind, HistoryEvent};
use serde_json::json;

/// The world's archive (the one its writes were handed to), its client
/// and bucket.
fn deps(world: &World) -> (Arc<Deps>, aws_sdk_s3::Client, String) {
    let deps = world.archive.clone();
    let (s3, bucket) = (deps.archive.s3.clone(), deps.archive.bucket.clone());
    (deps, s3, bucket)
}

async fn events(world: &World, customer: &str) -> Vec<HistoryEvent> {
    let id = CustomerId::parse(customer).expect("id");
    world.store.history(&id, 100, None).await.expect("history").events
}

async fn versions(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<(String, String)> {
    let listed = s3.list_object_versions().bucket(bucket).send().await.expect("versions");
    listed
        .versions()
        .iter()
        .map(|v| {
            (
                v.key().unwrap_or_default().to_string(),
                v.version_id().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_issued_invoice_is_archived_once_exactly_as_issued_and_cannot_be_deleted() {
    let world = World::new("archive").await;
    world.create_customer("martin", json!({})).await;
    let (status, body) = world.issue("k1", &common::invoice_body("martin")).await;
    assert_eq!(status, 201, "{body}");
    let number = body["number"].as_str().expect("number").to_string();
    let issued = events(&world, "martin")
        .await
        .into_iter()
        .find(|e| matches!(e.kind, EventKind::InvoiceIssued { .. }))
        .expect("invoice_issued");
    let (deps, s3, bucket) = deps(&world);
    let now = common::at(2026, 3, 2, 10);
    let batch = relance_e2e::stream::inserted(&world.dynamodb(), world.store.table(), std::slice::from_ref(&issued))
        .await
        .expect("stream record");

    // The record was handed over once when the invoice was issued; it is
    // delivered again twice in a row, then to two archivers at once.
    for _ in 0..2 {
        let answer = archive_documents::handle(&deps, batch.clone()).await;
        assert!(answer.batch_item_failures.is_empty(), "{answer:?}");
    }
    let (a, b) = tokio::join!(
        archive_documents::handle(&deps, batch.clone()),
        archive_documents::handle(&deps, batch.clone())
    );
    assert!(a.batch_item_failures.is_empty() && b.batch_item_failures.is_empty());
    // And the archive's record, handed to the document mailer again the
    // same way.
    let recorded: Vec<HistoryEvent> = events(&world, "martin")
        .await
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::DocumentsArchived { .. }))
        .collect();
    let again = relance_e2e::stream::inserted(&world.dynamodb(), world.store.table(), &recorded)
        .await
        .expect("stream record");
    let mail = &world.documents;
    for _ in 0..2 {
        let answer = archive_documents::mail::handle(mail, again.clone(), now).await;
        assert!(answer.batch_item_failures.is_empty(), "{answer:?}");
    }
    let (a, b) = tokio::join!(
        archive_documents::mail::handle(mail, again.clone(), now),
        archive_documents::mail::handle(mail, again.clone(), now)
    );
    assert!(a.batch_item_failures.is_empty() && b.batch_item_failures.is_empty());

    let stored = versions(&s3, &bucket).await;
    let keys: Vec<&str> = stored.iter().map(|(k, _)| k.as_str()).collect();
    let folder = format!("invoices/martin/{number}/{number}");
    let mut expected = vec![
        format!("{folder}.cii.xml"),
        format!("{folder}.pdf"),
        format!("{folder}.ubl.xml"),
    ];
    expected.sort();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "each document once, one version each");

    // One event records them, with the hashes of the stored bytes, which
    // are the bytes the documents function serves.
    let archived: Vec<HistoryEvent> = events(&world, "martin")
        .await
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::DocumentsArchived { .. }))
        .collect();
    assert_eq!(archived.len(), 1, "one documents_archived event: {archived:?}");
    let EventKind::DocumentsArchived { documents, .. } = &archived[0].kind else {
        unreachable!("filtered above")
    };
    assert_eq!(documents.len(), 3);
    for doc in documents {
        let object = s3
            .get_object()
            .bucket(&bucket)
            .key(&doc.key)
            .send()
            .await
            .expect("stored");
        let mode = object.object_lock_mode().map(|m| m.as_str().to_string());
        let until = object.object_lock_retain_until_date().map(|d| d.secs());
        let bytes = object.body.collect().await.expect("body").into_bytes().to_vec();
        assert_eq!(
            sha256_hex(&bytes),
            doc.sha256,
            "{}: the recorded hash is the stored bytes'",
            doc.key
        );
        assert_eq!(u64::try_from(bytes.len()).ok(), Some(doc.bytes));
        assert_eq!(mode.as_deref(), Some("COMPLIANCE"), "{}", doc.key);
        // Ten years after the close of 2026.
        assert_eq!(until, Some(2_114_380_800), "{}: locked until 2037-01-01", doc.key);
        let (status, served) = world
            .call_bytes(&format!("/customers/martin/invoices/{number}/documents/{}", doc.format))
            .await;
        assert_eq!(status, 200);
        assert_eq!(served, bytes, "{}: the archive holds what is served", doc.format);
    }

    // The customer got one email, with the archived PDF attached (a
    // Factur-X customer gets the PDF: its CII travels inside).
    let pdf = documents.iter().find(|d| d.format == "pdf").expect("pdf archived");
    let mails = world.mailbox.to(&world.email("martin")).await.expect("mailbox");
    assert_eq!(mails.len(), 1, "one invoice email for five deliveries of the record");
    let files: Vec<(&str, &str)> = mails[0]
        .attachments
        .iter()
        .map(|a| (a.filename.as_str(), a.content_type.as_str()))
        .collect();
    assert_eq!(files, vec![(format!("{number}.pdf").as_str(), "application/pdf")]);
    // As a mail client reads it: text, HTML and the PDF in one MIME message.
    let eml = world.mailbox.eml(&mails[0].message_id).await.expect("MIME source");
    let parsed = mail_parser::MessageParser::default()
        .parse(&eml)
        .expect("a MIME message");
    assert!(parsed.body_text(0).is_some_and(|t| t.contains("jointe à ce message")));
    assert!(parsed.body_html(0).is_some());
    let attached = parsed.attachment(0).expect("an attachment");
    assert_eq!(attached.attachment_name(), Some(format!("{number}.pdf").as_str()));
    // The local endpoint builds its MIME source from SES's base64 field
    // without decoding it first, so the part holds the file base64-encoded
    // once more (SES itself decodes it): one extra layer to peel here.
    let contents = {
        use base64::Engine;
        let text: String = String::from_utf8_lossy(attached.contents())
            .split_whitespace()
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .expect("the endpoint's extra base64 layer")
    };
    assert_eq!(
        sha256_hex(&contents),
        pdf.sha256,
        "the email carries the archived original"
    );
    assert_eq!(
        sha256_hex(&mails[0].attachments[0].bytes().expect("base64")),
        pdf.sha256,
        "the endpoint's record of the file too"
    );

    // The books got one copy, with the same file.
    let history = events(&world, "martin").await;
    let copies: Vec<&str> = history
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::BookCopySent {
                provider_message_id, ..
            } => Some(provider_message_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(copies.len(), 1, "one copy for the books: {copies:?}");
    let all = world.mailbox.all().await.expect("mailbox");
    let copy = all
        .iter()
        .find(|m| m.message_id == copies[0])
        .expect("the copy was sent");
    assert!(
        copy.destination
            .to
            .iter()
            .any(|t| t.contains("comptabilite@atelier-durand.fr"))
    );
    assert!(copy.subject.contains(&number), "{}", copy.subject);
    assert_eq!(copy.attachments.len(), 1);
    assert_eq!(sha256_hex(&copy.attachments[0].bytes().expect("base64")), pdf.sha256);

    // A locked original cannot be deleted, not even by version.
    let (key, version) = &stored[0];
    let deleted = s3
        .delete_object()
        .bucket(&bucket)
        .key(key)
        .version_id(version)
        .send()
        .await;
    assert!(deleted.is_err(), "deleting a locked original must be refused");
    assert_eq!(versions(&s3, &bucket).await.len(), 3, "still there");
}

#[tokio::test]
async fn events_the_archive_does_not_act_on_are_left_alone() {
    let world = World::new("archive-skip").await;
    world.create_customer("martin", json!({})).await;
    let created = events(&world, "martin").await;
    assert!(!created.is_empty());
    let (deps, s3, bucket) = deps(&world);
    let batch = relance_e2e::stream::inserted(&world.dynamodb(), world.store.table(), &created)
        .await
        .expect("stream");
    let answer = archive_documents::handle(&deps, batch).await;
    assert!(answer.batch_item_failures.is_empty());
    assert!(
        versions(&s3, &bucket).await.is_empty(),
        "nothing archived for a customer_created"
    );
}
