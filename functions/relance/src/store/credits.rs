//! Goodwill credits: the credit items, the budget counters that keep the
//! caps, and the follow-ups waiting in the sparse index.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::envelope::Envelope;
use super::idempotency::IdempotencyWrite;
use super::keys;
use super::sharded::Sharded;
use super::tx::{Cond, Part, Tx, TxOutcome, n, to_item};
use super::{Store, StoreError, Versioned};
use crate::domain::credit::{Credit, CreditStatus};
use crate::domain::message::Message;
use crate::domain::{CustomerId, HistoryEvent, Invoice};

/// A credit's item; in the open-items index while a granted credit
/// waits for its follow-up.
fn credit_item(credit: &Credit, version: u64) -> Envelope<&Credit> {
    let follow_up = credit.follow_up_on.filter(|_| credit.status == CreditStatus::Granted);
    Envelope::new(
        keys::customer_pk(&credit.customer_id),
        keys::credit_sk(&credit.id),
        "credit",
        credit,
    )
    .at_version(version)
    .open(follow_up.map(|on| {
        (
            keys::follow_up_pk(&credit.id),
            keys::follow_up_sk(on, &credit.customer_id, &credit.id),
        )
    }))
    .waiting(crate::domain::todo::for_credit(credit).as_ref())
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spending {
    #[serde(default)]
    pub spent_minor: i64,
    #[serde(default)]
    pub credits: u64,
}

/// The caps a grant must fit in, checked by the transaction itself.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// `2026-11`: the month whose budget pays for the credit.
    pub month: (i32, u32),
    pub monthly_budget_minor: i64,
    pub customer_year_max_minor: i64,
}

/// Everything a granted credit writes, atomically.
pub struct GrantWrite<'a> {
    pub credit: &'a Credit,
    /// The version read (a request granted on approval); `None` when the
    /// credit is new.
    pub version: Option<u64>,
    pub series: &'a str,
    pub position: u64,
    pub issue_date: NaiveDate,
    pub caps: Caps,
    pub events: &'a [HistoryEvent],
    pub message: &'a Message,
    pub idempotency: Option<&'a IdempotencyWrite>,
}

/// Everything a corrective credit note writes, atomically.
pub struct CorrectionWrite<'a> {
    pub credit: &'a Credit,
    /// The corrected invoice and the version it was read at.
    pub invoice: (&'a Invoice, u64),
    pub series: &'a str,
    pub position: u64,
    pub issue_date: NaiveDate,
    pub events: &'a [HistoryEvent],
    pub message: &'a Message,
    pub idempotency: &'a IdempotencyWrite,
}

#[derive(Debug, PartialEq, Eq)]
pub enum GrantOutcome {
    Granted,
    /// Another credit note took this number, or the credit changed: read
    /// again and retry.
    Retry,
    /// The month's budget cannot pay for it.
    OverBudget,
    /// The customer's yearly cap cannot take it.
    OverCustomerCap,
    /// A request with the same idempotency key committed first.
    KeyAlreadyUsed,
}

impl Store {
    pub(super) fn put_credit(&self, tx: &mut Tx, credit: &Credit, version: Option<u64>) -> Result<(), StoreError> {
        let (item, cond) = match version {
            None => (credit_item(credit, 1), Cond::new("attribute_not_exists(PK)")),
            Some(v) => (credit_item(credit, v + 1), Cond::new("version = :v").value(":v", n(v))),
        };
        tx.put(self, Part::Credit, to_item(&item)?, Some(cond))
    }

    /// A credit that waits for approval: the request, its event and the
    /// idempotency record, or nothing.
    pub async fn request_credit(
        &self,
        credit: &Credit,
        events: &[HistoryEvent],
        idempotency: &IdempotencyWrite,
        now: DateTime<Utc>,
    ) -> Result<TxOutcome, StoreError> {
        let mut tx = Tx::default();
        self.put_credit(&mut tx, credit, None)?;
        for event in events {
            self.put_event(&mut tx, event)?;
        }
        self.put_idempotency(&mut tx, idempotency, now)?;
        tx.commit(self).await
    }

    /// Grants a credit: its credit-note number, the credit, the month's
    /// budget, the company's yearly total, the customer's yearly total,
    /// the events and the email, all or nothing. The budget and the
    /// customer's total only move if they stay within their caps, so
    /// concurrent grants can never overspend.
    pub async fn grant_credit(&self, write: GrantWrite<'_>, now: DateTime<Utc>) -> Result<GrantOutcome, StoreError> {
        let credit = write.credit;
        let net = credit.net_minor;
        let mut tx = Tx::default();
        self.take_number(&mut tx, write.series, write.position, write.issue_date)?;
        self.put_credit(&mut tx, credit, write.version)?;
        let (year, month) = write.caps.month;
        let month_room = write.caps.monthly_budget_minor - net;
        tx.update(
            self,
            Part::Budget,
            Self::key(keys::budget_pk(&format!("{year}-{month:02}")), keys::BUDGET_SK),
            "ADD spent_minor :amount, credits :one",
            Cond::new("attribute_not_exists(spent_minor) OR spent_minor <= :room")
                .value(":amount", n(net))
                .value(":one", n(1))
                .value(":room", n(month_room)),
        )?;
        tx.update(
            self,
            Part::Budget,
            Self::key(keys::budget_pk(&year.to_string()), keys::BUDGET_SK),
            "ADD spent_minor :amount, credits :one",
            Cond::new("").value(":amount", n(net)).value(":one", n(1)),
        )?;
        tx.update(
            self,
            Part::CustomerCap,
            Self::key(keys::customer_pk(&credit.customer_id), keys::customer_credits_sk(year)),
            "ADD spent_minor :amount, credits :one",
            Cond::new("attribute_not_exists(spent_minor) OR spent_minor <= :room")
                .value(":amount", n(net))
                .value(":one", n(1))
                .value(":room", n(write.caps.customer_year_max_minor - net)),
        )?;
        for event in write.events {
            self.put_event(&mut tx, event)?;
        }
        self.put_message(&mut tx, write.message)?;
        if let Some(idem) = write.idempotency {
            self.put_idempotency(&mut tx, idem, now)?;
        }
        Ok(match tx.commit(self).await? {
            TxOutcome::Committed => GrantOutcome::Granted,
            TxOutcome::ConditionFailed(parts) if parts.contains(&Part::Idempotency) => GrantOutcome::KeyAlreadyUsed,
            TxOutcome::ConditionFailed(parts) if parts.contains(&Part::Budget) => GrantOutcome::OverBudget,
            TxOutcome::ConditionFailed(parts) if parts.contains(&Part::CustomerCap) => GrantOutcome::OverCustomerCap,
            TxOutcome::ConditionFailed(_) | TxOutcome::Conflict => GrantOutcome::Retry,
        })
    }

    /// A corrective credit note: its number, the credit, the invoice it
    /// corrects (only if still at the version read; the customer's dunning
    /// version moves on, so a reminder decided on the old amount cannot be
    /// claimed any more), the events, the email and the idempotency
    /// record, all or nothing. No goodwill cap: a correction is not a
    /// gesture.
    pub async fn correct_invoice(
        &self,
        write: CorrectionWrite<'_>,
        now: DateTime<Utc>,
    ) -> Result<GrantOutcome, StoreError> {
        let mut tx = self.invoice_updates(&[write.invoice])?;
        self.take_number(&mut tx, write.series, write.position, write.issue_date)?;
        self.put_credit(&mut tx, write.credit, None)?;
        for event in write.events {
            self.put_event(&mut tx, event)?;
        }
        self.put_message(&mut tx, write.message)?;
        self.put_idempotency(&mut tx, write.idempotency, now)?;
        Ok(match tx.commit(self).await? {
            TxOutcome::Committed => GrantOutcome::Granted,
            TxOutcome::ConditionFailed(parts) if parts.contains(&Part::Idempotency) => GrantOutcome::KeyAlreadyUsed,
            TxOutcome::ConditionFailed(_) | TxOutcome::Conflict => GrantOutcome::Retry,
        })
    }

    /// Saves a changed credit (cancelled, followed up) with its events, if
    /// nobody changed it since `version`.
    pub async fn update_credit(
        &self,
        credit: &Credit,
        version: u64,
        events: &[HistoryEvent],
    ) -> Result<TxOutcome, StoreError> {
        let mut tx = Tx::default();
        self.put_credit(&mut tx, credit, Some(version))?;
        for event in events {
            self.put_event(&mut tx, event)?;
        }
        tx.commit(self).await
    }

    pub async fn get_credit(&self, customer: &CustomerId, id: &str) -> Result<Option<Versioned<Credit>>, StoreError> {
        let item: Option<Envelope<Credit>> = self.get(keys::customer_pk(customer), &keys::credit_sk(id)).await?;
        Ok(item.map(Envelope::versioned))
    }

    /// A customer's credits, oldest first: one Query on their partition.
    pub async fn customer_credits(&self, customer: &CustomerId) -> Result<Vec<Versioned<Credit>>, StoreError> {
        let items: Vec<Envelope<Credit>> = self.customer_items(customer, keys::CREDIT_PREFIX).await?;
        Ok(items.into_iter().map(Envelope::versioned).collect())
    }

    /// The company's goodwill spending in a period (`2026-11` or `2026`).
    pub async fn spending(&self, period: &str) -> Result<Spending, StoreError> {
        Ok(self
            .get::<Spending>(keys::budget_pk(period), keys::BUDGET_SK)
            .await?
            .unwrap_or_default())
    }

    /// What a customer received in a year.
    pub async fn customer_spending(&self, customer: &CustomerId, year: i32) -> Result<Spending, StoreError> {
        Ok(self
            .get::<Spending>(keys::customer_pk(customer), &keys::customer_credits_sk(year))
            .await?
            .unwrap_or_default())
    }

    /// Credits whose follow-up is due on or before `day`, from every
    /// shard of the sparse index.
    pub async fn due_follow_ups(&self, day: NaiveDate) -> Result<Vec<(CustomerId, String)>, StoreError> {
        #[derive(Deserialize)]
        struct Key {
            customer_id: CustomerId,
            open_sk: String,
        }
        let index = Sharded {
            index: keys::OPEN_INVOICES_INDEX,
            pk: keys::OPEN_PK,
            sk: keys::OPEN_SK,
            prefix: "FOLLOW",
            projection: Some("customer_id, #sk"),
        };
        let mut due = Vec::new();
        for shard in 0..keys::SHARDS {
            let found: Vec<Key> = self.shard_items(index, shard, &day.to_string()).await?;
            due.extend(found.into_iter().filter_map(|key| {
                let id = key.open_sk.rsplit('#').next()?.to_string();
                Some((key.customer_id, id))
            }));
        }
        Ok(due)
    }
}
