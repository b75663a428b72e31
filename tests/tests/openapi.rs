//! The OpenAPI document stays true: every documented route is exercised,
//! and every status it answers is one the document lists for it.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::{World, business_customer, invoice_body};
use serde_json::{Value, json};

/// (method, documented path, concrete URI, headers, body)
type Call<'a> = (&'a str, &'a str, String, Vec<(&'a str, &'a str)>, Option<Value>);

const SPEC: &str = include_str!("../../functions/issue-invoice/openapi.yaml");

/// (METHOD, templated path) → documented status codes.
fn documented() -> BTreeMap<(String, String), BTreeSet<u16>> {
    let spec: serde_norway::Value = serde_norway::from_str(SPEC).expect("openapi.yaml is YAML");
    let mut out = BTreeMap::new();
    let paths = spec.get("paths").and_then(|p| p.as_mapping()).expect("paths");
    for (path, item) in paths {
        let path = path.as_str().expect("path").to_string();
        for (method, op) in item.as_mapping().expect("path item") {
            let method = method.as_str().expect("method");
            if method == "parameters" {
                continue;
            }
            let codes = op
                .get("responses")
                .and_then(|r| r.as_mapping())
                .expect("responses")
                .keys()
                .filter_map(|k| k.as_str().and_then(|s| s.parse().ok()))
                .collect();
            out.insert((method.to_uppercase(), path.clone()), codes);
        }
    }
    out
}

#[tokio::test]
async fn every_documented_route_answers_as_documented() {
    let spec = documented();
    let world = World::new("openapi").await;
    let mut exercised: BTreeMap<(String, String), Vec<u16>> = BTreeMap::new();
    let invoice_path = "/customers/{id}/invoices/{number}";
    let calls: Vec<Call> = vec![
        (
            "PUT",
            "/customers/{id}",
            "/customers/c1".into(),
            vec![],
            Some(business_customer(&world.email("c1"))),
        ),
        (
            "PUT",
            "/customers/{id}",
            "/customers/c1".into(),
            vec![],
            Some(json!({ "kind": "business" })),
        ),
        ("GET", "/customers/{id}", "/customers/c1".into(), vec![], None),
        ("GET", "/customers/{id}", "/customers/nobody".into(), vec![], None),
        (
            "POST",
            "/invoices",
            "/invoices".into(),
            vec![("idempotency-key", "i1")],
            Some(invoice_body("c1")),
        ),
        (
            "POST",
            "/invoices",
            "/invoices".into(),
            vec![],
            Some(invoice_body("c1")),
        ),
        (
            "GET",
            invoice_path,
            "/customers/c1/invoices/F2026-000001".into(),
            vec![],
            None,
        ),
        (
            "GET",
            invoice_path,
            "/customers/c1/invoices/F2026-000999".into(),
            vec![],
            None,
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/payments",
            "/customers/c1/invoices/F2026-000001/payments".into(),
            vec![("idempotency-key", "p1")],
            Some(json!({ "amount_minor": 100, "date": "2026-03-02", "method": "transfer" })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/disputes",
            "/customers/c1/invoices/F2026-000001/disputes".into(),
            vec![],
            Some(json!({ "reason": "Montant contesté" })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/disputes/settle",
            "/customers/c1/invoices/F2026-000001/disputes/settle".into(),
            vec![],
            Some(json!({ "resolution": "Expliqué par téléphone" })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/promise",
            "/customers/c1/invoices/F2026-000001/promise".into(),
            vec![],
            Some(json!({ "date": "2026-03-20" })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/promise",
            "/customers/c1/invoices/F2026-000001/promise".into(),
            vec![],
            Some(json!({ "date": "2020-01-01" })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/plan",
            "/customers/c1/invoices/F2026-000001/plan".into(),
            vec![],
            Some(json!({ "instalments": [{ "due_date": "2026-04-01", "amount_minor": 57384 }] })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/plan",
            "/customers/c1/invoices/F2026-000999/plan".into(),
            vec![],
            Some(json!({ "instalments": [{ "due_date": "2026-04-01", "amount_minor": 1 }] })),
        ),
        (
            "POST",
            "/customers/{id}/replies",
            "/customers/c1/replies".into(),
            vec![],
            Some(json!({ "note": "Appel" })),
        ),
        (
            "POST",
            "/customers/{id}/replies",
            "/customers/c1/replies".into(),
            vec![],
            Some(json!({ "note": " " })),
        ),
        // No hand-off on this invoice yet (409), and no such invoice (404);
        // `reminders.rs` takes a real hand-off over (200).
        (
            "POST",
            "/customers/{id}/invoices/{number}/take-over",
            "/customers/c1/invoices/F2026-000001/take-over".into(),
            vec![],
            None,
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/take-over",
            "/customers/c1/invoices/F2026-000999/take-over".into(),
            vec![],
            None,
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/credit-notes",
            "/customers/c1/invoices/F2026-000001/credit-notes".into(),
            vec![("idempotency-key", "note-1")],
            Some(json!({ "scope": "amount", "reason": "remise oubliée.", "net_minor": 100 })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/credit-notes",
            "/customers/c1/invoices/F2026-000001/credit-notes".into(),
            vec![("idempotency-key", "note-2")],
            Some(json!({ "scope": "everything", "reason": "x" })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/credit-notes",
            "/customers/c1/invoices/F2026-000404/credit-notes".into(),
            vec![("idempotency-key", "note-3")],
            Some(json!({ "scope": "full", "reason": "x" })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/credit-notes",
            "/customers/c1/invoices/F2026-000001/credit-notes".into(),
            vec![],
            Some(json!({ "scope": "full", "reason": "x" })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/statuses",
            "/customers/c1/invoices/F2026-000001/statuses".into(),
            vec![],
            Some(json!({ "status": "deposited", "status_id": "dep-1", "at": "2026-03-02T10:00:00+01:00" })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/statuses",
            "/customers/c1/invoices/F2026-000001/statuses".into(),
            vec![],
            Some(json!({ "status": "lost", "status_id": "dep-2", "at": "2026-03-02T10:00:00+01:00" })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/statuses",
            "/customers/c1/invoices/F2026-000404/statuses".into(),
            vec![],
            Some(json!({ "status": "deposited", "status_id": "dep-3", "at": "2026-03-02T10:00:00+01:00" })),
        ),
        (
            "POST",
            "/customers/{id}/invoices/{number}/statuses",
            "/customers/c1/invoices/F2026-000001/statuses".into(),
            vec![],
            Some(json!({ "status": "deposited" })),
        ),
        (
            "GET",
            "/reminders/preview",
            "/reminders/preview?as_of=2026-04-06".into(),
            vec![],
            None,
        ),
        (
            "GET",
            "/reminders/preview",
            "/reminders/preview?as_of=someday".into(),
            vec![],
            None,
        ),
        (
            "GET",
            "/customers/{id}/history",
            "/customers/c1/history?limit=2".into(),
            vec![],
            None,
        ),
        (
            "GET",
            "/customers/{id}/history",
            "/customers/c1/history?cursor=nope".into(),
            vec![],
            None,
        ),
        (
            "GET",
            "/customers/{id}/export",
            "/customers/c1/export?limit=3".into(),
            vec![],
            None,
        ),
        (
            "GET",
            "/customers/{id}/export",
            "/customers/c1/export?limit=0".into(),
            vec![],
            None,
        ),
        (
            "GET",
            "/customers/{id}/export",
            "/customers/nobody/export".into(),
            vec![],
            None,
        ),
        ("POST", "/deliveries/retry", "/deliveries/retry".into(), vec![], None),
        (
            "GET",
            "/customers/{id}/invoices/{number}/documents/{format}",
            "/customers/c1/invoices/F2026-000001/documents/cii".into(),
            vec![],
            None,
        ),
        (
            "GET",
            "/customers/{id}/invoices/{number}/documents/{format}",
            "/customers/c1/invoices/F2026-000001/documents/pdfx".into(),
            vec![],
            None,
        ),
        (
            "GET",
            "/customers/{id}/invoices/{number}/documents/{format}",
            "/customers/c1/invoices/F2026-000404/documents/ubl".into(),
            vec![],
            None,
        ),
        (
            "GET",
            "/customers/{id}/credits/{credit}/documents/{format}",
            "/customers/c1/credits/none/documents/cii".into(),
            vec![],
            None,
        ),
    ];
    for (method, template, uri, headers, body) in calls {
        let (status, answer) = world.call(method, &uri, &headers, body.as_ref()).await;
        let key = (method.to_string(), template.to_string());
        let allowed = spec
            .get(&key)
            .unwrap_or_else(|| panic!("{method} {template} is not documented"));
        assert!(
            allowed.contains(&status.as_u16()),
            "{method} {uri} answered {status}, not documented: {answer}"
        );
        exercised.entry(key).or_default().push(status.as_u16());
    }
    // The bank routes: a statement is a file, not JSON.
    let stranger = relance_e2e::statements::Movement::credit(
        "2026-03-03".parse().expect("date"),
        1_234,
        "JEAN VALJEAN",
        &["CADEAU"],
    );
    let statement = relance_e2e::statements::camt053("08", "FR7630004000500000123456733", &[stranger]);
    let mut bank: Vec<(&str, &str, String, Option<String>)> = vec![
        ("POST", "/bank-statements", "/bank-statements".into(), Some(statement)),
        (
            "POST",
            "/bank-statements",
            "/bank-statements".into(),
            Some("not a statement".into()),
        ),
        ("GET", "/bank-entries/review", "/bank-entries/review".into(), None),
        (
            "GET",
            "/bank-entries/{entry}",
            "/bank-entries/BE-000000000000000000000000".into(),
            None,
        ),
    ];
    for (method, template, uri, body) in bank.drain(..) {
        let (status, answer) = world.call_raw(method, &uri, &[], body).await;
        let key = (method.to_string(), template.to_string());
        let allowed = spec
            .get(&key)
            .unwrap_or_else(|| panic!("{method} {template} is not documented"));
        assert!(
            allowed.contains(&status.as_u16()),
            "{method} {uri} answered {status}, not documented: {answer}"
        );
        exercised.entry(key).or_default().push(status.as_u16());
    }
    let (_, queue) = world.call("GET", "/bank-entries/review", &[], None).await;
    let id = queue["entries"][0]["id"]
        .as_str()
        .expect("the stranger's entry waits")
        .to_string();
    let decided = json!({ "not_a_customer_payment": true, "note": "un don" });
    let entry_calls: Vec<(&str, &str, String, Option<String>)> = vec![
        ("GET", "/bank-entries/{entry}", format!("/bank-entries/{id}"), None),
        (
            "POST",
            "/bank-entries/{entry}/assignment",
            format!("/bank-entries/{id}/assignment"),
            Some("{".into()),
        ),
        (
            "POST",
            "/bank-entries/{entry}/assignment",
            format!("/bank-entries/{id}/assignment"),
            Some(json!({ "allocations": [] }).to_string()),
        ),
        (
            "POST",
            "/bank-entries/{entry}/assignment",
            format!("/bank-entries/{id}/assignment"),
            Some(decided.to_string()),
        ),
        (
            "POST",
            "/bank-entries/{entry}/assignment",
            format!("/bank-entries/{id}/assignment"),
            Some(decided.to_string()),
        ),
        (
            "POST",
            "/bank-entries/{entry}/assignment",
            "/bank-entries/BE-000000000000000000000000/assignment".into(),
            Some(decided.to_string()),
        ),
    ];
    for (method, template, uri, body) in entry_calls {
        let (status, answer) = world.call_raw(method, &uri, &[], body).await;
        let key = (method.to_string(), template.to_string());
        let allowed = spec
            .get(&key)
            .unwrap_or_else(|| panic!("{method} {template} is not documented"));
        assert!(
            allowed.contains(&status.as_u16()),
            "{method} {uri} answered {status}, not documented: {answer}"
        );
        exercised.entry(key).or_default().push(status.as_u16());
    }
    // The credit routes: a gesture granted at once, one waiting for a
    // second person (who approves; the requester cannot), one withdrawn.
    let (status, big) = world
        .call(
            "POST",
            "/invoices",
            &[("idempotency-key", "big")],
            Some(&json!({
                "customer_id": "c1", "currency": "EUR", "issue_date": "2026-03-02",
                "payment_terms": { "days": 30 }, "category": "goods",
                "lines": [{ "description": "Four à sole 4 étages", "quantity": 1, "unit_price_minor": 1_200_000, "vat_rate": "20" }]
            })),
        )
        .await;
    assert_eq!(status, 201, "{big}");
    let big = big["number"].as_str().expect("number").to_string();
    let repair = |invoice: &str, net: Option<i64>| {
        let mut body = json!({
            "situation": "defective_product", "severity": "critical", "invoice": invoice,
            "what_happened": "Le four livré ne chauffait pas au-delà de 180 °C.",
            "what_we_did": "Notre technicien l'a remplacé."
        });
        if let Some(net) = net {
            body["net_minor"] = json!(net);
        }
        body
    };
    let small = json!({
        "situation": "late_delivery", "severity": "minor", "invoice": "F2026-000001",
        "what_happened": "Livré avec deux jours de retard.", "what_we_did": "Nous avons changé de transporteur."
    });
    let credit = |method: &'static str,
                  template: &'static str,
                  uri: String,
                  headers: Vec<(&'static str, &'static str)>,
                  body: Option<Value>| { (method, template, uri, headers, body) };
    let first: Vec<Call> = vec![
        credit(
            "POST",
            "/customers/{id}/credits/quote",
            "/customers/c1/credits/quote".into(),
            vec![],
            Some(small.clone()),
        ),
        credit(
            "POST",
            "/customers/{id}/credits/quote",
            "/customers/nobody/credits/quote".into(),
            vec![],
            Some(small.clone()),
        ),
        credit(
            "POST",
            "/customers/{id}/credits/quote",
            "/customers/c1/credits/quote".into(),
            vec![],
            Some(json!({ "situation": "x", "invoice": "F2026-000001" })),
        ),
        credit(
            "POST",
            "/customers/{id}/credits",
            "/customers/c1/credits".into(),
            vec![("idempotency-key", "ck1")],
            Some(small.clone()),
        ),
        credit(
            "POST",
            "/customers/{id}/credits",
            "/customers/c1/credits".into(),
            vec![("idempotency-key", "ck1")],
            Some(small.clone()),
        ),
        credit(
            "POST",
            "/customers/{id}/credits",
            "/customers/c1/credits".into(),
            vec![],
            Some(small.clone()),
        ),
        credit(
            "POST",
            "/customers/{id}/credits",
            "/customers/c1/credits".into(),
            vec![("idempotency-key", "ck2")],
            Some(repair(&big, Some(100_000))),
        ),
        credit(
            "POST",
            "/customers/{id}/credits",
            "/customers/c1/credits".into(),
            vec![("idempotency-key", "ck3")],
            Some(repair(&big, Some(100_000))),
        ),
        credit(
            "GET",
            "/customers/{id}/credits",
            "/customers/c1/credits".into(),
            vec![],
            None,
        ),
        credit(
            "GET",
            "/customers/{id}/credits",
            "/customers/nobody/credits".into(),
            vec![],
            None,
        ),
        credit("GET", "/credits/portfolio", "/credits/portfolio".into(), vec![], None),
        credit("GET", "/todo", "/todo".into(), vec![], None),
        credit(
            "POST",
            "/customers/{id}/links/revoke",
            "/customers/c1/links/revoke".into(),
            vec![],
            Some(json!({ "reason": "adresse changée" })),
        ),
        credit(
            "POST",
            "/customers/{id}/links/revoke",
            "/customers/nobody/links/revoke".into(),
            vec![],
            Some(json!({ "reason": "x" })),
        ),
        credit(
            "POST",
            "/customers/{id}/links/revoke",
            "/customers/c1/links/revoke".into(),
            vec![],
            Some(json!({ "reason": " " })),
        ),
        credit(
            "GET",
            "/receivables",
            "/receivables?filter=overdue&sort=oldest&as_of=2026-06-30".into(),
            vec![],
            None,
        ),
        credit(
            "GET",
            "/receivables",
            "/receivables?filter=nonsense".into(),
            vec![],
            None,
        ),
        credit("GET", "/balance", "/balance".into(), vec![], None),
        credit(
            "GET",
            "/balance",
            "/balance?from=2026-11-30&to=2026-11-01".into(),
            vec![],
            None,
        ),
    ];
    let mut waiting = Vec::new();
    for (method, template, uri, headers, body) in first {
        let (status, answer) = world.call(method, &uri, &headers, body.as_ref()).await;
        let key = (method.to_string(), template.to_string());
        let allowed = spec
            .get(&key)
            .unwrap_or_else(|| panic!("{method} {template} is not documented"));
        assert!(
            allowed.contains(&status.as_u16()),
            "{method} {uri} answered {status}, not documented: {answer}"
        );
        if status.as_u16() == 202 {
            waiting.push(answer["id"].as_str().expect("id").to_string());
        }
        exercised.entry(key).or_default().push(status.as_u16());
    }
    let [approved, withdrawn] = waiting.as_slice() else {
        panic!("two requests wait for approval: {waiting:?}")
    };
    let unknown = ulid::Ulid::new().to_string();
    let second: Vec<Call> = vec![
        credit(
            "GET",
            "/customers/{id}/credits/{credit}",
            format!("/customers/c1/credits/{approved}"),
            vec![],
            None,
        ),
        credit(
            "GET",
            "/customers/{id}/credits/{credit}",
            "/customers/c1/credits/not-a-credit".into(),
            vec![],
            None,
        ),
        credit(
            "GET",
            "/customers/{id}/credits/{credit}",
            format!("/customers/c1/credits/{unknown}"),
            vec![],
            None,
        ),
        credit(
            "POST",
            "/customers/{id}/credits/{credit}/approve",
            format!("/customers/c1/credits/{approved}/approve"),
            vec![],
            None,
        ),
        credit(
            "POST",
            "/customers/{id}/credits/{credit}/approve",
            format!("/customers/c1/credits/{approved}/approve"),
            vec![("x-relance-actor", "nadia.approver")],
            None,
        ),
        credit(
            "POST",
            "/customers/{id}/credits/{credit}/approve",
            format!("/customers/c1/credits/{approved}/approve"),
            vec![("x-relance-actor", "nadia.approver")],
            None,
        ),
        credit(
            "POST",
            "/customers/{id}/credits/{credit}/approve",
            format!("/customers/c1/credits/{unknown}/approve"),
            vec![("x-relance-actor", "nadia.approver")],
            None,
        ),
        credit(
            "POST",
            "/customers/{id}/credits/{credit}/cancel",
            format!("/customers/c1/credits/{withdrawn}/cancel"),
            vec![],
            Some(json!({})),
        ),
        credit(
            "POST",
            "/customers/{id}/credits/{credit}/cancel",
            format!("/customers/c1/credits/{withdrawn}/cancel"),
            vec![],
            Some(json!({ "reason": "demande en double" })),
        ),
        credit(
            "POST",
            "/customers/{id}/credits/{credit}/cancel",
            format!("/customers/c1/credits/{approved}/cancel"),
            vec![],
            Some(json!({ "reason": "trop tard" })),
        ),
    ];
    let mut answered = Vec::new();
    for (method, template, uri, headers, body) in second {
        let (status, answer) = world.call(method, &uri, &headers, body.as_ref()).await;
        let key = (method.to_string(), template.to_string());
        let allowed = spec
            .get(&key)
            .unwrap_or_else(|| panic!("{method} {template} is not documented"));
        assert!(
            allowed.contains(&status.as_u16()),
            "{method} {uri} answered {status}, not documented: {answer}"
        );
        answered.push(status.as_u16());
        exercised.entry(key).or_default().push(status.as_u16());
    }
    assert_eq!(
        answered,
        vec![200, 400, 404, 403, 200, 409, 404, 422, 200, 409],
        "read, a bad id, unknown; approved by its requester, by another, again, unknown; \
         a cancel without a reason, withdrawn, a granted one"
    );
    let missing: Vec<_> = spec.keys().filter(|k| !exercised.contains_key(*k)).collect();
    assert!(missing.is_empty(), "documented but never exercised: {missing:?}");
    let assigned = &exercised[&("POST".to_string(), "/bank-entries/{entry}/assignment".to_string())];
    assert_eq!(
        assigned,
        &vec![400, 422, 200, 409, 404],
        "bad JSON, no decision, decided, decided again, unknown"
    );
}
