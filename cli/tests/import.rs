//! The CSV import against the finance API served on loopback, on the local
//! stack: good rows become invoices, bad rows are reported with their line
//! number and writes nothing, and running the same file again creates
//! nothing twice.

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use issue_invoice::{AppState, Identity, router};
use relance::delivery::Deliverer;
use relance::mail::SesMailer;
use relance::render::Renderer;
use relance::store::Store;
use relance_cli::api::Api;
use relance_cli::import::{Report, import};
use serde_json::json;

const CSV: &str = "\
invoice,customer_id,issue_date,payment_days,category,description,quantity,unit,unit_price,vat_rate,discount
NOV-001,martin,2026-11-02,30,services,Entretien du four à sole,1,,450.00,20,
NOV-001,martin,2026-11-02,30,services,\"Pièces détachées, joints\",2.5,KGM,12.90,20,10
NOV-002,roux,2026-11-03,45,goods,Farine bio T65,25,KGM,\"1,80\",5.5,
NOV-003,roux,2026-11-03,30,services,Prestation,1,,99.999,20,
NOV-004,nobody,2026-11-04,30,services,Prestation,1,,100.00,20,
NOV-005,martin,2026-11-05,30,services,Première ligne,1,,10.00,20,
NOV-005,roux,2026-11-05,30,services,Seconde ligne,1,,10.00,20,
NOV-006,martin,2026-11-06,30,services,Taux illisible,1,,10.00,vingt,
NOV-007,roux,2026-11-31,30,services,Date impossible,1,,10.00,20,
";

async fn serve() -> (Api, Store) {
    let config = relance_e2e::sdk_config().await.expect("local stack");
    let table = relance_e2e::fresh_table(&config, "import").await.expect("table");
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &table);
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).single().expect("date");
    let state = Arc::new(AppState {
        deliverer: Deliverer {
            store: store.clone(),
            mailer: SesMailer::new(aws_sdk_sesv2::Client::new(&config), "factures@atelier-durand.fr", None),
            renderer: Arc::new(Renderer::new().expect("templates")),
            public_url: "https://pay.example.fr".into(),
            link_ttl: chrono::Duration::days(180),
            reply_to: None,
        },
        store: store.clone(),
        seller: relance::config::company().expect("company"),
        invoice_series: "F".into(),
        issue_gate: Default::default(),
        policy: relance::domain::dunning::Policy::configured().expect("policy"),
        clock: Arc::new(move || now),
        identity: Identity::Header,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let app = router(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    let api = Api::new(&base, &base, "import-test");
    for (id, company) in [("martin", "Boulangerie Martin SARL"), ("roux", "Acme Lyon SAS")] {
        let body = json!({
            "contact_name": "Camille Martin", "email": format!("{id}@example.test"), "locale": "fr",
            "kind": "business", "company_name": company, "siren": "356000000",
            "billing_address": { "lines": ["3 place Bellecour"], "postal_code": "69002", "city": "Lyon", "country": "FR" },
            "customer_since": "2016-05-10"
        });
        let answer = api
            .call(reqwest::Method::PUT, &format!("/customers/{id}"), Some(&body), None)
            .await
            .expect("API answers");
        assert!(answer.ok(), "{}", answer.problem());
    }
    (api, store)
}

fn refused_lines(report: &Report) -> Vec<(u64, &str)> {
    report
        .refused
        .iter()
        .map(|(line, reference, _)| (*line, reference.as_str()))
        .collect()
}

fn reason<'a>(report: &'a Report, reference: &str) -> &'a str {
    report
        .refused
        .iter()
        .find(|(_, r, _)| r == reference)
        .map_or("", |(_, _, reason)| reason.as_str())
}

#[tokio::test]
async fn good_rows_go_through_bad_rows_are_reported_by_line_and_a_second_run_creates_nothing() {
    let (api, store) = serve().await;
    let mut progress = Vec::new();
    let first = import(&api, CSV, |done, total| progress.push((done, total)))
        .await
        .expect("import runs");
    assert_eq!(
        first.created,
        [
            ("NOV-001".to_string(), "F2026-000001".to_string()),
            ("NOV-002".to_string(), "F2026-000002".to_string())
        ]
    );
    assert!(first.already.is_empty());
    assert_eq!(
        refused_lines(&first),
        [
            (5, "NOV-003"),
            (6, "NOV-004"),
            (8, "NOV-005"),
            (9, "NOV-006"),
            (10, "NOV-007")
        ]
    );
    assert!(reason(&first, "NOV-003").contains("unit_price"), "{first:?}");
    assert!(reason(&first, "NOV-004").contains("customer"), "{first:?}");
    assert!(
        reason(&first, "NOV-005").contains("customer_id: differs from line 7"),
        "{first:?}"
    );
    assert!(reason(&first, "NOV-006").contains("vat_rate"), "{first:?}");
    assert!(reason(&first, "NOV-007").contains("issue_date"), "{first:?}");
    assert_eq!(progress.last(), Some(&(7, 7)), "one step per invoice");

    // The invoice of two lines has both, the decimal comma was read.
    let martin = relance::domain::CustomerId::parse("martin").expect("id");
    let invoices = store.customer_invoices(&martin).await.expect("invoices");
    assert_eq!(invoices.len(), 1);
    assert_eq!(invoices[0].value.lines.len(), 2);
    let roux = relance::domain::CustomerId::parse("roux").expect("id");
    let farine = &store.customer_invoices(&roux).await.expect("invoices")[0].value;
    assert_eq!(farine.lines[0].unit_price_minor, 180);

    // The same file again: the two invoices are found, nothing is created.
    let second = import(&api, CSV, |_, _| {}).await.expect("import runs");
    assert!(second.created.is_empty(), "{second:?}");
    assert_eq!(second.already, first.created);
    assert_eq!(refused_lines(&second), refused_lines(&first));
    assert_eq!(store.customer_invoices(&martin).await.expect("invoices").len(), 1);
    assert_eq!(store.customer_invoices(&roux).await.expect("invoices").len(), 1);
}
