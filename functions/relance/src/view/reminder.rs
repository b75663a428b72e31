//! A reminder: the invoices it lists, in the tone the history chose.

use chrono::NaiveDate;
use serde::Serialize;

use super::format_date;
use super::invoice::{InvoiceView, SellerView};
use crate::domain::message::NoticeRef;
use crate::domain::notice::PAY_WITHIN_DAYS;
use crate::domain::{Invoice, Money};

/// One invoice in a reminder.
#[derive(Debug, Serialize)]
pub struct ReminderLine {
    pub number: String,
    /// The creditor reference to quote in a transfer, grouped.
    pub reference: String,
    pub issue_date: String,
    pub due_date: String,
    pub amount_due: String,
    /// Negative before the due date.
    pub days_late: i64,
    pub link: String,
}

/// The formal notice to pay a final notice comes with (attached).
#[derive(Debug, Serialize)]
pub struct NoticeMention {
    pub reference: String,
    /// The date the letter asks to be paid by.
    pub pay_by: String,
}

/// A reminder's context: one email for all of a customer's reminded invoices.
#[derive(Debug, Serialize)]
pub struct ReminderEmail {
    pub contact_name: String,
    pub stage: String,
    pub tone: &'static str,
    pub single: bool,
    /// "F2026-000001" or "F2026-000001, F2026-000007".
    pub numbers: String,
    pub invoices: Vec<ReminderLine>,
    pub total_due: String,
    pub days_late: i64,
    pub help_link: String,
    pub seller: SellerView,
    pub late_penalty_points: u32,
    /// Whether the B2B late-payment terms apply (never to a consumer).
    pub penalties: bool,
    pub recovery_indemnity: Option<String>,
    /// When a person will call if nothing happens (final notice).
    pub reply_by: String,
    /// The formal notice attached, for a business customer's final notice.
    pub notice: Option<NoticeMention>,
}

impl ReminderEmail {
    pub fn new(
        customer: &crate::domain::Customer,
        invoices: &[(Invoice, String)],
        stage: &str,
        tone: crate::domain::dunning::Tone,
        help_link: String,
        today: NaiveDate,
    ) -> Self {
        let locale = customer.locale;
        let lines: Vec<ReminderLine> = invoices
            .iter()
            .map(|(inv, link)| ReminderLine {
                number: inv.number.to_string(),
                reference: super::transfer_reference(inv.number.as_str()),
                issue_date: format_date(inv.issue_date, locale),
                due_date: format_date(inv.due_date, locale),
                amount_due: Money::new(inv.remaining_minor(), inv.currency).format(locale),
                days_late: (today - inv.due_date).num_days(),
                link: link.clone(),
            })
            .collect();
        let first = invoices.first().map(|(inv, _)| InvoiceView::new(inv, locale));
        Self {
            contact_name: customer.contact_name.clone(),
            stage: stage.to_string(),
            tone: tone.name(),
            single: invoices.len() == 1,
            numbers: invoices
                .iter()
                .map(|(i, _)| i.number.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            total_due: super::format_totals(
                invoices
                    .iter()
                    .map(|(inv, _)| Money::new(inv.remaining_minor(), inv.currency)),
                locale,
            ),
            days_late: lines.iter().map(|l| l.days_late).max().unwrap_or(0),
            invoices: lines,
            help_link,
            late_penalty_points: first.as_ref().map_or(10, |v| v.late_penalty_points),
            penalties: first.as_ref().is_some_and(|v| v.penalties),
            recovery_indemnity: first.as_ref().and_then(|v| v.recovery_indemnity.clone()),
            seller: match first {
                Some(v) => v.seller,
                None => return Self::empty(customer),
            },
            reply_by: format_date(today + chrono::Days::new(8), locale),
            notice: None,
        }
    }

    /// The same reminder, saying that the formal notice `notice` is
    /// attached and the date it asks to be paid by.
    pub fn with_notice(mut self, notice: Option<&NoticeRef>, locale: crate::domain::Locale) -> Self {
        self.notice = notice.map(|n| NoticeMention {
            reference: n.reference.clone(),
            pay_by: format_date(n.dated + chrono::Days::new(PAY_WITHIN_DAYS), locale),
        });
        self
    }

    fn empty(customer: &crate::domain::Customer) -> Self {
        // Never rendered: a reminder always has at least one invoice.
        Self {
            contact_name: customer.contact_name.clone(),
            stage: String::new(),
            tone: "standard",
            single: true,
            numbers: String::new(),
            invoices: Vec::new(),
            total_due: String::new(),
            days_late: 0,
            help_link: String::new(),
            seller: SellerView::default(),
            late_penalty_points: 0,
            penalties: false,
            recovery_indemnity: None,
            reply_by: String::new(),
            notice: None,
        }
    }
}
