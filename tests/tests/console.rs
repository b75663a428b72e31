//! The finance console against the local stack. In real headless
//! Chromium: a person signs in, sees a customer's help request on the
//! to-do, answers it — the item is gone and the reminders may resume —
//! and a credit the first person requested waits for a second person, who
//! approves it (the first cannot). Over HTTP: a form with a wrong CSRF
//! token, an approval by the requester or by someone without the role,
//! a request without a session — each refused with a page that says why,
//! and nothing written. Screenshots in `target/screenshots/console-*.png`.

use crate::common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::browser::{browser_at, heading_becomes, screenshot};
use common::{World, invoice_body};
use fantoccini::Locator;
use http_body_util::BodyExt;
use relance::context::Call;
use relance::credits::CreditContext;
use relance::domain::help::HelpChoice;
use relance::domain::{Actor, CustomerId, EventKind, InvoiceNumber};
use serde_json::json;
use tower::ServiceExt;

fn state(world: &World, local: bool) -> Arc<finance_console::AppState> {
    let clock = world.clock.clone();
    Arc::new(finance_console::AppState {
        store: world.store.clone(),
        renderer: Arc::new(relance::render::Renderer::new().expect("templates")),
        clock: Arc::new(move || *clock.lock().expect("clock")),
        identity: None,
        local_users: local
            .then(|| relance::staff::local_users(include_str!("../../config/console-users.toml")).expect("users file")),
        secure_cookies: false,
        seller: relance::config::company().expect("company"),
        policy: relance::domain::goodwill::GoodwillPolicy::configured().expect("policy"),
        dunning: relance::domain::dunning::Policy::configured().expect("dunning policy"),
        archive: None,
        series: "AV".into(),
        gate: Default::default(),
    })
}

/// A customer with an invoice and an open help request, and a credit
/// above the threshold requested (through the console) by `requester`.
async fn a_morning(world: &World, requester: &str) -> (String, String) {
    world
        .create_customer(
            "roux",
            json!({ "company_name": "Boulangerie Roux", "contact_name": "Anne Roux" }),
        )
        .await;
    let (status, invoice) = world.issue("r1", &invoice_body("roux")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number").to_string();
    let now = *world.clock.lock().expect("clock");
    relance::help::request_help(
        &world.store,
        &CustomerId::parse("roux").expect("id"),
        &[InvoiceNumber::parse(&number).expect("n")],
        HelpChoice::PaymentPlan,
        None,
        now,
    )
    .await
    .expect("help requested");
    world
        .create_customer(
            "acme",
            json!({ "company_name": "Acme Fours", "contact_name": "Léa Morel" }),
        )
        .await;
    let big = json!({
        "customer_id": "acme", "currency": "EUR", "issue_date": "2026-03-02", "payment_terms": { "days": 30 },
        "category": "goods",
        "lines": [{ "description": "Four à sole", "quantity": 1, "unit_price_minor": 1_200_000, "vat_rate": "20" }]
    });
    let (status, big) = world.issue("a1", &big).await;
    assert_eq!(status, 201, "{big}");
    let input = json!({
        "situation": "defective_product", "severity": "critical", "invoice": big["number"],
        "what_happened": "Le four ne chauffait pas.", "what_we_did": "Nous l'avons remplacé."
    });
    let console = state(world, true);
    let context = CreditContext {
        store: &world.store,
        policy: &console.policy,
        gate: &console.gate,
        seller: &console.seller,
        series_prefix: "AV",
    };
    let actor = Actor(format!("console:{requester}"));
    let (answer, _) = context
        .request(
            &CustomerId::parse("acme").expect("id"),
            &serde_json::from_value(input.clone()).expect("a credit request"),
            "console-credit-1",
            &relance::replay::request_hash("POST /customers/acme/credits", &input),
            &Call::at(&actor, now),
        )
        .await
        .expect("requested");
    assert_eq!(answer.status, 202, "{}", answer.body);
    let credit: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
    (number, credit["id"].as_str().expect("id").to_string())
}

async fn serve(world: &World) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = finance_console::router(state(world, true));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// The page's main text; empty while a navigation is under way.
async fn page_text(client: &fantoccini::Client) -> String {
    match client.find(Locator::Css("main")).await {
        Ok(main) => main.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[tokio::test]
async fn a_person_answers_a_help_request_and_a_second_person_approves_a_credit_in_the_browser() {
    let world = World::new("console-browser").await;
    let (number, credit) = a_morning(&world, "camille").await;
    let base = serve(&world).await;
    let (_driver, client) = browser_at(1280, 1000).await;

    client.goto(&format!("{base}/")).await.expect("console");
    heading_becomes(&client, "Se connecter").await;
    screenshot(&client, "console-sign-in").await;
    client
        .find(Locator::Css("button[value=camille]"))
        .await
        .expect("Camille")
        .click()
        .await
        .expect("signed in");
    heading_becomes(&client, "À faire").await;
    screenshot(&client, "console-todo").await;
    let text = page_text(&client).await;
    // The kind is shown in capitals (CSS): compare without case.
    assert!(
        text.to_lowercase().contains("demande d'aide") && text.contains("Boulangerie Roux") && text.contains(&number),
        "{text}"
    );
    assert!(
        text.contains("Une autre personne ayant le rôle d'approbation doit l'approuver."),
        "{text}"
    );
    assert!(
        client
            .find(Locator::Css(&format!("form[action$='{credit}/approve']")))
            .await
            .is_err(),
        "the requester is not offered to approve"
    );

    // Camille answers the customer.
    client
        .find(Locator::Css("form[action='/customers/roux/reply'] textarea"))
        .await
        .expect("the answer's field")
        .send_keys("Appelée : un échéancier en trois fois lui convient.")
        .await
        .expect("typed");
    client
        .find(Locator::Css("form[action='/customers/roux/reply'] button"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("answered");
    let mut text = String::new();
    for _ in 0..100 {
        text = page_text(&client).await;
        if text.contains("Réponse enregistrée") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        text.contains("Réponse enregistrée") && !text.contains("Boulangerie Roux"),
        "{text}"
    );
    let invoice = world
        .store
        .get_invoice(
            &CustomerId::parse("roux").expect("id"),
            &InvoiceNumber::parse(&number).expect("n"),
        )
        .await
        .expect("read")
        .expect("issued")
        .value;
    assert!(!invoice.dunning.help_request_open, "the reminders may resume");
    let replied = common::history(&world, "roux")
        .await
        .into_iter()
        .find(|e| e.kind.name() == "person_replied")
        .expect("the answer is in the history");
    assert_eq!(replied.actor.0, "console:camille");

    // The customer's page: the story as sentences, and a dispute opened
    // from there lands on the to-do.
    client.goto(&format!("{base}/customers/roux")).await.expect("customer");
    heading_becomes(&client, "Boulangerie Roux").await;
    text = page_text(&client).await;
    assert!(
        text.contains("Réponse au client : « Appelée : un échéancier en trois fois lui convient. »")
            && text.contains("Demande d'aide traitée")
            && text.contains("Camille Roussel"),
        "{text}"
    );
    client
        .find(Locator::Css(&format!(
            "form[action$='{number}/dispute'] input[name=text]"
        )))
        .await
        .expect("the dispute's field")
        .send_keys("Quantité livrée contestée")
        .await
        .expect("typed");
    client
        .find(Locator::Css(&format!("form[action$='{number}/dispute'] button")))
        .await
        .expect("the button")
        .click()
        .await
        .expect("opened");
    for _ in 0..100 {
        text = page_text(&client).await;
        if text.contains("Litige ouvert :") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        text.contains("Litige ouvert sur") && text.contains("Quantité livrée contestée"),
        "{text}"
    );
    screenshot(&client, "console-customer").await;
    client.goto(&format!("{base}/")).await.expect("to-do");
    heading_becomes(&client, "À faire").await;
    assert!(
        page_text(&client).await.to_lowercase().contains("litige ouvert"),
        "the dispute waits on the to-do"
    );

    // Nadia, an approver, approves the credit Camille asked for.
    client
        .find(Locator::Css("form[action='/sign-out'] button"))
        .await
        .expect("sign out")
        .click()
        .await
        .expect("signed out");
    heading_becomes(&client, "Se connecter").await;
    client
        .find(Locator::Css("button[value=nadia]"))
        .await
        .expect("Nadia")
        .click()
        .await
        .expect("signed in");
    heading_becomes(&client, "À faire").await;
    client
        .find(Locator::Css(&format!("form[action$='{credit}/approve'] button")))
        .await
        .expect("an approver is offered to approve")
        .click()
        .await
        .expect("approved");
    for _ in 0..100 {
        text = page_text(&client).await;
        if text.contains("Geste approuvé") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        text.contains("Geste approuvé") && !text.contains("Acme Fours"),
        "{text}"
    );
    screenshot(&client, "console-todo-done").await;
    let granted = world
        .store
        .get_credit(&CustomerId::parse("acme").expect("id"), &credit)
        .await
        .expect("read")
        .expect("credit")
        .value;
    assert_eq!(granted.approved_by.map(|a| a.0).as_deref(), Some("console:nadia"));
    assert_eq!(granted.requested_by.0, "console:camille");

    // The receivables, from the menu.
    client
        .find(Locator::LinkText("Encours"))
        .await
        .expect("the menu")
        .click()
        .await
        .expect("receivables");
    heading_becomes(&client, "Encours clients").await;
    screenshot(&client, "console-receivables").await;
    let text = page_text(&client).await;
    assert!(
        text.contains("Boulangerie Roux") && text.contains("Balance âgée en EUR"),
        "{text}"
    );

    // The relationship balance, from the menu: this month's figures and
    // the six months' trend drawn on the page.
    client
        .find(Locator::LinkText("Bilan"))
        .await
        .expect("the menu")
        .click()
        .await
        .expect("balance");
    heading_becomes(&client, "Bilan relationnel").await;
    screenshot(&client, "console-balance").await;
    let text = page_text(&client).await;
    assert!(
        text.contains("Factures émises") && text.contains("Demandes d'aide"),
        "{text}"
    );
    let charts = client.find_all(Locator::Css(".charts svg")).await.expect("charts");
    assert_eq!(charts.len(), 5, "DSO, on time, CSAT and NPS, CES, credits");
    client
        .execute("document.getElementById('trend').scrollIntoView()", vec![])
        .await
        .expect("scrolled");
    screenshot(&client, "console-balance-trend").await;

    // The reminders, from the menu: tomorrow's pass and the last ones.
    client
        .find(Locator::LinkText("Relances"))
        .await
        .expect("the menu")
        .click()
        .await
        .expect("reminders");
    heading_becomes(&client, "Relances").await;
    // The Monday before the due date: Acme's courtesy reminder.
    let date = client.find(Locator::Id("as_of")).await.expect("the date");
    client
        .execute(
            "arguments[0].value = '2026-03-30'; arguments[0].form.submit()",
            vec![serde_json::to_value(&date).expect("element")],
        )
        .await
        .expect("previewed");
    client
        .wait()
        .for_element(Locator::XPath("//h2[. = 'Passe du 30 mars 2026']"))
        .await
        .expect("the pass of 30 March");
    let text = page_text(&client).await;
    screenshot(&client, "console-reminders").await;
    assert!(
        text.contains("Passe du 30 mars 2026") && text.contains("Acme Fours"),
        "{text}"
    );
    assert!(
        text.contains("Courtoisie") && text.contains("Les dernières passes"),
        "{text}"
    );

    // An invoice, from its customer's page.
    client.goto(&format!("{base}/customers/roux")).await.expect("customer");
    client
        .find(Locator::LinkText(&number))
        .await
        .expect("the invoice's link")
        .click()
        .await
        .expect("invoice");
    heading_becomes(&client, &format!("Facture {number}")).await;
    screenshot(&client, "console-invoice").await;
    let text = page_text(&client).await;
    assert!(
        text.contains("La prochaine relance") && text.contains("Ses emails"),
        "{text}"
    );

    // A goodwill credit from there: the situation chosen, the quote.
    client
        .find(Locator::LinkText("Proposer un geste commercial"))
        .await
        .expect("the credit's link")
        .click()
        .await
        .expect("credit");
    heading_becomes(&client, "Un geste commercial").await;
    client
        .find(Locator::Css("#situation option[value=late_delivery]"))
        .await
        .expect("a situation")
        .click()
        .await
        .expect("chosen");
    client
        .find(Locator::Css("#severity option[value=major]"))
        .await
        .expect("a severity")
        .click()
        .await
        .expect("chosen");
    client
        .find(Locator::Css("form[method=get] button"))
        .await
        .expect("the quote's button")
        .click()
        .await
        .expect("quoted");
    client
        .wait()
        .for_element(Locator::Id("quote"))
        .await
        .expect("the quote is shown");
    screenshot(&client, "console-credit").await;
    let text = page_text(&client).await;
    assert!(text.contains("Ce que propose la politique"), "{text}");

    // The emails the customer would get, before they get them.
    client
        .find(Locator::LinkText("Emails"))
        .await
        .expect("the previews' link")
        .click()
        .await
        .expect("previews");
    heading_becomes(&client, "Aperçu des emails").await;
    client
        .goto(&format!("{base}/emails?kind=reminder&lang=fr&customer=roux&stage=firm"))
        .await
        .expect("a customer's reminder");
    heading_becomes(&client, "Aperçu des emails").await;
    client.enter_frame(0).await.expect("the email's frame");
    let framed = client
        .find(Locator::Css("body"))
        .await
        .expect("the email's body")
        .text()
        .await
        .unwrap_or_default();
    assert!(framed.contains("Anne Roux"), "the email drawn in its frame: {framed}");
    client.enter_parent_frame().await.expect("back to the page");
    screenshot(&client, "console-emails").await;
    client.close().await.expect("closed");
}

/// One request to the console, with a cookie; the status, the cookies it
/// sets and the page.
async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> (StatusCode, Vec<String>, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(c) = cookie {
        request = request.header("cookie", c);
    }
    if form.is_some() {
        request = request.header("content-type", "application/x-www-form-urlencoded");
    }
    let response = app
        .clone()
        .oneshot(
            request
                .body(form.map_or_else(Body::empty, |f| Body::from(f.to_string())))
                .expect("request"),
        )
        .await
        .expect("answer");
    let status = response.status();
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next().map(str::to_string))
        .collect();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    (status, cookies, String::from_utf8_lossy(&body).into_owned())
}

fn field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).expect("the field") + marker.len();
    page[start..].split('"').next().unwrap_or_default().to_string()
}

/// Signs in as `user` and returns the session cookie and its CSRF token.
async fn signed_in(app: &axum::Router, user: &str) -> (String, String) {
    let (status, cookies, page) = call(app, "GET", "/sign-in", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let pre = cookies[0].clone();
    let token = field(&page, "csrf");
    let (status, _, _) = call(app, "POST", "/sign-in", Some(&pre), Some(&format!("user={user}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a sign-in without its token is refused");
    let (status, cookies, _) = call(
        app,
        "POST",
        "/sign-in",
        Some(&pre),
        Some(&format!("user={user}&csrf={token}")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let session = cookies
        .iter()
        .find(|c| c.starts_with("relance_console=") && c.len() > "relance_console=".len())
        .expect("a session cookie")
        .clone();
    let (status, _, page) = call(app, "GET", "/", Some(&session), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    (session, field(&page, "csrf"))
}

#[tokio::test]
async fn a_forged_form_an_approval_by_the_requester_or_without_the_role_and_no_session_write_nothing() {
    let world = World::new("console-refusals").await;
    let (_, credit) = a_morning(&world, "sam").await;
    let app = finance_console::router(state(&world, true));
    let (camille, csrf) = signed_in(&app, "camille").await;
    let items = world.item_count().await;

    let cases = [
        (
            "a wrong CSRF token",
            "/customers/roux/reply",
            "csrf=forged&text=Rappel%C3%A9e".to_string(),
            StatusCode::FORBIDDEN,
            "Ce formulaire a expiré",
        ),
        (
            "no text",
            "/customers/roux/reply",
            format!("csrf={csrf}&text=+"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Il manque le texte",
        ),
        (
            "another customer's unknown invoice",
            "/customers/roux/invoices/F2026-000999/settle",
            format!("csrf={csrf}&text=ok"),
            StatusCode::NOT_FOUND,
            "Introuvable",
        ),
        (
            "an approval without the role",
            &format!("/customers/acme/credits/{credit}/approve"),
            format!("csrf={csrf}"),
            StatusCode::FORBIDDEN,
            "Seules les personnes ayant le rôle",
        ),
    ];
    for (why, uri, form, status, says) in &cases {
        let (got, _, page) = call(&app, "POST", uri, Some(&camille), Some(form)).await;
        assert_eq!(got, *status, "{why}: {page}");
        assert!(page.contains(says), "{why}: the page says why");
    }
    assert_eq!(world.item_count().await, items, "nothing was written");

    // Sam requested it: Sam may not approve it, even with the role.
    let (sam, sam_csrf) = signed_in(&app, "sam").await;
    let items = world.item_count().await;
    let (got, _, page) = call(
        &app,
        "POST",
        &format!("/customers/acme/credits/{credit}/approve"),
        Some(&sam),
        Some(&format!("csrf={sam_csrf}")),
    )
    .await;
    assert_eq!(got, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("four-eyes rule"), "Sam reads English: {page}");
    assert_eq!(world.item_count().await, items);

    // No session: a page goes to the sign-in, a form is refused.
    let (got, _, _) = call(&app, "GET", "/", None, None).await;
    assert_eq!(got, StatusCode::SEE_OTHER);
    let (got, _, page) = call(&app, "POST", "/customers/roux/reply", None, Some("csrf=x&text=y")).await;
    assert_eq!(got, StatusCode::UNAUTHORIZED, "{page}");
    // Signed out, the cookie opens nothing.
    let (got, _, _) = call(&app, "POST", "/sign-out", Some(&camille), Some(&format!("csrf={csrf}"))).await;
    assert_eq!(got, StatusCode::SEE_OTHER);
    let (got, _, _) = call(&app, "GET", "/", Some(&camille), None).await;
    assert_eq!(got, StatusCode::SEE_OTHER);

    // Deployed (no local users), there is no development sign-in.
    let deployed = finance_console::router(state(&world, false));
    let (got, _, page) = call(&deployed, "GET", "/sign-in", None, None).await;
    assert_eq!(got, StatusCode::NOT_FOUND, "{page}");
    let (got, _, _) = call(&deployed, "POST", "/sign-in", None, Some("user=camille&csrf=x")).await;
    assert_eq!(got, StatusCode::NOT_FOUND);
}

/// What each customer owes by age, summed straight from their invoices:
/// the check the index-read aged balance must agree with.
async fn independent_sum(world: &World, customers: &[&str], today: chrono::NaiveDate) -> (i64, [i64; 5]) {
    let mut total = 0;
    let mut ages = [0i64; 5];
    for id in customers {
        for found in world
            .store
            .customer_invoices(&CustomerId::parse(id).expect("id"))
            .await
            .expect("invoices")
        {
            let invoice = found.value;
            if invoice.status != relance::domain::InvoiceStatus::Open {
                continue;
            }
            let late = (today - invoice.due_date).num_days();
            let age = if late <= 0 {
                0
            } else if late <= 30 {
                1
            } else if late <= 60 {
                2
            } else if late <= 90 {
                3
            } else {
                4
            };
            ages[age] += invoice.remaining_minor();
            total += invoice.remaining_minor();
        }
    }
    (total, ages)
}

#[tokio::test]
async fn the_aged_balance_equals_the_sum_over_the_open_invoices_and_exports_as_csv() {
    let world = World::new("console-receivables").await;
    let customers = ["roux", "petit", "acme"];
    for id in customers {
        world.create_customer(id, json!({})).await;
    }
    // Due dates spread over every age on 30 June; a partial payment, one
    // paid in full, one disputed.
    // (numbering is chronological: in order of issue)
    let spread = [
        ("roux", "2026-01-10", 30),
        ("acme", "2026-03-01", 60),
        ("petit", "2026-04-15", 30),
        ("petit", "2026-05-20", 30),
        ("acme", "2026-06-01", 30),
        ("roux", "2026-06-20", 30),
    ];
    let mut numbers = Vec::new();
    for (i, (id, issue, days)) in spread.iter().enumerate() {
        let day: chrono::NaiveDate = issue.parse().expect("day");
        world.set_now(common::at(
            2026,
            chrono::Datelike::month(&day),
            chrono::Datelike::day(&day),
            9,
        ));
        let mut body = invoice_body(id);
        body["issue_date"] = json!(issue);
        body["payment_terms"] = json!({ "days": days });
        let (status, invoice) = world.issue(&format!("k{i}"), &body).await;
        assert_eq!(status, 201, "{invoice}");
        numbers.push((id.to_string(), invoice["number"].as_str().expect("n").to_string()));
    }
    let world = &world;
    let pay = |i: usize, amount: i64| {
        let (id, number) = numbers[i].clone();
        async move {
            let (status, body) = world
                .call(
                    "POST",
                    &format!("/customers/{id}/invoices/{number}/payments"),
                    &[("idempotency-key", &format!("p{i}"))],
                    Some(&json!({ "amount_minor": amount, "date": "2026-06-25", "method": "transfer" })),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
    };
    world.set_now(common::at(2026, 6, 30, 9));
    pay(0, 10_000).await;
    pay(3, 57_484).await;
    let (status, body) = world
        .call(
            "POST",
            &format!("/customers/acme/invoices/{}/disputes", numbers[1].1),
            &[],
            Some(&json!({ "reason": "Livraison incomplète" })),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("day");
    let (total, ages) = independent_sum(world, &customers, today).await;
    let (status, api) = world.call("GET", "/receivables?as_of=2026-06-30", &[], None).await;
    assert_eq!(status, 200, "{api}");
    let eur = &api["currencies"][0];
    assert_eq!(eur["total"], total, "{api}");
    assert_eq!(eur["totals"], json!(ages), "{api}");
    let rows = eur["rows"].as_array().expect("rows");
    assert_eq!(
        rows.iter()
            .map(|r| r["total"].as_i64().unwrap_or_default())
            .sum::<i64>(),
        total
    );
    assert_eq!(rows[0]["customer_id"], "acme", "the largest balance first");
    let (_, disputed) = world
        .call("GET", "/receivables?filter=disputed&as_of=2026-06-30", &[], None)
        .await;
    assert_eq!(
        disputed["currencies"][0]["rows"].as_array().map(Vec::len),
        Some(1),
        "{disputed}"
    );

    // The console shows the same figures, and exports them.
    let app = finance_console::router(state(world, true));
    let (session, _) = signed_in(&app, "camille").await;
    let (status, _, page) = call(&app, "GET", "/receivables", Some(&session), None).await;
    assert_eq!(status, StatusCode::OK);
    let eur_total =
        relance::domain::Money::new(total, relance::domain::Currency::EUR).format(relance::domain::Locale::Fr);
    assert!(page.contains(&eur_total), "the total {eur_total} is on the page");
    let (status, _, csv) = call(&app, "GET", "/receivables.csv", Some(&session), None).await;
    assert_eq!(status, StatusCode::OK);
    let summed: i64 = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(8))
        .filter_map(|t| t.replace('.', "").parse::<i64>().ok())
        .sum();
    assert_eq!(summed, total, "{csv}");
    let (status, _, page) = call(&app, "GET", "/receivables?filter=nonsense", Some(&session), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
}

#[tokio::test]
async fn a_payment_typed_on_the_customer_page_is_recorded_once_and_too_much_is_refused() {
    let world = World::new("console-payment").await;
    world.create_customer("roux", json!({})).await;
    let (status, invoice) = world.issue("r1", &invoice_body("roux")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number").to_string();
    world.set_now(common::at(2026, 3, 10, 9));
    let app = finance_console::router(state(&world, true));
    let (session, csrf) = signed_in(&app, "camille").await;
    let (status, _, page) = call(&app, "GET", "/customers/roux", Some(&session), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!("/customers/roux/invoices/{number}/payment")),
        "the form is offered"
    );

    let payment = format!("/customers/roux/invoices/{number}/payment");
    let form = format!("csrf={csrf}&amount=100.00&date=2026-03-09&method=transfer");
    for _ in 0..2 {
        let (status, _, page) = call(&app, "POST", &payment, Some(&session), Some(&form)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    }
    let read = || async {
        world
            .store
            .get_invoice(
                &CustomerId::parse("roux").expect("id"),
                &InvoiceNumber::parse(&number).expect("n"),
            )
            .await
            .expect("read")
            .expect("issued")
            .value
    };
    let paid = read().await;
    assert_eq!(
        (paid.payments.len(), paid.remaining_minor()),
        (1, 57_484 - 10_000),
        "a double click pays once"
    );
    assert_eq!(paid.payments[0].recorded_by.0, "console:camille");

    let items = world.item_count().await;
    let too_much = format!("csrf={csrf}&amount=9999.00&date=2026-03-09&method=transfer");
    let (status, _, page) = call(&app, "POST", &payment, Some(&session), Some(&too_much)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("Refusé") && page.contains("47484"), "{page}");
    let (status, _, _) = call(
        &app,
        "POST",
        &payment,
        Some(&session),
        Some(&format!("csrf={csrf}&amount=abc&date=x&method=transfer")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(world.item_count().await, items, "nothing was written");

    let promise = format!("/customers/roux/invoices/{number}/promise");
    let (status, _, page) = call(
        &app,
        "POST",
        &promise,
        Some(&session),
        Some(&format!("csrf={csrf}&date=2026-03-20")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(
        read().await.dunning.promise_to_pay,
        chrono::NaiveDate::from_ymd_opt(2026, 3, 20)
    );
}

#[tokio::test]
async fn reminders_paused_on_the_customer_page_stop_the_pass_for_that_customer_until_resumed() {
    let world = World::new("console-pause").await;
    world.create_customer("roux", json!({})).await;
    let (status, invoice) = world.issue("r1", &invoice_body("roux")).await;
    assert_eq!(status, 201, "{invoice}");
    // 6 April: the invoice is past due, a reminder would go.
    world.set_now(common::at(2026, 4, 5, 9));
    let app = finance_console::router(state(&world, true));
    let (session, csrf) = signed_in(&app, "camille").await;
    let roux = CustomerId::parse("roux").expect("id");
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 4, 6).expect("day");
    let preview = || async {
        relance::reminders::preview(
            &world.store,
            world.state.deliverer.renderer.clone(),
            &world.state.policy,
            as_of,
            common::at(2026, 4, 6, 6),
            relance::reminders::Window {
                after: None,
                budget: std::time::Duration::from_secs(60),
            },
        )
        .await
        .expect("preview")
    };
    assert_eq!(preview().await.planned.len(), 1, "before the pause, Roux is reminded");

    let items = world.item_count().await;
    let (status, _, _) = call(
        &app,
        "POST",
        "/customers/roux/reminders",
        Some(&session),
        Some("csrf=forged&paused=yes"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = call(
        &app,
        "POST",
        "/customers/roux/reminders",
        Some(&session),
        Some(&format!("csrf={csrf}&paused=maybe")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = call(
        &app,
        "POST",
        "/customers/nobody/reminders",
        Some(&session),
        Some(&format!("csrf={csrf}&paused=yes")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(world.item_count().await, items, "nothing written by a refused form");

    let pause = format!("csrf={csrf}&paused=yes");
    for _ in 0..2 {
        let (status, _, page) = call(&app, "POST", "/customers/roux/reminders", Some(&session), Some(&pause)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    }
    let (_, _, page) = call(&app, "GET", "/customers/roux?done=paused", Some(&session), None).await;
    assert!(page.contains("Relances en pause"), "{page}");
    assert!(page.contains("Reprendre les relances"), "{page}");
    assert!(page.contains("Relances mises en pause pour ce client."), "{page}");
    let paused = preview().await;
    assert!(paused.planned.is_empty(), "paused: nothing planned");
    assert_eq!(
        paused.skipped.get(&relance::domain::pass_plan::Skip::CustomerPaused),
        Some(&1)
    );
    let history = common::history(&world, "roux").await;
    let by: Vec<&str> = history
        .iter()
        .filter(|e| e.kind.name() == "reminders_paused")
        .map(|e| e.actor.0.as_str())
        .collect();
    assert_eq!(by, ["console:camille"], "a second click writes nothing");

    let (status, _, _) = call(
        &app,
        "POST",
        "/customers/roux/reminders",
        Some(&session),
        Some(&format!("csrf={csrf}&paused=no")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        !world
            .store
            .get_customer(&roux)
            .await
            .expect("read")
            .expect("there")
            .value
            .paused
    );
    assert_eq!(preview().await.planned.len(), 1, "resumed: Roux is reminded again");
}

#[tokio::test]
async fn a_credit_quoted_on_an_invoice_page_is_granted_once_and_a_request_without_its_words_writes_nothing() {
    let world = World::new("console-credit").await;
    world.create_customer("roux", json!({})).await;
    let (status, invoice) = world.issue("r1", &invoice_body("roux")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number").to_string();
    world.set_now(common::at(2026, 3, 10, 9));
    let app = finance_console::router(state(&world, true));
    let (session, csrf) = signed_in(&app, "camille").await;
    let credit = format!("/customers/roux/invoices/{number}/credit");

    let (status, _, page) = call(
        &app,
        "GET",
        &format!("/customers/roux/invoices/{number}"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&credit), "the invoice page offers a credit: {page}");
    let items = world.item_count().await;
    let (status, _, page) = call(&app, "GET", &credit, Some(&session), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Une erreur de facturation") && !page.contains("Ce que propose"),
        "{page}"
    );
    // 5 % of the invoice's 479.03 € net, × 1.1 for nine years as a
    // customer, rounded to whole euros.
    let (status, _, page) = call(
        &app,
        "GET",
        &format!("{credit}?situation=billing_error&severity=minor"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Ce que propose la politique"), "{page}");
    assert!(page.contains("<strong>26,00\u{a0}€</strong>"), "{page}");
    assert!(page.contains("Sous le seuil d&#x27;approbation"), "{page}");
    let (status, _, page) = call(
        &app,
        "GET",
        &format!("{credit}?situation=billing_error"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a repair needs its severity");
    assert!(page.contains("severity"), "{page}");
    assert_eq!(world.item_count().await, items, "a quote writes nothing");

    let key = ulid::Ulid::new().to_string();
    let without_words = format!("csrf={csrf}&key={key}&situation=billing_error&severity=minor&amount=");
    let (status, _, page) = call(&app, "POST", &credit, Some(&session), Some(&without_words)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("what_happened"), "{page}");
    let forged = format!("csrf=forged&key={key}&situation=billing_error&severity=minor");
    let (status, _, _) = call(&app, "POST", &credit, Some(&session), Some(&forged)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = call(
        &app,
        "POST",
        &credit,
        Some(&session),
        Some(&format!("csrf={csrf}&key=nope&situation=billing_error&severity=minor")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a request needs the quote's key");
    assert_eq!(world.item_count().await, items, "nothing written by a refused request");

    let request = format!(
        "csrf={csrf}&key={key}&situation=billing_error&severity=minor&amount=20.00\
         &what_happened=Une+ligne+factur%C3%A9e+deux+fois.&what_we_did=Nous+la+retirons."
    );
    for _ in 0..2 {
        let (status, _, page) = call(&app, "POST", &credit, Some(&session), Some(&request)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    }
    let history = common::history(&world, "roux").await;
    let granted: Vec<&relance::domain::HistoryEvent> =
        history.iter().filter(|e| e.kind.name() == "credit_granted").collect();
    assert_eq!(granted.len(), 1, "a double click grants once: {history:?}");
    assert_eq!(granted[0].actor.0, "console:camille");
    assert!(
        matches!(granted[0].kind, EventKind::CreditGranted { net_minor: 2_000, .. }),
        "the smaller amount finance chose: {:?}",
        granted[0].kind
    );
    let (_, _, page) = call(&app, "GET", "/customers/roux?done=credited", Some(&session), None).await;
    assert!(page.contains("Avoir accordé"), "{page}");
}

#[tokio::test]
async fn the_balance_page_counts_the_period_and_refuses_one_that_means_nothing() {
    let world = World::new("console-balance").await;
    world.set_now(common::at(2026, 3, 20, 9));
    a_morning(&world, "camille").await;
    let app = finance_console::router(state(&world, true));
    let (camille, _) = signed_in(&app, "camille").await;

    let (status, _, page) = call(
        &app,
        "GET",
        "/balance?from=2026-03-01&to=2026-03-20",
        Some(&camille),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("du 1er mars 2026 au 20 mars 2026"), "{page}");
    // Two invoices this month, and the help request waiting.
    assert!(page.contains("<dt>Factures émises</dt><dd>2</dd>"), "{page}");
    assert!(page.contains("<dt>Demandes d&#x27;aide</dt><dd>1 "), "{page}");
    assert_eq!(page.matches("<svg").count(), 5);

    for (query, words) in [
        ("from=2026-03-20&to=2026-03-01", "La période finit avant de commencer"),
        ("from=2026-04-01&to=2026-04-30", "commence après aujourd&#x27;hui"),
        ("from=2024-01-01&to=2026-03-01", "au plus une année"),
        ("from=2026-02-30", "Une des dates ne se lit pas"),
    ] {
        let (status, _, page) = call(&app, "GET", &format!("/balance?{query}"), Some(&camille), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.contains(words), "{query}: {page}");
    }
    let (status, _, _) = call(&app, "GET", "/balance", None, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "no session, no figures");
}

#[tokio::test]
async fn the_reminders_page_previews_the_next_pass_writing_nothing_and_lists_the_last_passes() {
    let world = World::new("console-reminders").await;
    a_morning(&world, "camille").await;
    // Sunday 5 April: tomorrow's pass is the first after the 1 April due date.
    world.set_now(common::at(2026, 4, 5, 9));
    let ran = relance::reminders::PassRecord {
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 4, 3).expect("day"),
        at: common::at(2026, 4, 3, 6),
        continued: false,
        cut_short: false,
        customers: 2,
        invoices_seen: 2,
        emails_sent: 0,
        emails_pending: 0,
        redelivered: 0,
        handed_off: 0,
        finance_alerts: 0,
        formal_notices: 0,
        by_stage: Default::default(),
        by_tone: Default::default(),
        skipped: [("not_yet_due".to_string(), 2)].into_iter().collect(),
    };
    world.store.record_pass(&ran).await.expect("a pass kept");
    let app = finance_console::router(state(&world, true));
    let (camille, _) = signed_in(&app, "camille").await;

    let before = world.item_count().await;
    let (status, _, page) = call(&app, "GET", "/reminders", Some(&camille), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(world.item_count().await, before, "a preview writes nothing");
    assert!(page.contains("Passe du 6 avril 2026"), "{page}");
    // Acme gets the help-first reminder, with its tone and why; Roux's
    // help request keeps its invoice out of the pass.
    let acme = page
        .split("<tr>")
        .find(|row| row.contains("Acme Fours"))
        .unwrap_or_else(|| panic!("Acme in the preview: {page}"));
    assert!(acme.contains("L&#x27;aide d&#x27;abord"), "{acme}");
    assert!(acme.contains("/customers/acme/invoices/"), "{acme}");
    assert!(
        ["Chaleureux", "Standard", "Attentionné", "Direct"]
            .iter()
            .any(|t| acme.contains(t)),
        "{acme}"
    );
    assert!(!page.contains("Boulangerie Roux</a></th>"), "{page}");
    assert!(
        page.contains("Demande d&#x27;aide en attente <strong>1</strong>"),
        "{page}"
    );
    // The pass of Friday 3 April, as it was kept.
    assert!(page.contains("3 avril 2026"), "{page}");
    assert!(page.contains("Pas encore à relancer 2"), "{page}");

    for (as_of, words) in [
        ("2026-04-04", "un mois"),
        ("2026-05-07", "un mois"),
        ("2026-13-01", "pas lisible"),
    ] {
        let (status, _, page) = call(&app, "GET", &format!("/reminders?as_of={as_of}"), Some(&camille), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{as_of}");
        assert!(page.contains(words), "{as_of}: {page}");
    }
    let (status, _, page) = call(&app, "GET", "/reminders?as_of=2026-05-06", Some(&camille), None).await;
    assert_eq!(status, StatusCode::OK, "a month ahead: {page}");
    // A page continued after Acme: the customers after it, said so.
    let (status, _, page) = call(&app, "GET", "/reminders?after=acme", Some(&camille), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Suite d&#x27;une page précédente"), "{page}");
    assert!(!page.contains("Acme Fours</a></th>"), "{page}");
    assert!(
        !page.contains("Voir les clients suivants"),
        "nothing left after: {page}"
    );
    let (status, _, page) = call(&app, "GET", "/reminders?after=not%20an%20id", Some(&camille), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("référence client"), "{page}");
    let (status, _, _) = call(&app, "GET", "/reminders", None, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "no session, no preview");
}

#[tokio::test]
async fn an_invoice_page_shows_its_emails_its_reminders_and_the_next_one_and_no_other_customers_invoice() {
    let world = World::new("console-invoice").await;
    let (roux_number, _) = a_morning(&world, "camille").await;
    let acme = world
        .store
        .customer_invoices(&CustomerId::parse("acme").expect("id"))
        .await
        .expect("invoices");
    let acme_number = acme[0].value.number.as_str().to_string();
    // Monday 6 April: the help-first reminder goes to Acme.
    world.set_now(common::at(2026, 4, 6, 9));
    let summary = common::pass_on(&world, chrono::NaiveDate::from_ymd_opt(2026, 4, 6).expect("day")).await;
    assert_eq!(summary.emails_sent, 1, "{summary:?}");
    let app = finance_console::router(state(&world, true));
    let (camille, _) = signed_in(&app, "camille").await;

    let uri = format!("/customers/acme/invoices/{acme_number}");
    let (status, _, page) = call(&app, "GET", &uri, Some(&camille), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(&format!("Facture {acme_number}")), "{page}");
    assert!(page.contains("Four à sole"), "the lines as issued: {page}");
    assert!(
        page.contains("14\u{202f}400,00\u{a0}€") || page.contains("14 400,00"),
        "the total: {page}"
    );
    // Its two emails, both delivered: the invoice and the reminder.
    let emails = page
        .split("id=\"emails\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("emails");
    assert!(emails.contains("<th scope=\"row\">La facture</th>"), "{emails}");
    assert!(emails.contains("<th scope=\"row\">Relance</th>"), "{emails}");
    assert_eq!(emails.matches("Envoyé").count(), 2, "{emails}");
    // The reminder sent, with its tone and why; the next one is the
    // check-in, on a weekday after today.
    let sent = page
        .split("id=\"sent\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("sent");
    assert!(sent.contains("L&#x27;aide d&#x27;abord ·"), "{sent}");
    let next = page
        .split("id=\"next\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("next");
    assert!(next.contains("Point d&#x27;étape, le "), "{next}");
    assert!(next.contains("sur un ton "), "{next}");
    assert!(next.contains("Pourquoi ce ton"), "{next}");
    // The forms act on this invoice.
    assert!(
        page.contains(&format!("action=\"/customers/acme/invoices/{acme_number}/payment\"")),
        "{page}"
    );

    // Roux's invoice waits for the answer to the help request.
    let (status, _, page) = call(
        &app,
        "GET",
        &format!("/customers/roux/invoices/{roux_number}"),
        Some(&camille),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Aucune relance tant que dure ceci : Demande d&#x27;aide en attente."),
        "{page}"
    );
    assert!(page.contains("Aucune relance envoyée."), "{page}");

    // Acme's invoice under Roux, an unknown number, a malformed one: not found.
    for uri in [
        format!("/customers/roux/invoices/{acme_number}"),
        "/customers/acme/invoices/F2026-999999".to_string(),
        "/customers/acme/invoices/..%2F..".to_string(),
    ] {
        let (status, _, _) = call(&app, "GET", &uri, Some(&camille), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
    let (status, _, _) = call(&app, "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "no session, no invoice");
}

#[tokio::test]
async fn a_hand_off_is_taken_over_once_and_a_failing_address_is_replaced_from_the_to_do() {
    let world = World::new("console-handoff").await;
    world.create_customer("roux", json!({})).await;
    world.create_customer("gone", json!({})).await;
    let (status, invoice) = world.issue("r1", &invoice_body("roux")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number").to_string();
    // Each stage's business day, the hand-off last (50 days after 1 April).
    for day in [
        "2026-03-30",
        "2026-04-06",
        "2026-04-13",
        "2026-04-27",
        "2026-05-11",
        "2026-05-21",
    ] {
        common::pass_on(&world, common::date(day)).await;
        world.settle().await;
    }
    // The mail system says Gone's address bounces.
    let gone = CustomerId::parse("gone").expect("id");
    let profile = world.store.get_customer(&gone).await.expect("read").expect("there");
    let now = world.state.now();
    let bounce = relance::domain::HistoryEvent::new(
        gone.clone(),
        now,
        Actor::system("ses-feedback"),
        EventKind::EmailBounced {
            address: world.email("gone"),
            permanent: true,
            detail: "5.1.1".into(),
            stream: relance::domain::feedback::Stream::Transactional,
            message_id: "m-1".into(),
            action: relance::domain::feedback::Action::SuppressAddress,
        },
    );
    let written = world
        .store
        .record_mail_feedback(
            &profile,
            "n-1",
            relance::domain::feedback::Action::SuppressAddress,
            &bounce,
            now,
        )
        .await
        .expect("recorded");
    assert_eq!(written, relance::store::FeedbackWrite::Written);

    let app = finance_console::router(state(&world, true));
    let (session, csrf) = signed_in(&app, "camille").await;
    let (status, _, page) = call(&app, "GET", "/", Some(&session), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Relances terminées · une personne prend le relais"),
        "{page}"
    );
    assert!(page.contains("Adresse email en échec"), "{page}");
    let take_over = format!("/customers/roux/invoices/{number}/take-over");
    assert!(page.contains(&format!("action=\"{take_over}\"")), "{page}");
    let (_, _, invoice_page) = call(
        &app,
        "GET",
        &format!("/customers/roux/invoices/{number}"),
        Some(&session),
        None,
    )
    .await;
    assert!(invoice_page.contains("Je m&#x27;en occupe"), "{invoice_page}");

    // Refused forms write nothing.
    let items = world.item_count().await;
    let refused = [
        (take_over.clone(), "csrf=forged".to_string(), StatusCode::FORBIDDEN),
        (
            "/customers/gone/email".into(),
            format!("csrf={csrf}&email=a%40b.fr%2Cc%40d.fr"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/customers/gone/email".into(),
            format!("csrf={csrf}&email=pas-une-adresse"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/customers/gone/email".into(),
            format!("csrf={csrf}&email={}", world.email("gone").replace('@', "%40")),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/customers/nobody/email".into(),
            format!("csrf={csrf}&email=a%40b.fr"),
            StatusCode::NOT_FOUND,
        ),
        (
            "/customers/roux/invoices/F2026-999999/take-over".into(),
            format!("csrf={csrf}"),
            StatusCode::CONFLICT,
        ),
    ];
    for (uri, form, expected) in &refused {
        let (status, _, page) = call(&app, "POST", uri, Some(&session), Some(form)).await;
        assert_eq!(status, *expected, "{uri} {form}: {page}");
    }
    assert_eq!(world.item_count().await, items, "nothing written by a refused form");

    // Taken over: off the to-do; a second press finds it done.
    let (status, _, _) = call(&app, "POST", &take_over, Some(&session), Some(&format!("csrf={csrf}"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, page) = call(&app, "POST", &take_over, Some(&session), Some(&format!("csrf={csrf}"))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    let history = common::history(&world, "roux").await;
    let by: Vec<&str> = history
        .iter()
        .filter(|e| e.kind.name() == "handoff_taken")
        .map(|e| e.actor.0.as_str())
        .collect();
    assert_eq!(by, ["console:camille"]);

    // A new address: mail flows again, and the to-do is clear.
    let fixed = world.email("gone-fixed");
    let (status, _, page) = call(
        &app,
        "POST",
        "/customers/gone/email",
        Some(&session),
        Some(&format!("csrf={csrf}&email={}", fixed.replace('@', "%40"))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let profile = world
        .store
        .get_customer(&gone)
        .await
        .expect("read")
        .expect("there")
        .value;
    assert_eq!(
        (profile.email.as_str(), profile.email_suppressed),
        (fixed.as_str(), false)
    );
    assert!(
        profile.links_valid_from.is_some(),
        "links to the old address stop opening"
    );
    let (_, _, page) = call(&app, "GET", "/?done=email_changed", Some(&session), None).await;
    assert!(page.contains("Adresse enregistrée"), "{page}");
    assert!(
        !page.contains("Adresse email en échec") && !page.contains("prend le relais"),
        "{page}"
    );
    let (status, _, _) = call(&app, "GET", "/?done=no_such_word", Some(&session), None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an unknown word says nothing, and fails nothing"
    );
}

#[tokio::test]
async fn every_email_previews_in_both_languages_from_the_sample_or_a_customer_writing_nothing() {
    let world = World::new("console-emails").await;
    world
        .create_customer("roux", json!({ "contact_name": "Anne Roux" }))
        .await;
    world.create_customer("neuf", json!({})).await;
    let (status, invoice) = world.issue("r1", &invoice_body("roux")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number").to_string();
    let app = finance_console::router(state(&world, true));
    let (session, _) = signed_in(&app, "camille").await;
    let items = world.item_count().await;

    for kind in relance::view::preview::KINDS {
        for lang in ["fr", "en"] {
            let uri = format!("/emails?kind={kind}&lang={lang}");
            let (status, _, page) = call(&app, "GET", &uri, Some(&session), None).await;
            assert_eq!(status, StatusCode::OK, "{uri}: {page}");
            assert!(page.contains("<iframe class=\"email\""), "{uri}");
            assert!(page.contains("Boulangerie Martin"), "{uri}: the sample data");
            let frame = format!("/emails/html?kind={kind}&lang={lang}");
            let response = app
                .clone()
                .oneshot(
                    Request::get(frame.as_str())
                        .header("cookie", &session)
                        .body(Body::empty())
                        .expect("request"),
                )
                .await
                .expect("answer");
            assert_eq!(response.status(), StatusCode::OK, "{frame}");
            let policy = response
                .headers()
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            assert!(
                policy.contains("sandbox") && policy.contains("frame-ancestors 'self'") && !policy.contains("script"),
                "{frame}: {policy}"
            );
            let body = response.into_body().collect().await.expect("body").to_bytes();
            let html = String::from_utf8_lossy(&body);
            assert!(html.contains("<html") || html.contains("<table"), "{frame}: {html}");
        }
    }
    // The words follow the language; the customer's own data when asked.
    let (_, _, fr) = call(
        &app,
        "GET",
        "/emails?kind=reminder&lang=fr&customer=roux",
        Some(&session),
        None,
    )
    .await;
    let (_, _, en) = call(
        &app,
        "GET",
        "/emails?kind=reminder&lang=en&customer=roux",
        Some(&session),
        None,
    )
    .await;
    assert!(fr.contains(&world.email("roux")) && fr.contains(&number), "{fr}");
    assert!(
        fr.contains("Bonjour Anne Roux") && en.contains("Anne Roux") && !en.contains("Bonjour"),
        "{en}"
    );
    assert!(fr.contains("preview.invalid"), "links lead nowhere: {fr}");
    let (_, _, thanks) = call(
        &app,
        "GET",
        "/emails?kind=thanks&lang=fr&customer=roux",
        Some(&session),
        None,
    )
    .await;
    assert!(thanks.contains(&number), "{thanks}");

    let refused = [
        ("/emails?kind=newsletter", StatusCode::BAD_REQUEST),
        ("/emails?lang=de", StatusCode::BAD_REQUEST),
        ("/emails?kind=reminder&stage=handoff", StatusCode::BAD_REQUEST),
        ("/emails?kind=reminder&tone=sarcastic", StatusCode::BAD_REQUEST),
        ("/emails?customer=nobody", StatusCode::NOT_FOUND),
        ("/emails?kind=invoice&customer=neuf", StatusCode::UNPROCESSABLE_ENTITY),
        ("/emails/html?kind=newsletter", StatusCode::BAD_REQUEST),
    ];
    for (uri, expected) in refused {
        let (status, _, page) = call(&app, "GET", uri, Some(&session), None).await;
        assert_eq!(status, expected, "{uri}: {page}");
    }
    let (status, _, _) = call(&app, "GET", "/emails", None, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed out: to the sign-in");
    assert_eq!(
        world.item_count().await,
        items,
        "a preview writes nothing: no token, no message"
    );
}

#[tokio::test]
async fn a_plan_agreed_on_an_invoice_page_splits_what_is_left_and_the_pass_follows_it() {
    let world = World::new("console-plan").await;
    world.create_customer("roux", json!({})).await;
    let (status, invoice) = world.issue("r1", &invoice_body("roux")).await;
    assert_eq!(status, 201, "{invoice}");
    let number = invoice["number"].as_str().expect("number").to_string();
    let due = invoice["totals"]["gross_minor"].as_i64().expect("a total");
    world.set_now(common::at(2026, 4, 6, 9));
    let app = finance_console::router(state(&world, true));
    let (session, csrf) = signed_in(&app, "camille").await;
    let plan = format!("/customers/roux/invoices/{number}/plan");
    let (_, _, page) = call(
        &app,
        "GET",
        &format!("/customers/roux/invoices/{number}"),
        Some(&session),
        None,
    )
    .await;
    assert!(
        page.contains(&format!("action=\"{plan}\"")),
        "the plan's form is offered"
    );

    let items = world.item_count().await;
    for (form, expected) in [
        (
            "csrf=forged&count=3&first=2026-04-15".to_string(),
            StatusCode::FORBIDDEN,
        ),
        (
            format!("csrf={csrf}&count=1&first=2026-04-15"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("csrf={csrf}&count=30&first=2026-04-15"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("csrf={csrf}&count=3&first=demain"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("csrf={csrf}&count=3&first=2026-03-01"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, _, page) = call(&app, "POST", &plan, Some(&session), Some(&form)).await;
        assert_eq!(status, expected, "{form}: {page}");
    }
    assert_eq!(world.item_count().await, items, "nothing written by a refused plan");

    let (status, _, page) = call(
        &app,
        "POST",
        &plan,
        Some(&session),
        Some(&format!("csrf={csrf}&count=3&first=2026-04-30")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let stored = world
        .store
        .get_invoice(
            &CustomerId::parse("roux").expect("id"),
            &InvoiceNumber::parse(&number).expect("n"),
        )
        .await
        .expect("read")
        .expect("issued")
        .value;
    let dates: Vec<String> = stored.dunning.plan.iter().map(|(d, _)| d.to_string()).collect();
    assert_eq!(dates, ["2026-04-30", "2026-05-30", "2026-06-30"]);
    assert_eq!(
        stored.dunning.plan.iter().map(|(_, a)| a).sum::<i64>(),
        due,
        "adds up to what is due"
    );
    let history = common::history(&world, "roux").await;
    let by: Vec<&str> = history
        .iter()
        .filter(|e| e.kind.name() == "payment_plan_agreed")
        .map(|e| e.actor.0.as_str())
        .collect();
    assert_eq!(by, ["console:camille"]);
    let (_, _, page) = call(
        &app,
        "GET",
        &format!("/customers/roux/invoices/{number}?done=planned"),
        Some(&session),
        None,
    )
    .await;
    assert!(
        page.contains("Échéancier convenu") && page.contains("30 mai 2026"),
        "{page}"
    );
    // The first instalment is not due yet: the day's pass leaves Roux alone.
    let summary = common::pass_on(&world, common::date("2026-04-07")).await;
    assert_eq!(summary.emails_sent, 0, "{summary:?}");
}
