//! Benchmark of the reminder pass against the local stack.
//!
//! `bench-reminders [INVOICES] [PER_CUSTOMER] [HISTORY_MONTHS]` (defaults
//! 10000, 1 and 0): loads that many invoices due on one day into a fresh
//! table, each customer with HISTORY_MONTHS past monthly invoices already
//! paid on time (four history events each: issued, emailed, payment
//! recorded, paid), runs one pass three days after the due date, and
//! prints what it cost per reminder as a Markdown table: wall time, CPU,
//! DynamoDB requests and capacity units (as DynamoDB Local reports them),
//! SES calls, peak memory. With `BENCH_LOAD_ONLY=1` it only loads, and
//! prints the table's name.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{NaiveDate, TimeZone, Utc};
use relance::delivery::Deliverer;
use relance::domain::dunning::Policy;
use relance::domain::{Actor, CustomerId, CustomerInput, InvoiceInput, InvoiceNumber};
use relance::domain::{EventKind, HistoryEvent};
use relance::mail::{Mailer, OutgoingEmail, SendError, SesMailer};
use relance::reminders::{Pace, Pass};
use relance::render::Renderer;
use relance::store::Store;
use relance_e2e::metering::{Meter, metered_client};
use relance_e2e::process::{cpu_seconds, peak_mb};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let invoices: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()
        .context("INVOICES")?
        .unwrap_or(10_000);
    let per_customer: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()
        .context("PER_CUSTOMER")?
        .unwrap_or(1);
    let history_months: u32 = args
        .next()
        .map(|a| a.parse())
        .transpose()
        .context("HISTORY_MONTHS")?
        .unwrap_or(0);
    let customers = invoices.div_ceil(per_customer);
    let config = relance_e2e::sdk_config().await?;
    let table = relance_e2e::fresh_table(&config, "bench").await?;
    let loader = Store::new(aws_sdk_dynamodb::Client::new(&config), &table);
    let seller = relance::config::company().map_err(|e| anyhow::anyhow!("{e}"))?;
    let run = ulid::Ulid::new().to_string().to_lowercase();

    // The portfolio: `customers` customers, their invoices all due on 2026-03-31.
    let issued_at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).single().context("date")?;
    let mut all_customers = Vec::with_capacity(customers);
    let mut all_invoices = Vec::with_capacity(invoices);
    for c in 0..customers {
        let input: CustomerInput = serde_json::from_value(json!({
            "contact_name": format!("Client {c}"), "email": format!("c{c}.{run}@bench.example"), "locale": "fr",
            "kind": "business", "company_name": format!("Société {c}"), "siren": "356000000",
            "billing_address": { "lines": ["1 rue de la Paix"], "postal_code": "75002", "city": "Paris", "country": "FR" },
            "customer_since": "2020-01-01"
        }))?;
        let customer = input
            .parse(CustomerId::parse(&format!("c{c}")).map_err(anyhow::Error::msg)?)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        for k in 0..per_customer {
            let n = c * per_customer + k;
            if n >= invoices {
                break;
            }
            let draft: InvoiceInput = serde_json::from_value(json!({
                "customer_id": format!("c{c}"), "currency": "EUR", "issue_date": "2026-03-01", "due_date": "2026-03-31",
                "category": "services",
                "lines": [{ "description": "Abonnement mensuel", "quantity": 1, "unit_price_minor": 12000, "vat_rate": "20" }]
            }))?;
            let draft = draft.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?;
            all_invoices.push(draft.issue(
                InvoiceNumber::new("B2026", (n + 1) as u64),
                seller.clone(),
                customer.clone(),
                issued_at,
                Actor::system("bench"),
            ));
        }
        all_customers.push(customer);
    }
    let started = Instant::now();
    loader.load_customers(&all_customers).await?;
    loader.load_invoices(&all_invoices).await?;
    let mut events = 0;
    for customer in &all_customers {
        let past = past_months(&customer.id, history_months)?;
        events += past.len();
        loader.load_events(&past).await?;
    }
    eprintln!(
        "loaded {customers} customers, {invoices} invoices and {events} past events in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(all_invoices);
    drop(all_customers);
    if std::env::var_os("BENCH_LOAD_ONLY").is_some() {
        // For measuring the `send-reminders` binary itself on this table.
        println!("{table}");
        return Ok(());
    }

    // The pass, with a metered DynamoDB client and the real SES endpoint.
    let meter = Meter::default();
    let store = Store::new(metered_client(&config, &meter), &table);
    let ses_calls = Arc::new(AtomicUsize::new(0));
    let deliverer = Deliverer {
        store: store.clone(),
        mailer: Counted {
            inner: SesMailer::new(aws_sdk_sesv2::Client::new(&config), "factures@atelier-durand.fr", None),
            calls: ses_calls.clone(),
        },
        renderer: Arc::new(Renderer::new()?),
        public_url: "https://pay.example.test".into(),
        link_ttl: chrono::Duration::days(180),
        reply_to: None,
    };
    let policy = Policy::configured().map_err(anyhow::Error::msg)?;
    let as_of = NaiveDate::from_ymd_opt(2026, 4, 3).context("date")?;
    let now = Utc.with_ymd_and_hms(2026, 4, 3, 6, 0, 0).single().context("date")?;
    // The local SES endpoint has no rate limit; pacing is measured apart.
    let pace = Pace::new(100_000);
    // The local SES endpoint keeps every email in memory and slows down as
    // it grows; emptying it now and then keeps it measuring relance, not
    // itself. (The benchmark never reads the emails.)
    let ses = std::env::var("AWS_ENDPOINT_URL_SESV2").context("AWS_ENDPOINT_URL_SESV2")?;
    let http = reqwest::Client::new();
    let clear = format!("{}/clear-store", ses.trim_end_matches('/'));
    http.post(&clear).send().await.context("clearing the SES endpoint")?;
    let janitor = tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(20)).await;
            let _ = http.post(&clear).send().await;
        }
    });
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let summary = Pass::new(&store, &deliverer, &policy, as_of, now, &pace).run().await?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    janitor.abort();
    let usage = meter.usage();
    let sent = summary.emails_sent.max(1) as f64;
    let history = if history_months == 0 {
        "no past history".to_string()
    } else {
        format!("{history_months} past months of history each")
    };
    println!("| measure (pass over {invoices} due invoices, {customers} customers, {history}) | value |");
    println!("|---|---|");
    println!("| reminders sent | {} |", summary.emails_sent);
    println!("| wall time | {wall:.1} s |");
    println!("| reminders per second | {:.0} |", summary.emails_sent as f64 / wall);
    println!(
        "| CPU per reminder (whole process: SDK, rendering, TLS-less HTTP) | {:.2} ms |",
        cpu * 1000.0 / sent
    );
    println!(
        "| DynamoDB requests per reminder | {:.1} |",
        usage.total_requests() as f64 / sent
    );
    for (op, n) in &usage.requests {
        println!("| — {op} per reminder | {:.2} |", *n as f64 / sent);
    }
    println!(
        "| read units per reminder (DynamoDB Local's report) | {:.2} |",
        usage.read_units / sent
    );
    println!(
        "| write units per reminder (DynamoDB Local's report) | {:.2} |",
        usage.write_units / sent
    );
    println!(
        "| SES calls per 1,000 reminders | {:.0} |",
        ses_calls.load(Ordering::Relaxed) as f64 * 1000.0 / sent
    );
    println!(
        "| peak memory of the process (includes loading the portfolio) | {:.0} MB |",
        peak_mb()
    );
    Ok(())
}

/// The mailer, counting its calls to SES.
struct Counted {
    inner: SesMailer,
    calls: Arc<AtomicUsize>,
}

impl Mailer for Counted {
    async fn send(&self, email: &OutgoingEmail) -> Result<String, SendError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.inner.send(email).await
    }
}

/// A customer's past: one monthly invoice per month before March 2026,
/// emailed and paid on its due date.
fn past_months(customer: &CustomerId, months: u32) -> Result<Vec<HistoryEvent>> {
    let actor = Actor::system("bench");
    let mut events = Vec::new();
    for m in 1..=months {
        let issued = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).single().context("date")? - chrono::Months::new(m);
        let due = (issued + chrono::Duration::days(30)).date_naive();
        let number = InvoiceNumber::new(&format!("P{m:02}"), 1);
        let kinds = [
            EventKind::InvoiceIssued {
                number: number.clone(),
                gross_minor: 14_400,
                currency: "EUR".into(),
                due_date: due,
            },
            EventKind::InvoiceEmailed {
                number: number.clone(),
                message_id: ulid::Ulid::new().to_string(),
                provider_message_id: ulid::Ulid::new().to_string(),
            },
            EventKind::PaymentRecorded {
                number: number.clone(),
                amount_minor: 14_400,
                currency: "EUR".into(),
                date: due,
                method: relance::domain::invoice::PaymentMethod::Transfer,
                reference: Some(format!("VIR {customer} {m}")),
                remaining_minor: 0,
            },
            EventKind::InvoicePaid {
                number,
                paid_on: due,
                days_late: 0,
            },
        ];
        for (k, kind) in kinds.into_iter().enumerate() {
            let at = issued + chrono::Duration::minutes(i64::try_from(k)? * 5);
            events.push(HistoryEvent::new(customer.clone(), at, actor.clone(), kind));
        }
    }
    Ok(events)
}
