//! The reminder pass's state per customer, kept apart from the invoices:
//! which stage each open invoice has had, and the reminder email in
//! flight. A claim rewrites this small item (a few hundred bytes, one
//! write unit) instead of the invoices, whose frozen seller and buyer make
//! them three times that, and a transaction would double it again.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::keys;
use super::tx::{Cond, Item, Part, Tx, TxOutcome, n, s, to_item};
use super::{Store, StoreError, Versioned};
use crate::domain::dunning_state::{ClaimedStage, DunningState};
use crate::domain::message::{Lane, MessageStatus};
use crate::domain::{CustomerId, HistoryEvent, InvoiceNumber};

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
    // reminder in the outbox index, for the sweep's retry — and a final
    // notice that waits for its letter, which only the documents lane's
    // sender can attach.
    let mut item = match &state.message {
        Some(message) => {
            let mut item = to_item(message)?;
            if message.purpose.lane() == Lane::Documents
                && matches!(message.status, MessageStatus::Pending | MessageStatus::Sending)
            {
                item.insert("outbox_pk".into(), s(keys::outbox_pk(Lane::Documents, message.id)));
                item.insert(
                    "outbox_sk".into(),
                    s(keys::outbox_sk(message.next_attempt_at, message.id)),
                );
            }
            item
        }
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
        if let Some(handoff) = crate::domain::todo::for_handoff(events) {
            self.put_waiting(&mut tx, customer, &handoff)?;
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
