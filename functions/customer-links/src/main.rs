//! `customer-links`: the public pages. In Lambda (the runtime sets
//! `AWS_LAMBDA_RUNTIME_API`) the router is served by `lambda_http`;
//! anywhere else it listens on `RELANCE_LINKS_LISTEN` (default
//! 127.0.0.1:3001). With a card provider's secret key (Secrets Manager:
//! `RELANCE_STRIPE_SECRET_KEY_ARN`; locally `RELANCE_STRIPE_SECRET_KEY`,
//! and `RELANCE_STRIPE_API` for a stand-in), "Pay online" opens a
//! Stripe Checkout Session.

use std::net::SocketAddr;
use std::sync::Arc;

use customer_links::checkout::{CardCheckout, StripeApi};
use customer_links::{AppState, router};
use relance::config::{Settings, company};
use relance::delivery::Deliverer;
use relance::render::{Renderer, startup};
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let in_lambda = std::env::var("AWS_LAMBDA_RUNTIME_API").is_ok();
    relance::telemetry::init(in_lambda);
    let settings = Settings::from_env()?;
    let config = relance::sdk::from_env()?;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let renderer = Arc::new(Renderer::with(startup::CUSTOMER_LINKS)?);
    let checkout = relance::secrets::read(&config, "RELANCE_STRIPE_SECRET_KEY_ARN", "RELANCE_STRIPE_SECRET_KEY")
        .await?
        .map(|key| {
            let api = std::env::var("RELANCE_STRIPE_API").unwrap_or_else(|_| "https://api.stripe.com".into());
            StripeApi::new(&api, &key).map(|s| Arc::new(s) as Arc<dyn CardCheckout>)
        })
        .transpose()?;
    let state = Arc::new(AppState {
        deliverer: Deliverer::from_settings(&settings, &config, store.clone(), renderer.clone()),
        store,
        renderer,
        seller: company()?,
        archive: relance::archive_link::ArchiveLinks::from_env().ok(),
        clock: relance::context::system_clock(),
        checkout,
        public_url: settings.public_url.clone(),
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
