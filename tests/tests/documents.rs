//! The documents of the finance API, end to end: invoices issued through
//! `POST /invoices` against DynamoDB Local in several VAT cases, then
//! fetched as Factur-X PDF, CII and UBL from the documents function and
//! checked by the official EN 16931 rules and the factur-x library; the same request answers the same bytes; a
//! refused VAT case writes nothing.

use crate::common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::World;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Fetched {
    status: StatusCode,
    content_type: String,
    disposition: String,
    body: Vec<u8>,
}

async fn fetch(world: &World, uri: &str) -> Fetched {
    let app = invoice_documents::router(Arc::new(invoice_documents::AppState {
        store: world.store.clone(),
        identity: invoice_documents::Identity::Header,
        clock: world.state.clock.clone(),
    }));
    let request = Request::get(uri)
        .header("x-relance-actor", "camille.finance")
        .body(Body::empty())
        .expect("request");
    let response = app.oneshot(request).await.expect("router answers");
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let status = response.status();
    let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    Fetched {
        status,
        content_type,
        disposition,
        body,
    }
}

fn invoice(customer: &str, category: &str, lines: Value) -> Value {
    json!({
        "customer_id": customer, "currency": "EUR", "issue_date": "2026-03-02",
        "payment_terms": { "days": 30 }, "category": category, "lines": lines
    })
}

#[tokio::test]
async fn issued_invoices_are_served_as_factur_x_cii_and_ubl_that_pass_the_official_checks() {
    let world = World::new("documents").await;
    world.create_customer("martin", json!({})).await;
    world
        .create_customer(
            "weber",
            json!({
                "company_name": "Backhaus Weber GmbH", "siren": null, "vat_number": "DE123456789", "locale": "en",
                "billing_address": { "lines": ["Marktstraße 12"], "postal_code": "10115", "city": "Berlin", "country": "DE" }
            }),
        )
        .await;
    let cases = [
        (
            "multi-rate",
            "martin",
            "mixed",
            json!([
                { "description": "Entretien du four", "quantity": 1, "unit": "HUR", "unit_price_minor": 45000, "vat_rate": "20", "discount": "5" },
                { "description": "Farine bio T65", "quantity": "25", "unit": "KGM", "unit_price_minor": 180, "vat_rate": "5.5" }
            ]),
        ),
        (
            "exempt",
            "martin",
            "services",
            json!([
                { "description": "Formation continue", "quantity": 7, "unit": "HUR", "unit_price_minor": 8000, "vat_category": "exempt", "vat_exemption": "VATEX-FR-CGI261-4" }
            ]),
        ),
        (
            "reverse-charge",
            "weber",
            "services",
            json!([
                { "description": "Oven maintenance", "quantity": 1, "unit": "DAY", "unit_price_minor": 90000, "vat_category": "reverse_charge" }
            ]),
        ),
        (
            "intra-community",
            "weber",
            "goods",
            json!([
                { "description": "Deck oven door", "quantity": 1, "unit": "H87", "unit_price_minor": 125000, "vat_category": "intra_community" }
            ]),
        ),
    ];
    let out = relance_e2e::validate::out_dir();
    let mut files = Vec::new();
    let mut pdfs = Vec::new();
    for (i, (case, customer, category, lines)) in cases.into_iter().enumerate() {
        let (status, body) = world
            .issue(&format!("doc-{i}"), &invoice(customer, category, lines))
            .await;
        assert_eq!(status, 201, "{case}: {body}");
        let number = body["number"].as_str().expect("number").to_string();
        for format in ["cii", "ubl"] {
            let uri = format!("/customers/{customer}/invoices/{number}/documents/{format}");
            let first = fetch(&world, &uri).await;
            assert_eq!(first.status, StatusCode::OK, "{case} {format}");
            assert_eq!(first.content_type, "application/xml; charset=utf-8");
            assert_eq!(
                first.disposition,
                format!("attachment; filename=\"{number}.{format}.xml\"")
            );
            let again = fetch(&world, &uri).await;
            assert_eq!(first.body, again.body, "{case} {format}: the same bytes each time");
            let path = out.join(format!("api-{case}.{format}.xml"));
            std::fs::write(&path, &first.body).expect("write");
            files.push(path);
        }
        let uri = format!("/customers/{customer}/invoices/{number}/documents/pdf");
        let pdf = fetch(&world, &uri).await;
        assert_eq!(
            (pdf.status, pdf.content_type.as_str()),
            (StatusCode::OK, "application/pdf"),
            "{case}"
        );
        assert_eq!(pdf.disposition, format!("attachment; filename=\"{number}.pdf\""));
        assert_eq!(
            pdf.body,
            fetch(&world, &uri).await.body,
            "{case}: the same PDF each time"
        );
        let path = out.join(format!("api-{case}.pdf"));
        std::fs::write(&path, &pdf.body).expect("write");
        pdfs.push(path);
    }
    for verdict in relance_e2e::validate::facturx(&pdfs) {
        assert_eq!(verdict["problems"], json!([]), "{verdict}");
    }
    let verdicts = relance_e2e::validate::en16931(&files);
    let failures: Vec<&Value> = verdicts.iter().filter(|v| relance_e2e::validate::failed(v)).collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn a_document_that_cannot_be_served_says_why() {
    let world = World::new("documents-refused").await;
    world.create_customer("martin", json!({})).await;
    let (status, body) = world.issue("k1", &common::invoice_body("martin")).await;
    assert_eq!(status, 201, "{body}");
    let number = body["number"].as_str().expect("number");
    let cases = [
        (
            format!("/customers/martin/invoices/{number}/documents/docx"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "format",
        ),
        (
            "/customers/martin/invoices/F2026-000099/documents/cii".to_string(),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            "/customers/somebody/invoices/F2026-000001/documents/ubl".to_string(),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            "/customers/martin/credits/nope/documents/cii".to_string(),
            StatusCode::NOT_FOUND,
            "",
        ),
    ];
    for (uri, want, field) in cases {
        let got = fetch(&world, &uri).await;
        assert_eq!(got.status, want, "{uri}");
        let answer: Value = serde_json::from_slice(&got.body).unwrap_or(Value::Null);
        if !field.is_empty() {
            assert_eq!(common::error_fields(&answer), [field], "{uri}: {answer}");
        }
    }
}

#[tokio::test]
async fn a_vat_case_the_parties_do_not_allow_is_refused_and_writes_nothing() {
    let world = World::new("documents-vat").await;
    world.create_customer("martin", json!({ "vat_number": null })).await;
    // (what, lines, the field named)
    let cases = [
        (
            "0 % without its category",
            json!([{ "description": "x", "quantity": 1, "unit_price_minor": 100, "vat_rate": "0" }]),
            "lines[0].vat_category",
        ),
        (
            "an unknown unit",
            json!([{ "description": "x", "quantity": 1, "unit": "kg", "unit_price_minor": 100, "vat_rate": "20" }]),
            "lines[0].unit",
        ),
        (
            "reverse charge without the buyer's VAT number",
            json!([{ "description": "x", "quantity": 1, "unit_price_minor": 100, "vat_category": "reverse_charge" }]),
            "lines[0].vat_category",
        ),
        (
            "an export with VAT",
            json!([{ "description": "x", "quantity": 1, "unit_price_minor": 100, "vat_rate": "20", "vat_category": "export" }]),
            "lines[0].vat_rate",
        ),
        (
            "an export that stays in France",
            json!([{ "description": "x", "quantity": 1, "unit_price_minor": 100, "vat_category": "export" }]),
            "lines[0].vat_category",
        ),
        (
            "an exemption without its basis",
            json!([{ "description": "x", "quantity": 1, "unit_price_minor": 100, "vat_category": "exempt" }]),
            "lines[0].vat_exemption",
        ),
    ];
    for (i, (what, lines, field)) in cases.into_iter().enumerate() {
        let (status, body) = world
            .issue(&format!("bad-{i}"), &invoice("martin", "goods", lines))
            .await;
        assert_eq!(status, 422, "{what}: {body}");
        assert_eq!(common::error_fields(&body), [field], "{what}: {body}");
    }
    let (status, history) = world.call("GET", "/customers/martin/history", &[], None).await;
    assert_eq!(status, 200);
    let kinds: Vec<&str> = history["events"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        kinds,
        ["customer_created"],
        "nothing but the customer was written: {history}"
    );
}
