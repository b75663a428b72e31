//! The customer pages against the local stack: tokens, sessions, what a
//! GET may not do, one-time forms, rate limits, scanner signs, surveys
//! dispatched from the stream, unsubscribe.

use crate::common;

use axum::http::StatusCode;
use common::pages::{Visitor, links_in, stream_record, survey_deps};
use common::{World, at, invoice_body};
use dispatch_survey::handle;
use relance::domain::{CustomerId, EventKind, HistoryEvent};
use serde_json::json;

const FINANCE: &str = "claire.fontaine@atelier-durand.fr";

async fn history(world: &World, id: &str) -> Vec<HistoryEvent> {
    world
        .store
        .full_history(&CustomerId::parse(id).expect("id"))
        .await
        .expect("history")
}

/// A customer with one invoice, emailed; returns the invoice number.
async fn invoiced(world: &World, id: &str, key: &str) -> String {
    world.create_customer(id, json!({})).await;
    let (status, body) = world.issue(key, &invoice_body(id)).await;
    assert_eq!(status, 201, "{body}");
    body["number"].as_str().expect("number").to_string()
}

async fn email_link(world: &World, id: &str, prefix: &str) -> String {
    let mails = world.mailbox.to(&world.email(id)).await.expect("mailbox");
    let text = mails.last().and_then(|m| m.body.text.clone()).expect("a text part");
    links_in(&text, prefix).into_iter().next().expect("a link in the email")
}

/// Pays the invoice in full and feeds the `invoice_paid` event to the
/// survey dispatcher as the stream would.
async fn pay_and_dispatch(world: &World, id: &str, number: &str, key: &str) -> HistoryEvent {
    let (status, body) = world
        .call(
            "POST",
            &format!("/customers/{id}/invoices/{number}/payments"),
            &[("idempotency-key", key)],
            Some(&json!({ "amount_minor": 57484, "date": "2026-03-10", "method": "transfer" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let paid = history(world, id)
        .await
        .into_iter()
        .rev()
        .find(|e| matches!(e.kind, EventKind::InvoicePaid { .. }))
        .expect("invoice_paid");
    let record = stream_record(world, &paid).await;
    let response = handle(&survey_deps(world), record, world.state.now()).await;
    assert!(response.batch_item_failures.is_empty());
    paid
}

#[tokio::test]
async fn forged_tampered_expired_and_cross_purpose_tokens_get_one_plain_page() {
    let world = World::new("tokens").await;
    let number = invoiced(&world, "acme", "k1").await;
    let link = email_link(&world, "acme", "/i/").await;
    let token = link.rsplit('/').next().expect("token").to_string();
    let visitor = Visitor::new(&world, "192.0.2.1");

    let mut tampered = token.clone().into_bytes();
    tampered[10] = if tampered[10] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    let forged = "x".repeat(43);
    let cases = [
        ("forged", format!("/i/{forged}")),
        ("tampered", format!("/i/{tampered}")),
        ("malformed", "/i/..%2F..%2Fetc".to_string()),
        ("cross-purpose", format!("/help/{token}")),
        ("cross-purpose survey", format!("/s/{token}?score=9")),
    ];
    let mut bodies = Vec::new();
    for (name, uri) in cases {
        let page = visitor.get(&uri).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{name}: {}", page.body);
        assert!(page.body.contains("Ce lien n&#x27;est plus valable"), "{name}");
        assert!(
            page.body.contains("+33 4 78 00 00 00"),
            "{name}: a way to reach a person"
        );
        assert!(
            !page.body.contains(&number) && !page.body.contains("Boulangerie"),
            "{name} reveals nothing"
        );
        assert!(page.headers.get("set-cookie").is_none(), "{name}: no session");
        bodies.push(page.body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every refusal is the same page"
    );

    // The real link works today…
    let page = visitor.get(&link).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // …and not once it expired (180 days).
    world.set_now(at(2026, 9, 1, 9));
    let expired = Visitor::new(&world, "192.0.2.1").get(&link).await;
    assert_eq!(expired.status, StatusCode::NOT_FOUND);
    assert_eq!(expired.body, bodies[0]);
}

#[tokio::test]
async fn a_failed_read_shows_the_apology_page_with_the_contact_and_no_error_detail() {
    let world = World::new("failure").await;
    invoiced(&world, "acme", "k1").await;
    let link = email_link(&world, "acme", "/i/").await;
    let mut visitor = Visitor::new(&world, "192.0.2.9");
    // The same function on a table that is not there: every read fails.
    let broken = relance::store::Store::new(world.dynamodb(), "relance-no-such-table");
    let healthy = visitor.state.clone();
    visitor.state = std::sync::Arc::new(customer_links::AppState {
        store: broken,
        deliverer: common::pages::local_deliverer(&world),
        renderer: healthy.renderer.clone(),
        seller: healthy.seller.clone(),
        archive: healthy.archive.clone(),
        clock: healthy.clock.clone(),
        checkout: None,
        public_url: "http://127.0.0.1:3001".into(),
        secure_cookies: false,
    });
    let page = visitor.get(&link).await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", page.body);
    assert!(page.body.contains("Un souci de notre côté"), "{}", page.body);
    assert!(page.body.contains("+33 4 78 00 00 00"), "a way to reach a person");
    assert!(!page.body.contains("no-such-table") && !page.body.contains("ResourceNotFound"));
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        page.headers["cache-control"], "no-store",
        "the security headers still apply"
    );
    assert!(page.headers.get("set-cookie").is_none());
}

#[tokio::test]
async fn a_link_becomes_a_session_on_a_clean_address_and_shows_only_its_customer() {
    let world = World::new("session").await;
    let number = invoiced(&world, "acme", "k1").await;
    let other = invoiced(&world, "other", "k2").await;
    let link = email_link(&world, "acme", "/i/").await;
    let visitor = Visitor::new(&world, "192.0.2.2");

    let swap = visitor.get(&link).await;
    assert_eq!(swap.status, StatusCode::SEE_OTHER);
    assert_eq!(swap.location(), Some("/invoice"), "the token leaves the address");
    let cookie = swap.headers["set-cookie"].to_str().expect("cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Max-Age=1800", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert_eq!(swap.headers["referrer-policy"], "no-referrer");

    let page = visitor.get("/invoice").await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers["content-security-policy"].to_str().expect("csp");
    assert!(csp.starts_with("default-src 'none'; style-src 'self'"), "{csp}");
    assert!(!page.body.contains("style=\""), "no inline style under the CSP");
    assert!(!page.body.contains("<script"), "no script");
    for mention in [
        number.as_str(),
        "SIREN 356000000",
        "FR39356000000",
        "Reste à régler",
        "574,84",
        "Payer en ligne",
        "indemnité forfaitaire",
    ] {
        assert!(
            page.body.contains(mention),
            "invoice page lacks {mention}: {}",
            page.body
        );
    }
    let token = link.rsplit('/').next().expect("token");
    assert!(!page.body.contains(token), "the token is not in the page");

    let portal = visitor.get("/portal").await;
    assert_eq!(portal.status, StatusCode::OK);
    assert!(portal.body.contains(&number));
    // Same number pattern, other customer: found nowhere from this session.
    assert!(!portal.body.contains(&other));
    let foreign = visitor.get(&format!("/portal/invoices/{other}")).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert!(!foreign.body.contains("other") && !foreign.body.contains(&other));

    // Without the cookie, the clean address shows nothing.
    let stranger = Visitor::new(&world, "192.0.2.3").get("/invoice").await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN);
    assert!(!stranger.body.contains(&number));

    // Revoking the link ends the session opened with it.
    world.store.revoke_link(token).await.expect("revoked");
    assert_eq!(visitor.get("/invoice").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn paying_records_the_click_and_goes_to_the_payment_page() {
    let world = World::new("pay").await;
    let number = invoiced(&world, "acme", "k1").await;
    let visitor = Visitor::new(&world, "192.0.2.4");
    let page = visitor.open(&email_link(&world, "acme", "/i/").await).await;
    let once = page.once();
    let before = history(&world, "acme").await.len();
    let pay = visitor.post("/pay", &[("once", &once), ("number", &number)]).await;
    assert_eq!(pay.status, StatusCode::SEE_OTHER);
    let target = pay.location().expect("redirect");
    assert!(
        target.starts_with("https://paiement.atelier-durand.fr/regler?facture=") && target.contains("montant=57484"),
        "{target}"
    );
    let events = history(&world, "acme").await;
    assert_eq!(events.len(), before + 1);
    // At the issue's instant (the clock did not move), so not necessarily
    // last: the archive's record of that instant may sort after it.
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::PayClicked { .. }))
            .count(),
        1
    );
    // The same form sent again records nothing.
    let again = visitor.post("/pay", &[("once", &once), ("number", &number)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(history(&world, "acme").await.len(), before + 1);
}

#[tokio::test]
async fn a_survey_get_records_nothing_the_post_records_once_and_a_detractor_alerts_finance() {
    let world = World::new("survey").await;
    let number = invoiced(&world, "acme", "k1").await;
    world.set_now(at(2026, 3, 10, 9));
    pay_and_dispatch(&world, "acme", &number, "p1").await;

    let mails = world.mailbox.to(&world.email("acme")).await.expect("mailbox");
    let survey = mails
        .iter()
        .find(|m| m.subject.contains("Une seule question"))
        .expect("a survey email");
    let text = survey.body.text.clone().unwrap_or_default();
    let links = links_in(&text, "/s/");
    assert_eq!(links.len(), 11, "one link per NPS score: {text}");
    assert!(text.contains("Recommanderiez-vous Atelier Durand"), "{text}");
    let html = survey.body.html.clone().unwrap_or_default();
    assert!(html.contains("display:none"), "a hidden link for scanners");

    world.set_now(at(2026, 3, 10, 11));
    let before = history(&world, "acme").await;
    let visitor = Visitor::new(&world, "192.0.2.5");
    let page = visitor.open(&links[3]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"value="3" checked"#), "score 3 preselected");
    // Opening a link (twice) and reading the page recorded nothing.
    visitor.open(&links[3]).await;
    assert_eq!(history(&world, "acme").await, before, "a GET writes no history");
    let id = CustomerId::parse("acme").expect("id");
    let paid_event = before
        .iter()
        .find(|e| matches!(e.kind, EventKind::InvoicePaid { .. }))
        .expect("paid");
    let record = world
        .store
        .get_survey(&id, &paid_event.id.to_string())
        .await
        .expect("read")
        .expect("survey");
    assert_eq!(record.answer, None, "nothing answered by a GET");

    // The second opening started a new session: its form is the one to send.
    let page = visitor.get("/survey?score=3").await;
    let once = page.once();
    let done = visitor
        .post(
            "/survey",
            &[("once", &once), ("score", "3"), ("comment", "Trop de relances.")],
        )
        .await;
    assert_eq!(
        done.status,
        StatusCode::OK,
        "{}",
        done.body.split("<main").nth(1).unwrap_or_default()
    );
    assert!(done.body.contains("Merci pour votre réponse"));
    // Replaying the same form does nothing.
    let replay = visitor.post("/survey", &[("once", &once), ("score", "3")]).await;
    assert_eq!(replay.status, StatusCode::CONFLICT);
    // Answering again replaces the score; both answers stay in the history.
    let again = visitor.get("/survey").await;
    assert!(again.body.contains(r#"value="3" checked"#), "the last answer is shown");
    let changed = visitor
        .post("/survey", &[("once", &again.once()), ("score", "8")])
        .await;
    assert!(changed.body.contains("remplace la précédente"));
    let answers: Vec<(u8, bool, Vec<String>)> = history(&world, "acme")
        .await
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::SurveyAnswered {
                score,
                detractor,
                suspicious,
                ..
            } => Some((score, detractor, suspicious)),
            _ => None,
        })
        .collect();
    assert_eq!(answers.len(), 2);
    assert_eq!((answers[0].0, answers[0].1), (3, true));
    assert_eq!((answers[1].0, answers[1].1), (8, false));
    assert!(
        answers[0].2.is_empty(),
        "a person, two hours after delivery: {:?}",
        answers[0].2
    );
    let record = world
        .store
        .get_survey(&id, &paid_event.id.to_string())
        .await
        .expect("read")
        .expect("survey");
    assert_eq!(record.answer, Some(8));

    // The detractor's first answer alerted finance once, with a deadline,
    // and the alert is in the history.
    let alerts: Vec<_> = world
        .mailbox
        .to(FINANCE)
        .await
        .expect("mailbox")
        .into_iter()
        .filter(|m| m.body.text.as_deref().is_some_and(|t| t.contains(&world.email("acme"))))
        .filter(|m| m.subject.contains("n'est pas satisfait"))
        .collect();
    assert_eq!(alerts.len(), 1, "one alert");
    let alert = alerts[0].body.text.clone().unwrap_or_default();
    assert!(
        alert.contains("3 sur 10") && alert.contains("Trop de relances."),
        "{alert}"
    );
    assert!(alert.contains("avant le 12 mars 2026"), "48 hours to respond: {alert}");
    assert!(history(&world, "acme").await.iter().any(|e| matches!(
        &e.kind,
        EventKind::FinanceAlerted { reason, .. } if reason.starts_with("nps answer 3")
    )));

    // The unhappy answer waits on the to-do, once (the second answer did
    // not add one), with the help request's 48 hours; answering the
    // customer takes it off.
    let detractors = || async {
        let list = world.store.todo().await.expect("to-do");
        list.into_iter()
            .filter(|t| t.kind == relance::domain::todo::TodoKind::DetractorAlert)
            .map(|t| (t.customer_id.unwrap_or_default(), t.reference, t.deadline))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        detractors().await,
        [("acme".to_string(), paid_event.id.to_string(), at(2026, 3, 12, 11))]
    );
    // Meanwhile the chase waits: an invoice past due gets no reminder.
    let (status, body) = world.issue("k2", &invoice_body("acme")).await;
    assert_eq!(status, 201, "{body}");
    let waiting = common::pass_on(&world, common::date("2026-04-06")).await;
    assert_eq!(waiting.emails_sent, 0, "{waiting:?}");
    assert_eq!(
        waiting.skipped.get(&relance::reminders::Skip::DetractorWaiting),
        Some(&1)
    );
    let actor = relance::domain::Actor("console:camille".into());
    relance::help::person_replied(
        &world.store,
        &id,
        &actor,
        "Appelée, excuses faites.".into(),
        at(2026, 3, 10, 15),
    )
    .await
    .expect("replied");
    assert_eq!(detractors().await, [], "answered: off the to-do");
    let resumed = common::pass_on(&world, common::date("2026-04-06")).await;
    assert_eq!(resumed.emails_sent, 1, "answered: the chase resumes {resumed:?}");
}

#[tokio::test]
async fn a_stream_record_delivered_twice_sends_one_survey_and_cooling_off_drops_the_next() {
    let world = World::new("stream").await;
    let first = invoiced(&world, "acme", "k1").await;
    let second = invoiced(&world, "acme", "k2").await;
    world.set_now(at(2026, 3, 10, 9));
    let paid = pay_and_dispatch(&world, "acme", &first, "p1").await;
    // The same record again, twice at once (a retry racing a redelivery).
    let record = stream_record(&world, &paid).await;
    let deps = survey_deps(&world);
    let now = world.state.now();
    let (a, b) = tokio::join!(handle(&deps, record.clone(), now), handle(&deps, record, now));
    assert!(a.batch_item_failures.is_empty() && b.batch_item_failures.is_empty());
    // A second invoice paid a week later falls in the cooling-off period.
    world.set_now(at(2026, 3, 17, 9));
    pay_and_dispatch(&world, "acme", &second, "p2").await;

    let surveys = world
        .mailbox
        .to(&world.email("acme"))
        .await
        .expect("mailbox")
        .into_iter()
        .filter(|m| m.subject.contains("Une seule question"))
        .count();
    assert_eq!(
        surveys, 1,
        "one survey for one interaction, none in the cooling-off period"
    );
    let sent = history(&world, "acme")
        .await
        .iter()
        .filter(|e| matches!(e.kind, EventKind::SurveySent { .. }))
        .count();
    assert_eq!(sent, 1);
}

#[tokio::test]
async fn scanner_signs_are_flagged_rate_limits_hold_and_unsubscribe_needs_a_post() {
    let world = World::new("scanner").await;
    let number = invoiced(&world, "acme", "k1").await;
    world.set_now(at(2026, 3, 10, 9));
    pay_and_dispatch(&world, "acme", &number, "p1").await;
    let mails = world.mailbox.to(&world.email("acme")).await.expect("mailbox");
    let survey = mails
        .iter()
        .find(|m| m.subject.contains("Une seule question"))
        .expect("survey");
    let text = survey.body.text.clone().unwrap_or_default();
    let html = survey.body.html.clone().unwrap_or_default();

    // A scanner: opens every link, the hidden one too, and submits at once.
    let scanner = Visitor::new(&world, "198.51.100.7");
    for link in links_in(&text, "/s/") {
        scanner.get(&link).await;
    }
    let trap = html
        .split('"')
        .find(|s| s.contains("from=preview"))
        .expect("hidden link")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&");
    scanner.get(&trap).await;
    let page = scanner.get("/survey?score=10").await;
    let posted = scanner
        .post("/survey", &[("once", &page.once()), ("score", "10")])
        .await;
    assert_eq!(posted.status, StatusCode::OK);
    let flags = history(&world, "acme")
        .await
        .into_iter()
        .find_map(|e| match e.kind {
            EventKind::SurveyAnswered { suspicious, .. } => Some(suspicious),
            _ => None,
        })
        .expect("the answer is kept");
    assert_eq!(
        flags,
        [
            "answered within seconds of delivery",
            "every score link was opened",
            "the hidden link was followed"
        ]
    );

    // Ten recordings an hour per token; the eleventh is refused, and nothing
    // more is written.
    for _ in 1..10 {
        let page = scanner.get("/survey").await;
        let p = scanner.post("/survey", &[("once", &page.once()), ("score", "9")]).await;
        assert_eq!(p.status, StatusCode::OK);
    }
    let count = history(&world, "acme").await.len();
    let page = scanner.get("/survey").await;
    let refused = scanner.post("/survey", &[("once", &page.once()), ("score", "9")]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(history(&world, "acme").await.len(), count);

    // Unsubscribe: the page changes nothing, the POST opts out (once).
    let unsubscribe = links_in(&text, "/u/").into_iter().next().expect("unsubscribe link");
    let visitor = Visitor::new(&world, "192.0.2.9");
    let page = visitor.get(&unsubscribe).await;
    assert_eq!(page.status, StatusCode::OK);
    let id = CustomerId::parse("acme").expect("id");
    let customer = world.store.get_customer(&id).await.expect("read").expect("customer");
    assert!(!customer.value.surveys_opted_out, "a GET does not unsubscribe");
    let done = visitor.post(&unsubscribe, &[("List-Unsubscribe", "One-Click")]).await;
    assert_eq!(done.status, StatusCode::OK);
    visitor.post(&unsubscribe, &[("List-Unsubscribe", "One-Click")]).await;
    let customer = world.store.get_customer(&id).await.expect("read").expect("customer");
    assert!(customer.value.surveys_opted_out);
    let opt_outs = history(&world, "acme")
        .await
        .iter()
        .filter(|e| matches!(e.kind, EventKind::SurveysOptedOut))
        .count();
    assert_eq!(opt_outs, 1);
    // Finance updating the customer does not subscribe them again.
    world.create_customer("acme", json!({ "segment": "artisans" })).await;
    let customer = world.store.get_customer(&id).await.expect("read").expect("customer");
    assert!(customer.value.surveys_opted_out);
}

#[tokio::test]
async fn bad_form_input_names_what_to_fix_writes_nothing_and_keeps_the_form_usable() {
    let world = World::new("badforms").await;
    let number = invoiced(&world, "acme", "k1").await;
    let id = CustomerId::parse("acme").expect("id");
    let visitor = Visitor::new(&world, "192.0.2.20");
    visitor.open(&email_link(&world, "acme", "/i/").await).await;
    let form = visitor.get("/help").await;
    assert_eq!(form.status, StatusCode::OK);
    let once = form.once();
    let before = history(&world, "acme").await;
    let long = "é".repeat(501);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case; 4] = [
        ("no choice", vec![("once", &once)], "Choisissez une des propositions."),
        (
            "unknown choice",
            vec![("once", &once), ("choice", "teleport")],
            "Choisissez une des propositions.",
        ),
        (
            "comment too long",
            vec![("once", &once), ("choice", "more_days"), ("comment", &long)],
            "Votre message dépasse 500 caractères.",
        ),
        ("not a form", vec![("%%%", "")], "Choisissez une des propositions."),
    ];
    for (name, fields, message) in cases {
        let page = visitor.post("/help", &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(page.body.contains(message), "{name}: says what to fix");
        assert!(
            page.body.contains("aria-describedby"),
            "{name}: the message is tied to its field"
        );
    }
    assert_eq!(history(&world, "acme").await, before, "nothing written");
    let invoice = world
        .store
        .get_invoice(&id, &relance::domain::InvoiceNumber::parse(&number).expect("n"))
        .await
        .expect("read")
        .expect("invoice");
    assert!(!invoice.value.dunning.help_request_open, "nothing paused");
    // The refusals did not spend the form's one-time value.
    let sent = visitor
        .post(
            "/help",
            &[
                ("once", &once),
                ("choice", "more_days"),
                ("comment", "Fin de mois, merci."),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    assert!(sent.body.contains("Demande bien reçue"));

    // Survey: a score that is not one, or out of the scale, records nothing.
    world.set_now(at(2026, 3, 10, 9));
    pay_and_dispatch(&world, "acme", &number, "p1").await;
    world.set_now(at(2026, 3, 10, 12));
    let link = links_in(
        &world
            .mailbox
            .to(&world.email("acme"))
            .await
            .expect("mailbox")
            .into_iter()
            .find(|m| m.subject.contains("Une seule question"))
            .and_then(|m| m.body.text)
            .unwrap_or_default(),
        "/s/",
    )
    .remove(0);
    let page = visitor.open(&link).await;
    let once = page.once();
    let before = history(&world, "acme").await;
    for score in ["abc", "42", ""] {
        let refused = visitor.post("/survey", &[("once", &once), ("score", score)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "score {score:?}");
        assert!(refused.body.contains("Choisissez une réponse."), "score {score:?}");
    }
    let refused = visitor
        .post("/survey", &[("once", &once), ("score", "9"), ("comment", &long)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Votre message dépasse 500 caractères."));
    assert_eq!(history(&world, "acme").await, before, "nothing written");
    let ok = visitor.post("/survey", &[("once", &once), ("score", "9")]).await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn stream_records_that_are_not_interaction_ends_are_skipped_without_failing_the_batch() {
    let world = World::new("streamskip").await;
    invoiced(&world, "acme", "k1").await;
    let issued = history(&world, "acme")
        .await
        .into_iter()
        .find(|e| matches!(e.kind, EventKind::InvoiceIssued { .. }))
        .expect("issued");
    // An event that ends nothing, then a record whose image is not an event.
    let mut batch = stream_record(&world, &issued).await;
    let mut not_an_event = batch.records[0].clone();
    not_an_event
        .change
        .new_image
        .insert("entity".into(), serde_dynamo::AttributeValue::S("invoice".into()));
    let mut garbled = batch.records[0].clone();
    garbled.change.new_image.remove("customer_id");
    batch.records.push(not_an_event);
    batch.records.push(garbled);
    let response = handle(&survey_deps(&world), batch, world.state.now()).await;
    assert!(response.batch_item_failures.is_empty());
    let surveys = world
        .mailbox
        .to(&world.email("acme"))
        .await
        .expect("mailbox")
        .into_iter()
        .filter(|m| m.subject.contains("question"))
        .count();
    assert_eq!(surveys, 0);
}

/// Stored link grants (each costs a write).
async fn token_items(world: &World) -> usize {
    let out = world
        .dynamodb()
        .scan()
        .table_name(world.store.table())
        .filter_expression("begins_with(PK, :t)")
        .expression_attribute_values(":t", aws_sdk_dynamodb::types::AttributeValue::S("TOKEN#".into()))
        .send()
        .await
        .expect("scan");
    out.items.unwrap_or_default().len()
}

#[tokio::test]
async fn a_reminder_has_one_token_that_opens_its_invoices_and_the_difficulty_form_and_nothing_else() {
    let world = World::new("remindertoken").await;
    let first = invoiced(&world, "duo", "k1").await;
    let (status, body) = world.issue("k2", &invoice_body("duo")).await;
    assert_eq!(status, 201, "{body}");
    let second = body["number"].as_str().expect("number").to_string();
    let before = token_items(&world).await;

    let as_of: chrono::NaiveDate = "2026-04-06".parse().expect("date");
    let now = at(2026, 4, 6, 6);
    world.set_now(now);
    let pace = relance::reminders::Pace::new(1000);
    let summary = common::reminder_pass(&world, &world.state.deliverer, as_of, now, &pace)
        .run()
        .await
        .expect("pass");
    assert_eq!(summary.emails_sent, 1, "one reminder for both invoices");
    assert_eq!(
        token_items(&world).await,
        before + 1,
        "one stored grant for the whole email"
    );

    let mails = world.mailbox.to(&world.email("duo")).await.expect("mailbox");
    let text = mails.last().and_then(|m| m.body.text.clone()).expect("a text part");
    let invoice_links = links_in(&text, "/i/");
    let help_links = links_in(&text, "/help/");
    assert_eq!(invoice_links.len(), 2, "{text}");
    assert_eq!(help_links.len(), 1, "{text}");
    let token = help_links[0].rsplit('/').next().expect("token").to_string();
    for (link, number) in invoice_links.iter().zip([&first, &second]) {
        assert_eq!(link, &format!("{}/i/{token}/{number}", common::PUBLIC_URL));
        let visitor = Visitor::new(&world, "192.0.2.7");
        let page = visitor.open(link).await;
        assert_eq!(page.status, StatusCode::OK, "{number}");
        assert!(page.body.contains(number.as_str()), "{number}'s page");
        assert!(
            page.body.contains(r#"href="/help""#),
            "{number}: the difficulty form is offered"
        );
    }
    let visitor = Visitor::new(&world, "192.0.2.8");
    let help = visitor.get(&help_links[0]).await;
    assert_eq!(help.status, StatusCode::SEE_OTHER);
    assert_eq!(help.location(), Some("/help"));

    // The same token opens nothing it was not given for.
    for uri in [
        format!("/i/{token}/F2026-000099"),
        format!("/i/{token}/not-a-number"),
        format!("/s/{token}?score=9"),
    ] {
        let stranger = Visitor::new(&world, "192.0.2.9");
        let page = stranger.get(&uri).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(page.headers.get("set-cookie").is_none(), "{uri}: no session");
    }
}

#[tokio::test]
async fn the_invoice_page_offers_the_archived_originals_and_only_the_customers_own() {
    let world = World::new("downloads").await;
    let number = invoiced(&world, "acme", "k1").await;
    let visitor = Visitor::new(&world, "192.0.2.21");
    let page = visitor.open(&email_link(&world, "acme", "/i/").await).await;
    assert!(page.body.contains("Télécharger la facture"), "{}", page.body);
    assert!(page.body.contains(&format!("/documents/{number}/pdf")));
    assert!(
        page.body.contains(&format!("/documents/{number}/cii")),
        "a Factur-X buyer gets the CII"
    );

    // Each link is a redirect to a short-lived signed address on the
    // archive, which answers with the original as archived.
    let archived = world
        .store
        .full_history(&relance::domain::CustomerId::parse("acme").expect("id"))
        .await
        .expect("history")
        .into_iter()
        .find_map(|e| match e.kind {
            EventKind::DocumentsArchived { documents, .. } => Some(documents),
            _ => None,
        })
        .expect("archived");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for format in ["pdf", "cii"] {
        let answer = visitor.get(&format!("/documents/{number}/{format}")).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{format}: {}", answer.body);
        let target = answer.location().expect("redirect").to_string();
        assert!(
            target.contains("X-Amz-Signature=") && target.contains("X-Amz-Expires=300"),
            "{target}"
        );
        let fetched = http.get(&target).send().await.expect("archive answers");
        assert_eq!(fetched.status(), 200, "{format}");
        let disposition = fetched
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = fetched.bytes().await.expect("body");
        let doc = archived.iter().find(|d| d.format == format).expect("recorded");
        assert_eq!(
            archive_documents::sha256_hex(&bytes),
            doc.sha256,
            "{format}: the archived original"
        );
        assert!(
            disposition.contains(&number),
            "{format}: saved under its number: {disposition}"
        );
    }

    // Another customer's invoice number, an unknown format: the plain
    // refusal page, no redirect.
    for uri in [
        "/documents/F2026-000099/pdf".to_string(),
        format!("/documents/{number}/exe"),
    ] {
        let refused = visitor.get(&uri).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

#[tokio::test]
async fn over_https_the_pages_tell_browsers_never_to_use_plain_http() {
    let world = World::new("hsts").await;
    let mut visitor = Visitor::new(&world, "192.0.2.50");
    let plain = visitor.get("/assets/site.css").await;
    assert!(
        plain.headers.get("strict-transport-security").is_none(),
        "not over plain HTTP"
    );
    let Ok(mut state) = std::sync::Arc::try_unwrap(common::pages::links_state(&world)) else {
        panic!("a fresh state")
    };
    state.secure_cookies = true;
    visitor.state = std::sync::Arc::new(state);
    let page = visitor.get("/assets/site.css").await;
    assert_eq!(
        page.headers
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=63072000; includeSubDomains")
    );
}

#[tokio::test]
async fn revoked_links_and_the_links_of_an_old_address_open_nothing_and_new_ones_do() {
    let world = World::new("revoke").await;
    let number = invoiced(&world, "acme", "k1").await;
    let link = email_link(&world, "acme", "/i/").await;
    let visitor = Visitor::new(&world, "192.0.2.60");
    let page = visitor.open(&link).await;
    assert_eq!(page.status, StatusCode::OK, "the link works");

    // Finance revokes the customer's links: the open session (still
    // within its 30 minutes) ends too.
    let soon = *world.clock.lock().expect("clock") + chrono::Duration::minutes(5);
    world.set_now(soon);
    let (status, body) = world
        .call(
            "POST",
            "/customers/acme/links/revoke",
            &[],
            Some(&json!({ "reason": "e-mail transféré par erreur" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        visitor.get("/invoice").await.status,
        StatusCode::NOT_FOUND,
        "the session ended"
    );
    let again = Visitor::new(&world, "192.0.2.61").open(&link).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "the link opens nothing");
    assert!(!again.body.contains(&number));

    // A new invoice's link, mailed after, works.
    world.set_now(at(2026, 3, 4, 9));
    let (status, second) = world.issue("k2", &invoice_body("acme")).await;
    assert_eq!(status, 201, "{second}");
    let fresh = email_link(&world, "acme", "/i/").await;
    assert_ne!(fresh, link);
    assert_eq!(
        Visitor::new(&world, "192.0.2.62").open(&fresh).await.status,
        StatusCode::OK
    );

    // A new address: every link mailed to the old one dies by itself.
    world.set_now(at(2026, 3, 5, 9));
    let body = common::business_customer(&format!("nouvelle.{}", world.email("acme")));
    let (status, answer) = world.call("PUT", "/customers/acme", &[], Some(&body)).await;
    assert!(status == 200 || status == 201, "{answer}");
    assert_eq!(
        Visitor::new(&world, "192.0.2.63").open(&fresh).await.status,
        StatusCode::NOT_FOUND
    );
    let events = history(&world, "acme").await;
    assert!(events.iter().any(|e| e.kind.name() == "links_revoked"));
}
