//! Use cases: what the card provider reports after a payment — money
//! given back (a refund: the invoice owes it again) and a dispute opened
//! by the cardholder's bank (a dispute on the invoice: no reminder while
//! it is open). Both find their invoice through the payment's bank record
//! (`bank::record_card_payment` keyed it by the provider's payment id),
//! so they need nothing but that id, and both are idempotent: the
//! provider delivers events more than once and in any order.

use chrono::NaiveDate;
use serde::Serialize;

use crate::bank::BankError;
use crate::context::Call;
use crate::domain::bank::{Allocation, EntryId};
use crate::domain::invoice::{Dispute, Invoice};
use crate::domain::{EventKind, HistoryEvent};
use crate::retry::Retry;
use crate::store::{EntryOutcome, Store, TxOutcome};

/// The account under which card payments are recorded.
pub const PROVIDER_ACCOUNT: &str = "stripe";

/// What the provider reported about one of its payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardChange {
    /// Refunded so far on the payment (the provider's running total).
    Refunded { total_minor: i64, on: NaiveDate },
    /// The cardholder's bank disputes the payment.
    Disputed {
        dispute_id: String,
        reason: String,
        amount_minor: i64,
        currency: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOutcome {
    Recorded,
    /// This report, or a later one, was recorded before.
    AlreadyRecorded,
    /// A dispute was already open on the invoice (opened by finance):
    /// it stays as it is.
    AlreadyDisputed,
    /// relance recorded no payment by this id on an invoice (another
    /// system's payment, or one still held in the review queue).
    UnknownPayment,
}

/// The invoices a recorded card payment paid.
async fn paid_by(store: &Store, payment_id: &str) -> Result<Vec<Allocation>, BankError> {
    let id = EntryId::reference(PROVIDER_ACCOUNT, payment_id);
    let Some(record) = store.bank_entry(&id).await? else {
        return Ok(Vec::new());
    };
    Ok(match record.value.outcome {
        EntryOutcome::Applied { allocations, .. } | EntryOutcome::Resolved { allocations, .. } => allocations,
        EntryOutcome::Review { .. } | EntryOutcome::Ignored { .. } => Vec::new(),
    })
}

/// Applies a provider's report to every invoice its payment paid, each
/// in its own conditional write (with its history event).
pub async fn record_card_change(
    store: &Store,
    payment_id: &str,
    change: &CardChange,
    ctx: Call<'_>,
) -> Result<ChangeOutcome, BankError> {
    let allocations = paid_by(store, payment_id).await?;
    if allocations.is_empty() {
        return Ok(ChangeOutcome::UnknownPayment);
    }
    let source = format!("{PROVIDER_ACCOUNT}:{payment_id}");
    let mut outcome = ChangeOutcome::AlreadyRecorded;
    for a in &allocations {
        let mut retry = Retry::contention();
        loop {
            let Some(found) = store.get_invoice(&a.customer, &a.number).await? else {
                return Err(BankError::Refused(format!(
                    "{} is not an invoice of {}",
                    a.number, a.customer
                )));
            };
            let mut invoice = found.value;
            let kind = match apply(&mut invoice, &source, change, ctx) {
                Ok(kind) => kind,
                Err(skipped) => {
                    if outcome == ChangeOutcome::AlreadyRecorded {
                        outcome = skipped;
                    }
                    break;
                }
            };
            let event = HistoryEvent::new(a.customer.clone(), ctx.now, ctx.actor.clone(), kind);
            match store
                .update_invoice(&invoice, found.version, &[event], None, ctx.now)
                .await?
            {
                TxOutcome::Committed => {
                    outcome = ChangeOutcome::Recorded;
                    break;
                }
                _ => retry.again().await.map_err(|_| BankError::Busy)?,
            }
        }
    }
    Ok(outcome)
}

/// The change on one invoice, or why there is none.
fn apply(invoice: &mut Invoice, source: &str, change: &CardChange, ctx: Call<'_>) -> Result<EventKind, ChangeOutcome> {
    match change {
        CardChange::Refunded { total_minor, on } => invoice
            .take_refund(source, *total_minor, *on, ctx.now, ctx.actor)
            .ok_or(ChangeOutcome::AlreadyRecorded),
        CardChange::Disputed {
            dispute_id,
            reason,
            amount_minor,
            currency,
        } => {
            if invoice.disputes.iter().any(|d| d.reason.contains(dispute_id.as_str())) {
                return Err(ChangeOutcome::AlreadyRecorded);
            }
            let note = dispute_note(dispute_id, reason, *amount_minor, currency);
            invoice
                .open_new_dispute(Dispute {
                    reason: note.clone(),
                    opened_by: ctx.actor.clone(),
                    opened_at: ctx.now,
                    settled: None,
                })
                .map_err(|_| ChangeOutcome::AlreadyDisputed)?;
            Ok(EventKind::DisputeOpened {
                number: invoice.number.clone(),
                reason: note,
            })
        }
    }
}

/// The dispute's reason as finance reads it in the history; it carries
/// the provider's dispute id, which is what makes it recorded once.
fn dispute_note(dispute_id: &str, reason: &str, amount_minor: i64, currency: &str) -> String {
    let reason: String = reason
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect();
    let amount = crate::domain::money::Currency::parse(&currency.to_uppercase()).map_or_else(
        |_| format!("{amount_minor} {currency}"),
        |c| crate::domain::money::Money::new(amount_minor, c).format(crate::domain::Locale::En),
    );
    format!(
        "Card payment disputed by the cardholder's bank ({dispute_id}, reason: {reason}, {amount}); \
         answer it in the card provider's dashboard"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_dispute_note_names_the_dispute_and_keeps_only_a_plain_reason() {
        let note = super::dispute_note("dp_1Q", "fraudulent\n<b>", 12_000, "EUR");
        assert!(note.contains("(dp_1Q, reason: fraudulentb, €120.00)"), "{note}");
    }
}
