//! `invoice-documents`: the finance API's document routes. In Lambda (the
//! runtime sets `AWS_LAMBDA_RUNTIME_API`) the router is served by
//! `lambda_http`; anywhere else it listens on `RELANCE_DOCUMENTS_LISTEN`
//! (default 127.0.0.1:3003).

use std::sync::Arc;

use invoice_documents::{AppState, Identity, router};
use relance::config::Settings;
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let in_lambda = std::env::var("AWS_LAMBDA_RUNTIME_API").is_ok();
    relance::telemetry::init(in_lambda);
    let settings = Settings::from_env()?;
    let config = relance::sdk::from_env()?;
    let state = Arc::new(AppState {
        store: Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table),
        identity: if in_lambda { Identity::Iam } else { Identity::Header },
        clock: relance::context::system_clock(),
    });
    finance_http::serve(router(state), in_lambda, "RELANCE_DOCUMENTS_LISTEN", "127.0.0.1:3003").await
}
