//! The reminder pass's state per customer, kept apart from the invoices:
//! which stage each open invoice has had, and the reminder email in
//! flight. A claim rewrites this small item (a few hundred bytes, one
//! write unit) instead of the invoices, whose frozen seller and buyer make
//! them three times that, and a transaction would double it again.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::keys;
use super::tx::{Cond, Item, Part, Tx, TxOutcome, n, s, to_item};
use super::{Store, StoreError, Versioned};
use crate::domain::{CustomerId, EventKind, HistoryEvent, InvoiceNumber};
use crate::outbox::{Message, MessageStatus};

/// A stage claimed for an invoice (its email sent or being sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedStage {
    pub stage: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DunningState {
    /// The last stage claimed per invoice. Paid invoices drop out at the
    /// customer's next claim, so the item stays small.
    pub stages: BTreeMap<InvoiceNumber, ClaimedStage>,
    /// The last reminder or finance alert, sent or not.
    pub message: Option<Message>,
}

impl DunningState {
    pub fn stage_of(&self, number: &InvoiceNumber) -> Option<&str> {
        self.stages.get(number).map(|c| c.stage.as_str())
    }

    /// When the customer was last reminded: the last reminder kept, or
    /// the latest stage still kept.
    pub fn last_claim_at(&self) -> Option<DateTime<Utc>> {
        let reminder = self
            .message
            .as_ref()
            .filter(|m| matches!(m.purpose, crate::outbox::Purpose::Reminder { .. }))
            .map(|m| m.created_at);
        self.stages.values().map(|c| c.at).chain(reminder).max()
    }

    /// Where the last reminder stands. The pass records a reminder it
    /// sent by its history event alone (the event names the message), so
    /// the status read here says SENDING long after the email went out:
    /// the history settles it.
    pub fn flight(&self, history: &[HistoryEvent], now: DateTime<Utc>) -> Flight<'_> {
        let Some(message) = &self.message else {
            return Flight::Clear;
        };
        let id = message.id.to_string();
        let recorded = history.iter().rev().any(|e| match &e.kind {
            EventKind::ReminderSent { message_id, .. } | EventKind::FinanceAlerted { message_id, .. } => {
                *message_id == id
            }
            _ => false,
        });
        match message.status {
            MessageStatus::Sent => Flight::Clear,
            _ if recorded => Flight::Clear,
            MessageStatus::Sending if message.next_attempt_at <= now => Flight::Stuck(message),
            _ => Flight::Waiting,
        }
    }
}

/// The last reminder of a customer, as the pass finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flight<'a> {
    /// None yet, or it went out.
    Clear,
    /// A sender holds it within its lease, or SES refused it and the outbox
    /// retries it: a new reminder waits.
    Waiting,
    /// Its sender's lease ended with no sent event: it died between the
    /// claim and the send. The pass sends it again.
    Stuck(&'a Message),
}

#[derive(Serialize, Deserialize)]
struct Head {
    /// Absent on an item only ever bumped by an invoice change.
    #[serde(default)]
    version: u64,
    #[serde(default)]
    stages: BTreeMap<InvoiceNumber, ClaimedStage>,
}

fn decode(customer: &CustomerId, item: Item) -> Result<Versioned<DunningState>, StoreError> {
    let key = || format!("{}/{}", keys::customer_pk(customer), keys::DUNNING_SK);
    let head: Head = serde_dynamo::aws_sdk_dynamodb_1::from_item(item.clone())
        .map_err(|source| StoreError::Decode { key: key(), source })?;
    // The message's fields are the item's own (the outbox index projects
    // them), present once a first reminder was claimed.
    let message = if item.contains_key("id") {
        Some(
            serde_dynamo::aws_sdk_dynamodb_1::from_item(item)
                .map_err(|source| StoreError::Decode { key: key(), source })?,
        )
    } else {
        None
    };
    Ok(Versioned {
        value: DunningState {
            stages: head.stages,
            message,
        },
        version: head.version,
    })
}

fn encode(customer: &CustomerId, version: u64, state: &DunningState) -> Result<Item, StoreError> {
    // No outbox keys: the pass sends what it claims at once, and should it
    // die first, its next visit to the customer finds the reminder stuck
    // (`Flight::Stuck`). Only a refused send (`release_message`) puts the
    // reminder in the outbox index, for the sweep's retry.
    let mut item = match &state.message {
        Some(message) => to_item(message)?,
        None => Item::new(),
    };
    let head = to_item(&Head {
        version,
        stages: state.stages.clone(),
    })?;
    item.extend(head);
    item.insert(keys::PK.into(), s(keys::customer_pk(customer)));
    item.insert(keys::SK.into(), s(keys::DUNNING_SK));
    item.insert("entity".into(), s("dunning"));
    Ok(item)
}

impl Store {
    /// A customer's dunning state, strongly consistent (it guards a write).
    pub async fn get_dunning(&self, customer: &CustomerId) -> Result<Versioned<DunningState>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::customer_pk(customer), keys::DUNNING_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::sdk("GetItem", e))?;
        match out.item {
            Some(item) => decode(customer, item),
            None => Ok(Versioned {
                value: DunningState::default(),
                version: 0,
            }),
        }
    }

    /// The dunning state and the whole history in one Query (the state's
    /// key sorts just before the events'). The pass reads eventually
    /// consistent first: a stale copy costs nothing but a retry, since the
    /// claim that follows is conditioned on the version read here.
    pub async fn dunning_and_history(
        &self,
        customer: &CustomerId,
        consistent: bool,
    ) -> Result<(Versioned<DunningState>, Vec<HistoryEvent>), StoreError> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(consistent)
            .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(keys::customer_pk(customer)))
            .expression_attribute_values(":from", s(keys::DUNNING_SK))
            // '$' is the character after '#': past every event key.
            .expression_attribute_values(":to", s("EVT$"))
            .into_paginator()
            .items()
            .send();
        let mut state = Versioned {
            value: DunningState::default(),
            version: 0,
        };
        let mut events = Vec::new();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| StoreError::sdk("Query", e))?;
            match item.get(keys::SK) {
                Some(AttributeValue::S(sk)) if sk == keys::DUNNING_SK => state = decode(customer, item)?,
                _ => events.push(super::history::decode_event(customer, item)?),
            }
        }
        Ok((state, events))
    }

    /// Claims the stages and the email that carries them, if the state is
    /// still at the version read: two passes cannot both win, and an
    /// invoice changed since (paid, disputed) bumped the version too.
    /// One conditional put; a transaction only when events go with it
    /// (a hand-off, once per invoice).
    pub async fn claim_reminder(
        &self,
        customer: &CustomerId,
        read_version: u64,
        state: &DunningState,
        events: &[HistoryEvent],
    ) -> Result<TxOutcome, StoreError> {
        let item = encode(customer, read_version + 1, state)?;
        let condition = "attribute_not_exists(PK) OR version = :v";
        if events.is_empty() {
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression(condition)
                .expression_attribute_values(":v", n(read_version))
                .send()
                .await;
            return match result {
                Ok(_) => Ok(TxOutcome::Committed),
                Err(err)
                    if matches!(
                        err.as_service_error(),
                        Some(PutItemError::ConditionalCheckFailedException(_))
                    ) =>
                {
                    Ok(TxOutcome::ConditionFailed(vec![Part::Dunning]))
                }
                Err(err) => Err(StoreError::sdk("PutItem", err)),
            };
        }
        let mut tx = Tx::default();
        tx.put(
            self,
            Part::Dunning,
            item,
            Some(Cond::new(condition).value(":v", n(read_version))),
        )?;
        for event in events {
            self.put_event(&mut tx, event)?;
        }
        tx.commit(self).await
    }

    /// Moves a customer's dunning version on, in the transaction that
    /// changes one of their invoices, so a claim decided on the old
    /// invoice fails and is decided again. `expected`: the version the
    /// writer read, when its own decision depends on the stages (a payment
    /// decides whether to thank).
    pub(super) fn bump_dunning(
        &self,
        tx: &mut Tx,
        customer: &CustomerId,
        expected: Option<u64>,
    ) -> Result<(), StoreError> {
        let key = Self::key(keys::customer_pk(customer), keys::DUNNING_SK);
        let cond = match expected {
            Some(version) => Cond::new("attribute_not_exists(version) OR version = :v").value(":v", n(version)),
            None => Cond::new(""),
        };
        tx.update(self, Part::Dunning, key, "ADD version :one", cond.value(":one", n(1)))
    }
}
