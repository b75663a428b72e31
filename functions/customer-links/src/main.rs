//! `customer-links`: the public pages. In Lambda (the runtime sets
//! `AWS_LAMBDA_RUNTIME_API`) the router is served by `lambda_http`;
//! anywhere else it listens on `RELANCE_LINKS_LISTEN` (default
//! 127.0.0.1:3001).

use std::net::SocketAddr;
use std::sync::Arc;

use customer_links::{AppState, router};
use relance::config::{Settings, company};
use relance::delivery::Deliverer;
use relance::render::{Renderer, Set};
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What this function renders, parsed at start-up (the alert to finance
/// when a customer asks for help or answers a survey badly included).
const PAGES: [Set<'static>; 7] = [
    Set::Page("invoice"),
    Set::Page("portal"),
    Set::Page("help"),
    Set::Page("survey"),
    Set::Page("unsubscribe"),
    Set::Page("message"),
    Set::Email("customer_alert"),
];

#[tokio::main]
async fn main() -> Result<(), Error> {
    let in_lambda = std::env::var("AWS_LAMBDA_RUNTIME_API").is_ok();
    relance::telemetry::init(in_lambda);
    let settings = Settings::from_env()?;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let renderer = Arc::new(Renderer::with(&PAGES)?);
    let state = Arc::new(AppState {
        deliverer: Deliverer::from_settings(&settings, &config, store.clone(), renderer.clone()),
        store,
        renderer,
        seller: company()?,
        clock: Arc::new(chrono::Utc::now),
        secure_cookies: settings.public_url.starts_with("https://"),
    });
    let app = router(state);
    if in_lambda {
        lambda_http::run(app).await
    } else {
        let addr = std::env::var("RELANCE_LINKS_LISTEN").unwrap_or_else(|_| "127.0.0.1:3001".into());
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        tracing::info!(%addr, "customer pages listening");
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
        Ok(())
    }
}
