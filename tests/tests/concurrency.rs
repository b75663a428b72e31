//! 200 concurrent issue requests, some of them the same request sent
//! twice at once: exactly the expected invoices, numbered without gap or
//! repeat, and one email each.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use common::{World, invoice_body};
use serde_json::{Value, json};

const DISTINCT: usize = 150;
const DUPLICATED: usize = 50;
const CUSTOMERS: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_and_retried_requests_number_without_gap_or_repeat() {
    let world = Arc::new(World::new("concurrency").await);
    // Two instances of the function share the table, like two Lambda
    // instances: their writes race for the same sequence.
    let instances = [world.clone(), Arc::new(world.sibling())];
    for c in 0..CUSTOMERS {
        world.create_customer(&format!("c{c}"), json!({})).await;
    }
    // Request i goes to customer i % 10; the first 50 are also sent a
    // second time, concurrently, with the same key (a client retry).
    let mut requests: Vec<(String, Value)> = (0..DISTINCT)
        .map(|i| {
            let mut body = invoice_body(&format!("c{}", i % CUSTOMERS));
            body["lines"][0]["description"] = json!(format!("Prestation n° {i}"));
            (format!("key-{i}"), body)
        })
        .collect();
    requests.extend(requests[..DUPLICATED].to_vec());
    assert_eq!(requests.len(), 200);

    let tasks: Vec<_> = requests
        .into_iter()
        .enumerate()
        .map(|(i, (key, body))| {
            // A retry lands on the other instance than its original.
            let world = instances[(i + i / DISTINCT) % 2].clone();
            tokio::spawn(async move {
                // A client retries what the API asked it to retry (503).
                for _ in 0..20 {
                    let (status, answer) = world.issue(&key, &body).await;
                    if status != 503 {
                        return (key, status.as_u16(), answer);
                    }
                }
                panic!("request {key} stayed busy");
            })
        })
        .collect();
    let mut answers: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for task in tasks {
        let (key, status, answer) = task.await.expect("task");
        assert_eq!(status, 201, "{key}: {answer}");
        answers.entry(key).or_default().push(answer);
    }

    // Every key has one invoice; both answers to a duplicated key are the same.
    assert_eq!(answers.len(), DISTINCT);
    for (key, list) in &answers {
        assert!(list.windows(2).all(|w| w[0] == w[1]), "{key} answered differently");
    }
    // Numbers are exactly 1..=150: no gap, no repeat.
    let numbers: BTreeSet<String> = answers
        .values()
        .map(|l| l[0]["number"].as_str().unwrap_or("").to_string())
        .collect();
    let expected: BTreeSet<String> = (1..=DISTINCT).map(|n| format!("F2026-{n:06}")).collect();
    assert_eq!(numbers, expected);
    // The description each key sent is on the invoice it got.
    for (key, list) in &answers {
        let i = key.trim_start_matches("key-");
        assert_eq!(list[0]["lines"][0]["description"], format!("Prestation n° {i}"));
    }
    // One email per invoice, each to the right customer.
    for c in 0..CUSTOMERS {
        let emails = world.mailbox.to(&world.email(&format!("c{c}"))).await.expect("mailbox");
        assert_eq!(emails.len(), DISTINCT / CUSTOMERS, "customer c{c}");
    }
}
