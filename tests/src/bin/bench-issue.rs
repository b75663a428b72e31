//! Benchmark of invoice issuance against the local stack.
//!
//! `bench-issue [REQUESTS] [CONCURRENCY]` (default 1000, 8): serves the
//! finance API (`issue-invoice`) over real HTTP on loopback, registers 50
//! customers, then sends REQUESTS `POST /invoices` (each with its own
//! Idempotency-Key, customers in turn) from CONCURRENCY clients at once.
//! Every request takes the next number of one gap-free series, so they
//! all meet on one sequence item: the measure includes that contention.
//! The answer comes once the invoice is recorded; its documents and email
//! follow from the table's stream, as deployed:
//! - the archive (`archive-documents`) is handed the `invoice_issued`
//!   records in batches of 10, one batch at a time as one stream shard
//!   hands them: it renders the Factur-X PDF, the CII and the UBL and
//!   stores each in the Object Lock bucket (S3 on the local stack);
//! - the document mailer (`send-documents`) is handed the
//!   `documents_archived` records the same way: it reads the files back
//!   and sends the invoice email with its attachments, and the copy to the
//!   accounting inbox, through the SES endpoint.
//!
//! The stream records are built before each step is timed (Lambda's
//! event-source mapping does not run here). Prints a Markdown table:
//! requests per second, p50/p99 latency, then each stream step's rate,
//! and CPU, DynamoDB requests and units per invoice for each, peak memory.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{TimeZone, Utc};
use issue_invoice::{AppState, Identity, router};
use relance::delivery::Deliverer;
use relance::domain::{CustomerId, EventKind, HistoryEvent};
use relance::mail::{Mailer, OutgoingEmail, SendError, SesMailer};
use relance::render::Renderer;
use relance::store::Store;
use relance_e2e::metering::{Meter, metered_client};
use relance_e2e::process::{cpu_seconds, peak_mb};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};

const CUSTOMERS: usize = 50;
/// The event-source mappings' batch size in infra/template.yaml.
const STREAM_BATCH: usize = 10;

/// The mailer, counting its calls to SES and the bytes it attaches.
struct Counted {
    inner: SesMailer,
    calls: Arc<AtomicUsize>,
    attached: Arc<AtomicUsize>,
}

impl Mailer for Counted {
    async fn send(&self, email: &OutgoingEmail) -> Result<String, SendError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let bytes: usize = email.attachments.iter().map(|a| a.bytes.len()).sum();
        self.attached.fetch_add(bytes, Ordering::Relaxed);
        self.inner.send(email).await
    }
}

/// What one stream step cost, for the table.
struct Step {
    wall: f64,
    cpu: f64,
    usage: relance_e2e::metering::Usage,
}

/// The events of `kind` the customers' histories hold, oldest first.
async fn events(store: &Store, kind: &str) -> Result<Vec<HistoryEvent>> {
    let mut found = Vec::new();
    for c in 0..CUSTOMERS {
        let id = CustomerId::parse(&format!("bench-{c}")).map_err(|e| anyhow::anyhow!("{e}"))?;
        found.extend(
            store
                .full_history(&id)
                .await?
                .into_iter()
                .filter(|e| e.kind.name() == kind),
        );
    }
    found.sort_by_key(|e| (e.at, e.id));
    Ok(found)
}

/// Hands `handler` the events as stream batches, one batch at a time, and
/// measures it; the records are built (unmetered) before the clock starts.
async fn stream_step<F, Fut>(
    config: &aws_config::SdkConfig,
    table: &str,
    meter: &Meter,
    found: &[HistoryEvent],
    handler: F,
) -> Result<Step>
where
    F: Fn(aws_lambda_events::event::dynamodb::Event) -> Fut,
    Fut: std::future::Future<Output = aws_lambda_events::streams::DynamoDbEventResponse>,
{
    let reader = aws_sdk_dynamodb::Client::new(config);
    let mut batches = Vec::new();
    for chunk in found.chunks(STREAM_BATCH) {
        batches.push(relance_e2e::stream::inserted(&reader, table, chunk).await?);
    }
    meter.reset();
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    for batch in batches {
        let answer = handler(batch).await;
        if !answer.batch_item_failures.is_empty() {
            bail!("a stream batch failed");
        }
    }
    Ok(Step {
        wall: started.elapsed().as_secs_f64(),
        cpu: cpu_seconds() - cpu_before,
        usage: meter.usage(),
    })
}

fn print_step(name: &str, step: &Step, n: f64) {
    println!(
        "| {name}: invoices per second (one shard, batches of {STREAM_BATCH}) | {:.0} |",
        n / step.wall
    );
    println!("| {name}: CPU per invoice | {:.2} ms |", step.cpu * 1000.0 / n);
    println!(
        "| {name}: DynamoDB requests per invoice | {:.2} |",
        step.usage.total_requests() as f64 / n
    );
    for (op, count) in &step.usage.requests {
        println!("| — {op} | {:.2} |", *count as f64 / n);
    }
    println!(
        "| {name}: read / write units per invoice | {:.1} / {:.1} |",
        step.usage.read_units / n,
        step.usage.write_units / n
    );
}

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
    let app = router(state.clone());
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

    // The stream's two steps, on the same table and a bucket of their own.
    let bucket = relance_e2e::fresh_bucket(&config, "bench-issue").await?;
    let archive = || archive_documents::Archive {
        s3: aws_sdk_s3::Client::new(&config),
        bucket: bucket.clone(),
    };
    let deps = archive_documents::Deps {
        store: state.store.clone(),
        archive: archive(),
    };
    let issued = events(&state.store, "invoice_issued").await?;
    if issued.len() != requests {
        bail!("{} invoices issued, {requests} expected", issued.len());
    }
    let archiving = stream_step(&config, &table, &meter, &issued, |batch| {
        archive_documents::handle(&deps, batch)
    })
    .await?;
    let archived = events(&state.store, "documents_archived").await?;
    if archived.len() != requests {
        bail!("{} invoices archived, {requests} expected", archived.len());
    }
    let objects: usize = archived
        .iter()
        .map(|e| match &e.kind {
            EventKind::DocumentsArchived { documents, .. } => documents.len(),
            _ => 0,
        })
        .sum();
    let (calls, attached) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mail = archive_documents::mail::Mail {
        store: state.store.clone(),
        archive: archive(),
        deliverer: Deliverer {
            store: state.store.clone(),
            mailer: Counted {
                inner: SesMailer::new(aws_sdk_sesv2::Client::new(&config), "factures@atelier-durand.fr", None),
                calls: calls.clone(),
                attached: attached.clone(),
            },
            renderer: Arc::new(Renderer::new()?),
            public_url: "https://pay.example.fr".into(),
            link_ttl: chrono::Duration::days(180),
            reply_to: None,
        },
        books: relance::config::books_inbox().map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    let sending = stream_step(&config, &table, &meter, &archived, |batch| {
        archive_documents::mail::handle(&mail, batch, now)
    })
    .await?;
    let emails = calls.load(Ordering::Relaxed);

    println!("| measure ({requests} invoices, {concurrency} clients at once) | value |");
    println!("|---|---|");
    println!(
        "| invoices issued per second (the API: recorded, numbered, 201) | {:.0} |",
        n / wall
    );
    println!(
        "| latency p50 / p99 (request → 201) | {:.1} ms / {:.1} ms |",
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
    print_step("archive (render PDF, CII, UBL; store each)", &archiving, n);
    println!("| archive: objects stored per invoice | {:.2} |", objects as f64 / n);
    print_step("document emails (read back, attach, send)", &sending, n);
    println!(
        "| document emails: emails per invoice (the customer's, the books' copy) | {:.2} |",
        emails as f64 / n
    );
    println!(
        "| document emails: attached per email | {:.0} KB |",
        attached.load(Ordering::Relaxed) as f64 / emails.max(1) as f64 / 1024.0
    );
    println!(
        "| issued → emailed with its documents: CPU per invoice, all three steps | {:.2} ms |",
        (cpu + archiving.cpu + sending.cpu) * 1000.0 / n
    );
    println!("| peak memory of the process | {:.0} MB |", peak_mb());
    Ok(())
}
