//! The formal notice to pay of a business customer's final notice: when
//! the reminder pass records `formal_notice_due`, the letter is drawn from
//! the invoices as they stand, as of the notice's date, stored once in the
//! archive like an invoice, and `notice_archived` records where it is —
//! which sends the reminder with the letter attached ([`crate::mail`]).

use relance::archive_link::notice_key;
use relance::domain::event::ArchivedDocument;
use relance::domain::notice::formal_notice;
use relance::domain::{EventKind, HistoryEvent, Invoice};
use relance_documents::letter::{Letter, notice_pdf};

use crate::{Deps, Failure, Stored, recorded_after, retain_until, sha256_hex};

/// Draws, stores and records the letter a `formal_notice_due` asks for.
/// Should every invoice have been paid or disputed in the meantime, no
/// letter is drawn and the record says so (its reminder is then not sent
/// with one).
pub async fn archive(deps: &Deps, event: &HistoryEvent) -> Result<HistoryEvent, Failure> {
    let EventKind::FormalNoticeDue {
        reference,
        numbers,
        dated,
        message_id,
    } = &event.kind
    else {
        return Err(Failure::Missing("a formal notice".into()));
    };
    let customer = &event.customer_id;
    let buyer = deps
        .store
        .get_customer(customer)
        .await?
        .ok_or_else(|| Failure::Missing(format!("customer {customer}")))?
        .value;
    let mut invoices: Vec<Invoice> = Vec::with_capacity(numbers.len());
    for number in numbers {
        if let Some(invoice) = deps.store.get_invoice(customer, number).await? {
            invoices.push(invoice.value);
        }
    }
    let listed: Vec<&Invoice> = invoices.iter().collect();
    let recorded = |document, total_minor| {
        recorded_after(
            event,
            EventKind::NoticeArchived {
                reference: reference.clone(),
                message_id: message_id.clone(),
                document,
                total_minor,
            },
        )
    };
    let (Some(notice), Some(latest)) = (formal_notice(&listed, *dated), invoices.last()) else {
        let nothing = recorded(None, 0);
        deps.store.append_new_event(&nothing).await?;
        return Ok(nothing);
    };
    // The company as its latest invoice states it (name, address, bank,
    // the contact who signs).
    let letter = Letter {
        notice: &notice,
        seller: &latest.seller,
        buyer: &buyer,
        reference,
    };
    let pdf = notice_pdf(&letter).map_err(|e| Failure::Render(format!("notice {reference}"), e.to_string()))?;
    let key = notice_key(customer, reference);
    let (sha256, size) = match deps
        .archive
        .put_once(&key, &pdf, "application/pdf", retain_until(*dated))
        .await?
    {
        Stored::New | Stored::Already => (sha256_hex(&pdf), pdf.len()),
        Stored::Differs { stored_sha256 } => (stored_sha256, deps.archive.read(&key).await?.len()),
    };
    let document = ArchivedDocument {
        format: "pdf".into(),
        key,
        sha256,
        bytes: u64::try_from(size).unwrap_or(u64::MAX),
    };
    let stored = recorded(Some(document), notice.total_minor);
    deps.store.append_new_event(&stored).await?;
    Ok(stored)
}
