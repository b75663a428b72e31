//! The replies bucket's notification → `receive_reply::handle`.

use std::sync::Arc;

use aws_lambda_events::event::s3::S3Event;
use lambda_runtime::{LambdaEvent, service_fn};
use receive_reply::{Deps, handle};
use relance::config::Settings;
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    relance::telemetry::init(true);
    let settings = Settings::from_env()?;
    let config = relance::sdk::from_env()?;
    let deps = Arc::new(Deps {
        store: Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table),
        s3: aws_sdk_s3::Client::new(&config),
        reply_address: settings.reply_to.as_ref().map(|e| e.as_str().to_string()),
        clock: relance::context::system_clock(),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| {
        let deps = deps.clone();
        async move { handle(deps, event.payload).await.map(|_| ()).map_err(Error::from) }
    }))
    .await
}
