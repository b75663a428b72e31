//! `send-reminders`: the daily reminder pass (and the follow-ups of
//! goodwill credits whose day has come). EventBridge Scheduler invokes
//! it on business days with `{"as_of": "YYYY-MM-DD"}` (optional: today in
//! Paris by default), so any day's pass can be replayed. Outside Lambda it
//! runs one pass: `send-reminders [YYYY-MM-DD] [--dry-run]`, printing the
//! summary as JSON.

use std::sync::Arc;

use chrono::NaiveDate;
use lambda_runtime::{LambdaEvent, service_fn};
use relance::config::Settings;
use relance::delivery::Deliverer;
use relance::domain::calendar::{business_date, pass_instant};
use relance::domain::dunning::Policy;
use relance::mail::SesMailer;
use relance::reminders::{Pace, Pass, PassSummary};
use relance::render::{Renderer, startup};
use relance::store::Store;
use serde::Deserialize;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// How many customers one pass works on at once.
const CONCURRENCY: usize = 16;

#[derive(Debug, Default, Deserialize, serde::Serialize)]
struct Request {
    as_of: Option<NaiveDate>,
    #[serde(default)]
    dry_run: bool,
    /// Set by the function itself when a pass continues in a new invocation.
    #[serde(default)]
    resume_after: Option<relance::domain::CustomerId>,
}

/// Time kept back before the Lambda limit to finish the customers under
/// way and hand over.
const MARGIN: std::time::Duration = std::time::Duration::from_secs(60);

struct Function {
    store: Store,
    deliverer: Deliverer<SesMailer>,
    policy: Policy,
    ses_per_second: u32,
}

impl Function {
    async fn run(&self, request: &Request, deadline: Option<tokio::time::Instant>) -> Result<PassSummary, Error> {
        // A pass replayed as of another day runs as if it were that day's
        // morning (08:00 in Paris), so the contact budget matches the date.
        let wall = chrono::Utc::now();
        let as_of = request.as_of.unwrap_or_else(|| business_date(wall));
        let now = pass_instant(as_of, wall);
        let pass = Pass {
            store: &self.store,
            deliverer: &self.deliverer,
            policy: &self.policy,
            as_of,
            now,
            dry_run: request.dry_run,
            concurrency: CONCURRENCY,
            pace: &Pace::new(self.ses_per_second),
            deadline,
            resume_after: request.resume_after.clone(),
        };
        let summary = pass.run().await?;
        if !request.dry_run && request.resume_after.is_none() {
            // Credits granted some days ago: their follow-up question is
            // due (the survey dispatcher decides whether to ask it).
            let follow_ups = relance::credits::follow_up_credits(&self.store, as_of, now).await?;
            tracing::info!(%as_of, follow_ups, "credit follow-ups written");
        }
        tracing::info!(
            %as_of,
            customers = summary.customers,
            emails_sent = summary.emails_sent,
            emails_pending = summary.emails_pending,
            handed_off = summary.handed_off,
            skipped = ?summary.skipped,
            resume_after = ?summary.resume_after,
            "reminder pass done"
        );
        Ok(summary)
    }
}

/// The pass's figures as metrics; the template's alarms watch them.
fn report(summary: &PassSummary) {
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "send-reminders".into());
    println!(
        "{}",
        relance::telemetry::metrics(
            ("Function", &function),
            &[
                ("RemindersSent", summary.emails_sent),
                ("EmailsPending", summary.emails_pending),
                ("EmailsStuckSending", summary.stuck_sending),
                ("FinanceAlerts", summary.finance_alerts),
            ],
            chrono::Utc::now(),
        )
    );
}

/// Continues a pass that reached its deadline in a new invocation of this
/// same function (asynchronous: the scheduler's invocation ends now).
async fn continue_pass(lambda: &aws_sdk_lambda::Client, request: &Request, summary: &PassSummary) -> Result<(), Error> {
    let Some(after) = &summary.resume_after else {
        return Ok(());
    };
    let name = std::env::var("AWS_LAMBDA_FUNCTION_NAME")?;
    let next = Request {
        as_of: summary.as_of,
        dry_run: request.dry_run,
        resume_after: Some(after.clone()),
    };
    lambda
        .invoke()
        .function_name(name)
        .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
        .payload(aws_sdk_lambda::primitives::Blob::new(serde_json::to_vec(&next)?))
        .send()
        .await?;
    tracing::info!(%after, "pass continues in a new invocation");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let in_lambda = std::env::var("AWS_LAMBDA_RUNTIME_API").is_ok();
    relance::telemetry::init(in_lambda);
    let settings = Settings::from_env()?;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let function = Arc::new(Function {
        deliverer: Deliverer::from_settings(
            &settings,
            &config,
            store.clone(),
            Arc::new(Renderer::with(startup::SEND_REMINDERS)?),
        ),
        store,
        policy: Policy::configured()?,
        ses_per_second: settings.ses_max_per_second,
    });
    if in_lambda {
        let lambda = aws_sdk_lambda::Client::new(&config);
        lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
            let function = function.clone();
            let lambda = lambda.clone();
            async move {
                let left = event
                    .context
                    .deadline()
                    .duration_since(std::time::SystemTime::now())
                    .unwrap_or_default();
                let deadline = tokio::time::Instant::now() + left.saturating_sub(MARGIN);
                // A scheduler event without a body, or with other fields, is
                // today's pass; a malformed as_of is refused, not guessed.
                let request: Request = match event.payload {
                    serde_json::Value::Object(map)
                        if ["as_of", "dry_run", "resume_after"]
                            .iter()
                            .any(|k| map.contains_key(*k)) =>
                    {
                        serde_json::from_value(serde_json::Value::Object(map))?
                    }
                    _ => Request::default(),
                };
                let summary = function.run(&request, Some(deadline)).await?;
                report(&summary);
                continue_pass(&lambda, &request, &summary).await?;
                Ok::<_, Error>(summary)
            }
        }))
        .await
    } else {
        let mut request = Request::default();
        for arg in std::env::args().skip(1) {
            if arg == "--dry-run" {
                request.dry_run = true;
            } else {
                request.as_of = Some(
                    arg.parse()
                        .map_err(|e| format!("`{arg}` is not a date (YYYY-MM-DD): {e}"))?,
                );
            }
        }
        let summary = function.run(&request, None).await?;
        println!("{}", serde_json::to_string_pretty(&summary)?);
        Ok(())
    }
}
