//! Benchmark of a bank statement's import against the local stack.
//!
//! `bench-bank [ENTRIES] [CUSTOMERS]` (defaults 10000 and 2000): loads
//! CUSTOMERS customers with ENTRIES open invoices between them into a
//! fresh table, writes one camt.053 (001.08) statement of ENTRIES credits
//! — 80 % naming their invoice's creditor reference, 10 % its number
//! spelled as people do, 5 % from the customer's known account with no
//! reference, 5 % from strangers (to the review queue) — then reads and
//! imports it as `POST /bank-statements` does: the reading (streamed XML),
//! then the matching and the writes, each entry once. Prints a Markdown
//! table: entries per second, CPU and DynamoDB requests and units per
//! entry, peak memory; then imports the same file again (every entry
//! already in) and prints that too.

use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{NaiveDate, TimeZone, Utc};
use relance::context::Call;
use relance::domain::bank::{CreditorReference, Iban};
use relance::domain::{Actor, CustomerId, CustomerInput, InvoiceInput, InvoiceNumber};
use relance::store::Store;
use relance_e2e::metering::{Meter, metered_client};
use relance_e2e::process::{cpu_seconds, peak_mb};
use relance_e2e::statements::{Movement, camt053};
use serde_json::json;

/// The invoice of entry `n`: 120.00 EUR plus a few cents, so amounts differ.
fn amount(n: usize) -> i64 {
    12_000 + (n % 97) as i64
}

fn iban_of(c: usize) -> String {
    // A German IBAN per customer, with its check digits computed (ISO 13616).
    let bban = format!("37040044{:010}", 532_013_000 + c);
    let digits: String = format!("{bban}DE00")
        .chars()
        .map(|ch| ch.to_digit(36).map(|v| v.to_string()).unwrap_or_default())
        .collect();
    let rest = digits.as_bytes().chunks(9).fold(0u64, |rest, chunk| {
        let part: u64 = format!("{rest}{}", std::str::from_utf8(chunk).unwrap_or("0"))
            .parse()
            .unwrap_or(0);
        part % 97
    });
    format!("DE{:02}{bban}", 98 - rest)
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let entries: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()
        .context("ENTRIES")?
        .unwrap_or(10_000);
    let customers: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()
        .context("CUSTOMERS")?
        .unwrap_or(2_000)
        .max(1);
    let config = relance_e2e::sdk_config().await?;
    let table = relance_e2e::fresh_table(&config, "bench-bank").await?;
    let loader = Store::new(aws_sdk_dynamodb::Client::new(&config), &table);
    let seller = relance::config::company().map_err(|e| anyhow::anyhow!("{e}"))?;
    let own: Iban = seller.payment.account().map_err(anyhow::Error::msg)?;
    let run = ulid::Ulid::new().to_string().to_lowercase();
    let issued_at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).single().context("date")?;

    let mut all_customers = Vec::with_capacity(customers);
    for c in 0..customers {
        let input: CustomerInput = serde_json::from_value(json!({
            "contact_name": format!("Client {c}"), "email": format!("c{c}.{run}@bench.example"), "locale": "fr",
            "kind": "business", "company_name": format!("Société {c}"), "siren": "356000000",
            "billing_address": { "lines": ["1 rue de la Paix"], "postal_code": "75002", "city": "Paris", "country": "FR" },
            "customer_since": "2020-01-01", "ibans": [iban_of(c)]
        }))?;
        all_customers.push(
            input
                .parse(CustomerId::parse(&format!("c{c}")).map_err(anyhow::Error::msg)?)
                .map_err(|e| anyhow::anyhow!("{e:?}"))?,
        );
    }
    let mut all_invoices = Vec::with_capacity(entries);
    let mut movements = Vec::with_capacity(entries);
    let booked = NaiveDate::from_ymd_opt(2026, 4, 2).context("date")?;
    for n in 0..entries {
        let c = n % customers;
        let draft: InvoiceInput = serde_json::from_value(json!({
            "customer_id": format!("c{c}"), "currency": "EUR", "issue_date": "2026-03-01", "due_date": "2026-03-31",
            "category": "services",
            "lines": [{ "description": "Abonnement mensuel", "quantity": 1, "unit_price_minor": amount(n), "vat_rate": "20" }]
        }))?;
        let draft = draft.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let number = InvoiceNumber::new("B2026", (n + 1) as u64);
        let invoice = draft.issue(
            number.clone(),
            seller.clone(),
            all_customers[c].clone(),
            issued_at,
            Actor::system("bench"),
        );
        let gross = invoice.remaining_minor();
        let movement = match n % 20 {
            0 => Movement {
                debtor_iban: Some(iban_of(c)),
                ..Movement::credit(booked, gross, &format!("SOCIETE {c}"), &["VIREMENT"])
            },
            1 => Movement::credit(booked, gross + 1, "INCONNU", &["DON"]),
            2 | 3 => Movement::credit(booked, gross, &format!("SOCIETE {c}"), &[&format!("FACT {number}")]),
            _ => Movement {
                creditor_reference: CreditorReference::for_document(number.as_str()).map(|r| r.to_string()),
                bank_reference: Some(format!("BENCH-{n:08}")),
                ..Movement::credit(booked, gross, &format!("SOCIETE {c}"), &["VIR SEPA"])
            },
        };
        movements.push(movement);
        all_invoices.push(invoice);
    }
    let started = Instant::now();
    loader.load_customers(&all_customers).await?;
    loader.load_invoices(&all_invoices).await?;
    eprintln!(
        "loaded {customers} customers and {entries} open invoices in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(all_invoices);
    drop(all_customers);
    let file = camt053("08", own.as_str(), &movements);
    drop(movements);
    let bytes = file.len();

    let meter = Meter::default();
    let store = Store::new(metered_client(&config, &meter), &table);
    let payout_names = relance::config::payout_names().map_err(|e| anyhow::anyhow!("{e}"))?;
    let actor = Actor::system("bench");
    let now = Utc.with_ymd_and_hms(2026, 4, 3, 7, 0, 0).single().context("date")?;
    println!(
        "| import of a camt.053 of {entries} entries ({:.1} MB), {customers} customers | first import | the same file again |",
        bytes as f64 / 1e6
    );
    println!("|---|---|---|");
    let mut rows: Vec<Vec<String>> = Vec::new();
    for _ in 0..2 {
        let before = meter.usage();
        let cpu = cpu_seconds();
        let wall = Instant::now();
        let read_started = Instant::now();
        let mut statements = bank_statements::read(file.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let reading = read_started.elapsed().as_secs_f64();
        relance::bank::accept(&mut statements, &own).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (summary, _) = relance::bank::import(&store, &statements, &own, &payout_names, Call::at(&actor, now))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let seconds = wall.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        let usage = meter.usage();
        let per = |x: f64| x / entries as f64;
        let requests = (usage.total_requests() - before.total_requests()) as f64;
        rows.push(vec![
            format!("{:.0}", entries as f64 / seconds),
            format!("{:.2} s ({reading:.2} s reading)", seconds),
            format!("{:.3} ms", per(cpu) * 1e3),
            format!("{:.2}", per(requests)),
            format!("{:.2}", per(usage.read_units - before.read_units)),
            format!("{:.2}", per(usage.write_units - before.write_units)),
            format!(
                "{} applied, {} to review, {} ignored, {} already in",
                summary.applied, summary.review, summary.ignored, summary.already_imported
            ),
        ]);
    }
    let labels = [
        "entries per second",
        "wall time",
        "CPU per entry",
        "DynamoDB requests per entry",
        "read units per entry",
        "write units per entry",
        "outcome",
    ];
    for (i, label) in labels.iter().enumerate() {
        println!("| {label} | {} | {} |", rows[0][i], rows[1][i]);
    }
    println!("| peak memory (whole process) | {:.0} MB | |", peak_mb());
    Ok(())
}
