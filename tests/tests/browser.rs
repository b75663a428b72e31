//! The customer's path in real headless Chromium (Debian's `chromium`,
//! driven by `chromedriver`): links read back from the SES endpoint, the
//! invoice page, the portal, a help request from a reminder, a survey
//! answer. A screenshot of each page is kept in `target/screenshots/`.

use crate::common;

use std::net::SocketAddr;
use std::time::Duration;

use chrono::NaiveDate;
use common::browser::{browser, heading_becomes, screenshot, text_of};
use common::pages::{links_in, links_state, stream_record, survey_deps};
use common::{PUBLIC_URL, World, at, invoice_body};
use fantoccini::Locator;
use relance::domain::{CustomerId, EventKind};
use relance::reminders::{Pass, Skip};
use serde_json::json;

async fn serve_pages(world: &World) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = customer_links::router(links_state(world));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    format!("http://{addr}")
}

/// The last email to `to` whose subject contains `subject`, its links to
/// `prefix` pointed at the local server.
async fn link_from_email(world: &World, base: &str, subject: &str, prefix: &str) -> Vec<String> {
    let mails = world.mailbox.to(&world.email("acme")).await.expect("mailbox");
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.subject.contains(subject))
        .unwrap_or_else(|| panic!("an email about {subject}"));
    links_in(mail.body.text.as_deref().unwrap_or(""), prefix)
        .into_iter()
        .map(|l| l.replacen(PUBLIC_URL, base, 1))
        .collect()
}

async fn run_pass(world: &World, as_of: NaiveDate) -> relance::reminders::PassSummary {
    let now = relance::domain::calendar::pass_instant(as_of, at(2026, 1, 1, 0));
    world.set_now(now);
    let pace = relance::reminders::Pace::new(1000);
    let pass = common::reminder_pass(world, &world.state.deliverer, as_of, now, &pace);
    Pass { concurrency: 4, ..pass }.run().await.expect("pass runs")
}

#[tokio::test]
async fn a_customer_reads_an_invoice_asks_for_help_and_answers_a_survey_in_chromium() {
    let world = World::new("browser").await;
    world.create_customer("acme", json!({})).await;
    let (status, body) = world.issue("k1", &invoice_body("acme")).await;
    assert_eq!(status, 201, "{body}");
    let number = body["number"].as_str().expect("number").to_string();
    let id = CustomerId::parse("acme").expect("id");
    let base = serve_pages(&world).await;
    let (_driver, client) = browser().await;

    // The invoice email's link: a clean address, the invoice, the portal.
    let link = &link_from_email(&world, &base, "– facture", "/i/").await[0];
    client.goto(link).await.expect("open invoice link");
    assert_eq!(client.current_url().await.expect("url").path(), "/invoice");
    assert_eq!(text_of(&client, "h1").await, format!("Facture {number}"));
    assert!(text_of(&client, ".summary").await.contains("574,84"));
    screenshot(&client, "invoice").await;
    // What to write in the transfer, and the code a banking app scans:
    // read back from the screenshot by zxing-cpp.
    let reference = relance::domain::bank::CreditorReference::for_document(&number).expect("reference");
    assert!(text_of(&client, ".transfer").await.contains(&reference.grouped()));
    let png = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots/invoice.png");
    assert_eq!(
        relance_e2e::validate::qr_codes(&png),
        vec![format!(
            "BCD\n002\n1\nSCT\nBNPAFRPPXXX\nAtelier Durand\nFR7630004000500000123456733\nEUR574.84\n\n{reference}"
        )],
        "the page's EPC QR code"
    );
    client
        .find(Locator::LinkText("Toutes mes factures"))
        .await
        .expect("portal link")
        .click()
        .await
        .expect("click");
    heading_becomes(&client, "Vos factures").await;
    assert!(text_of(&client, "table").await.contains(&number));
    screenshot(&client, "portal").await;

    // Three days late, a reminder; its "I have a difficulty" link.
    let summary = run_pass(&world, NaiveDate::from_ymd_opt(2026, 4, 6).expect("date")).await;
    assert_eq!(summary.emails_sent, 1, "{summary:?}");
    world.set_now(at(2026, 4, 6, 14));
    // The reminder as the customer saw it, on the SES endpoint's mailbox
    // page (the README shows this screenshot).
    let mails = world.mailbox.to(&world.email("acme")).await.expect("mailbox");
    let reminder = mails
        .iter()
        .rev()
        .find(|m| m.subject.contains("tout va bien"))
        .expect("the reminder");
    client.goto(world.mailbox.url()).await.expect("mailbox page");
    let toggle = format!("//button[@onclick=\"toggle('{}-html')\"]", reminder.message_id);
    client
        .wait()
        .for_element(Locator::XPath(&toggle))
        .await
        .expect("the reminder in the mailbox");
    // Read on a desktop screen, the email's frame as tall as the email.
    // The page's own toggle is called directly: the button may sit below
    // other emails, where a click cannot reach it.
    client.set_window_size(1000, 1500).await.expect("a wider window");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let shown = client
        .execute(
            "const id = arguments[0]; toggle(id + '-html'); \
             const frame = document.getElementById(id + '-html-iframe'); \
             const page = frame.contentDocument; frame.style.height = (Math.max(page.documentElement.scrollHeight, page.body.scrollHeight) + 24) + 'px'; \
             const card = frame.closest('.email'); card.scrollIntoView(); return card.innerText;",
            vec![json!(reminder.message_id)],
        )
        .await
        .expect("the reminder shown");
    assert!(
        shown.as_str().unwrap_or_default().contains(&reminder.subject),
        "{shown:?} / {:?}",
        reminder.subject
    );
    // Let the frame lay out its content before the picture.
    tokio::time::sleep(Duration::from_millis(500)).await;
    screenshot(&client, "mailbox-reminder").await;
    client.set_window_size(412, 1400).await.expect("back to a phone");

    let help = &link_from_email(&world, &base, "tout va bien", "/help/").await[0];
    client.goto(help).await.expect("open help link");
    assert_eq!(client.current_url().await.expect("url").path(), "/help");
    screenshot(&client, "help").await;
    client
        .find(Locator::Css("label[for=choice-payment_plan]"))
        .await
        .expect("choice")
        .click()
        .await
        .expect("click");
    client
        .find(Locator::Id("comment"))
        .await
        .expect("comment")
        .send_keys("Trésorerie tendue ce mois-ci, trois fois serait parfait.")
        .await
        .expect("type");
    client
        .find(Locator::Css("button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    heading_becomes(&client, "Demande bien reçue").await;
    screenshot(&client, "help-sent").await;

    let history = world.store.full_history(&id).await.expect("history");
    assert!(history.iter().any(|e| matches!(
        &e.kind,
        EventKind::HelpRequested { choice, with_comment: true, .. } if choice == "payment_plan"
    )));
    assert!(
        history
            .iter()
            .any(|e| matches!(&e.kind, EventKind::FinanceAlerted { reason, .. } if reason.contains("payment_plan")))
    );
    let invoice = world
        .store
        .get_invoice(&id, &relance::domain::InvoiceNumber::parse(&number).expect("n"))
        .await
        .expect("read")
        .expect("invoice");
    assert!(invoice.value.dunning.help_request_open, "reminders paused");
    let next = run_pass(&world, NaiveDate::from_ymd_opt(2026, 4, 13).expect("date")).await;
    assert_eq!(next.emails_sent, 0);
    assert_eq!(next.skipped.get(&Skip::HelpRequestOpen), Some(&1), "{next:?}");

    // A week later the session has expired; the link opens a new one, and
    // the invoice page says the reminders wait for a person.
    client.goto(&format!("{base}/portal")).await.expect("portal");
    assert_eq!(text_of(&client, "h1").await, "Cette page a expiré");
    client.goto(help).await.expect("open help link again");
    client
        .goto(&format!("{base}/portal/invoices/{number}"))
        .await
        .expect("back to invoice");
    assert!(text_of(&client, ".status").await.contains("Nous revenons vers vous"));

    // Finance calls back and the customer pays: one question follows.
    world.set_now(at(2026, 4, 14, 10));
    let (s, _) = world
        .call(
            "POST",
            "/customers/acme/replies",
            &[],
            Some(&json!({ "note": "Appel : réglera le 14." })),
        )
        .await;
    assert_eq!(s, 201);
    let (s, body) = world
        .call(
            "POST",
            &format!("/customers/acme/invoices/{number}/payments"),
            &[("idempotency-key", "pay-1")],
            Some(&json!({ "amount_minor": 57484, "date": "2026-04-14", "method": "transfer" })),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    world.set_now(at(2026, 4, 17, 10));
    let history = world.store.full_history(&id).await.expect("history");
    let paid = history
        .iter()
        .find(|e| matches!(e.kind, EventKind::InvoicePaid { .. }))
        .expect("paid");
    let deps = survey_deps(&world);
    let response = dispatch_survey::handle(&deps, stream_record(&world, paid).await, world.state.now()).await;
    assert!(response.batch_item_failures.is_empty());

    world.set_now(at(2026, 4, 17, 18));
    let scores = link_from_email(&world, &base, "une seule question", "/s/").await;
    assert_eq!(scores.len(), 5, "a late payment asks how easy it was (1 to 5)");
    client.goto(&scores[1]).await.expect("open score 2");
    assert_eq!(client.current_url().await.expect("url").path(), "/survey");
    assert!(
        client
            .find(Locator::Id("score-2"))
            .await
            .expect("score 2")
            .prop("checked")
            .await
            .expect("prop")
            .as_deref()
            == Some("true"),
        "the score from the link is selected"
    );
    screenshot(&client, "survey").await;
    let before = world.store.full_history(&id).await.expect("history").len();
    assert_eq!(
        before,
        history.len() + 1,
        "opening the survey recorded nothing but the survey email itself"
    );
    client
        .find(Locator::Css("label[for=score-4]"))
        .await
        .expect("score 4")
        .click()
        .await
        .expect("click");
    client
        .find(Locator::Css("button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    heading_becomes(&client, "Merci pour votre réponse").await;
    screenshot(&client, "survey-sent").await;
    let answered: Vec<(u8, bool)> = world
        .store
        .full_history(&id)
        .await
        .expect("history")
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::SurveyAnswered { score, detractor, .. } => Some((score, detractor)),
            _ => None,
        })
        .collect();
    assert_eq!(answered, [(4, false)]);

    // A forged link: the plain page, with a way to reach a person.
    client
        .goto(&format!("{base}/i/{}", "A".repeat(43)))
        .await
        .expect("forged");
    assert_eq!(text_of(&client, "h1").await, "Ce lien n'est plus valable");
    screenshot(&client, "invalid-link").await;
    client.close().await.expect("browser closes");
}
