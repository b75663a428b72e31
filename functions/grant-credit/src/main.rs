//! `grant-credit`: the goodwill-credit API. In Lambda (the runtime sets
//! `AWS_LAMBDA_RUNTIME_API`) the router is served by `lambda_http`;
//! anywhere else it listens on `RELANCE_CREDITS_LISTEN` (default
//! 127.0.0.1:3002).

use std::sync::Arc;

use grant_credit::{AppState, Identity, router};
use relance::config::{Settings, company};
use relance::domain::goodwill::GoodwillPolicy;
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let in_lambda = std::env::var("AWS_LAMBDA_RUNTIME_API").is_ok();
    relance::telemetry::init(in_lambda);
    let settings = Settings::from_env()?;
    let config = relance::sdk::from_env()?;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let state = Arc::new(AppState {
        store,
        seller: company()?,
        policy: GoodwillPolicy::configured()?,
        series: settings.credit_series.clone(),
        gate: Default::default(),
        clock: relance::context::system_clock(),
        identity: if in_lambda { Identity::Iam } else { Identity::Header },
    });
    finance_http::serve(router(state), in_lambda, "RELANCE_CREDITS_LISTEN", "127.0.0.1:3002").await
}
