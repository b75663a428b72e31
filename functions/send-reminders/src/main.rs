//! The Lambda (or command-line) edge of `send-reminders`: reads the
//! clock, the environment and the invocation, and hands them to the
//! library.

use std::sync::Arc;

use lambda_runtime::{LambdaEvent, service_fn};
use relance::config::Settings;
use relance::delivery::Deliverer;
use relance::domain::dunning::Policy;
use relance::mail::SesMailer;
use relance::render::{Renderer, startup};
use relance::store::Store;
use send_reminders::{Error, Function, MARGIN, Request, metrics};

/// Continues a pass that reached its deadline in a new invocation of this
/// same function (asynchronous: the scheduler's invocation ends now).
async fn continue_pass(lambda: &aws_sdk_lambda::Client, next: &Request) -> Result<(), Error> {
    let name = std::env::var("AWS_LAMBDA_FUNCTION_NAME")?;
    lambda
        .invoke()
        .function_name(name)
        .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
        .payload(aws_sdk_lambda::primitives::Blob::new(serde_json::to_vec(next)?))
        .send()
        .await?;
    tracing::info!(after = ?next.resume_after, "pass continues in a new invocation");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let in_lambda = std::env::var("AWS_LAMBDA_RUNTIME_API").is_ok();
    relance::telemetry::init(in_lambda);
    let settings = Settings::from_env()?;
    let config = relance::sdk::from_env()?;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let function = Arc::new(Function::<SesMailer> {
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
    if !in_lambda {
        let request = Request::from_args(std::env::args().skip(1))?;
        let summary = function.run(&request, chrono::Utc::now(), None).await?;
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    let lambda = aws_sdk_lambda::Client::new(&config);
    let name = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "send-reminders".into());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let (function, lambda, name) = (function.clone(), lambda.clone(), name.clone());
        async move {
            let left = event
                .context
                .deadline()
                .duration_since(std::time::SystemTime::now())
                .unwrap_or_default();
            let deadline = tokio::time::Instant::now() + left.saturating_sub(MARGIN);
            let request = Request::from_event(event.payload)?;
            let summary = function.run(&request, chrono::Utc::now(), Some(deadline)).await?;
            println!("{}", metrics(&summary, &name, chrono::Utc::now()));
            if let Some(next) = request.continuation(&summary) {
                continue_pass(&lambda, &next).await?;
            }
            Ok::<_, Error>(summary)
        }
    }))
    .await
}
