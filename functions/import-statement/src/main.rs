//! The statements bucket's notification → `import_statement::handle`.

use std::sync::Arc;

use aws_lambda_events::event::s3::S3Event;
use import_statement::{Deps, handle};
use lambda_runtime::{LambdaEvent, service_fn};
use relance::config::{Settings, company, payout_names};
use relance::delivery::Deliverer;
use relance::render::{Renderer, startup};
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    relance::telemetry::init(true);
    let settings = Settings::from_env()?;
    let account = company()?.payment.account()?;
    let renderer = Arc::new(Renderer::with(startup::ISSUE_INVOICE)?);
    let config = relance::sdk::from_env()?;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let deps = Arc::new(Deps {
        deliverer: Deliverer::from_settings(&settings, &config, store.clone(), renderer),
        s3: aws_sdk_s3::Client::new(&config),
        store,
        account,
        payout_names: payout_names()?,
        clock: relance::context::system_clock(),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| {
        let deps = deps.clone();
        async move { handle(deps, event.payload).await.map(|_| ()).map_err(Error::from) }
    }))
    .await
}
