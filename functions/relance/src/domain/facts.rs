//! What a customer's history says, summarised for the decisions.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::dunning::CustomerFacts;
use super::{Customer, EventKind, HistoryEvent};

/// Reads the facts the tone decision needs from the customer's history.
pub fn customer_facts(customer: &Customer, history: &[HistoryEvent], today: NaiveDate) -> CustomerFacts {
    let days_ago = |at: DateTime<Utc>| (today - at.date_naive()).num_days();
    let mut facts = CustomerFacts {
        tenure_years: years_between(customer.customer_since, today),
        ..Default::default()
    };
    let mut reminders_per_invoice: HashMap<String, u32> = HashMap::new();
    let mut settled: Vec<String> = Vec::new();
    for event in history {
        let age = days_ago(event.at);
        match &event.kind {
            EventKind::InvoicePaid { number, days_late, .. } => {
                settled.push(number.to_string());
                if *days_late > 0 && age <= 730 {
                    facts.late_payments += 1;
                    facts.max_days_late = facts.max_days_late.max(*days_late);
                }
            }
            EventKind::InvoiceIssued {
                gross_minor, currency, ..
            } if age <= 365 => {
                let sum = facts.revenue_12m.entry(currency.clone()).or_insert(0);
                *sum = sum.saturating_add(*gross_minor);
            }
            EventKind::DisputeOpened { .. } => facts.days_since_complaint = Some(age),
            EventKind::SurveyAnswered {
                detractor: true,
                alerted,
                suspicious,
                ..
            } => {
                facts.days_since_detractor = Some(age);
                facts.detractor_waiting |= *alerted && suspicious.is_empty();
            }
            EventKind::PersonReplied { .. } => {
                facts.detractor_waiting = false;
                facts.reply_waiting = false;
            }
            EventKind::CustomerReplied { automatic, back_on, .. } => {
                facts.reply_waiting |= !*automatic;
                if let Some(day) = back_on {
                    facts.away_until = Some(facts.away_until.map_or(*day, |d| d.max(*day)));
                }
            }
            EventKind::ReminderSent { numbers, .. } => {
                facts.reminded_before = true;
                if age <= 365 {
                    for number in numbers {
                        *reminders_per_invoice.entry(number.to_string()).or_default() += 1;
                    }
                }
            }
            _ => {}
        }
        // Every message the customer received counts (`domain::contact`).
        if super::contact::Contact::of_event(&event.kind).is_some() {
            facts.last_contact = Some(facts.last_contact.map_or(event.at, |t| t.max(event.at)));
        }
    }
    // On a settled invoice, every reminder after the first went unanswered.
    // Invoices still being chased do not count: their stage already says
    // how far along they are, and the tone describes the relationship.
    facts.ignored_reminders = settled
        .iter()
        .filter_map(|n| reminders_per_invoice.get(n))
        .map(|n| n.saturating_sub(1))
        .sum();
    facts
}

fn years_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut years = i64::from(to.year() - from.year());
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years.max(0)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{Actor, CustomerId, InvoiceNumber};

    fn event(day: u32, kind: EventKind) -> HistoryEvent {
        let at = Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).single().unwrap_or_default();
        HistoryEvent::new(
            CustomerId::parse("c").unwrap_or_else(|e| panic!("{e}")),
            at,
            Actor("t".into()),
            kind,
        )
    }

    fn reminder(day: u32, number: &str) -> HistoryEvent {
        event(
            day,
            EventKind::ReminderSent {
                numbers: vec![InvoiceNumber::parse(number).unwrap_or_else(|e| panic!("{e}"))],
                stage: "s".into(),
                tone: "standard".into(),
                reason: "r".into(),
                message_id: "m".into(),
                provider_message_id: "p".into(),
                notice: None,
            },
        )
    }

    #[test]
    fn revenue_is_counted_in_each_currency_never_added_across() {
        let customer: Customer = serde_json::from_value(serde_json::json!({
            "id": "c", "contact_name": "C", "email": "c@example.fr", "locale": "fr", "kind": "consumer",
            "billing_address": { "lines": ["1 rue"], "postal_code": "1", "city": "X", "country": "FR" },
            "customer_since": "2020-01-01"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let issued = |day, number: &str, gross_minor, currency: &str| {
            event(
                day,
                EventKind::InvoiceIssued {
                    number: InvoiceNumber::parse(number).unwrap_or_else(|e| panic!("{e}")),
                    gross_minor,
                    currency: currency.into(),
                    due_date: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default(),
                },
            )
        };
        let history = [
            issued(2, "F2026-000001", 120_000, "EUR"),
            issued(3, "F2026-000002", 50_000, "USD"),
            issued(4, "F2026-000003", 30_000, "EUR"),
        ];
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 20).unwrap_or_default();
        let facts = customer_facts(&customer, &history, today);
        assert_eq!(facts.revenue_12m_in("EUR"), 150_000);
        assert_eq!(facts.revenue_12m_in("USD"), 50_000);
        assert_eq!(facts.revenue_12m_in("GBP"), 0);
    }

    #[test]
    fn an_alerting_unhappy_answer_waits_for_a_persons_reply_and_a_scanner_s_does_not() {
        let customer: Customer = serde_json::from_value(serde_json::json!({
            "id": "c", "contact_name": "C", "email": "c@example.fr", "locale": "fr", "kind": "consumer",
            "billing_address": { "lines": ["1 rue"], "postal_code": "1", "city": "X", "country": "FR" },
            "customer_since": "2020-01-01"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let answer = |day, alerted, suspicious: &[&str]| {
            event(
                day,
                EventKind::SurveyAnswered {
                    survey_id: "s".into(),
                    question: "nps".into(),
                    score: 2,
                    detractor: true,
                    comment: None,
                    suspicious: suspicious.iter().map(|s| s.to_string()).collect(),
                    alerted,
                },
            )
        };
        let replied = event(12, EventKind::PersonReplied { note: "Appelé".into() });
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 20).unwrap_or_default();
        let waiting = |history: &[HistoryEvent]| customer_facts(&customer, history, today).detractor_waiting;
        assert!(waiting(&[answer(10, true, &[])]), "alerted, nobody answered");
        assert!(!waiting(&[answer(10, true, &[]), replied.clone()]), "answered");
        assert!(
            !waiting(&[answer(10, true, &[]), replied.clone(), answer(14, false, &[])]),
            "the same survey answered again raises no new alert, and no pause"
        );
        assert!(
            waiting(&[answer(10, true, &[]), replied, answer(14, true, &[])]),
            "a new survey's alert"
        );
        assert!(
            !waiting(&[answer(10, true, &["seconds_after_delivery"])]),
            "a scanner's answer"
        );
    }

    #[test]
    fn the_history_tells_tenure_lateness_ignored_reminders_and_last_contact() {
        let customer_json = serde_json::json!({
            "id": "c", "contact_name": "C", "email": "c@example.fr", "locale": "fr", "kind": "consumer",
            "company_name": null, "siren": null, "vat_number": null,
            "billing_address": { "lines": ["1 rue"], "postal_code": "1", "city": "X", "country": "FR" },
            "delivery_address": null, "segment": null, "customer_since": "2016-05-10"
        });
        let customer: Customer = serde_json::from_value(customer_json).unwrap_or_else(|e| panic!("{e}"));
        let paid = |day, number: &str, late| {
            event(
                day,
                EventKind::InvoicePaid {
                    number: InvoiceNumber::parse(number).unwrap_or_else(|e| panic!("{e}")),
                    paid_on: NaiveDate::from_ymd_opt(2026, 3, day).unwrap_or_default(),
                    days_late: late,
                },
            )
        };
        let history = vec![
            reminder(1, "F2026-000001"),
            reminder(5, "F2026-000001"),
            reminder(9, "F2026-000001"),
            paid(10, "F2026-000001", 20),
            reminder(12, "F2026-000002"),
            reminder(15, "F2026-000002"),
        ];
        let facts = customer_facts(
            &customer,
            &history,
            NaiveDate::from_ymd_opt(2026, 3, 20).unwrap_or_default(),
        );
        assert_eq!(facts.tenure_years, 9);
        assert_eq!((facts.late_payments, facts.max_days_late), (1, 20));
        assert_eq!(
            facts.ignored_reminders, 2,
            "two repeats on the settled invoice; the open one does not count"
        );
        assert!(facts.reminded_before);
        assert_eq!(
            facts.last_contact.map(|t| t.date_naive().to_string()),
            Some("2026-03-15".into())
        );
    }
}
