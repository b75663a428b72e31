//! Things that wait for a person and have no item of their own to carry
//! their to-do keys: a detractor's answer, a hand-off. Each is one small
//! item in the customer's partition, in the to-do index while it exists;
//! the person's action deletes it in the transaction that records the
//! action, so a second press finds nothing and writes nothing.

use chrono::{DateTime, Utc};

use super::envelope::Envelope;
use super::tx::{Cond, Part, Tx, TxOutcome, to_item};
use super::{Store, StoreError, keys};
use crate::domain::todo::{Todo, TodoKind};
use crate::domain::{Actor, CustomerId, EventKind, HistoryEvent, InvoiceNumber};

pub(super) const WAITING_PREFIX: &str = "WAITING#";

fn waiting_sk(kind: TodoKind, reference: &str) -> String {
    format!("{WAITING_PREFIX}{}#{reference}", kind.name())
}

impl Store {
    /// Puts `todo` on the to-do, in the customer's partition.
    pub(super) fn put_waiting(&self, tx: &mut Tx, customer: &CustomerId, todo: &Todo) -> Result<(), StoreError> {
        let item = Envelope::new(
            keys::customer_pk(customer),
            waiting_sk(todo.kind, &todo.reference),
            "waiting",
            todo,
        )
        .waiting(Some(todo));
        tx.put(self, Part::Waiting, to_item(&item)?, None)
    }

    /// Takes `todo` off the to-do, only if it is still on it.
    pub(super) fn clear_waiting(
        &self,
        tx: &mut Tx,
        customer: &CustomerId,
        kind: TodoKind,
        reference: &str,
    ) -> Result<(), StoreError> {
        let key = Self::key(keys::customer_pk(customer), waiting_sk(kind, reference));
        tx.delete(self, Part::Waiting, key, Cond::new("attribute_exists(PK)"))
    }

    /// What of `kind` waits for a person about this customer: one Query
    /// on their partition.
    pub async fn waiting_for(&self, customer: &CustomerId, kind: TodoKind) -> Result<Vec<Todo>, StoreError> {
        let prefix = format!("{WAITING_PREFIX}{}#", kind.name());
        let items: Vec<Envelope<Todo>> = self.customer_items(customer, &prefix).await?;
        Ok(items.into_iter().map(|e| e.body).collect())
    }

    /// A person takes over the hand-off that starts at `number`: the item
    /// leaves the to-do with the event that says who. `false` when nothing
    /// waited (taken already, or never handed off): nothing is written.
    pub async fn take_over(
        &self,
        customer: &CustomerId,
        number: &InvoiceNumber,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = Tx::default();
        self.clear_waiting(&mut tx, customer, TodoKind::Handoff, number.as_str())?;
        let event = HistoryEvent::new(
            customer.clone(),
            now,
            actor.clone(),
            EventKind::HandoffTaken { number: number.clone() },
        );
        self.put_event(&mut tx, &event)?;
        match tx.commit(self).await? {
            TxOutcome::Committed => Ok(true),
            TxOutcome::ConditionFailed(_) => Ok(false),
            TxOutcome::Conflict => Err(StoreError::Contention("hand-off")),
        }
    }

    /// A person answered the customer: the invoices whose help request
    /// closes, the events, and the detractor alerts that leave the to-do,
    /// all or nothing (an alert cleared meanwhile fails the condition, and
    /// the caller reads again).
    pub async fn person_replied(
        &self,
        customer: &CustomerId,
        invoices: &[(&crate::domain::Invoice, u64)],
        events: &[HistoryEvent],
        alerts: &[Todo],
    ) -> Result<TxOutcome, StoreError> {
        let mut tx = self.invoice_updates(invoices)?;
        for event in events {
            self.put_event(&mut tx, event)?;
        }
        for alert in alerts {
            self.clear_waiting(&mut tx, customer, alert.kind, &alert.reference)?;
        }
        tx.commit(self).await
    }
}
