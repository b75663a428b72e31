//! `archive-documents` in Lambda, behind the table's stream.

// The handler awaits render and archive futures nested deep.
#![recursion_limit = "256"]

use std::sync::Arc;

use archive_documents::{Archive, Deps, handle};
use lambda_runtime::{LambdaEvent, service_fn};
use relance::config::Settings;
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    relance::telemetry::init(true);
    let settings = Settings::from_env()?;
    let bucket = std::env::var("RELANCE_ARCHIVE_BUCKET").map_err(|_| "RELANCE_ARCHIVE_BUCKET is not set")?;
    let config = relance::sdk::from_env()?;
    let deps = Arc::new(Deps {
        store: Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table),
        archive: Archive {
            s3: aws_sdk_s3::Client::new(&config),
            bucket,
        },
    });
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<aws_lambda_events::event::dynamodb::Event>| {
            let deps = deps.clone();
            async move { Ok::<_, Error>(handle(&deps, event.payload).await) }
        },
    ))
    .await
}
