//! `finance-console`: served by `lambda_http` in Lambda, and anywhere else
//! on `RELANCE_CONSOLE_LISTEN` (default 127.0.0.1:3006) with the
//! development sign-in of `config/console-users.toml`. In Lambda the
//! development sign-in is never offered: people sign in through the
//! Cognito user pool the `RELANCE_COGNITO_*` variables name.

use std::sync::Arc;

use finance_console::{AppState, router};
use relance::config::{Settings, company};
use relance::domain::goodwill::GoodwillPolicy;
use relance::render::{Renderer, Set};
use relance::store::Store;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let in_lambda = std::env::var("AWS_LAMBDA_RUNTIME_API").is_ok();
    relance::telemetry::init(in_lambda);
    let settings = Settings::from_env()?;
    let config = relance::sdk::from_env()?;
    let renderer = Arc::new(Renderer::with(&[
        Set::Console("todo"),
        Set::Console("receivables"),
        Set::Console("customer"),
        Set::Console("balance"),
        Set::Console("reminders"),
        Set::Console("invoice"),
        Set::Console("credit"),
        Set::Console("emails"),
        Set::Console("sign_in"),
        Set::Console("message"),
    ])?);
    let local_users = if in_lambda {
        None
    } else {
        Some(relance::staff::local_users(include_str!(
            "../../../config/console-users.toml"
        ))?)
    };
    let identity = match finance_console::oidc::ProviderConfig::from_env()? {
        Some(config) => Some(Arc::new(finance_console::oidc::Provider::new(config)?)),
        None => None,
    };
    let state = Arc::new(AppState {
        store: Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table),
        renderer,
        clock: relance::context::system_clock(),
        local_users,
        identity,
        // Lambda is only reached through the https API.
        secure_cookies: in_lambda || settings.public_url.starts_with("https://"),
        seller: company()?,
        policy: GoodwillPolicy::configured()?,
        dunning: relance::domain::dunning::Policy::configured()?,
        archive: relance::archive_link::ArchiveLinks::from_env().ok(),
        series: settings.credit_series.clone(),
        gate: Default::default(),
    });
    let app = router(state);
    if in_lambda {
        return lambda_http::run(app).await;
    }
    let addr = std::env::var("RELANCE_CONSOLE_LISTEN").unwrap_or_else(|_| "127.0.0.1:3006".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!(%addr, "finance console listening");
    axum::serve(listener, app).await?;
    Ok(())
}
