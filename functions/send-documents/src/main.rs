//! `send-documents` in Lambda: behind the table's stream (each
//! `documents_archived` record: the emails that carry those documents),
//! and on a schedule (the document emails whose first attempt failed).

// The handler awaits store, archive and delivery futures nested deep.
#![recursion_limit = "256"]

use std::sync::Arc;

use archive_documents::Archive;
use archive_documents::mail::{Mail, handle, sweep};
use lambda_runtime::{LambdaEvent, service_fn};
use relance::config::{Settings, books_inbox};
use relance::delivery::Deliverer;
use relance::render::{Renderer, startup};
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    relance::telemetry::init(true);
    let settings = Settings::from_env()?;
    let bucket = std::env::var("RELANCE_ARCHIVE_BUCKET").map_err(|_| "RELANCE_ARCHIVE_BUCKET is not set")?;
    let config = relance::sdk::from_env()?;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let renderer = Arc::new(Renderer::with(startup::SEND_DOCUMENTS)?);
    let mail = Arc::new(Mail {
        deliverer: Deliverer::from_settings(&settings, &config, store.clone(), renderer),
        store,
        archive: Archive {
            s3: aws_sdk_s3::Client::new(&config),
            bucket,
        },
        books: books_inbox()?,
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let mail = mail.clone();
        async move {
            let now = chrono::Utc::now();
            // A stream batch has records; the schedule's event has none.
            if event.payload.get("Records").is_some() {
                let batch: aws_lambda_events::event::dynamodb::Event = serde_json::from_value(event.payload)?;
                Ok::<_, Error>(serde_json::to_value(handle(&mail, batch, now).await)?)
            } else {
                let summary = sweep(&mail, now).await?;
                tracing::info!(
                    sent = summary.sent,
                    failed = summary.failed,
                    stuck = summary.stuck,
                    "document emails swept"
                );
                Ok(serde_json::to_value(summary)?)
            }
        }
    }))
    .await
}
