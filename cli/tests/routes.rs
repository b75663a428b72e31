//! The command line covers the whole finance API: each command is run,
//! as a user would, against an endpoint that records what it is asked;
//! every route `openapi.yaml` documents is asked by at least one command.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{Method, Uri};

const SPEC: &str = include_str!("../../functions/issue-invoice/openapi.yaml");

/// (METHOD, templated path) for every documented route.
fn documented() -> BTreeSet<(String, String)> {
    let spec: serde_norway::Value = serde_norway::from_str(SPEC).expect("openapi.yaml is YAML");
    let mut out = BTreeSet::new();
    for (path, item) in spec["paths"].as_mapping().expect("paths") {
        for (method, _) in item.as_mapping().expect("path item") {
            let method = method.as_str().expect("method");
            if method != "parameters" {
                out.insert((method.to_uppercase(), path.as_str().expect("path").to_string()));
            }
        }
    }
    out
}

/// Whether `path` is an instance of `template` (`{x}` is one segment).
fn instance(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| (a.starts_with('{') && !b.is_empty()) || a == b)
}

type Seen = Arc<Mutex<Vec<(String, String)>>>;

async fn record(State(seen): State<Seen>, method: Method, uri: Uri) -> axum::Json<serde_json::Value> {
    seen.lock()
        .expect("seen")
        .push((method.to_string(), uri.path().to_string()));
    axum::Json(serde_json::json!({ "events": [], "entries": [] }))
}

// The server answers on the other worker while a command runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_has_a_command() {
    let seen: Seen = Arc::default();
    let app = axum::Router::new().fallback(record).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = std::env::temp_dir().join(format!("relance-cli-routes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("file");
        path.to_string_lossy().into_owned()
    };
    let json = file("body.json", "{}");
    let csv = file(
        "lines.csv",
        "invoice,customer_id,issue_date,payment_days,category,description,quantity,unit,unit_price,vat_rate,discount\n\
         A-1,c1,2026-11-02,30,services,Entretien,1,,450.00,20,\n",
    );
    let statement = file("releve.xml", "<Document/>");
    let out = dir.join("doc.pdf").to_string_lossy().into_owned();
    let commands: Vec<Vec<&str>> = vec![
        vec!["customer", "c1", &json],
        vec!["show-customer", "c1"],
        vec!["history", "c1"],
        vec!["export", "c1", "--out", &out],
        vec!["issue", &json],
        vec!["import", &csv],
        vec!["invoice", "c1", "F2026-000001"],
        vec!["document", "c1", "F2026-000001", "--out", &out],
        vec![
            "document",
            "c1",
            "01JD3X5B0Y7Q2W9E8R4T6Y1U3I",
            "--credit",
            "--format",
            "cii",
            "--out",
            &out,
        ],
        vec!["pay", "c1", "F2026-000001", "--amount", "10.00", "--date", "2026-11-20"],
        vec!["dispute", "c1", "F2026-000001", "--reason", "Montant contesté"],
        vec!["settle", "c1", "F2026-000001", "--resolution", "Expliqué"],
        vec!["promise", "c1", "F2026-000001", "2026-12-20"],
        vec!["plan", "c1", "F2026-000001", "--instalment", "2026-12-15=5.00"],
        vec!["reply", "c1", "--note", "Appelée"],
        vec![
            "status",
            "c1",
            "F2026-000001",
            "refused",
            "--id",
            "s1",
            "--at",
            "2026-03-19T15:30:00+01:00",
        ],
        vec!["correct", "c1", "F2026-000001", "--reason", "doublon", "--full"],
        vec!["preview"],
        vec!["retry-deliveries"],
        vec!["quote", "c1", &json],
        vec!["grant", "c1", &json],
        vec!["credits", "c1"],
        vec!["credits", "c1", "--credit", "01JD3X5B0Y7Q2W9E8R4T6Y1U3I"],
        vec!["approve", "c1", "01JD3X5B0Y7Q2W9E8R4T6Y1U3I"],
        vec!["cancel", "c1", "01JD3X5B0Y7Q2W9E8R4T6Y1U3I", "--reason", "doublon"],
        vec!["portfolio"],
        vec!["todo"],
        vec!["take-over", "c1", "F2026-000001"],
        vec!["revoke-links", "c1", "--reason", "adresse changée"],
        vec!["receivables", "--filter", "overdue"],
        vec!["balance", "--from", "2026-11-01", "--to", "2026-11-30"],
        vec!["bank", "import", &statement],
        vec!["bank", "review"],
        vec!["bank", "assign", "BE-000000000000000000000000", "--not-a-payment"],
    ];
    for args in &commands {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_relance"))
            .args([
                "--api",
                &base,
                "--credits-api",
                &base,
                "--bank-api",
                &base,
                "--documents-api",
                &base,
            ])
            .args(args)
            .output()
            .expect("the command runs");
        assert!(
            output.status.success(),
            "relance {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let asked = seen.lock().expect("seen").clone();
    let routes = documented();
    let missing: Vec<_> = routes
        .iter()
        .filter(|(m, t)| !asked.iter().any(|(method, path)| method == m && instance(t, path)))
        .collect();
    assert!(missing.is_empty(), "documented routes no command asks: {missing:?}");
    let undocumented: Vec<_> = asked
        .iter()
        .filter(|(method, path)| !routes.iter().any(|(m, t)| m == method && instance(t, path)))
        .collect();
    assert!(
        undocumented.is_empty(),
        "commands asking undocumented routes: {undocumented:?}"
    );
}
