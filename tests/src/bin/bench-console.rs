//! Benchmark of the finance console against the local stack.
//!
//! `bench-console [CUSTOMERS] [PER_CUSTOMER] [VISITS]` (defaults 10000, 10
//! and 30): loads a portfolio into a fresh table — each customer with
//! PER_CUSTOMER monthly invoices from January 2026, all but the last three
//! paid (their history: issued, paid), one customer in a hundred with a
//! help request waiting — then serves `finance-console` over real HTTP on
//! loopback, signs in, and opens each page VISITS times (the reminders
//! preview and the balance, which read the portfolio, a few times): p50 /
//! p99, DynamoDB requests and read units per page (as DynamoDB Local
//! reports them), the page's size, peak memory; as a Markdown table.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use futures::StreamExt;
use relance::domain::invoice::InvoiceStatus;
use relance::domain::{Actor, CustomerId, CustomerInput, EventKind, HistoryEvent, InvoiceInput, InvoiceNumber};
use relance::render::Renderer;
use relance::store::Store;
use relance_e2e::metering::{Meter, Usage, metered_client};
use relance_e2e::process::peak_mb;
use serde_json::json;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn arg(args: &mut impl Iterator<Item = String>, name: &str, default: usize) -> Result<usize> {
    args.next()
        .map(|a| a.parse())
        .transpose()
        .with_context(|| name.to_string())
        .map(|v| v.unwrap_or(default))
}

fn field(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    page[start..].split('"').next().map(str::to_string)
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let customers = arg(&mut args, "CUSTOMERS", 10_000)?;
    let per_customer = arg(&mut args, "PER_CUSTOMER", 10)?.max(3);
    let visits = arg(&mut args, "VISITS", 30)?.max(1);
    let config = relance_e2e::sdk_config().await?;
    let table = relance_e2e::fresh_table(&config, "bench-console").await?;
    let loader = Store::new(aws_sdk_dynamodb::Client::new(&config), &table);
    let seller = relance::config::company().map_err(|e| anyhow::anyhow!("{e}"))?;
    let actor = Actor::system("bench");
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).context("today")?;
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).single().context("now")?;

    // The portfolio, built 500 customers at a time and loaded eight
    // batches at once.
    let started = Instant::now();
    let chunks: Vec<Vec<usize>> = (0..customers)
        .collect::<Vec<_>>()
        .chunks(500)
        .map(<[usize]>::to_vec)
        .collect();
    let built: Vec<Chunk> = chunks
        .iter()
        .map(|chunk| build(chunk, per_customer, &seller, &actor, now))
        .collect::<Result<_>>()?;
    let sample = built
        .first()
        .and_then(|b| b.invoices.get(per_customer - 1))
        .map(|i| (i.customer_id.clone(), i.number.clone()));
    let (invoices_loaded, events_loaded) = built
        .iter()
        .fold((0, 0), |(i, e), b| (i + b.invoices.len(), e + b.events.len()));
    let loads = futures::stream::iter(built.iter().map(|b| {
        let loader = &loader;
        async move {
            loader.load_customers(&b.customers).await?;
            loader.load_invoices(&b.invoices).await?;
            loader.load_events(&b.events).await
        }
    }))
    .buffer_unordered(8)
    .collect::<Vec<_>>()
    .await;
    for load in loads {
        load?;
    }
    drop(built);
    eprintln!(
        "loaded {customers} customers, {invoices_loaded} invoices and {events_loaded} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (sample_customer, sample_invoice) = sample.context("a customer")?;

    // The console, with a metered DynamoDB client and a clock at `now`.
    let meter = Meter::default();
    let store = Store::new(metered_client(&config, &meter), &table);
    let state = Arc::new(finance_console::AppState {
        store,
        renderer: Arc::new(Renderer::new()?),
        clock: Arc::new(move || now),
        local_users: Some(
            relance::staff::local_users(include_str!("../../../config/console-users.toml"))
                .map_err(anyhow::Error::msg)?,
        ),
        identity: None,
        secure_cookies: false,
        seller,
        policy: relance::domain::goodwill::GoodwillPolicy::configured().map_err(anyhow::Error::msg)?,
        dunning: relance::domain::dunning::Policy::configured().map_err(anyhow::Error::msg)?,
        archive: None,
        series: "AV".into(),
        gate: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = finance_console::router(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    // Signing in, as a person would.
    let page = http.get(format!("{base}/sign-in")).send().await?;
    let pre = page
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("a pre-session cookie")?
        .to_string();
    let token = field(&page.text().await?, "csrf").context("the sign-in form")?;
    let signed = http
        .post(format!("{base}/sign-in"))
        .header("cookie", &pre)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("user=nadia&csrf={token}"))
        .send()
        .await?;
    let session = signed
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|c| c.starts_with("relance_console=") && c.len() > "relance_console=".len())
        .context("a session")?
        .to_string();

    let month = today.with_day(1).context("month")?;
    let pages: Vec<(String, String, usize)> = vec![
        ("to-do".into(), "/".into(), visits),
        ("receivables (first 100 rows)".into(), "/receivables".into(), visits),
        (
            "receivables, overdue, by amount".into(),
            "/receivables?filter=overdue&sort=total".into(),
            visits,
        ),
        ("receivables as CSV".into(), "/receivables.csv".into(), visits.min(5)),
        ("a customer".into(), format!("/customers/{sample_customer}"), visits),
        (
            "an invoice".into(),
            format!("/customers/{sample_customer}/invoices/{sample_invoice}"),
            visits,
        ),
        (
            "reminders: Monday's preview and the last passes".into(),
            "/reminders?as_of=2026-11-23".into(),
            visits.min(3),
        ),
        (
            "relationship balance of the month".into(),
            format!("/balance?from={month}&to={today}"),
            visits.min(3),
        ),
    ];
    println!(
        "| page ({customers} customers, {invoices_loaded} invoices, {events_loaded} events) | p50 / p99 | DynamoDB requests per page | read units per page | size |"
    );
    println!("|---|---|---|---|---|");
    for (name, path, n) in pages {
        let mut times = Vec::with_capacity(n);
        let before = meter.usage();
        let mut size = 0;
        for _ in 0..n {
            let t = Instant::now();
            let answer = http
                .get(format!("{base}{path}"))
                .header("cookie", &session)
                .send()
                .await?;
            let status = answer.status();
            let body = answer.bytes().await?;
            times.push(t.elapsed());
            if status != 200 {
                bail!("{path} answered {status}: {}", String::from_utf8_lossy(&body));
            }
            size = body.len();
        }
        times.sort();
        let after = meter.usage();
        let used = diff(&after, &before);
        println!(
            "| {name} | {:.1} ms / {:.1} ms | {:.1} ({}) | {:.1} | {:.0} KB |",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            used.total_requests() as f64 / n as f64,
            used.requests
                .iter()
                .map(|(op, k)| format!("{op} {:.0}", *k as f64 / n as f64))
                .collect::<Vec<_>>()
                .join(", "),
            used.read_units / n as f64,
            size as f64 / 1024.0
        );
    }
    println!(
        "| peak memory of the process (includes loading the portfolio) | {:.0} MB | | | |",
        peak_mb()
    );
    Ok(())
}

/// One batch of the portfolio.
struct Chunk {
    customers: Vec<relance::domain::Customer>,
    invoices: Vec<relance::domain::Invoice>,
    events: Vec<HistoryEvent>,
}

/// Customers `chunk`, each with `per_customer` monthly invoices from
/// January 2026, all but the last three paid (one customer in four a few
/// days late), one customer in a hundred with a help request waiting.
fn build(
    chunk: &[usize],
    per_customer: usize,
    seller: &relance::domain::Seller,
    actor: &Actor,
    now: chrono::DateTime<Utc>,
) -> Result<Chunk> {
    let mut out = Chunk {
        customers: Vec::new(),
        invoices: Vec::new(),
        events: Vec::new(),
    };
    for &c in chunk {
        let input: CustomerInput = serde_json::from_value(json!({
            "contact_name": format!("Client {c}"), "email": format!("c{c}@bench.example"), "locale": "fr",
            "kind": "business", "company_name": format!("Société {c}"), "siren": "356000000",
            "billing_address": { "lines": ["1 rue de la Paix"], "postal_code": "75002", "city": "Paris", "country": "FR" },
            "customer_since": "2020-01-01"
        }))?;
        let id = CustomerId::parse(&format!("c{c:05}")).map_err(anyhow::Error::msg)?;
        let customer = input.parse(id.clone()).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        for k in 0..per_customer {
            let number = (c * per_customer + k + 1) as u64;
            let issue = NaiveDate::from_ymd_opt(2026, 1, 5).context("date")? + chrono::Months::new(k as u32);
            let due = issue + chrono::Days::new(30);
            let draft: InvoiceInput = serde_json::from_value(json!({
                "customer_id": id.as_str(), "currency": "EUR", "issue_date": issue, "due_date": due,
                "category": "services",
                "lines": [{ "description": "Abonnement mensuel", "quantity": 1, "unit_price_minor": 10000 + (c % 50) * 500, "vat_rate": "20" }]
            }))?;
            let issued_at = Utc.from_utc_datetime(&issue.and_hms_opt(9, 0, 0).context("time")?);
            let mut invoice = draft.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?.issue(
                InvoiceNumber::new("F2026", number),
                seller.clone(),
                customer.clone(),
                issued_at,
                actor.clone(),
            );
            let gross = invoice.totals.gross_minor;
            out.events.push(HistoryEvent::new(
                id.clone(),
                issued_at,
                actor.clone(),
                EventKind::InvoiceIssued {
                    number: invoice.number.clone(),
                    gross_minor: gross,
                    currency: "EUR".into(),
                    due_date: due,
                },
            ));
            if k + 3 < per_customer {
                let late = if c % 4 == 0 { 6 } else { 0 };
                let paid_on = due + chrono::Days::new(late);
                invoice.status = InvoiceStatus::Paid;
                invoice.paid_minor = gross;
                out.events.push(HistoryEvent::new(
                    id.clone(),
                    Utc.from_utc_datetime(&paid_on.and_hms_opt(10, 0, 0).context("time")?),
                    actor.clone(),
                    EventKind::InvoicePaid {
                        number: invoice.number.clone(),
                        paid_on,
                        days_late: late as i64,
                    },
                ));
            } else if k + 1 == per_customer && c % 100 == 7 {
                invoice.dunning.help_request_open = true;
                invoice.dunning.help_requested_at = Some(now - chrono::Duration::hours((c % 60) as i64));
            }
            out.invoices.push(invoice);
        }
        out.customers.push(customer);
    }
    Ok(out)
}

fn diff(after: &Usage, before: &Usage) -> Usage {
    Usage {
        requests: after
            .requests
            .iter()
            .map(|(op, n)| (op.clone(), n - before.requests.get(op).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect(),
        read_units: after.read_units - before.read_units,
        write_units: after.write_units - before.write_units,
    }
}
