//! `ses-feedback` in Lambda, subscribed to the SES notification topic.

// The handler's future nests deeper than the compiler's default layout limit.
#![recursion_limit = "256"]

use aws_lambda_events::event::sns::SnsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use relance::config::Settings;
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    relance::telemetry::init(true);
    let settings = Settings::from_env()?;
    let config = relance::sdk::from_env()?;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SnsEvent>| {
        let store = store.clone();
        async move {
            ses_feedback::handle(&store, event.payload, chrono::Utc::now()).await?;
            Ok::<_, Error>(())
        }
    }))
    .await
}
