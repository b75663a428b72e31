//! `bank-statements`: the finance API's bank routes. In Lambda (the
//! runtime sets `AWS_LAMBDA_RUNTIME_API`) the router is served by
//! `lambda_http`; anywhere else it listens on `RELANCE_BANK_LISTEN`
//! (default 127.0.0.1:3004).

use std::sync::Arc;

use bank_statements::{AppState, Identity, router};
use relance::config::{Settings, company, payout_names};
use relance::delivery::Deliverer;
use relance::render::{Renderer, startup};
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let in_lambda = std::env::var("AWS_LAMBDA_RUNTIME_API").is_ok();
    relance::telemetry::init(in_lambda);
    let settings = Settings::from_env()?;
    let account = company()?.payment.account()?;
    let renderer = Arc::new(Renderer::with(startup::ISSUE_INVOICE)?);
    let config = relance::sdk::from_env()?;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let state = Arc::new(AppState {
        deliverer: Deliverer::from_settings(&settings, &config, store.clone(), renderer),
        store,
        account,
        payout_names: payout_names()?,
        clock: relance::context::system_clock(),
        identity: if in_lambda { Identity::Iam } else { Identity::Header },
    });
    finance_http::serve(router(state), in_lambda, "RELANCE_BANK_LISTEN", "127.0.0.1:3004").await
}
