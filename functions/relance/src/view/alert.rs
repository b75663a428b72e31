//! What finance is told when a customer needs a person.

use serde::Serialize;

use super::format_date;
use crate::domain::{Invoice, Locale, Money};

/// An alert to the company's finance contact: who, what, why, and what
/// was said to the customer lately.
#[derive(Debug, Serialize)]
pub struct FinanceAlert {
    pub customer_name: String,
    pub contact_name: String,
    pub email: String,
    pub stage: String,
    pub reason: String,
    pub invoices: Vec<AlertLine>,
    pub total_due: String,
    /// The last events, newest first: "date — what happened".
    pub recent: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct AlertLine {
    pub number: String,
    pub due_date: String,
    pub amount_due: String,
}

impl FinanceAlert {
    pub fn new(
        customer: &crate::domain::Customer,
        invoices: &[Invoice],
        stage: &str,
        reason: &str,
        history: &[crate::domain::HistoryEvent],
        locale: Locale,
    ) -> Self {
        Self {
            customer_name: customer.legal_name().to_string(),
            contact_name: customer.contact_name.clone(),
            email: customer.email.to_string(),
            stage: super::timeline::stage_name(stage, locale),
            reason: super::timeline::alert_reason(reason, locale),
            invoices: invoices
                .iter()
                .map(|i| AlertLine {
                    number: i.number.to_string(),
                    due_date: format_date(i.due_date, locale),
                    amount_due: Money::new(i.remaining_minor(), i.currency).format(locale),
                })
                .collect(),
            total_due: super::format_totals(
                invoices.iter().map(|i| Money::new(i.remaining_minor(), i.currency)),
                locale,
            ),
            recent: recent_lines(history, locale),
        }
    }
}

/// To the second person: a promise to a customer was not kept in time.
#[derive(Debug, Serialize)]
pub struct EscalationEmail {
    /// The second person's name, for the greeting.
    pub to_name: String,
    /// Who was alerted first (the company's contact).
    pub first_contact: String,
    /// `help` or `survey`.
    pub kind: &'static str,
    pub customer_name: String,
    pub contact_name: String,
    pub email: String,
    /// When the customer asked, and the deadline that passed.
    pub since: String,
    pub deadline: String,
    pub invoices: Vec<AlertLine>,
    pub recent: Vec<String>,
}

impl EscalationEmail {
    #[allow(clippy::too_many_arguments)] // the email's own facts
    pub fn new(
        to_name: &str,
        first_contact: &str,
        kind: &'static str,
        customer: &crate::domain::Customer,
        invoices: &[Invoice],
        (since, deadline): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
        history: &[crate::domain::HistoryEvent],
        locale: Locale,
    ) -> Self {
        Self {
            to_name: to_name.to_string(),
            first_contact: first_contact.to_string(),
            kind,
            customer_name: customer.legal_name().to_string(),
            contact_name: customer.contact_name.clone(),
            email: customer.email.to_string(),
            since: super::survey::date_time(since, locale),
            deadline: super::survey::date_time(deadline, locale),
            invoices: invoices
                .iter()
                .map(|i| AlertLine {
                    number: i.number.to_string(),
                    due_date: format_date(i.due_date, locale),
                    amount_due: Money::new(i.remaining_minor(), i.currency).format(locale),
                })
                .collect(),
            recent: recent_lines(history, locale),
        }
    }
}

/// The last ten events, newest first: "date — what happened".
pub fn recent_lines(history: &[crate::domain::HistoryEvent], locale: Locale) -> Vec<String> {
    history
        .iter()
        .rev()
        .take(10)
        .map(|e| {
            format!(
                "{} — {}",
                format_date(e.at.date_naive(), locale),
                super::timeline::sentence(e, locale)
            )
        })
        .collect()
}
