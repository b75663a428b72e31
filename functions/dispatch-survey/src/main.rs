//! `dispatch-survey` in Lambda, behind the table's stream.

use std::sync::Arc;

use dispatch_survey::{Deps, handle};
use lambda_runtime::{LambdaEvent, service_fn};
use relance::config::Settings;
use relance::delivery::Deliverer;
use relance::render::{Renderer, startup};
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    relance::telemetry::init(true);
    let settings = Settings::from_env()?;
    let config = relance::sdk::from_env()?;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let deps = Arc::new(Deps {
        deliverer: Deliverer::from_settings(
            &settings,
            &config,
            store.clone(),
            Arc::new(Renderer::with(startup::DISPATCH_SURVEY)?),
        ),
        store,
        policy: Default::default(),
        dunning: relance::domain::dunning::Policy::configured()?,
    });
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<aws_lambda_events::event::dynamodb::Event>| {
            let deps = deps.clone();
            async move { Ok::<_, Error>(handle(&deps, event.payload, chrono::Utc::now()).await) }
        },
    ))
    .await
}
