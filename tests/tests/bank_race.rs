//! A reminder pass and a bank import at the same moment, against the
//! local stack: no reminder goes out after the import recorded its
//! invoice's payment, and each payment is recorded once.

use crate::common;

use std::sync::Arc;

use common::{World, date, deliverer, history, invoice_body, morning, reminder_pass};
use relance::domain::bank::CreditorReference;
use relance::domain::{CustomerId, InvoiceNumber, InvoiceStatus};
use relance::mail::{Mailer, OutgoingEmail, SendError, SesMailer};
use relance_e2e::statements::{Movement, camt053};
use serde_json::json;
use tokio::sync::Notify;

const OWN_IBAN: &str = "FR7630004000500000123456733";
const GROSS: i64 = 54_000;

async fn issue(world: &World, customer: &str) -> String {
    world
        .create_customer(
            customer,
            json!({ "company_name": format!("Société {customer}"), "contact_name": format!("Contact {customer}") }),
        )
        .await;
    let mut body = invoice_body(customer);
    body["lines"] = json!([
        { "description": "Entretien du four à sole", "quantity": 1, "unit_price_minor": 45_000, "vat_rate": "20" }
    ]);
    let (status, invoice) = world.issue(&format!("issue-{customer}"), &body).await;
    assert_eq!(status, 201, "{invoice}");
    invoice["number"].as_str().expect("number").to_string()
}

fn paying(numbers: &[String]) -> String {
    let movements: Vec<Movement> = numbers
        .iter()
        .map(|n| Movement {
            creditor_reference: CreditorReference::for_document(n).map(|r| r.to_string()),
            ..Movement::credit(date("2026-04-03"), GROSS, "CLIENT", &["VIR SEPA"])
        })
        .collect();
    camt053("08", OWN_IBAN, &movements)
}

async fn status(world: &World, customer: &str, number: &str) -> InvoiceStatus {
    world
        .store
        .get_invoice(
            &CustomerId::parse(customer).expect("id"),
            &InvoiceNumber::parse(number).expect("n"),
        )
        .await
        .expect("read")
        .expect("issued")
        .value
        .status
}

/// SES, held at the door: the first email waits until the test lets it go.
struct HeldMailer {
    inner: SesMailer,
    started: Arc<Notify>,
    release: Arc<Notify>,
}

impl Mailer for HeldMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<String, SendError> {
        self.started.notify_one();
        self.release.notified().await;
        self.inner.send(email).await
    }
}

#[tokio::test]
async fn a_payment_imported_while_its_reminder_is_being_sent_waits_for_it_and_thanks() {
    let world = World::new("bank-held").await;
    let number = issue(&world, "martin").await;
    let (started, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let plain = deliverer(
        &world.store,
        SesMailer::new(aws_sdk_sesv2::Client::new(&world.config), "f@atelier-durand.fr", None),
    );
    let held = relance::delivery::Deliverer {
        mailer: HeldMailer {
            inner: plain.mailer.clone(),
            started: started.clone(),
            release: release.clone(),
        },
        store: plain.store.clone(),
        renderer: plain.renderer.clone(),
        public_url: plain.public_url.clone(),
        link_ttl: plain.link_ttl,
        reply_to: None,
    };
    let as_of = date("2026-04-06");
    world.set_now(morning(as_of));
    let pace = relance::reminders::Pace::new(1000);
    let pass = reminder_pass(&world, &held, as_of, morning(as_of), &pace);
    let driver = async {
        // The reminder is claimed and its email is at SES's door; the
        // statement arrives a minute later.
        started.notified().await;
        world.set_now(morning(as_of) + chrono::Duration::minutes(1));
        let file = paying(std::slice::from_ref(&number));
        let sibling = world.sibling();
        let import = tokio::spawn(async move { sibling.call_raw("POST", "/bank-statements", &[], Some(file)).await });
        // While the email waits, the import must not record the payment:
        // the reminder would then go out after it.
        for _ in 0..10 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            assert_eq!(
                status(&world, "martin", &number).await,
                InvoiceStatus::Open,
                "paid while its reminder was in flight"
            );
        }
        release.notify_one();
        import.await.expect("import task")
    };
    let (sent, (code, summary)) = tokio::join!(pass.run(), driver);
    assert_eq!(sent.expect("pass").emails_sent, 1);
    assert_eq!(code, 200, "{summary}");
    assert_eq!(summary["applied"], 1, "{summary}");
    assert_eq!(status(&world, "martin", &number).await, InvoiceStatus::Paid);
    let events = history(&world, "martin").await;
    let names: Vec<&str> = events.iter().map(|e| e.kind.name()).collect();
    let sent = names.iter().position(|n| *n == "reminder_sent").expect("reminded");
    let paid = names.iter().position(|n| *n == "payment_recorded").expect("paid");
    assert!(
        sent < paid,
        "the reminder went out before the payment was known: {names:?}"
    );
    // Thanked once, after the contact gap the reminder opened.
    assert_eq!(names.iter().filter(|n| **n == "thanks_sent").count(), 0, "{names:?}");
    assert_eq!(world.after_the_contact_gap().await.sent, 1);
    let names: Vec<String> = history(&world, "martin")
        .await
        .iter()
        .map(|e| e.kind.name().to_string())
        .collect();
    assert_eq!(names.iter().filter(|n| *n == "thanks_sent").count(), 1, "{names:?}");
}

#[tokio::test]
async fn a_pass_and_an_import_at_the_same_moment_remind_no_invoice_after_it_was_paid() {
    let world = World::new("bank-race").await;
    let mut invoices = Vec::new();
    for i in 0..24 {
        let customer = format!("client-{i:02}");
        let number = issue(&world, &customer).await;
        invoices.push((customer, number));
    }
    // Every other customer paid on 3 April; the pass of 6 April and the
    // import of that morning's statement start together.
    let paid: Vec<&(String, String)> = invoices.iter().step_by(2).collect();
    let file = paying(&paid.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>());
    let as_of = date("2026-04-06");
    world.set_now(morning(as_of));
    let pace = relance::reminders::Pace::new(1000);
    let pass = relance::reminders::Pass {
        concurrency: 8,
        ..reminder_pass(&world, &world.state.deliverer, as_of, morning(as_of), &pace)
    };
    // The import's events are stamped a second later, so a history reads
    // in the order the two wrote in.
    world.set_now(morning(as_of) + chrono::Duration::seconds(1));
    let (summary, (code, imported)) =
        tokio::join!(pass.run(), world.call_raw("POST", "/bank-statements", &[], Some(file)));
    summary.expect("pass");
    assert_eq!(code, 200, "{imported}");
    assert_eq!(imported["applied"], 12, "{imported}");
    for (customer, number) in &invoices {
        let events = history(&world, customer).await;
        let names: Vec<&str> = events.iter().map(|e| e.kind.name()).collect();
        let reminded = names.iter().rposition(|n| *n == "reminder_sent");
        match names.iter().position(|n| *n == "payment_recorded") {
            Some(paid) => {
                assert_eq!(
                    names.iter().filter(|n| **n == "payment_recorded").count(),
                    1,
                    "{customer}: {names:?}"
                );
                if let Some(reminded) = reminded {
                    assert!(reminded < paid, "{customer}: reminded after the payment: {names:?}");
                    assert!(
                        names.contains(&"thanks_sent"),
                        "{customer}: reminded, then paid, not thanked: {names:?}"
                    );
                }
            }
            None => assert!(
                reminded.is_some(),
                "{customer} {number}: unpaid and not reminded: {names:?}"
            ),
        }
    }
    // The next stage's pass reminds only those who did not pay.
    let next = common::pass_on(&world, date("2026-04-13")).await;
    assert_eq!(next.emails_sent, 12, "{next:?}");
    for (customer, number) in &paid {
        assert_eq!(status(&world, customer, number).await, InvoiceStatus::Paid);
        let events = history(&world, customer).await;
        assert!(
            events.iter().filter(|e| e.kind.name() == "reminder_sent").count() <= 1,
            "{customer}: reminded after paying"
        );
    }
}
