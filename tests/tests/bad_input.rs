//! Bad input gets a 4xx whose JSON names the field and the reason, and
//! writes nothing.

use crate::common;

use common::error_fields;

use common::{World, invoice_body};
use serde_json::{Value, json};

fn with(mut body: Value, path: &[&str], value: Value) -> Value {
    let mut target = &mut body;
    for (i, key) in path.iter().enumerate() {
        if i + 1 == path.len() {
            match key.parse::<usize>() {
                Ok(index) => target[index] = value.clone(),
                Err(_) => target[*key] = value.clone(),
            }
        } else {
            target = match key.parse::<usize>() {
                Ok(index) => &mut target[index],
                Err(_) => &mut target[*key],
            };
        }
    }
    body
}

/// The fields an error answer names.
fn without(mut body: Value, key: &str) -> Value {
    body.as_object_mut().map(|o| o.remove(key));
    body
}

#[tokio::test]
async fn each_bad_invoice_request_names_its_field_and_writes_nothing() {
    let world = World::new("bad").await;
    world.create_customer("c1", json!({})).await;
    let good = invoice_body("c1");
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("missing field", without(good.clone(), "currency"), 422, "currency"),
        (
            "unknown field",
            with(good.clone(), &["colour"], json!("blue")),
            422,
            "colour",
        ),
        (
            "zero quantity",
            with(good.clone(), &["lines", "0", "quantity"], json!(0)),
            422,
            "lines[0].quantity",
        ),
        (
            "negative quantity",
            with(good.clone(), &["lines", "1", "quantity"], json!("-2")),
            422,
            "lines[1].quantity",
        ),
        (
            "negative price",
            with(good.clone(), &["lines", "0", "unit_price_minor"], json!(-100)),
            422,
            "lines[0].unit_price_minor",
        ),
        (
            "float price",
            with(good.clone(), &["lines", "0", "unit_price_minor"], json!(12.5)),
            422,
            "lines[0].unit_price_minor",
        ),
        (
            "unknown currency",
            with(good.clone(), &["currency"], json!("EURO")),
            422,
            "currency",
        ),
        (
            "bad VAT rate",
            with(good.clone(), &["lines", "0", "vat_rate"], json!("120")),
            422,
            "lines[0].vat_rate",
        ),
        (
            "a rate no French law sets",
            with(good.clone(), &["lines", "0", "vat_rate"], json!("21.7")),
            422,
            "lines[0].vat_rate",
        ),
        (
            "an overseas rate for a mainland seller",
            with(good.clone(), &["lines", "0", "vat_rate"], json!("8.5")),
            422,
            "lines[0].vat_rate",
        ),
        (
            "due before issue",
            without(with(good.clone(), &["due_date"], json!("2026-02-01")), "payment_terms"),
            422,
            "due_date",
        ),
        (
            "75-day term",
            with(good.clone(), &["payment_terms"], json!({ "days": 75 })),
            422,
            "payment_terms",
        ),
        (
            "unknown customer",
            with(good.clone(), &["customer_id"], json!("nobody")),
            422,
            "customer_id",
        ),
        ("no lines", with(good.clone(), &["lines"], json!([])), 422, "lines"),
        (
            "future issue date",
            with(good.clone(), &["issue_date"], json!("2026-12-01")),
            422,
            "issue_date",
        ),
        (
            "bad date",
            with(good.clone(), &["issue_date"], json!("2026-02-30")),
            422,
            "issue_date",
        ),
        (
            "empty description",
            with(good.clone(), &["lines", "0", "description"], json!("  ")),
            422,
            "lines[0].description",
        ),
    ];
    let before = world.item_count().await;
    for (i, (name, body, status, field)) in cases.into_iter().enumerate() {
        let (got, answer) = world.issue(&format!("bad-{i}"), &body).await;
        assert_eq!(got.as_u16(), status, "{name}: {answer}");
        let fields = error_fields(&answer);
        assert!(fields.contains(&field), "{name}: expected field {field}, got {answer}");
        let reason = answer["errors"][0]["reason"].as_str().unwrap_or_default();
        assert!(!reason.is_empty(), "{name}: a reason is given");
    }
    assert_eq!(world.item_count().await, before, "nothing was written");

    // Malformed JSON and an oversized body.
    let (status, answer) = world
        .call_raw(
            "POST",
            "/invoices",
            &[("idempotency-key", "x")],
            Some("{\"customer_id\":".into()),
        )
        .await;
    assert_eq!(
        (status.as_u16(), answer["errors"][0]["field"].as_str()),
        (400, Some("body")),
        "{answer}"
    );
    let huge = format!("{{\"customer_id\":\"{}\"}}", "x".repeat(300 * 1024));
    let (status, answer) = world
        .call_raw("POST", "/invoices", &[("idempotency-key", "y")], Some(huge))
        .await;
    assert_eq!(
        (status.as_u16(), answer["errors"][0]["field"].as_str()),
        (413, Some("body")),
        "{answer}"
    );
    assert_eq!(world.item_count().await, before);
}

#[tokio::test]
async fn each_bad_customer_names_its_field_and_writes_nothing() {
    let world = World::new("badcust").await;
    let good = common::business_customer(&world.email("x"));
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "invalid email",
            with(good.clone(), &["email"], json!("camille@")),
            "email",
        ),
        ("bad SIREN", with(good.clone(), &["siren"], json!("123456789")), "siren"),
        (
            "bad VAT number",
            with(good.clone(), &["vat_number"], json!("FR00356000000")),
            "vat_number",
        ),
        ("unknown locale", with(good.clone(), &["locale"], json!("de")), "locale"),
        (
            "business without SIREN",
            with(good.clone(), &["siren"], Value::Null),
            "siren",
        ),
        (
            "bad country",
            with(good.clone(), &["billing_address", "country"], json!("France")),
            "billing_address.country",
        ),
        ("unknown kind", with(good.clone(), &["kind"], json!("robot")), "kind"),
        (
            "two addresses in one field",
            with(good.clone(), &["email"], json!("a@b.fr,c@d.fr")),
            "email",
        ),
        (
            "a name that reads backwards",
            with(good.clone(), &["contact_name"], json!("Camille \u{202E}nitraM")),
            "contact_name",
        ),
        (
            "a company name on two lines",
            with(good.clone(), &["company_name"], json!("Boulangerie\nRoux")),
            "company_name",
        ),
        (
            "a zero-width space in the city",
            with(good.clone(), &["billing_address", "city"], json!("Ly\u{200B}on")),
            "billing_address.city",
        ),
    ];
    for (name, body, field) in cases {
        let (status, answer) = world.call("PUT", "/customers/c1", &[], Some(&body)).await;
        assert_eq!(status, 422, "{name}: {answer}");
        let fields = error_fields(&answer);
        assert!(fields.contains(&field), "{name}: expected {field}, got {answer}");
    }
    // JSON sent as text or as a form is refused before anything reads it.
    for (uri, method) in [
        ("/customers/c1", "PUT"),
        ("/invoices", "POST"),
        ("/customers/c1/credits/quote", "POST"),
        ("/bank-entries/BE-0123456789abcdef01234567/assignment", "POST"),
    ] {
        for media in ["text/plain", "application/x-www-form-urlencoded"] {
            let (status, answer) = world
                .call_raw(method, uri, &[("content-type", media)], Some(good.to_string()))
                .await;
            assert_eq!(status, 415, "{method} {uri} as {media}: {answer}");
            assert_eq!(answer["errors"][0]["field"], "content-type", "{answer}");
        }
    }
    let (status, answer) = world.call("PUT", "/customers/bad%20id", &[], Some(&good)).await;
    assert_eq!(
        (status.as_u16(), answer["errors"][0]["field"].as_str()),
        (400, Some("id"))
    );
    assert_eq!(world.item_count().await, 0, "nothing was written");
}

/// Amounts that passed every field limit used to overflow: a quantity
/// that wraps to one unit after × 1000, a line whose net does not fit, a
/// total over the bound, and a plan whose instalments wrap around to the
/// balance. Each is now a 422 that names the field and writes nothing.
#[tokio::test]
async fn amounts_that_would_overflow_are_refused_and_write_nothing() {
    let world = World::new("overflow").await;
    world.create_customer("c1", json!({})).await;
    let good = invoice_body("c1");
    let many_lines: Vec<Value> = (0..200)
        .map(|_| json!({ "description": "Lot", "quantity": 100, "unit_price_minor": 1_000_000_000_000i64, "vat_rate": "20" }))
        .collect();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "quantity that wraps to one unit",
            with(
                good.clone(),
                &["lines", "0", "quantity"],
                json!(2_305_843_009_213_693_953i64),
            ),
            "lines[0].quantity",
        ),
        (
            "quantity i64::MAX",
            with(good.clone(), &["lines", "0", "quantity"], json!(i64::MAX)),
            "lines[0].quantity",
        ),
        (
            "line net beyond the bound",
            with(
                with(good.clone(), &["lines", "0", "quantity"], json!(1_000_000_000)),
                &["lines", "0", "unit_price_minor"],
                json!(1_000_000_000_000i64),
            ),
            "lines[0]",
        ),
        (
            "unit price i64::MAX",
            with(good.clone(), &["lines", "0", "unit_price_minor"], json!(i64::MAX)),
            "lines[0].unit_price_minor",
        ),
        (
            "total beyond the bound",
            with(good.clone(), &["lines"], json!(many_lines)),
            "lines",
        ),
    ];
    let before = world.item_count().await;
    for (i, (name, body, field)) in cases.into_iter().enumerate() {
        let (status, answer) = world.issue(&format!("overflow-{i}"), &body).await;
        assert_eq!(status.as_u16(), 422, "{name}: {answer}");
        let fields = error_fields(&answer);
        assert!(fields.contains(&field), "{name}: expected field {field}, got {answer}");
    }
    assert_eq!(world.item_count().await, before, "no invoice was written");

    // A plan of two i64::MAX instalments and the balance + 2 wrapped to
    // exactly the balance and was accepted.
    let (status, invoice) = world.issue("overflow-good", &good).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().unwrap_or_default().to_string();
    let remaining = invoice["totals"]["gross_minor"].as_i64().unwrap_or_default();
    let before = world.item_count().await;
    let plan = json!({ "instalments": [
        { "due_date": "2026-04-01", "amount_minor": i64::MAX },
        { "due_date": "2026-05-01", "amount_minor": i64::MAX },
        { "due_date": "2026-06-01", "amount_minor": remaining + 2 },
    ]});
    let (status, answer) = world
        .call(
            "POST",
            &format!("/customers/c1/invoices/{number}/plan"),
            &[],
            Some(&plan),
        )
        .await;
    assert_eq!(status.as_u16(), 422, "{answer}");
    assert_eq!(answer["errors"][0]["field"], "instalments[0].amount_minor", "{answer}");
    // A payment beyond any invoice is refused by field as well.
    let payment = json!({ "amount_minor": i64::MAX, "date": "2026-03-02", "method": "transfer" });
    let (status, answer) = world
        .call(
            "POST",
            &format!("/customers/c1/invoices/{number}/payments"),
            &[("idempotency-key", "pay-max")],
            Some(&payment),
        )
        .await;
    assert_eq!(status.as_u16(), 422, "{answer}");
    assert_eq!(answer["errors"][0]["field"], "amount_minor", "{answer}");
    assert_eq!(
        world.item_count().await,
        before,
        "neither the plan nor the payment wrote anything"
    );
    let (_, read) = world
        .call("GET", &format!("/customers/c1/invoices/{number}"), &[], None)
        .await;
    assert_eq!(read["dunning"]["plan"], json!([]), "{read}");
}
