//! The customer history: an append-only log of what happened, in time order.

use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::ids::{Actor, CustomerId, InvoiceNumber};
use super::invoice::PaymentMethod;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub id: Ulid,
    pub at: DateTime<Utc>,
    pub customer_id: CustomerId,
    pub actor: Actor,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl HistoryEvent {
    pub fn new(customer_id: CustomerId, at: DateTime<Utc>, actor: Actor, kind: EventKind) -> Self {
        Self {
            id: next_id(),
            at,
            customer_id,
            actor,
            kind,
        }
    }
}

/// Event ids increase strictly within a process, so events written in the
/// same instant (a payment and the `invoice_paid` it causes) keep the order
/// they were created in; the key sorts by time, then by id.
fn next_id() -> Ulid {
    static GENERATOR: Mutex<Option<ulid::Generator>> = Mutex::new(None);
    let mut guard = GENERATOR.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    guard
        .get_or_insert_with(ulid::Generator::new)
        .generate()
        .unwrap_or_else(|_| Ulid::new())
}

/// Everything that can happen to a customer. The `type` tag is a plain
/// attribute so stream filters can select events by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    CustomerCreated,
    CustomerUpdated {
        fields: Vec<String>,
    },
    InvoiceIssued {
        number: InvoiceNumber,
        gross_minor: i64,
        currency: String,
        due_date: NaiveDate,
    },
    InvoiceEmailed {
        number: InvoiceNumber,
        message_id: String,
        provider_message_id: String,
    },
    InvoiceDeliveryFailed {
        number: InvoiceNumber,
        message_id: String,
        reason: String,
    },
    PaymentRecorded {
        number: InvoiceNumber,
        amount_minor: i64,
        currency: String,
        date: NaiveDate,
        method: PaymentMethod,
        reference: Option<String>,
        remaining_minor: i64,
    },
    InvoicePaid {
        number: InvoiceNumber,
        paid_on: NaiveDate,
        days_late: i64,
    },
    DisputeOpened {
        number: InvoiceNumber,
        reason: String,
    },
    DisputeSettled {
        number: InvoiceNumber,
        resolution: String,
    },
}

impl EventKind {
    /// The tag as stored, e.g. `invoice_issued`.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::CustomerCreated => "customer_created",
            EventKind::CustomerUpdated { .. } => "customer_updated",
            EventKind::InvoiceIssued { .. } => "invoice_issued",
            EventKind::InvoiceEmailed { .. } => "invoice_emailed",
            EventKind::InvoiceDeliveryFailed { .. } => "invoice_delivery_failed",
            EventKind::PaymentRecorded { .. } => "payment_recorded",
            EventKind::InvoicePaid { .. } => "invoice_paid",
            EventKind::DisputeOpened { .. } => "dispute_opened",
            EventKind::DisputeSettled { .. } => "dispute_settled",
        }
    }
}
