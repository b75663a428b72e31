//! The write-once archive, behind the table's stream: when an invoice is
//! issued or a credit note granted, its documents (the Factur-X PDF, CII
//! and UBL) are rendered from the issued record and each stored once, as
//! issued, locked for ten years after the close of its year (Code de
//! commerce L123-22), and a `documents_archived` event records where each
//! is and its SHA-256. A redelivered record stores nothing new and writes
//! the same event again, which the table keeps once.
//!
//! Then it sends the emails that carry the document, attached as archived:
//! the invoice (or credit note) email to the customer, and a copy to the
//! accounting inbox when the company has one. Both are outbox messages, so
//! a redelivered record or a second archiver sends neither twice; a failed
//! send waits in the outbox's documents lane for this function's sweep.

pub mod archive;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use relance::delivery::{Deliverer, DeliveryError, DeliveryOutcome, DeliverySummary};
use relance::domain::customer::DocumentFormat;
use relance::domain::event::ArchivedDocument;
use relance::domain::message::{Carried, Lane, Message, Purpose};
use relance::domain::{Actor, CustomerId, Email, EventKind, HistoryEvent, InvoiceNumber};
use relance::mail::{Attachment, Mailer};
use relance::store::{Store, StoreError};
use relance_documents::{Document, Syntax};

pub use archive::{Archive, ArchiveError, Stored, sha256_hex};

pub struct Deps<M> {
    pub store: Store,
    pub archive: Archive,
    pub deliverer: Deliverer<M>,
    /// The accounting inbox (`[books]` of the company file): each issued
    /// document's copy goes there. None: no copies.
    pub books: Option<Email>,
}

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error("rendering {0}: {1}")]
    Render(String, String),
    #[error("{0} is not in the table")]
    Missing(String),
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
}

/// Originals are kept ten years after the close of the year they were
/// issued in (the fiscal year is taken as the calendar year).
pub fn retain_until(issued: NaiveDate) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(issued.year() + 11, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub use relance::archive_link::key;

/// The archive's event for a trigger: at the trigger's instant, with an
/// id drawn from the trigger's, so every delivery of the record writes the
/// same item and the table keeps it once.
pub fn archived_event(trigger: &HistoryEvent, number: InvoiceNumber, documents: Vec<ArchivedDocument>) -> HistoryEvent {
    // After the trigger's id, so the record sorts after what it records,
    // but far after: ids made in the same millisecond count up by one from
    // the trigger's, and must never meet this one.
    let random = trigger.id.random();
    let id = ulid::Ulid::from_parts(
        trigger.id.timestamp_ms(),
        random.checked_add(1 << 40).unwrap_or(random ^ (1 << 79)),
    );
    HistoryEvent {
        id,
        at: trigger.at,
        customer_id: trigger.customer_id.clone(),
        actor: Actor::system("archive"),
        kind: EventKind::DocumentsArchived { number, documents },
    }
}

/// The history event a stream record inserted, when it is one the archive
/// acts on.
pub fn trigger(record: &EventRecord) -> Option<HistoryEvent> {
    if record.event_name != "INSERT" {
        return None;
    }
    let image = &record.change.new_image;
    let kind = match image.get("type") {
        Some(serde_dynamo::AttributeValue::S(kind)) => kind.as_str(),
        _ => return None,
    };
    if !matches!(image.get("entity"), Some(serde_dynamo::AttributeValue::S(e)) if e == "event")
        || !matches!(kind, "invoice_issued" | "credit_granted")
    {
        return None;
    }
    serde_dynamo::from_item::<_, HistoryEvent>(image.clone()).ok()
}

/// One rendered document: its format, its file suffix, its MIME type and
/// its bytes.
struct Rendered {
    format: &'static str,
    suffix: &'static str,
    mime: &'static str,
    bytes: Vec<u8>,
}

/// The three documents of a record, rendered.
fn render(doc: &Document) -> Result<Vec<Rendered>, Failure> {
    let failed =
        |what: &str, e: &dyn std::fmt::Display| Failure::Render(format!("{} {what}", doc.number), e.to_string());
    let cii = doc.write(Syntax::Cii).map_err(|e| failed("CII", &e))?;
    let ubl = doc.write(Syntax::Ubl).map_err(|e| failed("UBL", &e))?;
    let pdf = relance_documents::pdf::facturx(doc, &cii).map_err(|e| failed("PDF", &e))?;
    let rendered = |format, suffix, mime, bytes| Rendered {
        format,
        suffix,
        mime,
        bytes,
    };
    Ok(vec![
        rendered("pdf", "pdf", "application/pdf", pdf),
        rendered("cii", "cii.xml", "application/xml", cii),
        rendered("ubl", "ubl.xml", "application/xml", ubl),
    ])
}

/// What an issued record is, as the archive and its emails need it.
struct Issued {
    folder: &'static str,
    doc: Document,
    /// The customer's email about it.
    message: Option<ulid::Ulid>,
    format: DocumentFormat,
    credit_id: Option<String>,
}

async fn issued(store: &Store, customer: &CustomerId, carried: Carried<'_>) -> Result<Issued, Failure> {
    match carried {
        Carried::Invoice(number) => {
            let invoice = store
                .get_invoice(customer, number)
                .await?
                .ok_or_else(|| Failure::Missing(format!("invoice {number}")))?
                .value;
            Ok(Issued {
                folder: "invoices",
                doc: Document::invoice(&invoice),
                message: invoice.email_message_id,
                format: invoice.buyer.document_format(),
                credit_id: None,
            })
        }
        Carried::CreditNote { credit_id, number } => {
            let credit = store
                .get_credit(customer, credit_id)
                .await?
                .ok_or_else(|| Failure::Missing(format!("credit {credit_id}")))?
                .value;
            let doc =
                Document::credit_note(&credit).ok_or_else(|| Failure::Missing(format!("credit note {number}")))?;
            let format = match &credit.buyer {
                Some(buyer) => buyer.document_format(),
                None => store
                    .get_customer(customer)
                    .await?
                    .map_or(DocumentFormat::FacturX, |c| c.value.document_format()),
            };
            Ok(Issued {
                folder: "credit-notes",
                doc,
                message: credit.email_message_id,
                format,
                credit_id: Some(credit_id.to_string()),
            })
        }
    }
}

/// The document a trigger issued, if it issued one.
fn carried(event: &HistoryEvent) -> Option<Carried<'_>> {
    match &event.kind {
        EventKind::InvoiceIssued { number, .. } => Some(Carried::Invoice(number)),
        EventKind::CreditGranted { credit_id, number, .. } => Some(Carried::CreditNote { credit_id, number }),
        _ => None,
    }
}

/// The archived files of a record, by format, as stored.
type Files = Vec<(&'static str, String, Vec<u8>)>;

/// Archives what `event` issued and sends the emails that carry it.
/// Returns the event it recorded.
pub async fn archive<M: Mailer>(
    deps: &Deps<M>,
    event: &HistoryEvent,
    now: DateTime<Utc>,
) -> Result<Option<HistoryEvent>, Failure> {
    let customer = &event.customer_id;
    let Some(carried) = carried(event) else {
        return Ok(None);
    };
    let issued = issued(&deps.store, customer, carried).await?;
    let number = InvoiceNumber::parse(&issued.doc.number).map_err(|e| Failure::Render(issued.doc.number.clone(), e))?;
    let until = retain_until(issued.doc.issue_date);
    let mut documents = Vec::new();
    let mut files: Files = Vec::new();
    for Rendered {
        format,
        suffix,
        mime,
        bytes,
    } in render(&issued.doc)?
    {
        let key = key(issued.folder, customer, &number, suffix);
        let (sha256, original) = match deps.archive.put_once(&key, &bytes, mime, until).await? {
            Stored::New | Stored::Already => (sha256_hex(&bytes), bytes),
            Stored::Differs { stored_sha256 } => {
                // The original stands: it is what was issued, and what the
                // emails attach.
                tracing::warn!(%key, "the archived original differs from today's rendering; the original is kept");
                (stored_sha256, deps.archive.read(&key).await?)
            }
        };
        documents.push(ArchivedDocument {
            format: format.to_string(),
            key: key.clone(),
            sha256,
            bytes: u64::try_from(original.len()).unwrap_or(u64::MAX),
        });
        files.push((format, format!("{number}.{suffix}"), original));
    }
    let recorded = archived_event(event, number.clone(), documents);
    deps.store.append_new_event(&recorded).await?;
    let attachments = attachments(&files, issued.format);
    if let Some(message) = issued.message {
        report(
            deps.deliverer
                .deliver_with(customer, message, now, &attachments)
                .await?,
            message,
        );
    }
    if deps.books.is_some() {
        let copy = book_copy(event, number, issued.credit_id);
        deps.store.queue_message_once(&copy).await?;
        report(
            deps.deliverer
                .deliver_with(customer, copy.id, now, &attachments)
                .await?,
            copy.id,
        );
    }
    Ok(Some(recorded))
}

/// The files an email attaches for a buyer's document format.
fn attachments(files: &Files, format: DocumentFormat) -> Vec<Attachment> {
    files
        .iter()
        .filter(|(name, _, _)| format.attached().contains(name))
        .map(|(name, file_name, bytes)| Attachment {
            file_name: file_name.clone(),
            content_type: if *name == "pdf" {
                "application/pdf"
            } else {
                "application/xml"
            },
            bytes: bytes.clone(),
        })
        .collect()
}

/// The books' copy of what a trigger issued: its id drawn from the
/// trigger's, so every delivery of the record queues the same message.
pub fn book_copy(trigger: &HistoryEvent, number: InvoiceNumber, credit_id: Option<String>) -> Message {
    let mut message = Message::new(
        trigger.customer_id.clone(),
        Purpose::BookCopy { number, credit_id },
        trigger.at,
    );
    message.id = ulid::Ulid::from_parts(trigger.id.timestamp_ms(), trigger.id.random() ^ (1 << 78));
    message
}

/// A send that did not happen now is not a failure of the record: the
/// message waits in the outbox for the sweep.
fn report(outcome: DeliveryOutcome, message: ulid::Ulid) {
    match outcome {
        DeliveryOutcome::Sent { .. } | DeliveryOutcome::NotClaimed => {}
        DeliveryOutcome::Failed { reason, .. } | DeliveryOutcome::Unknown { reason } => {
            tracing::warn!(message_id = %message, %reason, "document email not sent yet; the sweep will retry");
        }
    }
}

/// Sends the document emails the outbox holds as due (a failed first
/// attempt, a sender that died), with their files read from the archive.
/// One whose documents are not archived yet is left to the stream.
pub async fn sweep<M: Mailer>(deps: &Deps<M>, now: DateTime<Utc>) -> Result<DeliverySummary, Failure> {
    let mut summary = DeliverySummary::default();
    for due in deps.store.due_messages(now, Lane::Documents).await? {
        // Due while SENDING: its sender died holding the lease.
        if due.status == relance::domain::message::MessageStatus::Sending {
            summary.stuck += 1;
        }
        let Some(message) = deps.store.get_message(&due.customer_id, due.id).await? else {
            continue;
        };
        let Some(carried) = message.purpose.carries() else {
            continue;
        };
        let issued = issued(&deps.store, &due.customer_id, carried).await?;
        let number =
            InvoiceNumber::parse(&issued.doc.number).map_err(|e| Failure::Render(issued.doc.number.clone(), e))?;
        let mut files: Files = Vec::new();
        for (format, suffix) in [("pdf", "pdf"), ("cii", "cii.xml"), ("ubl", "ubl.xml")] {
            if !issued.format.attached().contains(&format) {
                continue;
            }
            let key = key(issued.folder, &due.customer_id, &number, suffix);
            match deps.archive.read(&key).await {
                Ok(bytes) => files.push((format, format!("{number}.{suffix}"), bytes)),
                Err(err) => {
                    tracing::info!(%key, error = %err, "not archived yet; the stream sends it once archived");
                    summary.not_claimed += 1;
                    break;
                }
            }
        }
        if files.len() < issued.format.attached().len() {
            continue;
        }
        let attachments = attachments(&files, issued.format);
        match deps
            .deliverer
            .deliver_with(&due.customer_id, due.id, now, &attachments)
            .await?
        {
            DeliveryOutcome::Sent { .. } => summary.sent += 1,
            DeliveryOutcome::Failed { .. } => summary.failed += 1,
            DeliveryOutcome::Unknown { .. } => summary.unknown += 1,
            DeliveryOutcome::NotClaimed => summary.not_claimed += 1,
        }
    }
    Ok(summary)
}

/// Handles one batch; returns the records to retry (from the first that
/// failed, so none after it is handled twice).
pub async fn handle<M: Mailer>(deps: &Deps<M>, event: Event, now: DateTime<Utc>) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in &event.records {
        let Some(trigger) = trigger(record) else {
            continue;
        };
        if let Err(err) = archive(deps, &trigger, now).await {
            tracing::error!(event = %trigger.id, customer = %trigger.customer_id, error = %err, "archiving failed; the record will be retried");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number.clone();
            response.batch_item_failures.push(failure);
            break;
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn originals_are_kept_ten_years_after_the_close_of_their_year() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        for (issued, until) in [
            (day(2026, 1, 2), 2037),
            (day(2026, 12, 31), 2037),
            (day(2027, 1, 1), 2038),
        ] {
            assert_eq!(
                retain_until(issued).to_rfc3339(),
                format!("{until}-01-01T00:00:00+00:00")
            );
        }
    }

    #[test]
    fn the_recorded_event_is_the_same_for_every_delivery_and_not_the_trigger() {
        let at = Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0).single().unwrap_or_default();
        let customer = CustomerId::parse("c1").unwrap_or_else(|e| panic!("{e}"));
        let trigger = HistoryEvent::new(customer, at, Actor::system("t"), EventKind::SurveysOptedOut);
        let number = InvoiceNumber::new("F2026", 1);
        let first = archived_event(&trigger, number.clone(), Vec::new());
        let again = archived_event(&trigger, number, Vec::new());
        assert_eq!((first.id, first.at), (again.id, again.at));
        assert_ne!(first.id, trigger.id);
    }
}
