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
    for event in history {
        let age = days_ago(event.at);
        match &event.kind {
            EventKind::InvoicePaid { days_late, .. } if *days_late > 0 && age <= 730 => {
                facts.late_payments += 1;
                facts.max_days_late = facts.max_days_late.max(*days_late);
            }
            EventKind::InvoiceIssued { gross_minor, .. } if age <= 365 => facts.revenue_12m_minor += gross_minor,
            EventKind::DisputeOpened { .. } => facts.days_since_complaint = Some(age),
            EventKind::SurveyAnswered { detractor: true, .. } => facts.days_since_detractor = Some(age),
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
        if matches!(
            event.kind,
            EventKind::InvoiceEmailed { .. }
                | EventKind::ReminderSent { .. }
                | EventKind::ThanksSent { .. }
                | EventKind::PersonReplied { .. }
        ) {
            facts.last_contact = Some(facts.last_contact.map_or(event.at, |t| t.max(event.at)));
        }
    }
    // A reminder followed by another one for the same invoice went unanswered.
    facts.ignored_reminders = reminders_per_invoice.values().map(|n| n.saturating_sub(1)).sum();
    facts
}

fn years_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut years = i64::from(to.year() - from.year());
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years.max(0)
}
