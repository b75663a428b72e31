//! Each test gets its own world: a fresh table created from the SAM
//! template, the real router, the real SES endpoint, and a clock it sets.

pub mod browser;
pub mod pages;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use issue_invoice::{AppState, Identity, router};
use relance::config::company;
use relance::delivery::Deliverer;
use relance::mail::SesMailer;
use relance::render::Renderer;
use relance::store::Store;
use relance_e2e::{Mailbox, fresh_table, sdk_config};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const PUBLIC_URL: &str = "https://pay.example.test";

pub struct World {
    pub config: aws_config::SdkConfig,
    pub store: Store,
    pub state: Arc<AppState>,
    pub mailbox: Mailbox,
    pub clock: Arc<Mutex<DateTime<Utc>>>,
    /// Unique to this test: recipients are `<name>.<tag>@example.test`.
    pub tag: String,
    /// The archive behind the table's stream, on a bucket of this test's,
    /// and the function that sends the invoice and credit-note emails with
    /// the archived documents.
    pub archive: Arc<archive_documents::Deps>,
    pub documents: Arc<archive_documents::mail::Mail<SesMailer>>,
    /// Customers this world created through the API, and the events the
    /// archive was handed: `settle` hands it the new ones.
    customers: Arc<Mutex<Vec<String>>>,
    streamed: Arc<Mutex<HashSet<ulid::Ulid>>>,
}

pub fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("valid test date")
}

pub fn date(s: &str) -> chrono::NaiveDate {
    s.parse().expect("date")
}

/// 08:00 in Paris on `day`, when the scheduler runs the pass.
pub fn morning(day: chrono::NaiveDate) -> DateTime<Utc> {
    chrono_tz::Europe::Paris
        .from_local_datetime(&day.and_hms_opt(8, 0, 0).expect("time"))
        .single()
        .expect("unambiguous")
        .with_timezone(&Utc)
}

/// The day's reminder pass at 08:00 on `world`, four customers at once.
pub async fn pass_on(world: &World, as_of: chrono::NaiveDate) -> relance::reminders::PassSummary {
    world.set_now(morning(as_of));
    let pace = relance::reminders::Pace::new(1000);
    relance::reminders::Pass {
        concurrency: 4,
        ..reminder_pass(world, &world.state.deliverer, as_of, morning(as_of), &pace)
    }
    .run()
    .await
    .expect("pass runs")
}

/// The notification S3 sends when `key` is written to `bucket` (the
/// documented shape, event message structure 2.1).
pub fn s3_event(bucket: &str, key: &str, size: i64) -> aws_lambda_events::event::s3::S3Event {
    serde_json::from_value(json!({ "Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-west-3",
        "eventTime": "2026-03-21T06:00:00.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": { "principalId": "AWS:AIDAEXAMPLE" },
        "requestParameters": { "sourceIPAddress": "203.0.113.7" },
        "responseElements": { "x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8" },
        "s3": { "s3SchemaVersion": "1.0", "configurationId": "uploads",
                "bucket": { "name": bucket, "ownerIdentity": { "principalId": "A3NL1KOZZKExample" },
                            "arn": format!("arn:aws:s3:::{bucket}") },
                "object": { "key": key, "size": size, "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                            "sequencer": "0055AED6DCD90281E5" } }
    }]}))
    .expect("an S3 event")
}

/// A customer's history, oldest first.
pub async fn history(world: &World, customer: &str) -> Vec<relance::domain::HistoryEvent> {
    world
        .store
        .full_history(&relance::domain::CustomerId::parse(customer).expect("id"))
        .await
        .expect("history")
}

pub fn deliverer(store: &Store, mailer: SesMailer) -> Deliverer<SesMailer> {
    Deliverer {
        store: store.clone(),
        mailer,
        renderer: Arc::new(Renderer::new().expect("templates load")),
        public_url: PUBLIC_URL.into(),
        link_ttl: chrono::Duration::days(180),
        reply_to: None,
    }
}

/// The document mailer's sweep on a world's table and archive, with SES
/// back (the world's own may be a faulty one).
pub fn document_sweep(world: &World) -> archive_documents::mail::Mail<SesMailer> {
    archive_documents::mail::Mail {
        store: world.store.clone(),
        archive: archive_documents::Archive {
            s3: world.documents.archive.s3.clone(),
            bucket: world.documents.archive.bucket.clone(),
        },
        deliverer: deliverer(
            &world.store,
            SesMailer::new(aws_sdk_sesv2::Client::new(&world.config), "f@atelier-durand.fr", None),
        ),
        books: world.documents.books.clone(),
    }
}

/// A reminder pass on this world's table and policy, one customer at a
/// time; callers change what they need (`concurrency`, `dry_run`) and run it.
pub fn reminder_pass<'a, M: relance::mail::Mailer>(
    world: &'a World,
    deliverer: &'a Deliverer<M>,
    as_of: chrono::NaiveDate,
    now: DateTime<Utc>,
    pace: &'a relance::reminders::Pace,
) -> relance::reminders::Pass<'a, M> {
    relance::reminders::Pass {
        concurrency: 1,
        ..relance::reminders::Pass::new(&world.store, deliverer, &world.state.policy, as_of, now, pace)
    }
}

impl World {
    pub async fn new(label: &str) -> Self {
        Self::with_ses(label, None).await
    }

    /// A world whose mailer uses `ses` instead of the local endpoint's client
    /// (to inject faults the local endpoint cannot produce).
    pub async fn with_ses(label: &str, ses: Option<aws_sdk_sesv2::Client>) -> Self {
        let config = sdk_config().await.expect("local stack configured");
        let table = fresh_table(&config, label).await.expect("table created");
        let store = Store::new(aws_sdk_dynamodb::Client::new(&config), table);
        let ses = ses.unwrap_or_else(|| aws_sdk_sesv2::Client::new(&config));
        let clock = Arc::new(Mutex::new(at(2026, 3, 2, 9)));
        let clock_reader = clock.clone();
        let state = Arc::new(AppState {
            store: store.clone(),
            deliverer: deliverer(
                &store,
                SesMailer::new(ses.clone(), "Atelier Durand <factures@atelier-durand.fr>", None),
            ),
            seller: company().expect("company config"),
            invoice_series: "F".into(),
            issue_gate: Default::default(),
            policy: relance::domain::dunning::Policy::configured().expect("policy"),
            clock: Arc::new(move || *clock_reader.lock().expect("clock")),
            identity: Identity::Header,
        });
        let tag = ulid::Ulid::new().to_string().to_lowercase();
        let bucket = relance_e2e::fresh_bucket(&config, label).await.expect("bucket created");
        let s3 = aws_sdk_s3::Client::new(&config);
        let archive = Arc::new(archive_documents::Deps {
            store: store.clone(),
            archive: archive_documents::Archive {
                s3: s3.clone(),
                bucket: bucket.clone(),
            },
        });
        let documents = Arc::new(archive_documents::mail::Mail {
            store: store.clone(),
            archive: archive_documents::Archive { s3, bucket },
            deliverer: deliverer(
                &store,
                SesMailer::new(ses.clone(), "Atelier Durand <factures@atelier-durand.fr>", None),
            ),
            books: relance::config::books_inbox().expect("company file"),
        });
        Self {
            config,
            store,
            state,
            mailbox: Mailbox::from_env().expect("mailbox"),
            clock,
            tag,
            archive,
            documents,
            customers: Arc::default(),
            streamed: Arc::default(),
        }
    }

    /// What the table's stream does after a write: hands the archive the
    /// invoices issued and credit notes granted since the last call, then
    /// the document mailer what the archive recorded (it sends their
    /// emails). `World::call` settles after every write it makes; a test
    /// that writes otherwise settles itself.
    pub async fn settle(&self) {
        let customers = self.customers.lock().expect("customers").clone();
        loop {
            let mut fresh = Vec::new();
            for id in &customers {
                let id = relance::domain::CustomerId::parse(id).expect("customer id");
                for event in self.store.full_history(&id).await.expect("history") {
                    let streamed = matches!(
                        event.kind.name(),
                        "invoice_issued"
                            | "credit_granted"
                            | "documents_archived"
                            | "formal_notice_due"
                            | "notice_archived"
                    );
                    if streamed && self.streamed.lock().expect("streamed").insert(event.id) {
                        fresh.push(event);
                    }
                }
            }
            if fresh.is_empty() {
                return;
            }
            let batch = relance_e2e::stream::inserted(&self.dynamodb(), self.store.table(), &fresh)
                .await
                .expect("stream records");
            let now = *self.clock.lock().expect("clock");
            let archived = archive_documents::handle(&self.archive, batch.clone()).await;
            assert!(archived.batch_item_failures.is_empty(), "the archive failed a record");
            let sent = archive_documents::mail::handle(&self.documents, batch, now).await;
            assert!(
                sent.batch_item_failures.is_empty(),
                "the document mailer failed a record"
            );
        }
    }

    /// Another instance of the function on the same table: its own
    /// process-local state, as a second Lambda instance would have.
    pub fn sibling(&self) -> Self {
        let clock = self.clock.clone();
        let state = Arc::new(AppState {
            store: self.store.clone(),
            deliverer: deliverer(
                &self.store,
                SesMailer::new(
                    aws_sdk_sesv2::Client::new(&self.config),
                    "Atelier Durand <factures@atelier-durand.fr>",
                    None,
                ),
            ),
            seller: company().expect("company config"),
            invoice_series: "F".into(),
            issue_gate: Default::default(),
            policy: relance::domain::dunning::Policy::configured().expect("policy"),
            clock: Arc::new(move || *clock.lock().expect("clock")),
            identity: Identity::Header,
        });
        Self {
            config: self.config.clone(),
            store: self.store.clone(),
            state,
            mailbox: self.mailbox.clone(),
            clock: self.clock.clone(),
            tag: self.tag.clone(),
            archive: self.archive.clone(),
            documents: self.documents.clone(),
            customers: self.customers.clone(),
            streamed: self.streamed.clone(),
        }
    }

    /// The test's own DynamoDB client, for what only a test may do (scan,
    /// describe the table, read raw items).
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }

    /// Moves the clock just past the contact budget's gap and sends what
    /// waited for it (a thank-you for a payment made the day after its
    /// reminder).
    pub async fn after_the_contact_gap(&self) -> relance::delivery::DeliverySummary {
        let now = *self.clock.lock().expect("clock") + relance::config::contact_gap() + chrono::Duration::minutes(1);
        self.set_now(now);
        self.state.deliverer.deliver_due(now).await.expect("sweep")
    }

    pub fn set_now(&self, now: DateTime<Utc>) {
        *self.clock.lock().expect("clock") = now;
    }

    pub fn email(&self, name: &str) -> String {
        format!("{name}.{}@example.test", self.tag)
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let raw = body.map(|b| b.to_string());
        self.call_raw(method, uri, headers, raw).await
    }

    pub async fn call_raw(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> (StatusCode, Value) {
        self.request(method, uri, headers, body, true).await
    }

    /// A write the stream has not caught up with yet: `call` without the
    /// settle, for a test that orders what the stream's functions see.
    pub async fn call_unsettled(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> (StatusCode, Value) {
        self.request(method, uri, headers, Some(body.to_string()), false).await
    }

    async fn request(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
        settle: bool,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        // One person calls unless the test names another.
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("x-relance-actor")) {
            request = request.header("x-relance-actor", "camille.finance");
        }
        if body.is_some() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
            request = request.header("content-type", "application/json");
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let request = request
            .body(body.map_or_else(Body::empty, Body::from))
            .expect("request");
        // The documents routes are their own function's, on the same table;
        // so are the corrective credit notes (the credit-note function's).
        let app = if uri.starts_with("/bank-") {
            let clock = self.clock.clone();
            bank_statements::router(Arc::new(bank_statements::AppState {
                store: self.store.clone(),
                deliverer: deliverer(
                    &self.store,
                    SesMailer::new(
                        aws_sdk_sesv2::Client::new(&self.config),
                        "Atelier Durand <factures@atelier-durand.fr>",
                        None,
                    ),
                ),
                account: company()
                    .expect("company config")
                    .payment
                    .account()
                    .expect("company IBAN"),
                payout_names: relance::config::payout_names().expect("company file"),
                clock: Arc::new(move || *clock.lock().expect("clock")),
                identity: Identity::Header,
            }))
        } else if uri.contains("/documents/") || uri.contains("/export") {
            invoice_documents::router(Arc::new(invoice_documents::AppState {
                store: self.store.clone(),
                identity: Identity::Header,
                clock: self.state.clock.clone(),
            }))
        } else if uri.ends_with("/credit-notes") || uri.contains("/credits") {
            let clock = self.clock.clone();
            grant_credit::router(Arc::new(grant_credit::AppState {
                store: self.store.clone(),
                seller: company().expect("company config"),
                policy: relance::domain::goodwill::GoodwillPolicy::configured().expect("goodwill policy"),
                series: "AV".into(),
                gate: Default::default(),
                clock: Arc::new(move || *clock.lock().expect("clock")),
                identity: Identity::Header,
            }))
        } else {
            router(self.state.clone())
        };
        let response = app.oneshot(request).await.expect("router answers");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        if method != "GET" && status.is_success() {
            if let (true, Some(id)) = (method == "PUT", uri.strip_prefix("/customers/")) {
                let mut customers = self.customers.lock().expect("customers");
                if !id.contains('/') && !customers.iter().any(|c| c == id) {
                    customers.push(id.to_string());
                }
            }
            if settle {
                self.settle().await;
            }
        }
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        (status, value)
    }

    /// A GET answered as raw bytes (a document).
    pub async fn call_bytes(&self, uri: &str) -> (StatusCode, Vec<u8>) {
        let request = Request::builder()
            .method("GET")
            .uri(uri)
            .header("x-relance-actor", "camille.finance")
            .body(Body::empty())
            .expect("request");
        let app = invoice_documents::router(Arc::new(invoice_documents::AppState {
            store: self.store.clone(),
            identity: Identity::Header,
            clock: self.state.clock.clone(),
        }));
        let response = app.oneshot(request).await.expect("router answers");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("body").to_bytes().to_vec();
        (status, bytes)
    }

    /// A business customer in Lyon; `overrides` replace top-level fields.
    pub async fn create_customer(&self, id: &str, overrides: Value) -> Value {
        let mut body = business_customer(&self.email(id));
        if let (Some(b), Some(o)) = (body.as_object_mut(), overrides.as_object()) {
            for (k, v) in o {
                b.insert(k.clone(), v.clone());
            }
        }
        let (status, value) = self.call("PUT", &format!("/customers/{id}"), &[], Some(&body)).await;
        assert!(status.is_success(), "creating customer {id}: {status} {value}");
        value
    }

    pub async fn issue(&self, key: &str, body: &Value) -> (StatusCode, Value) {
        self.call("POST", "/invoices", &[("idempotency-key", key)], Some(body))
            .await
    }

    /// Every item in this test's table (tests may scan; production never does).
    pub async fn item_count(&self) -> usize {
        let out = self
            .dynamodb()
            .scan()
            .table_name(self.store.table())
            .send()
            .await
            .expect("scan");
        out.items.unwrap_or_default().len()
    }
}

/// The fields an error answer names, in order.
pub fn error_fields(answer: &Value) -> Vec<&str> {
    answer["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect()
}

pub fn business_customer(email: &str) -> Value {
    json!({
        "contact_name": "Camille Martin",
        "email": email,
        "locale": "fr",
        "kind": "business",
        "company_name": "Boulangerie Martin SARL",
        "siren": "356000000",
        "vat_number": "FR39356000000",
        "billing_address": { "lines": ["3 place Bellecour"], "postal_code": "69002", "city": "Lyon", "country": "FR" },
        "customer_since": "2016-05-10"
    })
}

pub fn invoice_body(customer: &str) -> Value {
    json!({
        "customer_id": customer,
        "currency": "EUR",
        "issue_date": "2026-03-02",
        "payment_terms": { "days": 30 },
        "category": "services",
        "lines": [
            { "description": "Entretien du four à sole, mars 2026", "quantity": 1, "unit_price_minor": 45000, "vat_rate": "20" },
            { "description": "Pièces détachées", "quantity": "2.5", "unit": "KGM", "unit_price_minor": 1290, "vat_rate": "20", "discount": "10" }
        ]
    })
}
