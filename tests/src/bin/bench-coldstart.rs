//! Cold starts of every function, against a local Lambda Runtime API.
//!
//! `bench-coldstart [RUNS]` (default 10) plays the Lambda service: it
//! serves the Runtime API on loopback, starts a function's release binary
//! as Lambda would (`AWS_LAMBDA_RUNTIME_API` set, the template's
//! environment, the local stack's endpoints), and measures
//!   - ready: process start → its first `GET /invocation/next`, i.e. the
//!     binary loaded, settings read, SDK clients built, templates parsed;
//!   - first event: the event handed over → its response posted, including
//!     the first DynamoDB call on a new connection (plain HTTP locally, so
//!     no TLS handshake: in AWS add one).
//!
//! It then stops the process. Each function gets a realistic first event
//! (`tests/fixtures/`). Prints a Markdown table of medians and maxima.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio::sync::mpsc;

/// What the fake Lambda service saw, in order.
#[derive(Debug)]
enum Seen {
    Next(Instant),
    Response(Instant, String),
    Error(String),
}

struct Service {
    event: String,
    served: AtomicBool,
    seen: mpsc::UnboundedSender<Seen>,
}

async fn next(State(service): State<Arc<Service>>) -> impl IntoResponse {
    let _ = service.seen.send(Seen::Next(Instant::now()));
    if service.served.swap(true, Ordering::SeqCst) {
        // One event per process: the second `next` waits until we stop it.
        std::future::pending::<()>().await;
    }
    let deadline = chrono::Utc::now().timestamp_millis() + 30_000;
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("lambda-runtime-aws-request-id", "bench-1".to_string()),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:eu-west-3:123456789012:function:relance-bench".to_string(),
        ),
        (
            "lambda-runtime-trace-id",
            "Root=1-00000000-000000000000000000000000".to_string(),
        ),
        ("content-type", "application/json".to_string()),
    ] {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    }
    (StatusCode::OK, headers, service.event.clone())
}

async fn response(State(service): State<Arc<Service>>, Path(_id): Path<String>, body: String) -> StatusCode {
    let _ = service.seen.send(Seen::Response(Instant::now(), body));
    StatusCode::ACCEPTED
}

async fn error(State(service): State<Arc<Service>>, body: String) -> StatusCode {
    let _ = service.seen.send(Seen::Error(body));
    StatusCode::ACCEPTED
}

struct Run {
    ready: Duration,
    first_event: Duration,
    answer: String,
}

async fn once(binary: &PathBuf, event: &str, table: &str) -> Result<Run> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let service = Arc::new(Service {
        event: event.to_string(),
        served: AtomicBool::new(false),
        seen: tx,
    });
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let started = Instant::now();
    let mut child = std::process::Command::new(binary)
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "relance-bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/relance-bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("RELANCE_TABLE", table)
        .env("RELANCE_SENDER", "Atelier Durand <factures@atelier-durand.fr>")
        .env("RELANCE_PUBLIC_URL", "https://pay.example.fr")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let mut ready = None;
    let mut handed_over = None;
    let outcome = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(seen) = rx.recv().await {
            match seen {
                Seen::Next(at) if ready.is_none() => {
                    ready = Some(at - started);
                    handed_over = Some(at);
                }
                Seen::Next(_) => {}
                Seen::Response(at, body) => return Ok((at, body)),
                Seen::Error(body) => bail!("the function reported an error: {body}"),
            }
        }
        bail!("the runtime API closed")
    })
    .await
    .context("no response within 30 s");
    child.kill().ok();
    child.wait().ok();
    let (answered, body) = outcome??;
    // What the function answered: the HTTP status for the API functions.
    let answer = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("statusCode").and_then(serde_json::Value::as_u64))
        .map_or_else(|| "ok".to_string(), |code| code.to_string());
    server.abort();
    Ok(Run {
        ready: ready.context("never asked for an event")?,
        first_event: answered - handed_over.context("never asked for an event")?,
        answer,
    })
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> Result<()> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()
        .context("RUNS")?
        .unwrap_or(10);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let fixtures = root.join("tests/fixtures");
    let config = relance_e2e::sdk_config().await?;
    let table = relance_e2e::fresh_table(&config, "coldstart").await?;
    let functions = [
        (
            "issue-invoice",
            "apigw-http-iam-put-customer.json",
            "PUT a customer: GetItem + TransactWriteItems",
        ),
        (
            "grant-credit",
            "apigw-http-iam-get-portfolio.json",
            "GET /credits/portfolio: Query + GetItem",
        ),
        (
            "customer-links",
            "apigw-http-open-link.json",
            "open an unknown link: GetItem, plain page",
        ),
        (
            "dispatch-survey",
            "dynamodb-stream-invoice-paid.json",
            "an invoice_paid record for an unknown customer: GetItem",
        ),
        (
            "send-reminders",
            "reminder-pass-dry-run.json",
            "a dry-run pass on an empty table: 16 index Queries",
        ),
        (
            "ses-feedback",
            "sns-ses-bounce.json",
            "a bounce for an unknown customer: GetItem",
        ),
    ];
    println!("| function | first event | answer | ready: median / max | first event: median / max |");
    println!("|---|---|---|---|---|");
    for (name, fixture, what) in functions {
        let binary = root.join("target/release").join(name);
        let event = std::fs::read_to_string(fixtures.join(fixture)).with_context(|| fixture.to_string())?;
        let mut ready = Vec::with_capacity(runs);
        let mut first = Vec::with_capacity(runs);
        let mut answer = String::new();
        for _ in 0..runs {
            let run = once(&binary, &event, &table).await.with_context(|| name.to_string())?;
            ready.push(run.ready);
            first.push(run.first_event);
            answer = run.answer;
        }
        ready.sort();
        first.sort();
        println!(
            "| `{name}` | {what} | {answer} | {} / {} | {} / {} |",
            ms(ready[ready.len() / 2]),
            ms(ready[ready.len() - 1]),
            ms(first[first.len() / 2]),
            ms(first[first.len() - 1]),
        );
    }
    Ok(())
}
