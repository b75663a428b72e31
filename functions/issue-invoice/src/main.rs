//! `issue-invoice`: the finance API. In Lambda (the runtime sets
//! `AWS_LAMBDA_RUNTIME_API`) the router is served by `lambda_http`;
//! anywhere else it listens on `RELANCE_LISTEN` (default 127.0.0.1:3000).

use std::sync::Arc;

use issue_invoice::{AppState, Identity, router};
use relance::config::{Settings, company};
use relance::delivery::Deliverer;
use relance::render::{Renderer, startup};
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let in_lambda = std::env::var("AWS_LAMBDA_RUNTIME_API").is_ok();
    relance::telemetry::init(in_lambda);
    let settings = Settings::from_env()?;
    let seller = company()?;
    let renderer = Arc::new(Renderer::with(startup::ISSUE_INVOICE)?);
    let config = relance::sdk::from_env()?;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let state = Arc::new(AppState {
        deliverer: Deliverer::from_settings(&settings, &config, store.clone(), renderer),
        store,
        seller,
        invoice_series: settings.invoice_series.clone(),
        issue_gate: Default::default(),
        policy: relance::domain::dunning::Policy::configured()?,
        clock: relance::context::system_clock(),
        identity: if in_lambda { Identity::Iam } else { Identity::Header },
    });
    finance_http::serve(router(state), in_lambda, "RELANCE_LISTEN", "127.0.0.1:3000").await
}
