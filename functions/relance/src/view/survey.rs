//! View models of the survey email and of the alerts a customer's answer
//! or help request sends to finance.

use serde::Serialize;

use super::{AlertLine, format_date};
use crate::domain::survey::{Question, Trigger};
use crate::domain::{Customer, HistoryEvent, Invoice, Locale, Money};

#[derive(Debug, Serialize)]
pub struct ScoreLink {
    pub score: u8,
    pub link: String,
}

/// One question, one link per score, and a way out.
#[derive(Debug, Serialize)]
pub struct SurveyEmail {
    pub contact_name: String,
    /// `ces`, `csat` or `nps`: the templates word each.
    pub question: &'static str,
    /// `invoice_paid`, `dispute_settled`, `help_answered`, `credit_granted`.
    pub about: &'static str,
    pub number: Option<String>,
    pub scores: Vec<ScoreLink>,
    pub unsubscribe_link: String,
    /// Invisible to people; a scanner that follows every link follows it.
    pub trap_link: String,
    pub signature: String,
    pub company: String,
}

impl SurveyEmail {
    pub fn new(
        customer: &Customer,
        question: Question,
        trigger: &Trigger,
        survey_link: &str,
        unsubscribe_link: String,
        seller: &crate::domain::Seller,
    ) -> Self {
        let (about, number) = trigger.about();
        Self {
            contact_name: customer.contact_name.clone(),
            question: question.name(),
            about,
            number: number.map(str::to_string),
            scores: question
                .scores()
                .map(|score| ScoreLink {
                    score,
                    link: format!("{survey_link}?score={score}"),
                })
                .collect(),
            unsubscribe_link,
            trap_link: format!("{survey_link}?from=preview"),
            signature: seller.contact.name.clone(),
            company: seller.legal_name.clone(),
        }
    }
}

/// To finance: a customer asked for help, or answered a survey as a
/// detractor. A person responds by `respond_by`.
#[derive(Debug, Serialize)]
pub struct CustomerAlert {
    /// `help`, `survey` or `reply` (an email from the customer).
    pub kind: &'static str,
    pub customer_name: String,
    pub contact_name: String,
    pub email: String,
    /// Help: `call`, `payment_plan`, `more_days`, `dispute`.
    pub choice: Option<&'static str>,
    pub comment: Option<String>,
    pub question: Option<&'static str>,
    pub score: Option<u8>,
    pub max_score: Option<u8>,
    /// A reply: its subject, and whether it says the invoice is paid.
    pub subject: Option<String>,
    pub says_paid: bool,
    pub invoices: Vec<AlertLine>,
    pub respond_by: String,
    pub recent: Vec<String>,
}

/// "12 novembre 2026 à 09:30", "12 November 2026 at 09:30", Paris time.
pub(super) fn date_time(at: chrono::DateTime<chrono::Utc>, locale: Locale) -> String {
    let paris = at.with_timezone(&crate::domain::calendar::ZONE);
    let day = format_date(paris.date_naive(), locale);
    match locale {
        Locale::Fr => format!("{day} à {}", paris.format("%H:%M")),
        Locale::En => format!("{day} at {}", paris.format("%H:%M")),
    }
}

impl CustomerAlert {
    pub fn new(
        kind: &'static str,
        customer: &Customer,
        invoices: &[Invoice],
        history: &[HistoryEvent],
        respond_by: chrono::DateTime<chrono::Utc>,
        locale: Locale,
    ) -> Self {
        let respond_by = date_time(respond_by, locale);
        Self {
            kind,
            customer_name: customer.legal_name().to_string(),
            contact_name: customer.contact_name.clone(),
            email: customer.email.to_string(),
            choice: None,
            comment: None,
            question: None,
            score: None,
            max_score: None,
            subject: None,
            says_paid: false,
            invoices: invoices
                .iter()
                .map(|i| AlertLine {
                    number: i.number.to_string(),
                    due_date: format_date(i.due_date, locale),
                    amount_due: Money::new(i.remaining_minor(), i.currency).format(locale),
                })
                .collect(),
            respond_by,
            recent: super::recent_lines(history, locale),
        }
    }
}
