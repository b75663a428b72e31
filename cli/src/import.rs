//! A month of invoices from a CSV file: one row per invoice line, rows
//! sharing an `invoice` reference form one invoice. Each invoice is sent
//! with the Idempotency-Key `import:<reference>`, so running the same file
//! again creates nothing twice (within the API's 7-day replay window). A
//! bad row is reported with its line number; its invoice is skipped, the
//! others go through.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::NaiveDate;
use relance::domain::Currency;
use relance::domain::decimal::parse_scaled;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::Api;

/// The columns, in any order; `unit`, `discount`, `purchase_order`,
/// `vat_category`, `vat_exemption` and `currency` (default EUR) may be
/// empty or absent; `vat_rate` may be empty on a line that charges no VAT.
#[derive(Debug, Deserialize)]
struct Row {
    invoice: String,
    customer_id: String,
    issue_date: String,
    payment_days: String,
    #[serde(default)]
    currency: Option<String>,
    category: String,
    description: String,
    quantity: String,
    #[serde(default)]
    unit: Option<String>,
    unit_price: String,
    #[serde(default)]
    vat_rate: Option<String>,
    #[serde(default)]
    vat_category: Option<String>,
    #[serde(default)]
    vat_exemption: Option<String>,
    #[serde(default)]
    discount: Option<String>,
    #[serde(default)]
    purchase_order: Option<String>,
}

/// One invoice assembled from its rows, or why not.
#[derive(Debug)]
struct Draft {
    reference: String,
    first_line: u64,
    body: Result<Value, String>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// (reference, number) of invoices created by this run.
    pub created: Vec<(String, String)>,
    /// (reference, number) of invoices an earlier run had created.
    pub already: Vec<(String, String)>,
    /// (line, reference, reason) of what was refused, by the file or by
    /// the API.
    pub refused: Vec<(u64, String, String)>,
}

fn blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The invoice-level fields of a row, which every row of an invoice must
/// repeat identically.
fn header(row: &Row) -> Result<Value, String> {
    let currency = Currency::parse(blank(&row.currency).unwrap_or("EUR")).map_err(|e| format!("currency: {e}"))?;
    let issue_date: NaiveDate = row
        .issue_date
        .trim()
        .parse()
        .map_err(|_| format!("issue_date: `{}` is not a date (YYYY-MM-DD)", row.issue_date.trim()))?;
    let days: u32 = row
        .payment_days
        .trim()
        .parse()
        .map_err(|_| format!("payment_days: `{}` is not a number of days", row.payment_days.trim()))?;
    if row.customer_id.trim().is_empty() {
        return Err("customer_id: empty".into());
    }
    Ok(json!({
        "customer_id": row.customer_id.trim(),
        "currency": currency.code(),
        "issue_date": issue_date,
        "payment_terms": { "days": days },
        "category": row.category.trim(),
        "purchase_order": blank(&row.purchase_order),
    }))
}

fn line(row: &Row, currency: Currency) -> Result<Value, String> {
    let price = parse_scaled(&row.unit_price, currency.exponent()).map_err(|e| format!("unit_price: {e}"))?;
    let price = i64::try_from(price).map_err(|_| "unit_price: too large".to_string())?;
    if row.description.trim().is_empty() {
        return Err("description: empty".into());
    }
    Ok(json!({
        "description": row.description.trim(),
        "quantity": row.quantity.trim(),
        "unit": blank(&row.unit),
        "unit_price_minor": price,
        "vat_rate": blank(&row.vat_rate).map(|r| r.trim_end_matches('%').trim()),
        "vat_category": blank(&row.vat_category),
        "vat_exemption": blank(&row.vat_exemption),
        "discount": blank(&row.discount),
    }))
}

/// Reads the file into invoices, keeping the first error of each.
fn drafts(csv_text: &str) -> Result<Vec<Draft>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let mut by_reference: BTreeMap<String, usize> = BTreeMap::new();
    let mut drafts: Vec<Draft> = Vec::new();
    let headers = reader.headers()?.clone();
    for record in reader.records() {
        let record = record?;
        let line_no = record.position().map_or(0, |p| p.line());
        let row: Row = match record.deserialize(Some(&headers)) {
            Ok(row) => row,
            Err(e) => {
                drafts.push(Draft {
                    reference: format!("line {line_no}"),
                    first_line: line_no,
                    body: Err(format!("unreadable row: {e}")),
                });
                continue;
            }
        };
        let reference = row.invoice.trim().to_string();
        if reference.is_empty() || reference.len() > 100 || !reference.chars().all(|c| c.is_ascii_graphic()) {
            drafts.push(Draft {
                reference: format!("line {line_no}"),
                first_line: line_no,
                body: Err("invoice: 1 to 100 visible characters, no spaces".into()),
            });
            continue;
        }
        let index = *by_reference.entry(reference.clone()).or_insert_with(|| {
            drafts.push(Draft {
                reference: reference.clone(),
                first_line: line_no,
                body: header(&row),
            });
            drafts.len() - 1
        });
        let draft = &mut drafts[index];
        let Ok(body) = &mut draft.body else { continue };
        let outcome = header(&row).and_then(|h| {
            let shared = [
                "customer_id",
                "currency",
                "issue_date",
                "payment_terms",
                "category",
                "purchase_order",
            ];
            if let Some(field) = shared.iter().find(|f| h[**f] != body[**f]) {
                return Err(format!(
                    "{field}: differs from line {} of the same invoice",
                    draft.first_line
                ));
            }
            let currency = Currency::parse(body["currency"].as_str().unwrap_or("EUR"))?;
            line(&row, currency)
        });
        match outcome {
            Ok(line) => {
                if let Some(lines) = body.get_mut("lines").and_then(Value::as_array_mut) {
                    lines.push(line);
                } else {
                    body["lines"] = json!([line]);
                }
            }
            Err(reason) => {
                draft.first_line = line_no;
                draft.body = Err(reason);
            }
        }
    }
    Ok(drafts)
}

/// Imports the file; `progress` is told after each invoice (done, total).
pub async fn import(api: &Api, csv_text: &str, mut progress: impl FnMut(usize, usize)) -> Result<Report> {
    let drafts = drafts(csv_text)?;
    let total = drafts.len();
    let mut report = Report::default();
    for (done, draft) in drafts.into_iter().enumerate() {
        match draft.body {
            Err(reason) => report.refused.push((draft.first_line, draft.reference, reason)),
            Ok(body) => {
                let key = format!("import:{}", draft.reference);
                let answer = api
                    .call(reqwest::Method::POST, "/invoices", Some(&body), Some(&key))
                    .await?;
                let number = answer.body["number"].as_str().unwrap_or_default().to_string();
                if answer.ok() && answer.replayed {
                    report.already.push((draft.reference, number));
                } else if answer.ok() {
                    report.created.push((draft.reference, number));
                } else {
                    report
                        .refused
                        .push((draft.first_line, draft.reference, answer.problem()));
                }
            }
        }
        progress(done + 1, total);
    }
    Ok(report)
}
