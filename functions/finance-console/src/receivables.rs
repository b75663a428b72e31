//! Receivables: the aged balance per customer and in total, one table per
//! currency, filtered and sorted, and the same as CSV. Read from the
//! open-invoices index alone; only the names of the customers on the page
//! are read.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relance::domain::receivables::{Aged, Filter, Sort, aged};
use relance::domain::{Currency, CustomerId, Locale, Money};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::AppState;
use crate::auth::Staff;
use crate::page;

/// Rows per page.
const PAGE: usize = 100;

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    filter: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: usize,
}

struct Chosen {
    filter: Filter,
    sort: Sort,
}

fn chosen(params: &Params) -> Option<Chosen> {
    Some(Chosen {
        filter: Filter::parse(&params.filter)?,
        sort: Sort::parse(&params.sort)?,
    })
}

async fn tables(state: &AppState, chosen: &Chosen) -> Result<Vec<Aged>, relance::store::StoreError> {
    let lines = state.store.open_lines().await?;
    let today = relance::domain::calendar::business_date(state.now());
    let mut tables = aged(&lines, today, chosen.filter);
    for table in &mut tables {
        chosen.sort.apply(&mut table.rows);
    }
    Ok(tables)
}

pub(crate) fn amount(minor: i64, currency: &str, locale: Locale) -> String {
    Currency::parse(currency).map_or_else(
        |_| format!("{minor} {currency}"),
        |c| Money::new(minor, c).format(locale),
    )
}

#[derive(Serialize)]
struct RowView {
    customer_id: String,
    name: String,
    buckets: Vec<String>,
    total: String,
    invoices: usize,
}

pub async fn page(State(state): State<Arc<AppState>>, staff: Staff, params: Query<Params>) -> Response {
    let person = &staff.person;
    let locale = person.locale;
    let Some(chosen) = chosen(&params) else {
        return page::message(
            &state,
            Some(person),
            StatusCode::BAD_REQUEST,
            "bad_filter_title",
            "bad_filter_body",
        );
    };
    let tables = match tables(&state, &chosen).await {
        Ok(t) => t,
        Err(err) => return page::failed(&state, Some(person), &err),
    };
    let mut views = Vec::new();
    let mut more = false;
    for table in &tables {
        let start = params.page * PAGE;
        let shown: Vec<_> = table.rows.iter().skip(start).take(PAGE).collect();
        more |= table.rows.len() > start + PAGE;
        let names = names(&state, shown.iter().map(|r| r.customer_id.as_str())).await;
        let rows: Vec<RowView> = shown
            .iter()
            .map(|r| RowView {
                customer_id: r.customer_id.clone(),
                name: names
                    .get(&r.customer_id)
                    .cloned()
                    .unwrap_or_else(|| r.customer_id.clone()),
                // Nothing in an age reads as a dash, so what is owed stands out.
                buckets: r
                    .buckets
                    .iter()
                    .map(|b| {
                        if *b == 0 {
                            "—".to_string()
                        } else {
                            amount(*b, &r.currency, locale)
                        }
                    })
                    .collect(),
                total: amount(r.total, &r.currency, locale),
                invoices: r.invoices,
            })
            .collect();
        views.push(json!({
            "currency": table.currency,
            "rows": rows,
            "totals": table.totals.iter().map(|t| amount(*t, &table.currency, locale)).collect::<Vec<_>>(),
            "total": amount(table.total, &table.currency, locale),
            "customers": table.rows.len().to_string(),
        }));
    }
    page::render(
        &state,
        "receivables",
        locale,
        StatusCode::OK,
        json!({
            "person": person,
            "csrf": staff.csrf,
            "tables": views,
            "chosen_filter": if params.filter.is_empty() { "all" } else { params.filter.as_str() },
            "chosen_sort": if params.sort.is_empty() { "total" } else { params.sort.as_str() },
            "page": params.page,
            "more": more,
            "today": relance::view::format_date(relance::domain::calendar::business_date(state.now()), locale),
        }),
    )
}

/// The names of these customers, by id (one BatchGetItem per hundred);
/// an id that cannot be read shows as itself.
pub(crate) async fn names<'a>(state: &AppState, ids: impl Iterator<Item = &'a str>) -> BTreeMap<String, String> {
    let ids: Vec<CustomerId> = ids.filter_map(|id| CustomerId::parse(id).ok()).collect();
    match state.store.customer_names(&ids).await {
        Ok(names) => names,
        Err(err) => {
            tracing::warn!(error = %err, "customer names not read: ids shown");
            BTreeMap::new()
        }
    }
}

/// A decimal in the currency's unit, as spreadsheets read it: `1234.56`.
fn decimal(minor: i64, currency: &str) -> String {
    let exponent = Currency::parse(currency).map_or(2, |c| c.exponent());
    if exponent == 0 {
        return minor.to_string();
    }
    let divisor = 10i64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let d = divisor.unsigned_abs();
    format!("{sign}{}.{:0width$}", abs / d, abs % d, width = exponent as usize)
}

/// A text cell a spreadsheet will not take for a formula.
fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Every row (no page), one line each, amounts as decimals.
pub async fn csv(State(state): State<Arc<AppState>>, staff: Staff, params: Query<Params>) -> Response {
    let person = &staff.person;
    let Some(chosen) = chosen(&params) else {
        return page::message(
            &state,
            Some(person),
            StatusCode::BAD_REQUEST,
            "bad_filter_title",
            "bad_filter_body",
        );
    };
    let tables = match tables(&state, &chosen).await {
        Ok(t) => t,
        Err(err) => return page::failed(&state, Some(person), &err),
    };
    let mut out = String::from(
        "customer_id,name,currency,not_due,days_1_30,days_31_60,days_61_90,over_90,total,invoices,oldest_due\r\n",
    );
    for table in &tables {
        let names = names(&state, table.rows.iter().map(|r| r.customer_id.as_str())).await;
        for r in &table.rows {
            let buckets: Vec<String> = r.buckets.iter().map(|b| decimal(*b, &r.currency)).collect();
            out.push_str(&format!(
                "{},{},{},{},{},{},{}\r\n",
                r.customer_id,
                cell(names.get(&r.customer_id).map_or("", String::as_str)),
                r.currency,
                buckets.join(","),
                decimal(r.total, &r.currency),
                r.invoices,
                r.oldest_due
            ));
        }
    }
    let mut response = out.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"receivables.csv\""),
    );
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_and_names_are_written_as_a_spreadsheet_reads_them() {
        assert_eq!(super::decimal(123_456, "EUR"), "1234.56");
        assert_eq!(super::decimal(5, "EUR"), "0.05");
        assert_eq!(super::decimal(1_500, "JPY"), "1500");
        assert_eq!(super::cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(super::cell("Boulangerie Roux"), "\"Boulangerie Roux\"");
    }
}
