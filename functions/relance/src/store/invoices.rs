use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::envelope::Envelope;
use super::idempotency::IdempotencyWrite;
use super::keys;
use super::sharded::Sharded;
use super::tx::{Cond, Part, Tx, TxOutcome, n, to_item};
use super::{Store, StoreError, Versioned};
use crate::domain::credit::Credit;
use crate::domain::message::Message;
use crate::domain::{CustomerId, HistoryEvent, Invoice, InvoiceNumber, InvoiceStatus};

/// An invoice's item; in the open-items index only while it is open, so
/// the reminder pass queries that sparse index instead of scanning.
fn invoice_item(invoice: &Invoice, version: u64) -> Envelope<&Invoice> {
    let open = invoice.status == InvoiceStatus::Open;
    Envelope::new(
        keys::customer_pk(&invoice.customer_id),
        keys::invoice_sk(&invoice.number),
        "invoice",
        invoice,
    )
    .at_version(version)
    .open(open.then(|| (keys::open_pk(&invoice.number), keys::open_invoice_sk(invoice))))
    .waiting(crate::domain::todo::for_invoice(invoice).as_ref())
}

#[derive(Serialize, Deserialize)]
struct SequenceItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    last: u64,
    /// Numbering is chronological: a new invoice may not predate this.
    #[serde(default)]
    last_issue_date: Option<chrono::NaiveDate>,
}

/// Everything an issued invoice writes, atomically.
pub struct IssueWrite<'a> {
    pub series: &'a str,
    /// The position the invoice takes; the sequence must be at `position - 1`.
    pub position: u64,
    pub issue_date: chrono::NaiveDate,
    pub invoice: &'a Invoice,
    pub events: &'a [HistoryEvent],
    pub idempotency: &'a IdempotencyWrite,
    pub message: &'a Message,
    /// Credits deducted from the invoice, each at the version it was read
    /// at: a credit can only be spent once.
    pub credits: &'a [(&'a Credit, u64)],
}

#[derive(Debug, PartialEq, Eq)]
pub enum IssueOutcome {
    Issued,
    /// Another invoice took this number first: read the sequence again.
    NumberTaken,
    /// A request with the same idempotency key committed first.
    KeyAlreadyUsed,
}

impl Store {
    /// Moves a series' sequence from `position - 1` to `position` in a
    /// transaction, only if nobody moved it first: two writers can never
    /// share a number and no number is skipped.
    pub(super) fn take_number(
        &self,
        tx: &mut Tx,
        series: &str,
        position: u64,
        issue_date: chrono::NaiveDate,
    ) -> Result<(), StoreError> {
        let seq = SequenceItem {
            pk: keys::sequence_pk(series),
            sk: keys::SEQUENCE_SK.into(),
            last: position,
            last_issue_date: Some(issue_date),
        };
        let seq_cond = if position == 1 {
            Cond::new("attribute_not_exists(PK)")
        } else {
            Cond::new("#last = :prev")
                .name("#last", "last")
                .value(":prev", n(position - 1))
        };
        tx.put(self, Part::Sequence, to_item(&seq)?, Some(seq_cond))
    }

    /// The last position used in a series (0 when the series is new) and
    /// the issue date of that invoice.
    pub async fn sequence_state(&self, series: &str) -> Result<(u64, Option<chrono::NaiveDate>), StoreError> {
        let item: Option<SequenceItem> = self.get(keys::sequence_pk(series), keys::SEQUENCE_SK).await?;
        Ok(item.map_or((0, None), |i| (i.last, i.last_issue_date)))
    }

    /// Writes an invoice, its number, its events, its idempotency record
    /// and its email in one transaction. The sequence moves from
    /// `position - 1` to `position` only if nobody moved it first, so two
    /// writers can never share a number and no number is skipped.
    pub async fn issue_invoice(&self, write: IssueWrite<'_>, now: DateTime<Utc>) -> Result<IssueOutcome, StoreError> {
        let mut tx = Tx::default();
        self.take_number(&mut tx, write.series, write.position, write.issue_date)?;
        for (credit, version) in write.credits {
            self.put_credit(&mut tx, credit, Some(*version))?;
        }
        tx.put(
            self,
            Part::Invoice,
            to_item(&invoice_item(write.invoice, 1))?,
            Some(Cond::new("attribute_not_exists(PK)")),
        )?;
        for event in write.events {
            self.put_event(&mut tx, event)?;
        }
        self.put_idempotency(&mut tx, write.idempotency, now)?;
        self.put_message(&mut tx, write.message)?;
        match tx.commit(self).await? {
            TxOutcome::Committed => Ok(IssueOutcome::Issued),
            TxOutcome::ConditionFailed(parts) if parts.contains(&Part::Idempotency) => Ok(IssueOutcome::KeyAlreadyUsed),
            TxOutcome::ConditionFailed(_) | TxOutcome::Conflict => Ok(IssueOutcome::NumberTaken),
        }
    }

    pub async fn get_invoice(
        &self,
        customer: &CustomerId,
        number: &InvoiceNumber,
    ) -> Result<Option<Versioned<Invoice>>, StoreError> {
        self.read_invoice(customer, number, true).await
    }

    /// `get_invoice`, eventually consistent when `consistent` is false: the
    /// reminder pass's first look, whose claim is conditioned on the
    /// customer's dunning version (which every invoice change moves on).
    pub async fn read_invoice(
        &self,
        customer: &CustomerId,
        number: &InvoiceNumber,
        consistent: bool,
    ) -> Result<Option<Versioned<Invoice>>, StoreError> {
        let item: Option<Envelope<Invoice>> = self
            .get_with(keys::customer_pk(customer), &keys::invoice_sk(number), consistent)
            .await?;
        Ok(item.map(Envelope::versioned))
    }

    /// Saves a changed invoice with its events (and the idempotency record
    /// of the request that changed it), if nobody changed it since
    /// `version` was read.
    pub async fn update_invoice(
        &self,
        invoice: &Invoice,
        version: u64,
        events: &[HistoryEvent],
        idempotency: Option<&IdempotencyWrite>,
        now: DateTime<Utc>,
    ) -> Result<TxOutcome, StoreError> {
        self.update_invoices(&[(invoice, version)], events, None, idempotency, now)
            .await
    }

    /// `update_invoices` for a payment, whose thanks depends on the stages
    /// claimed: the customer's dunning state must still be at
    /// `dunning_version`, so a reminder claimed meanwhile makes the
    /// payment decide again (and thank).
    pub async fn record_payment(
        &self,
        (invoice, version): (&Invoice, u64),
        dunning_version: u64,
        events: &[HistoryEvent],
        thanks: Option<&Message>,
        idempotency: &IdempotencyWrite,
        now: DateTime<Utc>,
    ) -> Result<TxOutcome, StoreError> {
        let mut tx = self.invoice_updates_guarded(&[(invoice, version)], Some(dunning_version))?;
        for event in events {
            self.put_event(&mut tx, event)?;
        }
        if let Some(message) = thanks {
            self.put_message(&mut tx, message)?;
        }
        self.put_idempotency(&mut tx, idempotency, now)?;
        tx.commit(self).await
    }

    /// Saves several changed invoices of one customer, their events and the
    /// email they cause, all or nothing: each invoice must still be at the
    /// version it was read at.
    pub async fn update_invoices(
        &self,
        invoices: &[(&Invoice, u64)],
        events: &[HistoryEvent],
        message: Option<&Message>,
        idempotency: Option<&IdempotencyWrite>,
        now: DateTime<Utc>,
    ) -> Result<TxOutcome, StoreError> {
        let mut tx = self.invoice_updates(invoices)?;
        for event in events {
            self.put_event(&mut tx, event)?;
        }
        if let Some(message) = message {
            self.put_message(&mut tx, message)?;
        }
        if let Some(idem) = idempotency {
            self.put_idempotency(&mut tx, idem, now)?;
        }
        tx.commit(self).await
    }

    /// A transaction that saves changed invoices, each only if still at
    /// the version it was read at. It also moves their customer's dunning
    /// version on: a reminder decided on the invoices as they were cannot
    /// be claimed any more.
    pub(super) fn invoice_updates(&self, invoices: &[(&Invoice, u64)]) -> Result<Tx, StoreError> {
        self.invoice_updates_guarded(invoices, None)
    }

    pub(super) fn invoice_updates_guarded(
        &self,
        invoices: &[(&Invoice, u64)],
        dunning: Option<u64>,
    ) -> Result<Tx, StoreError> {
        let mut tx = Tx::default();
        let mut customers: Vec<&CustomerId> = invoices.iter().map(|(i, _)| &i.customer_id).collect();
        customers.sort();
        customers.dedup();
        for customer in customers {
            self.bump_dunning(&mut tx, customer, dunning)?;
        }
        for (invoice, version) in invoices {
            tx.put(
                self,
                Part::Invoice,
                to_item(&invoice_item(invoice, version + 1))?,
                Some(Cond::new("version = :v").value(":v", n(*version))),
            )?;
        }
        Ok(tx)
    }

    /// A customer's invoices, newest number last: one Query on the
    /// customer's partition.
    pub async fn customer_invoices(&self, customer: &CustomerId) -> Result<Vec<Versioned<Invoice>>, StoreError> {
        let items: Vec<Envelope<Invoice>> = self.customer_items(customer, keys::INVOICE_PREFIX).await?;
        Ok(items.into_iter().map(Envelope::versioned).collect())
    }

    /// Loads invoices numbered by another system, as they are (a migration
    /// to relance, with their open balances). No sequence, no email, no
    /// event: the history starts with what relance does next. Writes in
    /// batches of 25; an invoice that exists already is overwritten, so a
    /// re-run is harmless.
    pub async fn load_invoices(&self, invoices: &[Invoice]) -> Result<(), StoreError> {
        let items = invoices
            .iter()
            .map(|i| to_item(&invoice_item(i, 1)))
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_put(items).await
    }

    /// Open invoices due on or before `until`, from one shard of the
    /// sparse index (callers walk every shard, in parallel if they like).
    pub async fn open_invoice_keys(
        &self,
        shard: u32,
        until: chrono::NaiveDate,
    ) -> Result<Vec<(CustomerId, InvoiceNumber)>, StoreError> {
        #[derive(Deserialize)]
        struct Key {
            customer_id: CustomerId,
            number: InvoiceNumber,
        }
        let index = Sharded {
            index: keys::OPEN_INVOICES_INDEX,
            pk: keys::OPEN_PK,
            sk: keys::OPEN_SK,
            prefix: "OPEN",
            projection: Some("customer_id, #num"),
        };
        let found: Vec<Key> = self.shard_items(index, shard, &until.to_string()).await?;
        Ok(found.into_iter().map(|k| (k.customer_id, k.number)).collect())
    }

    /// Every open invoice as the aged balance needs it, from the index's
    /// keys alone (16 Queries of small items, no invoice read).
    pub async fn open_lines(&self) -> Result<Vec<crate::domain::receivables::OpenLine>, StoreError> {
        #[derive(Deserialize)]
        struct Key {
            open_sk: String,
        }
        let index = Sharded {
            index: keys::OPEN_INVOICES_INDEX,
            pk: keys::OPEN_PK,
            sk: keys::OPEN_SK,
            prefix: "OPEN",
            projection: Some("open_sk"),
        };
        let found = self.every_shard_items::<Key>(index, "9999-12-31").await?;
        Ok(found
            .into_iter()
            .filter_map(|k| keys::parse_open_invoice_sk(&k.open_sk))
            .collect())
    }
}
