//! The replies bucket's notification → `receive_reply::handle`.
//!
//! SES receives mail in a few regions only (not Paris): this function may
//! run in another region than the table, which `RELANCE_TABLE_REGION`
//! names; the alert that forwards a person's reply to finance is sent
//! from that region too, where the sending identity is verified.

use std::sync::Arc;

use aws_config::Region;
use aws_lambda_events::event::s3::S3Event;
use lambda_runtime::{LambdaEvent, service_fn};
use receive_reply::{Deps, handle};
use relance::delivery::Deliverer;
use relance::mail::SesMailer;
use relance::render::{Renderer, Set};
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
    // The table and the sending identity live in the deployment's region.
    let home = var("RELANCE_TABLE_REGION").map(Region::new);
    let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(&config);
    let mut ses = aws_sdk_sesv2::config::Builder::from(&config);
    if let Some(region) = home {
        dynamodb = dynamodb.region(region.clone());
        ses = ses.region(region);
    }
    let store = Store::new(aws_sdk_dynamodb::Client::from_conf(dynamodb.build()), &table);
    let sender = var("RELANCE_SENDER").ok_or("RELANCE_SENDER must name the verified identity emails come from")?;
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::from_conf(ses.build()),
        &sender,
        var("RELANCE_TRANSACTIONAL_CONFIGURATION_SET"),
    );
    let deliverer = Deliverer {
        store,
        mailer,
        renderer: Arc::new(Renderer::with(&[Set::Email("customer_alert")])?),
        // Finance's alert carries no customer link.
        public_url: String::new(),
        link_ttl: chrono::Duration::days(1),
        reply_to: None,
    };
    let deps = Arc::new(Deps {
        deliverer,
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
