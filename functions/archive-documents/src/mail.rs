//! The emails that carry an issued document, sent from the archive: when
//! `documents_archived` is recorded, the invoice (or credit note) email
//! goes to the customer with the archived files attached — the PDF, and
//! the XML a buyer's platform asked for — and a copy to the accounting
//! inbox when the company has one. Both are outbox messages, so a
//! redelivered record or two senders at once send neither twice; a failed
//! send waits in the outbox's documents lane for [`sweep`].

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use chrono::{DateTime, Utc};
use relance::archive_link::notice_key;
use relance::delivery::{Deliverer, DeliveryOutcome, DeliverySummary};
use relance::domain::message::{Carried, Home, Lane, Message, MessageStatus, Purpose};
use relance::domain::{CustomerId, Email, EventKind, HistoryEvent, InvoiceNumber};
use relance::mail::{Attachment, Mailer};
use relance::store::Store;

use crate::{Archive, Failure, Filed, filed, inserted, key};

pub struct Mail<M> {
    pub store: Store,
    /// Read only: the originals are attached as stored.
    pub archive: Archive,
    pub deliverer: Deliverer<M>,
    /// The accounting inbox (`[books]` of the company file): each issued
    /// document's copy goes there. None: no copies.
    pub books: Option<Email>,
}

/// The archive formats and file suffixes, in attachment order.
const FILES: [(&str, &str); 3] = [("pdf", "pdf"), ("cii", "cii.xml"), ("ubl", "ubl.xml")];

/// The files an email attaches for a buyer's document format, read from
/// the archive; `None` while one of them is not archived yet.
async fn attachments<M>(
    mail: &Mail<M>,
    customer: &CustomerId,
    filed: &Filed,
) -> Result<Option<Vec<Attachment>>, Failure> {
    let mut files = Vec::new();
    for (format, suffix) in FILES {
        if !filed.format.attached().contains(&format) {
            continue;
        }
        let key = key(filed.folder, customer, &filed.number, suffix);
        match mail.archive.read(&key).await {
            Ok(bytes) => files.push(Attachment {
                file_name: format!("{}.{suffix}", filed.number),
                content_type: if format == "pdf" {
                    "application/pdf"
                } else {
                    "application/xml"
                },
                bytes,
            }),
            Err(err) => {
                tracing::info!(%key, error = %err, "not archived yet");
                return Ok(None);
            }
        }
    }
    Ok(Some(files))
}

/// The books' copy of what a record archived: its id drawn from the
/// record's, so every delivery of the record queues the same message.
pub fn book_copy(archived: &HistoryEvent, number: InvoiceNumber, credit_id: Option<String>) -> Message {
    let mut message = Message::new(
        archived.customer_id.clone(),
        Purpose::BookCopy { number, credit_id },
        archived.at,
    );
    message.id = ulid::Ulid::from_parts(archived.id.timestamp_ms(), archived.id.random() ^ (1 << 78));
    message
}

/// A send that did not happen now is not a failure of the record: the
/// message waits in the outbox for the sweep.
fn report(outcome: DeliveryOutcome, message: ulid::Ulid) {
    match outcome {
        // Documents are never held back by the contact budget; the arm
        // keeps the match whole.
        DeliveryOutcome::Sent { .. }
        | DeliveryOutcome::NotClaimed
        | DeliveryOutcome::Withdrawn { .. }
        | DeliveryOutcome::Postponed { .. } => {}
        DeliveryOutcome::Failed { reason, .. } | DeliveryOutcome::Unknown { reason } => {
            tracing::warn!(message_id = %message, %reason, "document email not sent yet; the sweep will retry");
        }
    }
}

/// Sends the emails of one `documents_archived` record.
pub async fn send<M: Mailer>(mail: &Mail<M>, archived: &HistoryEvent, now: DateTime<Utc>) -> Result<(), Failure> {
    let EventKind::DocumentsArchived { number, credit_id, .. } = &archived.kind else {
        return Ok(());
    };
    let customer = &archived.customer_id;
    let carried = match credit_id {
        None => Carried::Invoice(number),
        Some(credit_id) => Carried::CreditNote { credit_id, number },
    };
    let filed = filed(&mail.store, customer, carried).await?;
    let Some(files) = attachments(mail, customer, &filed).await? else {
        return Err(Failure::Missing(format!("the archived documents of {number}")));
    };
    if let Some(message) = filed.message {
        report(
            mail.deliverer
                .deliver_with(Home::Own, customer, message, now, &files)
                .await?,
            message,
        );
    }
    if mail.books.is_some() {
        let copy = book_copy(archived, number.clone(), credit_id.clone());
        mail.store.queue_message_once(&copy).await?;
        report(
            mail.deliverer
                .deliver_with(Home::Own, customer, copy.id, now, &files)
                .await?,
            copy.id,
        );
    }
    Ok(())
}

/// The letter of a formal notice, read from the archive; `None` while it
/// is not stored yet.
async fn notice_letter<M>(
    mail: &Mail<M>,
    customer: &CustomerId,
    reference: &str,
) -> Result<Option<Vec<Attachment>>, Failure> {
    let key = notice_key(customer, reference);
    match mail.archive.read(&key).await {
        Ok(bytes) => Ok(Some(vec![Attachment {
            file_name: format!("{reference}.pdf"),
            content_type: "application/pdf",
            bytes,
        }])),
        Err(err) => {
            tracing::info!(%key, error = %err, "not archived yet");
            Ok(None)
        }
    }
}

/// Sends the final notice a `notice_archived` record names, with its
/// letter. When no letter was drawn (everything was paid or disputed by
/// then), the reminder is left unsent: what it would ask for is settled,
/// and the next pass decides afresh.
pub async fn send_notice<M: Mailer>(
    mail: &Mail<M>,
    archived: &HistoryEvent,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let EventKind::NoticeArchived {
        reference,
        message_id,
        document,
        ..
    } = &archived.kind
    else {
        return Ok(());
    };
    let customer = &archived.customer_id;
    let Ok(message) = message_id.parse::<ulid::Ulid>() else {
        return Err(Failure::Missing(format!("the reminder of notice {reference}")));
    };
    if document.is_none() {
        // Left pending, it would hold the customer's dunning forever (the
        // pass waits for a reminder in flight): it is taken back instead.
        let dunning = mail.store.get_dunning(customer).await?.value;
        if let Some(pending) = dunning.message.filter(|m| m.id == message) {
            let reason = format!("nothing left to demand when formal notice {reference} was drawn");
            mail.deliverer.withdraw(Home::Dunning, &pending, &reason, now).await?;
        }
        return Ok(());
    }
    let Some(files) = notice_letter(mail, customer, reference).await? else {
        return Err(Failure::Missing(format!("the archived letter {reference}")));
    };
    report(
        mail.deliverer
            .deliver_with(Home::Dunning, customer, message, now, &files)
            .await?,
        message,
    );
    Ok(())
}

/// Handles one batch of `documents_archived` and `notice_archived`
/// records; returns the records to retry (from the first that failed).
pub async fn handle<M: Mailer>(mail: &Mail<M>, event: Event, now: DateTime<Utc>) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in &event.records {
        let Some(archived) = inserted(record, &["documents_archived", "notice_archived"]) else {
            continue;
        };
        let sent = match archived.kind {
            EventKind::NoticeArchived { .. } => send_notice(mail, &archived, now).await,
            _ => send(mail, &archived, now).await,
        };
        if let Err(err) = sent {
            tracing::error!(event = %archived.id, customer = %archived.customer_id, error = %err, "document emails failed; the record will be retried");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number.clone();
            response.batch_item_failures.push(failure);
            break;
        }
    }
    response
}

/// Sends the document emails the outbox holds as due (a failed first
/// attempt, a sender that died), with their files read from the archive.
/// One whose documents are not archived yet is left for its record.
pub async fn sweep<M: Mailer>(mail: &Mail<M>, now: DateTime<Utc>) -> Result<DeliverySummary, Failure> {
    let mut summary = DeliverySummary::default();
    for due in mail.store.due_messages(now, Lane::Documents).await? {
        // Due while SENDING: its sender died holding the lease.
        if due.status == MessageStatus::Sending {
            summary.stuck += 1;
        }
        let message = match due.home {
            Home::Own => mail.store.get_message(&due.customer_id, due.id).await?,
            Home::Dunning => mail
                .store
                .get_dunning(&due.customer_id)
                .await?
                .value
                .message
                .filter(|m| m.id == due.id),
        };
        let Some(message) = message else {
            continue;
        };
        let files = match message.purpose.carries() {
            None => continue,
            Some(Carried::Notice(notice)) => notice_letter(mail, &due.customer_id, &notice.reference).await?,
            Some(carried) => {
                let filed = filed(&mail.store, &due.customer_id, carried).await?;
                attachments(mail, &due.customer_id, &filed).await?
            }
        };
        let Some(files) = files else {
            summary.not_claimed += 1;
            continue;
        };
        match mail
            .deliverer
            .deliver_with(due.home, &due.customer_id, due.id, now, &files)
            .await?
        {
            DeliveryOutcome::Sent { .. } => summary.sent += 1,
            DeliveryOutcome::Failed { .. } => summary.failed += 1,
            DeliveryOutcome::Unknown { .. } => summary.unknown += 1,
            DeliveryOutcome::NotClaimed => summary.not_claimed += 1,
            DeliveryOutcome::Withdrawn { .. } => summary.withdrawn += 1,
            DeliveryOutcome::Postponed { .. } => summary.postponed += 1,
        }
    }
    Ok(summary)
}
