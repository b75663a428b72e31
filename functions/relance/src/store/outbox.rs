use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use ulid::Ulid;

use super::envelope::Envelope;
use super::keys;
use super::sharded::Sharded;
use super::tx::{Cond, Part, Tx, TxOutcome, n, s, to_item};
use super::{Store, StoreError};
use crate::domain::message::{Home, Lane, Message, MessageStatus};
use crate::domain::{CustomerId, HistoryEvent};

/// A message the outbox sweep found due, and where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueMessage {
    pub customer_id: CustomerId,
    pub id: Ulid,
    pub status: MessageStatus,
    pub home: Home,
}

pub(super) fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    pub(crate) fn put_message(&self, tx: &mut Tx, message: &Message) -> Result<(), StoreError> {
        let item = Envelope::new(
            keys::customer_pk(&message.customer_id),
            keys::message_sk(message.id),
            "message",
            message,
        )
        .in_outbox(
            keys::outbox_pk(message.purpose.lane(), message.id),
            keys::outbox_sk(message.next_attempt_at, message.id),
        );
        tx.put(
            self,
            Part::Message,
            to_item(&item)?,
            Some(Cond::new("attribute_not_exists(PK)")),
        )
    }

    /// Queues a message of its own unless one with its id exists: a
    /// message whose id derives from what caused it is queued once however
    /// often the cause is redelivered. Returns whether it was queued now.
    pub async fn queue_message_once(&self, message: &Message) -> Result<bool, StoreError> {
        let mut tx = Tx::default();
        self.put_message(&mut tx, message)?;
        match tx.commit(self).await? {
            TxOutcome::Committed => Ok(true),
            TxOutcome::ConditionFailed(_) => Ok(false),
            TxOutcome::Conflict => Err(StoreError::Contention("message")),
        }
    }

    pub async fn get_message(&self, customer: &CustomerId, id: Ulid) -> Result<Option<Message>, StoreError> {
        let item: Option<Envelope<Message>> = self.get(keys::customer_pk(customer), &keys::message_sk(id)).await?;
        Ok(item.map(|i| i.body))
    }

    /// Takes the lease on a message if it is pending and due, or if a
    /// previous sender's lease has expired. Returns the claimed message, or
    /// `None` when someone else holds it or it is already sent.
    pub async fn claim_message(
        &self,
        customer: &CustomerId,
        id: Ulid,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Message>, StoreError> {
        self.claim_message_in(Home::Own, customer, id, now, lease_until).await
    }

    /// `claim_message` for a message wherever it lives. A dunning item
    /// holds one message at a time: the id in the condition makes sure it
    /// is still this one.
    pub async fn claim_message_in(
        &self,
        home: Home,
        customer: &CustomerId,
        id: Ulid,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Message>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::customer_pk(customer), keys::message_home_sk(home, id))))
            .update_expression(
                "SET #status = :sending, attempts = attempts + :one, next_attempt_at = :lease, outbox_sk = :osk",
            )
            .condition_expression(
                "attribute_exists(PK) AND id = :id AND (#status = :pending OR #status = :sending) AND next_attempt_at <= :now",
            )
            .expression_attribute_values(":id", s(id.to_string()))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", s("SENDING"))
            .expression_attribute_values(":pending", s("PENDING"))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":lease", n(lease_until.timestamp_millis()))
            .expression_attribute_values(":osk", s(keys::outbox_sk(lease_until, id)))
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => {
                let message: Message = serde_dynamo::aws_sdk_dynamodb_1::from_item(out.attributes.unwrap_or_default())
                    .map_err(|source| StoreError::Decode {
                        key: keys::message_home_sk(home, id),
                        source,
                    })?;
                Ok(Some(message))
            }
            Err(err)
                if matches!(
                    err.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(None)
            }
            Err(err) => Err(StoreError::sdk("UpdateItem", err)),
        }
    }

    /// Records a successful send: its history event, then the message
    /// marked sent if this sender still holds the lease (same message,
    /// same attempt). Two single writes, not a transaction (which would
    /// cost twice the write units): the event goes first, so the history
    /// never misses an email that went out. Should the second write not
    /// happen (a crash in between), the lease expires and the message is
    /// sent again, exactly as after a crash just after SES accepted it.
    pub async fn mark_message_sent(
        &self,
        home: Home,
        message: &Message,
        provider_message_id: &str,
        now: DateTime<Utc>,
        event: &HistoryEvent,
    ) -> Result<TxOutcome, StoreError> {
        self.append_new_event(event).await?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                keys::customer_pk(&message.customer_id),
                keys::message_home_sk(home, message.id),
            )))
            .update_expression(
                "SET #status = :sent, provider_message_id = :pid, sent_at = :now REMOVE outbox_pk, outbox_sk",
            )
            .condition_expression("id = :id AND #status = :sending AND attempts = :attempt")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sent", s("SENT"))
            .expression_attribute_values(":sending", s("SENDING"))
            .expression_attribute_values(":pid", s(provider_message_id))
            .expression_attribute_values(":now", s(fmt_time(now)))
            .expression_attribute_values(":id", s(message.id.to_string()))
            .expression_attribute_values(":attempt", n(message.attempts))
            .send()
            .await;
        match result {
            Ok(_) => Ok(TxOutcome::Committed),
            Err(err)
                if matches!(
                    err.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(TxOutcome::ConditionFailed(vec![Part::Message]))
            }
            Err(err) => Err(StoreError::sdk("UpdateItem", err)),
        }
    }

    /// Records a sent email by its history event alone: for a reminder the
    /// pass claimed, which no sweep looks for. The event names the message,
    /// and the pass reads it back (`DunningState::flight`).
    pub async fn record_sent_event(&self, event: &HistoryEvent) -> Result<(), StoreError> {
        self.append_new_event(event).await
    }

    /// Gives a message back after a failed send, to be retried at
    /// `retry_at`, with the failure in the history.
    pub async fn release_message(
        &self,
        home: Home,
        message: &Message,
        error: &str,
        retry_at: DateTime<Utc>,
        event: &HistoryEvent,
    ) -> Result<TxOutcome, StoreError> {
        let mut tx = Tx::default();
        tx.update(
            self,
            Part::Message,
            Self::key(
                keys::customer_pk(&message.customer_id),
                keys::message_home_sk(home, message.id),
            ),
            // outbox_pk too: a reminder claimed by the pass had no outbox keys.
            "SET #status = :pending, next_attempt_at = :retry, outbox_pk = :opk, outbox_sk = :osk, last_error = :err",
            Cond::new("id = :id AND #status = :sending AND attempts = :attempt")
                .value(":id", s(message.id.to_string()))
                .name("#status", "status")
                .value(":pending", s("PENDING"))
                .value(":sending", s("SENDING"))
                .value(":retry", n(retry_at.timestamp_millis()))
                .value(":opk", s(keys::outbox_pk(message.purpose.lane(), message.id)))
                .value(":osk", s(keys::outbox_sk(retry_at, message.id)))
                .value(":err", s(error))
                .value(":attempt", n(message.attempts)),
        )?;
        self.put_event(&mut tx, event)?;
        tx.commit(self).await
    }

    /// Takes a message back unsent, with the reason in the history
    /// (`event`): pending, held by this sender (the attempt it claimed),
    /// or sending with its lease expired — another live sender keeps it.
    /// Returns `ConditionFailed` when it was sent or claimed meanwhile.
    pub async fn withdraw_message(
        &self,
        home: Home,
        message: &Message,
        now: DateTime<Utc>,
        event: &HistoryEvent,
    ) -> Result<TxOutcome, StoreError> {
        let mut tx = Tx::default();
        tx.update(
            self,
            Part::Message,
            Self::key(
                keys::customer_pk(&message.customer_id),
                keys::message_home_sk(home, message.id),
            ),
            "SET #status = :withdrawn REMOVE outbox_pk, outbox_sk",
            Cond::new(
                "id = :id AND (#status = :pending OR (#status = :sending AND (attempts = :attempt OR next_attempt_at <= :now)))",
            )
            .value(":id", s(message.id.to_string()))
            .name("#status", "status")
            .value(":withdrawn", s("WITHDRAWN"))
            .value(":pending", s("PENDING"))
            .value(":sending", s("SENDING"))
            .value(":attempt", n(message.attempts))
            .value(":now", n(now.timestamp_millis())),
        )?;
        self.put_event(&mut tx, event)?;
        tx.commit(self).await
    }

    /// Messages of a lane due for a (re)try as of `now`: pending ones past
    /// their back-off and sending ones whose lease expired. Walks every
    /// shard of the lane in the sparse outbox index.
    pub async fn due_messages(&self, now: DateTime<Utc>, lane: Lane) -> Result<Vec<DueMessage>, StoreError> {
        #[derive(Deserialize)]
        struct Key {
            #[serde(rename = "SK")]
            sk: String,
            outbox_sk: String,
            customer_id: CustomerId,
            id: Ulid,
            status: MessageStatus,
        }
        let index = Sharded {
            index: keys::OUTBOX_INDEX,
            pk: "outbox_pk",
            sk: "outbox_sk",
            prefix: lane.prefix(),
            projection: None,
        };
        let until = now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let mut found: Vec<Key> = Vec::new();
        for shard in 0..keys::SHARDS {
            found.extend(self.shard_items::<Key>(index, shard, &until).await?);
        }
        // Oldest due first across shards: two messages for one customer
        // go out in the order they fell due (a thank-you postponed on
        // Friday before Monday's survey), the same on every run.
        found.sort_by(|a, b| a.outbox_sk.cmp(&b.outbox_sk));
        let due = found
            .into_iter()
            .filter(|k| matches!(k.status, MessageStatus::Pending | MessageStatus::Sending))
            .map(|key| DueMessage {
                // A dunning item's message lives on the dunning item.
                home: if key.sk == keys::DUNNING_SK {
                    Home::Dunning
                } else {
                    Home::Own
                },
                customer_id: key.customer_id,
                id: key.id,
                status: key.status,
            })
            .collect();
        Ok(due)
    }
}
