//! The write-once archive against the local S3 (moto's server, Object
//! Lock in compliance mode) and DynamoDB Local: an issued invoice's
//! Factur-X PDF, CII and UBL are stored once, exactly as the documents
//! function serves them, locked for ten years; the history records each
//! SHA-256; a redelivered record, or two archivers at once, store nothing
//! new; a locked original cannot be deleted.

mod common;

use std::sync::Arc;

use archive_documents::{Archive, Deps, sha256_hex};
use common::World;
use relance::domain::{CustomerId, EventKind, HistoryEvent};
use serde_json::json;

async fn deps(world: &World, label: &str) -> (Arc<Deps>, aws_sdk_s3::Client, String) {
    let bucket = relance_e2e::fresh_bucket(&world.config, label).await.expect("bucket");
    let s3 = aws_sdk_s3::Client::new(&world.config);
    let deps = Arc::new(Deps {
        store: world.store.clone(),
        archive: Archive {
            s3: s3.clone(),
            bucket: bucket.clone(),
        },
    });
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
    let (deps, s3, bucket) = deps(&world, "archive").await;
    let batch = relance_e2e::stream::inserted(&world.dynamodb(), world.store.table(), std::slice::from_ref(&issued))
        .await
        .expect("stream record");

    // The record, delivered three times: twice in a row, then by two
    // archivers at once.
    for _ in 0..2 {
        let answer = archive_documents::handle(&deps, batch.clone()).await;
        assert!(answer.batch_item_failures.is_empty(), "{answer:?}");
    }
    let (a, b) = tokio::join!(
        archive_documents::handle(&deps, batch.clone()),
        archive_documents::handle(&deps, batch.clone())
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
    let (deps, s3, bucket) = deps(&world, "archive-skip").await;
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
