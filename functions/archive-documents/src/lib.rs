//! The write-once archive, behind the table's stream: when an invoice is
//! issued or a credit note granted, its documents (the Factur-X PDF, CII
//! and UBL) are rendered from the issued record and each stored once, as
//! issued, locked for ten years after the close of its year (Code de
//! commerce L123-22), and a `documents_archived` event records where each
//! is and its SHA-256. A redelivered record stores nothing new and writes
//! the same event again, which the table keeps once.
//!
//! The emails that carry the documents are sent from the archive by a
//! second function of this crate, `send-documents` ([`mail`]): it reads
//! the files back instead of rendering them, so neither function carries
//! both the PDF writer and the mail stack (their size budgets could not).

pub mod archive;
pub mod mail;
pub mod notice;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use relance::delivery::DeliveryError;
use relance::domain::customer::DocumentFormat;
use relance::domain::event::ArchivedDocument;
use relance::domain::message::Carried;
use relance::domain::{Actor, CustomerId, EventKind, HistoryEvent, InvoiceNumber};
use relance::store::{Store, StoreError};
use relance_documents::{Document, Syntax};

pub use archive::{Archive, ArchiveError, Stored, sha256_hex};
pub use relance::archive_link::key;

pub struct Deps {
    pub store: Store,
    pub archive: Archive,
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

/// The archive's event for a trigger: at the trigger's instant, with an
/// id drawn from the trigger's, so every delivery of the record writes the
/// same item and the table keeps it once.
pub fn archived_event(
    trigger: &HistoryEvent,
    number: InvoiceNumber,
    documents: Vec<ArchivedDocument>,
    credit_id: Option<String>,
) -> HistoryEvent {
    recorded_after(
        trigger,
        EventKind::DocumentsArchived {
            number,
            documents,
            credit_id,
        },
    )
}

/// The archive's record of what `trigger` asked for, with an id drawn
/// from the trigger's.
pub fn recorded_after(trigger: &HistoryEvent, kind: EventKind) -> HistoryEvent {
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
        kind,
    }
}

/// The history event a stream record inserted, when it is of one of these
/// kinds.
pub fn inserted(record: &EventRecord, kinds: &[&str]) -> Option<HistoryEvent> {
    if record.event_name != "INSERT" {
        return None;
    }
    let image = &record.change.new_image;
    let kind = match image.get("type") {
        Some(serde_dynamo::AttributeValue::S(kind)) => kind.as_str(),
        _ => return None,
    };
    if !matches!(image.get("entity"), Some(serde_dynamo::AttributeValue::S(e)) if e == "event")
        || !kinds.contains(&kind)
    {
        return None;
    }
    serde_dynamo::from_item::<_, HistoryEvent>(image.clone()).ok()
}

/// The history event a stream record inserted, when it is one the archive
/// acts on.
pub fn trigger(record: &EventRecord) -> Option<HistoryEvent> {
    inserted(record, &["invoice_issued", "credit_granted", "formal_notice_due"])
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

/// The document a trigger issued, if it issued one.
pub fn carried(event: &HistoryEvent) -> Option<Carried<'_>> {
    match &event.kind {
        EventKind::InvoiceIssued { number, .. } => Some(Carried::Invoice(number)),
        EventKind::CreditGranted { credit_id, number, .. } => Some(Carried::CreditNote { credit_id, number }),
        _ => None,
    }
}

/// Where an issued record's documents are filed, and what its emails need.
pub struct Filed {
    pub folder: &'static str,
    pub number: InvoiceNumber,
    /// The customer's email about it.
    pub message: Option<ulid::Ulid>,
    /// What the buyer receives (chosen when it was issued).
    pub format: DocumentFormat,
    pub credit_id: Option<String>,
}

/// What was issued, read from the table: where it is filed, and its
/// document's data (the archive renders it; the mailer only files).
async fn issued(
    store: &Store,
    customer: &CustomerId,
    carried: Carried<'_>,
) -> Result<(Filed, Option<Document>), Failure> {
    match carried {
        Carried::Invoice(number) => {
            let invoice = store
                .get_invoice(customer, number)
                .await?
                .ok_or_else(|| Failure::Missing(format!("invoice {number}")))?
                .value;
            let filed = Filed {
                folder: "invoices",
                number: number.clone(),
                message: invoice.email_message_id,
                format: invoice.buyer.document_format(),
                credit_id: None,
            };
            Ok((filed, Some(Document::invoice(&invoice))))
        }
        Carried::Notice(notice) => Err(Failure::Missing(format!("a document for notice {}", notice.reference))),
        Carried::CreditNote { credit_id, number } => {
            let credit = store
                .get_credit(customer, credit_id)
                .await?
                .ok_or_else(|| Failure::Missing(format!("credit {credit_id}")))?
                .value;
            let format = match &credit.buyer {
                Some(buyer) => buyer.document_format(),
                None => store
                    .get_customer(customer)
                    .await?
                    .map_or(DocumentFormat::FacturX, |c| c.value.document_format()),
            };
            let filed = Filed {
                folder: "credit-notes",
                number: number.clone(),
                message: credit.email_message_id,
                format,
                credit_id: Some(credit_id.to_string()),
            };
            Ok((filed, Document::credit_note(&credit)))
        }
    }
}

/// Where a record's documents are filed (no rendering).
pub async fn filed(store: &Store, customer: &CustomerId, carried: Carried<'_>) -> Result<Filed, Failure> {
    Ok(issued(store, customer, carried).await?.0)
}

/// Archives what `event` issued. Returns the event it recorded.
pub async fn archive(deps: &Deps, event: &HistoryEvent) -> Result<Option<HistoryEvent>, Failure> {
    if matches!(event.kind, EventKind::FormalNoticeDue { .. }) {
        return notice::archive(deps, event).await.map(Some);
    }
    let customer = &event.customer_id;
    let Some(carried) = carried(event) else {
        return Ok(None);
    };
    let (filed, doc) = issued(&deps.store, customer, carried).await?;
    let doc = doc.ok_or_else(|| Failure::Missing(format!("credit note {}", filed.number)))?;
    let number = filed.number;
    let until = retain_until(doc.issue_date);
    let mut documents = Vec::new();
    for Rendered {
        format,
        suffix,
        mime,
        bytes,
    } in render(&doc)?
    {
        let key = key(filed.folder, customer, &number, suffix);
        let (sha256, size) = match deps.archive.put_once(&key, &bytes, mime, until).await? {
            Stored::New | Stored::Already => (sha256_hex(&bytes), bytes.len()),
            Stored::Differs { stored_sha256 } => {
                // The original stands: it is what was issued, and what the
                // emails attach.
                tracing::warn!(%key, "the archived original differs from today's rendering; the original is kept");
                (stored_sha256, deps.archive.read(&key).await?.len())
            }
        };
        documents.push(ArchivedDocument {
            format: format.to_string(),
            key,
            sha256,
            bytes: u64::try_from(size).unwrap_or(u64::MAX),
        });
    }
    let recorded = archived_event(event, number, documents, filed.credit_id);
    deps.store.append_new_event(&recorded).await?;
    Ok(Some(recorded))
}

/// Handles one batch; returns the records to retry (from the first that
/// failed, so none after it is handled twice).
pub async fn handle(deps: &Deps, event: Event) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in &event.records {
        let Some(trigger) = trigger(record) else {
            continue;
        };
        if let Err(err) = archive(deps, &trigger).await {
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
        let first = archived_event(&trigger, number.clone(), Vec::new(), None);
        let again = archived_event(&trigger, number, Vec::new(), None);
        assert_eq!((first.id, first.at), (again.id, again.at));
        assert_ne!(first.id, trigger.id);
    }
}
