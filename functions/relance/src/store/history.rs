use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use super::envelope::Envelope;
use super::keys;
use super::tx::{Cond, Part, Tx, s, to_item};
use super::{Store, StoreError};
use crate::domain::{CustomerId, HistoryEvent};

/// An event's item: under its customer, ordered by time.
fn event_item(event: &HistoryEvent) -> Envelope<&HistoryEvent> {
    Envelope::new(
        keys::customer_pk(&event.customer_id),
        keys::event_sk(event.at, event.id),
        "event",
        event,
    )
}

/// One page of a customer's history, oldest first.
#[derive(Debug, Clone)]
pub struct HistoryPage {
    pub events: Vec<HistoryEvent>,
    /// Opaque; pass it back to read the next page.
    pub next: Option<String>,
}

impl Store {
    /// Adds an event to a transaction. Events are append-only: the put is
    /// conditioned on the key being new, so nothing can rewrite the past.
    pub(crate) fn put_event(&self, tx: &mut Tx, event: &HistoryEvent) -> Result<(), StoreError> {
        let item = event_item(event);
        tx.put(
            self,
            Part::Event,
            to_item(&item)?,
            Some(Cond::new("attribute_not_exists(PK)")),
        )
    }

    /// Appends one event with a single conditional put (1 write unit where
    /// a one-item transaction costs 2). Idempotent: an event already
    /// there (a retried call) is not an error.
    pub async fn append_new_event(&self, event: &HistoryEvent) -> Result<(), StoreError> {
        let item = event_item(event);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err)
                if matches!(
                    err.as_service_error(),
                    Some(aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(())
            }
            Err(err) => Err(StoreError::sdk("PutItem", err)),
        }
    }

    /// Loads past events as they are (a migration, a benchmark's
    /// portfolio), in batches of 25 with no conditions.
    pub async fn load_events(&self, events: &[HistoryEvent]) -> Result<(), StoreError> {
        let items = events
            .iter()
            .map(|event| to_item(&event_item(event)))
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_put(items).await
    }

    /// Appends one event on its own (what a person did outside relance,
    /// written down by finance).
    pub async fn append_event(&self, event: &HistoryEvent) -> Result<(), StoreError> {
        let mut tx = Tx::default();
        self.put_event(&mut tx, event)?;
        match tx.commit(self).await? {
            super::TxOutcome::Committed => Ok(()),
            _ => Err(StoreError::Contention("history event")),
        }
    }

    /// Reads a customer's history in time order: one Query on the
    /// customer's partition, paginated by an opaque cursor.
    pub async fn history(
        &self,
        customer: &CustomerId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<HistoryPage, StoreError> {
        self.history_in(customer, limit, cursor, true).await
    }

    /// One page of the history, the latest first (the console's timeline).
    pub async fn recent_history(
        &self,
        customer: &CustomerId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<HistoryPage, StoreError> {
        self.history_in(customer, limit, cursor, false).await
    }

    async fn history_in(
        &self,
        customer: &CustomerId,
        limit: i32,
        cursor: Option<&str>,
        oldest_first: bool,
    ) -> Result<HistoryPage, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :evt)")
            .expression_attribute_values(":pk", s(keys::customer_pk(customer)))
            .expression_attribute_values(":evt", s(keys::EVENT_PREFIX))
            .scan_index_forward(oldest_first)
            .limit(limit);
        if let Some(sk) = cursor.and_then(decode_cursor) {
            query = query.set_exclusive_start_key(Some(
                [
                    (keys::PK.to_string(), s(keys::customer_pk(customer))),
                    (keys::SK.to_string(), AttributeValue::S(sk)),
                ]
                .into_iter()
                .collect(),
            ));
        }
        let out = query.send().await.map_err(|e| StoreError::sdk("Query", e))?;
        let items: Vec<Envelope<HistoryEvent>> =
            serde_dynamo::aws_sdk_dynamodb_1::from_items(out.items.unwrap_or_default()).map_err(|source| {
                StoreError::Decode {
                    key: keys::customer_pk(customer),
                    source,
                }
            })?;
        let next = out
            .last_evaluated_key
            .and_then(|k| k.get(keys::SK).and_then(|v| v.as_s().ok()).cloned())
            .map(|sk| URL_SAFE_NO_PAD.encode(sk));
        Ok(HistoryPage {
            events: items.into_iter().map(|i| i.body).collect(),
            next,
        })
    }

    /// The events since `since`, oldest first: a range of the customer's
    /// partition, as long as the period and no longer.
    pub async fn history_since(
        &self,
        customer: &CustomerId,
        since: DateTime<Utc>,
    ) -> Result<Vec<HistoryEvent>, StoreError> {
        let mut events = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
                .expression_attribute_values(":pk", s(keys::customer_pk(customer)))
                .expression_attribute_values(":from", s(keys::events_from(since)))
                .expression_attribute_values(":to", s(keys::EVENTS_END))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::sdk("Query", e))?;
            let items: Vec<Envelope<HistoryEvent>> =
                serde_dynamo::aws_sdk_dynamodb_1::from_items(out.items.unwrap_or_default()).map_err(|source| {
                    StoreError::Decode {
                        key: keys::customer_pk(customer),
                        source,
                    }
                })?;
            events.extend(items.into_iter().map(|i| i.body));
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(events),
            }
        }
    }

    /// The whole history, following every page.
    pub async fn full_history(&self, customer: &CustomerId) -> Result<Vec<HistoryEvent>, StoreError> {
        let mut events = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.history(customer, 500, cursor.as_deref()).await?;
            events.extend(page.events);
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(events),
            }
        }
    }
}

pub(super) fn decode_event(customer: &CustomerId, item: super::tx::Item) -> Result<HistoryEvent, StoreError> {
    let item: Envelope<HistoryEvent> =
        serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(|source| StoreError::Decode {
            key: keys::customer_pk(customer),
            source,
        })?;
    Ok(item.body)
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let sk = String::from_utf8(bytes).ok()?;
    sk.starts_with(keys::EVENT_PREFIX).then_some(sk)
}

/// Whether a history cursor is well formed, so a bad one is a 400.
pub fn valid_cursor(cursor: &str) -> bool {
    decode_cursor(cursor).is_some()
}
