//! Benchmark of invoice issuance against the local stack.
//!
//! `bench-issue [REQUESTS] [CONCURRENCY]` (default 1000, 8): serves the
//! finance API (`issue-invoice`) over real HTTP on loopback, registers 50
//! customers, then sends REQUESTS `POST /invoices` (each with its own
//! Idempotency-Key, customers in turn) from CONCURRENCY clients at once.
//! Every request takes the next number of one gap-free series, so they
//! all meet on one sequence item: the measure includes that contention.
//! Each invoice is emailed through the SES endpoint before the answer.
//! Prints a Markdown table: requests per second, p50/p99 latency,
//! DynamoDB requests and units per invoice, CPU per invoice, peak memory.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{TimeZone, Utc};
use issue_invoice::{AppState, Identity, router};
use relance::delivery::Deliverer;
use relance::mail::SesMailer;
use relance::render::Renderer;
use relance::store::Store;
use relance_e2e::metering::{Meter, metered_client};
use relance_e2e::process::{cpu_seconds, peak_mb};
use serde_json::json;

const CUSTOMERS: usize = 50;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn invoice(customer: usize) -> serde_json::Value {
    json!({
        "customer_id": format!("bench-{customer}"),
        "currency": "EUR",
        "issue_date": "2026-11-20",
        "payment_terms": { "days": 30 },
        "category": "services",
        "lines": [
            { "description": "Entretien du four à sole, novembre 2026", "quantity": 1, "unit_price_minor": 45000, "vat_rate": "20" },
            { "description": "Pièces détachées", "quantity": "2.5", "unit": "KGM", "unit_price_minor": 1290, "vat_rate": "20", "discount": "10" }
        ]
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let requests: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()
        .context("REQUESTS")?
        .unwrap_or(1000);
    let concurrency: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()
        .context("CONCURRENCY")?
        .unwrap_or(8);
    let config = relance_e2e::sdk_config().await?;
    let table = relance_e2e::fresh_table(&config, "bench-issue").await?;
    let meter = Meter::default();
    let store = Store::new(metered_client(&config, &meter), &table);
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).single().context("date")?;
    let state = Arc::new(AppState {
        deliverer: Deliverer {
            store: store.clone(),
            mailer: SesMailer::new(aws_sdk_sesv2::Client::new(&config), "factures@atelier-durand.fr", None),
            renderer: Arc::new(Renderer::new()?),
            public_url: "https://pay.example.fr".into(),
            link_ttl: chrono::Duration::days(180),
            reply_to: None,
        },
        store,
        seller: relance::config::company().map_err(|e| anyhow::anyhow!("{e}"))?,
        invoice_series: "F".into(),
        issue_gate: Default::default(),
        policy: relance::domain::dunning::Policy::configured().map_err(|e| anyhow::anyhow!("{e}"))?,
        clock: Arc::new(move || now),
        identity: Identity::Header,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = router(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    let http = reqwest::Client::new();
    for c in 0..CUSTOMERS {
        let body = json!({
            "contact_name": "Camille Martin", "email": format!("compta{c}@bench.example"), "locale": "fr",
            "kind": "business", "company_name": format!("Boulangerie {c} SARL"), "siren": "356000000",
            "billing_address": { "lines": ["3 place Bellecour"], "postal_code": "69002", "city": "Lyon", "country": "FR" },
            "customer_since": "2016-05-10"
        });
        let answer = http
            .put(format!("{base}/customers/bench-{c}"))
            .header("x-relance-actor", "bench")
            .json(&body)
            .send()
            .await?;
        if !answer.status().is_success() {
            bail!("creating customer {c}: {}", answer.status());
        }
    }

    meter.reset();
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (http, base, next) = (http.clone(), base.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= requests {
                    return Ok::<_, anyhow::Error>(times);
                }
                let t = Instant::now();
                let answer = http
                    .post(format!("{base}/invoices"))
                    .header("x-relance-actor", "bench")
                    .header("idempotency-key", format!("bench-{i}"))
                    .json(&invoice(i % CUSTOMERS))
                    .send()
                    .await?;
                let status = answer.status();
                let _ = answer.bytes().await?;
                times.push(t.elapsed());
                if status != 201 {
                    bail!("request {i} answered {status}");
                }
            }
        }));
    }
    let mut times = Vec::with_capacity(requests);
    for worker in workers {
        times.extend(worker.await??);
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let usage = meter.usage();
    times.sort();
    let n = requests as f64;
    println!("| measure ({requests} invoices, {concurrency} clients at once) | value |");
    println!("|---|---|");
    println!("| invoices issued and emailed per second | {:.0} |", n / wall);
    println!(
        "| latency p50 / p99 (request → 201, email sent) | {:.1} ms / {:.1} ms |",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    println!(
        "| CPU per invoice (whole process: server, client, SDK) | {:.2} ms |",
        cpu * 1000.0 / n
    );
    println!(
        "| DynamoDB requests per invoice | {:.2} |",
        usage.total_requests() as f64 / n
    );
    for (op, count) in &usage.requests {
        println!("| — {op} | {:.2} |", *count as f64 / n);
    }
    println!(
        "| read / write units per invoice (DynamoDB Local's report) | {:.1} / {:.1} |",
        usage.read_units / n,
        usage.write_units / n
    );
    println!("| peak memory of the process | {:.0} MB |", peak_mb());
    Ok(())
}
