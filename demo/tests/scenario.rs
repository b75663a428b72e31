//! The local scenario, played against the local stack as `scripts/demo.sh`
//! plays it: its key outcomes, read back from the customers' histories,
//! and the same seed printing the same month.

use chrono::{Datelike, NaiveDate};
use relance::domain::{EventKind, HistoryEvent};
use relance_demo::{Options, Outcome, Ports, run};

fn options(label: &str) -> Options {
    let tag = format!(
        "{label}{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    Options {
        seed: 1,
        table: format!("relance-scenario-{tag}"),
        ports: Ports::ANY,
        tag: Some(tag),
        print: false,
    }
}

fn events<'a>(outcome: &'a Outcome, id: &str) -> &'a [HistoryEvent] {
    outcome
        .customers
        .iter()
        .find(|c| c.id.as_str() == id)
        .map(|c| c.events.as_slice())
        .unwrap_or_else(|| panic!("{id} is in the portfolio"))
}

fn reminders(
    events: &[HistoryEvent],
) -> impl Iterator<Item = (&HistoryEvent, &[relance::domain::InvoiceNumber], &str)> {
    events.iter().filter_map(|e| match &e.kind {
        EventKind::ReminderSent { numbers, tone, .. } => Some((e, numbers.as_slice(), tone.as_str())),
        _ => None,
    })
}

fn day(e: &HistoryEvent) -> NaiveDate {
    e.at.with_timezone(&chrono_tz::Europe::Paris).date_naive()
}

fn first<'a>(events: &'a [HistoryEvent], what: &str) -> &'a HistoryEvent {
    events
        .iter()
        .find(|e| e.kind.name() == what)
        .unwrap_or_else(|| panic!("a {what} event"))
}

#[tokio::test]
async fn a_month_of_relance_keeps_every_story_and_the_same_seed_prints_the_same_month() {
    let first_run = options("a");
    let outcome = run(&first_run).await.expect("the scenario runs to the end");
    let october = |id: &str| outcome.invoices[&(id.to_string(), 10)].clone();
    let november_from = outcome.from;

    // Everyone was invoiced in November and on 1 December.
    assert_eq!(outcome.customers.len(), 12);
    for c in &outcome.customers {
        for month in [11, 12] {
            assert!(
                outcome.invoices.contains_key(&(c.id.to_string(), month)),
                "{} month {month}",
                c.id
            );
        }
    }

    // The ten-year customer, late once, got the warm tone, clicked pay and paid.
    let martin = events(&outcome, "boulangerie-martin");
    let (_, _, tone) = reminders(martin)
        .find(|(e, ..)| day(e) >= november_from)
        .expect("a November reminder");
    assert_eq!(tone, "warm");
    assert!(martin.iter().any(
        |e| matches!(&e.kind, EventKind::PayClicked { number } if number.as_str() == october("boulangerie-martin"))
    ));

    // The chronically late customer: direct, every time; two stages, once each.
    let lefevre = events(&outcome, "garage-lefevre");
    let late: Vec<_> = reminders(lefevre)
        .filter(|(_, n, _)| n.iter().any(|n| n.as_str() == october("garage-lefevre")))
        .collect();
    assert!(late.len() >= 2, "{} reminders", late.len());
    assert!(late.iter().all(|(_, _, tone)| *tone == "direct"));

    // The complaint last month makes the tone attentive.
    let quais = events(&outcome, "hotel-des-quais");
    assert!(reminders(quais).any(|(e, _, tone)| day(e) >= november_from && tone == "attentive"));

    // The open dispute: no reminder about that invoice once it is disputed.
    let roux = events(&outcome, "cabinet-roux");
    let disputed = first(roux, "dispute_opened");
    let invoice = october("cabinet-roux");
    assert!(
        !reminders(roux).any(|(e, n, _)| e.at > disputed.at && n.iter().any(|n| n.as_str() == invoice)),
        "a disputed invoice was reminded"
    );

    // "I have a difficulty", through the page: reminders wait, finance is
    // alerted, calls back and agrees a plan; the first instalment comes in.
    let bernard = events(&outcome, "fromagerie-bernard");
    let asked = first(bernard, "help_requested");
    let plan = first(bernard, "payment_plan_agreed");
    assert!(
        bernard
            .iter()
            .any(|e| e.kind.name() == "finance_alerted" && e.at >= asked.at)
    );
    assert!(plan.at > asked.at);
    let invoice = october("fromagerie-bernard");
    assert!(!reminders(bernard).any(|(e, n, _)| e.at > asked.at && n.iter().any(|n| n.as_str() == invoice)));
    assert!(bernard.iter().any(|e| matches!(&e.kind, EventKind::PaymentRecorded { number, remaining_minor, .. } if number.as_str() == invoice && *remaining_minor > 0)));

    // The October dispute ends with a corrective credit note: one travel
    // (65.00 + 20 % VAT) comes off, and the invoice is paid, after a
    // reminder, for what it owes now.
    let hotel = events(&outcome, "hotel-des-quais");
    let disputed_invoice = october("hotel-des-quais");
    let (taken, left) = hotel
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::InvoiceCorrected {
                number,
                amount_minor,
                remaining_minor,
                ..
            } if number.as_str() == disputed_invoice => Some((*amount_minor, *remaining_minor)),
            _ => None,
        })
        .expect("the disputed invoice corrected by a credit note");
    assert_eq!(taken, 7_800);
    let paid: Vec<i64> = hotel
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PaymentRecorded {
                number, amount_minor, ..
            } if number.as_str() == disputed_invoice => Some(*amount_minor),
            _ => None,
        })
        .collect();
    assert_eq!(paid, vec![left], "paid what the corrected invoice owes");

    // The billing error: a credit note, applied once to the next invoice,
    // and the follow-up question answered through the survey page.
    let dumont = events(&outcome, "pharmacie-dumont");
    let granted = dumont
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::CreditGranted {
                number, gross_minor, ..
            } => Some((number.clone(), *gross_minor)),
            _ => None,
        })
        .expect("a credit granted");
    let applied: Vec<_> = dumont
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::CreditApplied {
                number,
                invoice,
                amount_minor,
                ..
            } => Some((number.clone(), invoice.to_string(), *amount_minor)),
            _ => None,
        })
        .collect();
    assert_eq!(
        applied,
        vec![(
            granted.0.clone(),
            outcome.invoices[&("pharmacie-dumont".into(), 12)].clone(),
            granted.1
        )]
    );
    assert!(
        dumont
            .iter()
            .any(|e| matches!(&e.kind, EventKind::SurveyAnswered { question, score: 5, .. } if question == "csat"))
    );

    // A promise to pay holds the reminders until its date, and is kept.
    let petit = events(&outcome, "imprimerie-petit");
    let promised = first(petit, "promise_to_pay_recorded");
    let invoice = october("imprimerie-petit");
    let paid = petit
        .iter()
        .find(|e| matches!(&e.kind, EventKind::InvoicePaid { number, .. } if number.as_str() == invoice))
        .expect("the promised payment");
    assert!(
        !reminders(petit)
            .any(|(e, n, _)| e.at > promised.at && e.at < paid.at && n.iter().any(|n| n.as_str() == invoice))
    );

    // An out-of-office answered the chronically late customer's first
    // reminder: the next one waited for the return date.
    let away = lefevre
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::CustomerReplied {
                automatic: true,
                back_on: Some(back),
                ..
            } => Some((e.at, *back)),
            _ => None,
        })
        .expect("an out-of-office");
    assert!(
        !reminders(lefevre).any(|(e, _, _)| e.at > away.0 && day(e) < away.1),
        "a reminder while they were away"
    );
    assert!(
        reminders(lefevre).any(|(e, _, _)| day(e) >= away.1),
        "reminded after the return"
    );

    // A person answered a reminder by email, saying it is paid: finance is
    // alerted with the words, the reminders wait, finance answers that day.
    let girard = events(&outcome, "menuiserie-girard");
    let wrote = girard
        .iter()
        .find(|e| {
            matches!(
                e.kind,
                EventKind::CustomerReplied {
                    automatic: false,
                    says_paid: true,
                    ..
                }
            )
        })
        .expect("a reply by email");
    let alerted = girard
        .iter()
        .find(|e| e.kind.name() == "finance_alerted" && e.at >= wrote.at)
        .expect("finance alerted");
    let answered = girard
        .iter()
        .find(|e| e.kind.name() == "person_replied" && e.at > alerted.at)
        .expect("finance answered");
    assert!(answered.at - wrote.at <= chrono::Duration::hours(48));

    // The balance adds up what the stories did.
    let b = &outcome.month_balance;
    assert_eq!(b.invoices_issued, 12);
    assert_eq!((b.help_requests, b.disputes_opened, b.credits_granted), (1, 1, 1));
    assert!(
        b.reminders_by_tone.contains_key("warm")
            && b.reminders_by_tone.contains_key("direct")
            && b.reminders_by_tone.contains_key("attentive")
    );
    assert!(b.surveys_answered >= 2 && b.csat.is_some());
    assert!(b.on_time_rate.is_some() && b.eur().dso_days.is_some());
    assert!(
        b.alerts_answered_within_48h >= 2,
        "the plan's call back and the email answered: {b:?}"
    );
    // What the demo prints is what `GET /balance` reads from the table's
    // customers index: the same as the stories' own histories add up to.
    let month_start = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
    let month_end = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    assert_eq!(
        outcome.from.with_day(1),
        Some(month_start),
        "the month played is November"
    );
    let histories: Vec<&[HistoryEvent]> = outcome.customers.iter().map(|c| c.events.as_slice()).collect();
    assert_eq!(
        *b,
        relance::domain::balance::balance(histories, month_start, month_end),
        "every customer of the stories is in the customers index"
    );

    // The same seed, the same month (the addresses in the first line differ).
    let again = run(&options("b")).await.expect("the scenario runs again");
    let printed = |o: &Outcome| -> Vec<String> {
        o.transcript
            .iter()
            .filter(|l| !l.contains("http://"))
            .cloned()
            .collect()
    };
    assert_eq!(printed(&outcome), printed(&again));
}
