//! relance running locally, as its functions run in AWS: the finance API,
//! the credit API and the customer pages served over real HTTP on
//! loopback (the same axum routers `lambda_http` serves in Lambda), the
//! reminder pass and the survey dispatcher called as their functions call
//! them — all on one table of DynamoDB Local, the SES endpoint, and one
//! simulated clock, so a month can be played in a minute.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use relance::config::{Settings, company};
use relance::delivery::Deliverer;
use relance::domain::dunning::Policy;
use relance::domain::goodwill::GoodwillPolicy;
use relance::domain::{CustomerId, Email, HistoryEvent};
use relance::mail::SesMailer;
use relance::reminders::{Pace, Pass, PassSummary};
use relance::render::Renderer;
use relance::store::Store;
use relance_cli::api::Api;
use relance_e2e::Mailbox;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const SENDER: &str = "Atelier Durand <factures@atelier-durand.fr>";
pub const FINANCE_PERSON: &str = "claire.fontaine";
/// Where customers' answers go; each email's reply address is a `+` tag of it.
pub const REPLY_TO: &str = "claire.fontaine@atelier-durand.fr";

/// Where the four HTTP functions listen; 0 picks a free port.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub finance: u16,
    pub credits: u16,
    pub pages: u16,
    pub documents: u16,
    pub bank: u16,
    pub console: u16,
}

impl Ports {
    pub const DEFAULT: Ports = Ports {
        finance: 3000,
        credits: 3002,
        pages: 3001,
        documents: 3003,
        bank: 3004,
        console: 3006,
    };
    pub const ANY: Ports = Ports {
        finance: 0,
        credits: 0,
        pages: 0,
        documents: 0,
        bank: 0,
        console: 0,
    };
}

type SimClock = Arc<Mutex<DateTime<Utc>>>;

pub struct Local {
    clock: SimClock,
    pub store: Store,
    /// Reads items as the table's stream would hand them over.
    dynamodb: aws_sdk_dynamodb::Client,
    pub api: Api,
    pub finance_url: String,
    pub credits_url: String,
    pub pages_url: String,
    pub documents_url: String,
    pub bank_url: String,
    pub console_url: String,
    pub mailbox: Mailbox,
    deliverer: Deliverer<SesMailer>,
    surveys: dispatch_survey::Deps<SesMailer>,
    /// The write-once archive, and the function that emails its documents.
    archive: archive_documents::Deps,
    documents: archive_documents::mail::Mail<SesMailer>,
    policy: Policy,
    /// The events the stream has handed over.
    streamed: Mutex<std::collections::HashSet<ulid::Ulid>>,
    servers: Vec<JoinHandle<()>>,
}

async fn bind(port: u16) -> Result<(TcpListener, String)> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("port {port} is taken: is another relance running? (stop it, or use other ports)"))?;
    let url = format!("http://{}", listener.local_addr()?);
    Ok((listener, url))
}

impl Local {
    /// Creates `table` from infra/template.yaml (replacing a previous one of
    /// that name) and starts the four HTTP functions on it.
    pub async fn start(table: &str, ports: Ports, start: DateTime<Utc>) -> Result<Self> {
        let config = relance_e2e::sdk_config().await?;
        // The table is dropped and made again: only ever on a local stack.
        let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_default();
        anyhow::ensure!(
            endpoint.starts_with("http://127.0.0.1") || endpoint.starts_with("http://localhost"),
            "AWS_ENDPOINT_URL_DYNAMODB is {endpoint}: the local scenario only runs on a local stack"
        );
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        // A previous run's table of the same name: start afresh.
        let _ = dynamodb.delete_table().table_name(table).send().await;
        relance_e2e::table::create_table(&dynamodb, table).await?;
        let store = Store::new(dynamodb.clone(), table);

        let (finance, finance_url) = bind(ports.finance).await?;
        let (credits, credits_url) = bind(ports.credits).await?;
        let (pages, pages_url) = bind(ports.pages).await?;
        let (documents, documents_url) = bind(ports.documents).await?;
        let (bank, bank_url) = bind(ports.bank).await?;
        let (console, console_url) = bind(ports.console).await?;
        let settings = Settings {
            table: table.into(),
            sender: SENDER.into(),
            reply_to: Some(Email::parse(REPLY_TO).map_err(anyhow::Error::msg)?),
            transactional_configuration_set: None,
            survey_configuration_set: None,
            public_url: pages_url.clone(),
            invoice_series: "F".into(),
            credit_series: "AV".into(),
            link_ttl_days: 180,
            ses_max_per_second: 14,
        };
        let clock: SimClock = Arc::new(Mutex::new(start));
        let read = {
            let clock = clock.clone();
            Arc::new(move || *clock.lock().unwrap_or_else(PoisonError::into_inner))
        };
        let renderer = Arc::new(Renderer::new()?);
        let deliverer = || Deliverer::from_settings(&settings, &config, store.clone(), renderer.clone());
        let seller = company()?;
        let policy = Policy::configured().map_err(anyhow::Error::msg)?;

        let finance_app = issue_invoice::router(Arc::new(issue_invoice::AppState {
            store: store.clone(),
            deliverer: deliverer(),
            seller: seller.clone(),
            invoice_series: settings.invoice_series.clone(),
            issue_gate: Default::default(),
            policy: policy.clone(),
            clock: read.clone(),
            identity: issue_invoice::Identity::Header,
        }));
        let credits_app = grant_credit::router(Arc::new(grant_credit::AppState {
            store: store.clone(),
            seller: seller.clone(),
            policy: GoodwillPolicy::configured().map_err(anyhow::Error::msg)?,
            series: settings.credit_series.clone(),
            gate: Default::default(),
            clock: read.clone(),
            identity: grant_credit::Identity::Header,
        }));
        let bucket = relance_e2e::fresh_bucket(&config, "demo").await?;
        let pages_app = customer_links::router(Arc::new(customer_links::AppState {
            store: store.clone(),
            deliverer: deliverer(),
            renderer: renderer.clone(),
            seller,
            archive: Some(relance::archive_link::ArchiveLinks {
                bucket: bucket.clone(),
                region: config.region().map_or_else(|| "eu-west-3".into(), ToString::to_string),
                endpoint: std::env::var("AWS_ENDPOINT_URL_S3").ok(),
            }),
            clock: read.clone(),
            checkout: None,
            public_url: "http://127.0.0.1:3001".into(),
            secure_cookies: false,
        }));
        let documents_app = invoice_documents::router(Arc::new(invoice_documents::AppState {
            store: store.clone(),
            identity: invoice_documents::Identity::Header,
            clock: read.clone(),
        }));
        let bank_app = bank_statements::router(Arc::new(bank_statements::AppState {
            store: store.clone(),
            deliverer: deliverer(),
            account: relance::config::company()?
                .payment
                .account()
                .map_err(anyhow::Error::msg)?,
            payout_names: relance::config::payout_names()?,
            clock: read.clone(),
            identity: bank_statements::Identity::Header,
        }));
        // The finance console, with the development sign-in.
        let console_app = finance_console::router(Arc::new(finance_console::AppState {
            store: store.clone(),
            renderer: renderer.clone(),
            clock: read.clone(),
            identity: None,
            local_users: Some(
                relance::staff::local_users(include_str!("../../config/console-users.toml"))
                    .map_err(anyhow::Error::msg)?,
            ),
            secure_cookies: false,
            seller: relance::config::company()?,
            policy: GoodwillPolicy::configured().map_err(anyhow::Error::msg)?,
            dunning: policy.clone(),
            archive: Some(relance::archive_link::ArchiveLinks {
                bucket: bucket.clone(),
                region: config.region().map_or_else(|| "eu-west-3".into(), ToString::to_string),
                endpoint: std::env::var("AWS_ENDPOINT_URL_S3").ok(),
            }),
            series: settings.credit_series.clone(),
            gate: Default::default(),
        }));
        let servers = vec![
            tokio::spawn(async move {
                let _ = axum::serve(console, console_app).await;
            }),
            tokio::spawn(async move {
                let _ = axum::serve(documents, documents_app).await;
            }),
            tokio::spawn(async move {
                let _ = axum::serve(bank, bank_app).await;
            }),
            tokio::spawn(async move {
                let _ = axum::serve(finance, finance_app).await;
            }),
            tokio::spawn(async move {
                let _ = axum::serve(credits, credits_app).await;
            }),
            tokio::spawn(async move {
                let _ = axum::serve(pages, pages_app.into_make_service_with_connect_info::<SocketAddr>()).await;
            }),
        ];
        let s3 = aws_sdk_s3::Client::new(&config);
        let archive = archive_documents::Deps {
            store: store.clone(),
            archive: archive_documents::Archive {
                s3: s3.clone(),
                bucket: bucket.clone(),
            },
        };
        let documents = archive_documents::mail::Mail {
            store: store.clone(),
            archive: archive_documents::Archive { s3, bucket },
            deliverer: deliverer(),
            books: relance::config::books_inbox()?,
        };
        Ok(Self {
            dynamodb,
            archive,
            documents,
            api: Api::new(&finance_url, &credits_url, FINANCE_PERSON)
                .with_bank(&bank_url)
                .with_documents(&documents_url),
            surveys: dispatch_survey::Deps {
                store: store.clone(),
                deliverer: deliverer(),
                policy: Default::default(),
                dunning: policy.clone(),
            },
            deliverer: deliverer(),
            policy,
            clock,
            store,
            finance_url,
            credits_url,
            pages_url,
            documents_url,
            bank_url,
            console_url,
            mailbox: Mailbox::from_env()?,
            streamed: Mutex::new(std::collections::HashSet::new()),
            servers,
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.clock.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the clock to `hour:minute`, Paris time, on `day`.
    pub fn set(&self, day: NaiveDate, hour: u32, minute: u32) {
        let local = day.and_hms_opt(hour, minute, 0).unwrap_or_default();
        let at = relance::domain::calendar::ZONE
            .from_local_datetime(&local)
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc));
        *self.clock.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }

    /// The day's reminder pass at 08:00, and the follow-ups of credits
    /// whose day has come — what `send-reminders` runs each business day.
    pub async fn reminder_pass(&self, day: NaiveDate) -> Result<(PassSummary, usize)> {
        self.set(day, 8, 0);
        let now = self.now();
        // The local endpoint has no quota; SES's would be respected.
        let pace = Pace::new(1000);
        let pass = Pass::new(&self.store, &self.deliverer, &self.policy, day, now, &pace);
        let summary = pass.run().await?;
        let follow_ups = relance::credits::follow_up_credits(&self.store, day, now).await?;
        Ok((summary, follow_ups))
    }

    /// A customer's whole history, in time order.
    pub async fn history(&self, customer: &CustomerId) -> Result<Vec<HistoryEvent>> {
        let mut events = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.store.history(customer, 500, cursor.as_deref()).await?;
            events.extend(page.events);
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(events),
            }
        }
    }

    /// Hands the events written since the last call to the archive, to
    /// the function that emails its documents and to the survey
    /// dispatcher, as the table's stream would, until they write nothing
    /// more; returns them.
    pub async fn stream(&self, customers: &[CustomerId]) -> Result<Vec<HistoryEvent>> {
        let mut all = Vec::new();
        loop {
            let mut fresh = Vec::new();
            for customer in customers {
                let events = self.history(customer).await?;
                let mut streamed = self.streamed.lock().unwrap_or_else(PoisonError::into_inner);
                fresh.extend(events.into_iter().filter(|e| streamed.insert(e.id)));
            }
            if fresh.is_empty() {
                return Ok(all);
            }
            let batch = relance_e2e::stream::inserted(&self.dynamodb, self.store.table(), &fresh).await?;
            let now = self.now();
            let failed = [
                (
                    "the archive",
                    archive_documents::handle(&self.archive, batch.clone()).await,
                ),
                (
                    "the document mailer",
                    archive_documents::mail::handle(&self.documents, batch.clone(), now).await,
                ),
                (
                    "the survey dispatcher",
                    dispatch_survey::handle(&self.surveys, batch, now).await,
                ),
            ];
            for (who, response) in failed {
                anyhow::ensure!(
                    response.batch_item_failures.is_empty(),
                    "{who} failed {} records",
                    response.batch_item_failures.len()
                );
            }
            all.extend(fresh);
        }
    }
}

impl Local {
    /// An email a customer sent to a reply address, received as
    /// `receive-reply` receives what SES stored (`key`, its object's
    /// name): read, matched, recorded once, a person's words forwarded to
    /// finance.
    pub async fn receive_email(&self, key: &str, raw: &[u8]) -> Result<relance::inbound::Received> {
        let source = format!("s3://demo-replies/{key}");
        let received = relance::inbound::received_key("demo-replies", key);
        Ok(relance::inbound::receive(&self.deliverer, raw, &source, &received, Some(REPLY_TO), self.now()).await?)
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        for server in &self.servers {
            server.abort();
        }
    }
}
