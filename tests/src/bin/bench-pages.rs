//! Benchmark of the customer pages against the local stack.
//!
//! `bench-pages [VISITS]` (default 300): serves `customer-links` over real
//! HTTP on loopback and makes VISITS customer visits — open an emailed
//! link (token → session → redirect), read the invoice page, read the
//! portal (12 invoices) — then prints latency percentiles, DynamoDB
//! requests per page, CPU per page and peak memory as a Markdown table.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{TimeZone, Utc};
use relance::delivery::Deliverer;
use relance::domain::{Actor, CustomerId, CustomerInput, InvoiceInput, InvoiceNumber};
use relance::links::{self, LinkGrant, LinkPurpose};
use relance::mail::SesMailer;
use relance::render::Renderer;
use relance::store::Store;
use relance_e2e::metering::{Meter, metered_client};
use relance_e2e::process::{cpu_seconds, peak_mb};
use serde_json::json;

const INVOICES: u64 = 12;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> Result<()> {
    let visits: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()
        .context("VISITS")?
        .unwrap_or(300);
    let config = relance_e2e::sdk_config().await?;
    let table = relance_e2e::fresh_table(&config, "bench-pages").await?;
    let loader = Store::new(aws_sdk_dynamodb::Client::new(&config), &table);
    let seller = relance::config::company().map_err(|e| anyhow::anyhow!("{e}"))?;

    // One customer with a year of monthly invoices.
    let input: CustomerInput = serde_json::from_value(json!({
        "contact_name": "Camille Martin", "email": "camille@bench.example", "locale": "fr",
        "kind": "business", "company_name": "Boulangerie Martin SARL", "siren": "356000000",
        "billing_address": { "lines": ["3 place Bellecour"], "postal_code": "69002", "city": "Lyon", "country": "FR" },
        "customer_since": "2016-05-10"
    }))?;
    let id = CustomerId::parse("bench").map_err(anyhow::Error::msg)?;
    let customer = input.parse(id.clone()).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let issued_at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).single().context("date")?;
    let mut invoices = Vec::new();
    for n in 1..=INVOICES {
        let draft: InvoiceInput = serde_json::from_value(json!({
            "customer_id": "bench", "currency": "EUR", "issue_date": "2026-01-05", "due_date": "2026-02-04",
            "category": "services",
            "lines": [
                { "description": "Entretien du four à sole", "quantity": 1, "unit_price_minor": 45000, "vat_rate": "20" },
                { "description": "Pièces détachées", "quantity": "2.5", "unit": "KGM", "unit_price_minor": 1290, "vat_rate": "20", "discount": "10" }
            ]
        }))?;
        let draft = draft.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?;
        invoices.push(draft.issue(
            InvoiceNumber::new("B2026", n),
            seller.clone(),
            customer.clone(),
            issued_at,
            Actor::system("bench"),
        ));
    }
    loader.load_customers(std::slice::from_ref(&customer)).await?;
    loader.load_invoices(&invoices).await?;
    // One emailed link per visit: a real customer opens a link a few
    // times, not hundreds (the per-token limit would refuse that).
    let start = Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).single().context("date")?;
    let mut tokens = Vec::with_capacity(visits);
    for _ in 0..visits {
        let token = links::generate();
        let grant = LinkGrant {
            purpose: LinkPurpose::ViewInvoice,
            customer_id: id.clone(),
            object: InvoiceNumber::new("B2026", 1).to_string(),
            created_at: start,
            expires_at: (start + chrono::Duration::days(180)).timestamp(),
            revoked: false,
        };
        loader.put_link(&token.hash, &grant).await?;
        tokens.push(token.text);
    }

    // The pages, with a metered DynamoDB client. Each visit happens two
    // hours after the previous one, so the per-address limit (all visits
    // come from 127.0.0.1) counts them in separate windows.
    let meter = Meter::default();
    let store = Store::new(metered_client(&config, &meter), &table);
    let renderer = Arc::new(Renderer::new()?);
    let hours = Arc::new(AtomicI64::new(0));
    let clock_hours = hours.clone();
    let state = Arc::new(customer_links::AppState {
        deliverer: Deliverer {
            store: store.clone(),
            mailer: SesMailer::new(aws_sdk_sesv2::Client::new(&config), "factures@atelier-durand.fr", None),
            renderer: renderer.clone(),
            public_url: "http://127.0.0.1".into(),
            link_ttl: chrono::Duration::days(180),
            reply_to: None,
        },
        store,
        renderer,
        seller,
        // The page's cost without the download links' signing.
        archive: None,
        clock: Arc::new(move || start + chrono::Duration::hours(clock_hours.load(Ordering::Relaxed))),
        checkout: None,
        public_url: "http://127.0.0.1:3001".into(),
        secure_cookies: false,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = customer_links::router(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    let names = [
        "open link (token → session, 303)",
        "invoice page",
        "portal (12 invoices)",
    ];
    let mut times: [Vec<Duration>; 3] = Default::default();
    let mut bytes = [0usize; 3];
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    for token in &tokens {
        hours.fetch_add(2, Ordering::Relaxed);
        let t = Instant::now();
        let open = http.get(format!("{base}/i/{token}")).send().await?;
        times[0].push(t.elapsed());
        if open.status() != 303 {
            bail!("opening a link answered {}", open.status());
        }
        let cookie = open
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .context("a session cookie")?
            .to_string();
        for (i, path) in [(1, "/invoice"), (2, "/portal")] {
            let t = Instant::now();
            let page = http
                .get(format!("{base}{path}"))
                .header("cookie", &cookie)
                .send()
                .await?;
            let status = page.status();
            let body = page.bytes().await?;
            times[i].push(t.elapsed());
            if status != 200 {
                bail!("{path} answered {status}");
            }
            bytes[i] = body.len();
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let usage = meter.usage();
    let pages = (visits * 3) as f64;
    println!("| measure ({visits} visits: open a link, invoice page, portal) | value |");
    println!("|---|---|");
    for (i, name) in names.iter().enumerate() {
        times[i].sort();
        println!(
            "| {name}: p50 / p99 | {:.1} ms / {:.1} ms |",
            percentile(&times[i], 0.5),
            percentile(&times[i], 0.99)
        );
    }
    println!(
        "| invoice page size / portal size (HTML) | {:.1} KB / {:.1} KB |",
        bytes[1] as f64 / 1024.0,
        bytes[2] as f64 / 1024.0
    );
    println!("| requests per second, one visitor at a time | {:.0} |", pages / wall);
    println!(
        "| CPU per request (whole process: server, client, SDK) | {:.2} ms |",
        cpu * 1000.0 / pages
    );
    println!(
        "| DynamoDB requests per visit (3 requests) | {:.1} |",
        usage.total_requests() as f64 / visits as f64
    );
    for (op, n) in &usage.requests {
        println!("| — {op} per visit | {:.2} |", *n as f64 / visits as f64);
    }
    println!(
        "| read / write units per visit (DynamoDB Local's report) | {:.1} / {:.1} |",
        usage.read_units / visits as f64,
        usage.write_units / visits as f64
    );
    println!("| peak memory of the process | {:.0} MB |", peak_mb());
    Ok(())
}
