//! `payment-webhook`: in Lambda the router is served by `lambda_http`;
//! anywhere else it listens on `RELANCE_WEBHOOK_LISTEN` (default
//! 127.0.0.1:3005). The signing secret is read at start-up from Secrets
//! Manager (`RELANCE_STRIPE_WEBHOOK_SECRET_ARN`, deployed), or from
//! `RELANCE_STRIPE_WEBHOOK_SECRET` (local); with neither, no card
//! provider is configured and every request answers 404.

use std::sync::Arc;

use payment_webhook::{AppState, router};
use relance::config::Settings;
use relance::delivery::Deliverer;
use relance::render::{Renderer, startup};
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let in_lambda = std::env::var("AWS_LAMBDA_RUNTIME_API").is_ok();
    relance::telemetry::init(in_lambda);
    let settings = Settings::from_env()?;
    let config = relance::sdk::from_env()?;
    let signing_secret = relance::secrets::read(
        &config,
        "RELANCE_STRIPE_WEBHOOK_SECRET_ARN",
        "RELANCE_STRIPE_WEBHOOK_SECRET",
    )
    .await?
    .unwrap_or_default();
    let renderer = Arc::new(Renderer::with(startup::ISSUE_INVOICE)?);
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let state = Arc::new(AppState {
        deliverer: Deliverer::from_settings(&settings, &config, store.clone(), renderer),
        store,
        signing_secret,
        clock: relance::context::system_clock(),
    });
    let app = router(state);
    if in_lambda {
        return lambda_http::run(app).await;
    }
    let addr = std::env::var("RELANCE_WEBHOOK_LISTEN").unwrap_or_else(|_| "127.0.0.1:3005".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
