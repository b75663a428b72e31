//! The replies bucket's notification → `receive_reply::handle`.
//!
//! SES receives mail in a few regions only (not Paris): this function may
//! run in another region than the table, which `RELANCE_TABLE_REGION`
//! names.

use std::sync::Arc;

use aws_config::Region;
use aws_lambda_events::event::s3::S3Event;
use lambda_runtime::{LambdaEvent, service_fn};
use receive_reply::{Deps, handle};
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    relance::telemetry::init(true);
    let table = var("RELANCE_TABLE").ok_or("RELANCE_TABLE must name the customer-history table")?;
    let reply_address = var("RELANCE_REPLY_TO")
        .map(|v| relance::domain::Email::parse(&v).map(|e| e.as_str().to_string()))
        .transpose()
        .map_err(|reason| format!("RELANCE_REPLY_TO: {reason}"))?;
    let config = relance::sdk::from_env()?;
    let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(&config);
    if let Some(region) = var("RELANCE_TABLE_REGION") {
        dynamodb = dynamodb.region(Region::new(region));
    }
    let deps = Arc::new(Deps {
        store: Store::new(aws_sdk_dynamodb::Client::from_conf(dynamodb.build()), &table),
        s3: aws_sdk_s3::Client::new(&config),
        reply_address,
        clock: relance::context::system_clock(),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| {
        let deps = deps.clone();
        async move { handle(deps, event.payload).await.map(|_| ()).map_err(Error::from) }
    }))
    .await
}
