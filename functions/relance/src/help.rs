//! Help requests: a customer's "I have a difficulty" pauses the reminders
//! of the invoices it is about until a person answers.

use chrono::{DateTime, Duration, Utc};

use crate::domain::help::{HELP_NOTE_DAYS, HELP_NOTE_MAX_CHARS, HelpChoice};
use crate::domain::message::{Message, Purpose};
use crate::domain::todo::TodoKind;
use crate::domain::validation::text;
use crate::domain::{Actor, CustomerId, EventKind, HistoryEvent, Invoice, InvoiceNumber, InvoiceStatus};
use crate::retry::Retry;
use crate::store::{Store, StoreError, TxOutcome, Versioned};

#[derive(Debug, thiserror::Error)]
pub enum HelpError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("comment {0}")]
    Comment(String),
    /// Every invoice the request is about is paid: nothing to pause.
    #[error("nothing left to pay")]
    NothingOpen,
}

/// What was recorded: the alert to deliver and the invoices paused.
#[derive(Debug)]
pub struct HelpRecorded {
    pub alert: Message,
    pub numbers: Vec<InvoiceNumber>,
}

/// A help request's comment as kept: trimmed, empty is none, at most
/// `HELP_NOTE_MAX_CHARS`. The page checks it before spending the form's
/// one-time value, so a too-long comment can be shortened and sent again.
pub fn check_comment(comment: Option<&str>) -> Result<Option<String>, String> {
    match comment.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) if c.chars().count() > HELP_NOTE_MAX_CHARS => {
            Err(format!("is longer than {HELP_NOTE_MAX_CHARS} characters"))
        }
        Some(c) => text(c, HELP_NOTE_MAX_CHARS).map(Some),
    }
}

/// Records a help request about `numbers` of `customer` (both from the
/// link's token, never from the form).
pub async fn request_help(
    store: &Store,
    customer: &CustomerId,
    numbers: &[InvoiceNumber],
    choice: HelpChoice,
    comment: Option<&str>,
    now: DateTime<Utc>,
) -> Result<HelpRecorded, HelpError> {
    let comment = check_comment(comment).map_err(HelpError::Comment)?;
    // Another change to these invoices since they were read: read again.
    let mut retry = Retry::tries(5);
    loop {
        let mut open: Vec<Versioned<Invoice>> = Vec::new();
        for number in numbers {
            if let Some(found) = store.get_invoice(customer, number).await?
                && found.value.status == InvoiceStatus::Open
            {
                open.push(found);
            }
        }
        if open.is_empty() {
            return Err(HelpError::NothingOpen);
        }
        for invoice in &mut open {
            invoice.value.dunning.help_request_open = true;
            // A second request while the first waits keeps its deadline.
            invoice.value.dunning.help_requested_at.get_or_insert(now);
        }
        let paused: Vec<InvoiceNumber> = open.iter().map(|v| v.value.number.clone()).collect();
        let request_id = crate::domain::ids::ulid_at(now).to_string();
        let event = HistoryEvent::new(
            customer.clone(),
            now,
            Actor::system("customer page"),
            EventKind::HelpRequested {
                numbers: paused.clone(),
                choice: choice.name().to_string(),
                request_id: request_id.clone(),
                with_comment: comment.is_some(),
            },
        );
        let alert = Message::new(
            customer.clone(),
            Purpose::HelpAlert {
                numbers: paused.clone(),
                request_id: request_id.clone(),
                choice,
            },
            now,
        );
        let versions: Vec<(&Invoice, u64)> = open.iter().map(|v| (&v.value, v.version)).collect();
        let note = comment
            .as_deref()
            .map(|c| (request_id.as_str(), c, now + Duration::days(HELP_NOTE_DAYS)));
        match store.record_help_request(&versions, &event, &alert, note).await? {
            TxOutcome::Committed => return Ok(HelpRecorded { alert, numbers: paused }),
            _ => retry
                .again()
                .await
                .map_err(|_| HelpError::from(StoreError::Contention("help request")))?,
        }
    }
}

/// A person answered the customer: written down, and any open help
/// request is closed so reminders may resume (and a survey may ask how
/// easy it was).
pub async fn person_replied(
    store: &Store,
    customer: &CustomerId,
    actor: &Actor,
    note: String,
    now: DateTime<Utc>,
) -> Result<Vec<HistoryEvent>, StoreError> {
    let mut retry = Retry::tries(5);
    loop {
        let mut waiting: Vec<Versioned<Invoice>> = store
            .customer_invoices(customer)
            .await?
            .into_iter()
            .filter(|v| v.value.dunning.help_request_open)
            .collect();
        for invoice in &mut waiting {
            invoice.value.dunning.help_request_open = false;
            invoice.value.dunning.help_requested_at = None;
        }
        let mut events = vec![HistoryEvent::new(
            customer.clone(),
            now,
            actor.clone(),
            EventKind::PersonReplied { note: note.clone() },
        )];
        if !waiting.is_empty() {
            events.push(HistoryEvent::new(
                customer.clone(),
                now,
                actor.clone(),
                EventKind::HelpRequestAnswered {
                    numbers: waiting.iter().map(|v| v.value.number.clone()).collect(),
                },
            ));
        }
        let mut alerts = store.waiting_for(customer, TodoKind::DetractorAlert).await?;
        alerts.extend(store.waiting_for(customer, TodoKind::CustomerReply).await?);
        let versions: Vec<(&Invoice, u64)> = waiting.iter().map(|v| (&v.value, v.version)).collect();
        match store.person_replied(customer, &versions, &events, &alerts).await? {
            TxOutcome::Committed => return Ok(events),
            _ => retry.again().await.map_err(|_| StoreError::Contention("reply"))?,
        }
    }
}
