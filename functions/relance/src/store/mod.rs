//! The DynamoDB store: the only code that knows item keys and attribute
//! names. Items map with `serde_dynamo`; conditions keep the promises.

mod bank;
mod console;
mod credits;
mod customers;
mod dunning;
mod envelope;
mod error;
mod export;
mod feedback;
mod history;
mod idempotency;
mod invoices;
pub mod keys;
mod outbox;
mod passes;
mod replies;
mod sessions;
mod sharded;
mod surveys;
mod todo;
mod tokens;
pub mod tx;
mod waiting;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;

pub use bank::{BankRecord, EntryOutcome, EntryOutcomeWrite, EntryWrite};
pub use credits::{Caps as CreditCaps, CorrectionWrite, GrantOutcome, GrantWrite, Spending};
pub use customers::SaveOutcome;
pub use error::StoreError;
pub use export::{PartitionPage, section_of, valid_export_cursor};
pub use feedback::FeedbackWrite;
pub use history::{HistoryPage, valid_cursor};
pub use idempotency::{IdempotencyRecord, IdempotencyWrite};
pub use invoices::{IssueOutcome, IssueWrite};
pub use outbox::DueMessage;
pub use replies::{REPLY_ADDRESS_LIFETIME, REPLY_TEXT_RETENTION, ReplyWrite, Unmatched};
pub use surveys::SurveyState;
pub use tx::{Part, TxOutcome};

/// A value read together with the version its next write must expect
/// (optimistic concurrency: two writers cannot both win).
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        // The ids this process writes carry a tag of its own (see
        // `ulid_at`); drawn here because every process that writes makes a
        // store, and the domain draws nothing.
        crate::domain::ids::set_process_tag(rand::random());
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn key(pk: impl Into<String>, sk: impl Into<String>) -> tx::Item {
        [
            (keys::PK.to_string(), AttributeValue::S(pk.into())),
            (keys::SK.to_string(), AttributeValue::S(sk.into())),
        ]
        .into_iter()
        .collect()
    }

    /// Writes items in batches of 25, retrying what DynamoDB left
    /// unprocessed. Only for loading (no conditions, no events).
    async fn batch_put(&self, items: Vec<tx::Item>) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let mut batch = Vec::with_capacity(25);
            for item in items.by_ref().take(25) {
                let put = PutRequest::builder().set_item(Some(item)).build()?;
                batch.push(WriteRequest::builder().put_request(put).build());
            }
            let mut retry = crate::retry::Retry::tries(9);
            let mut pending = Some(batch);
            while let Some(batch) = pending.take().filter(|b| !b.is_empty()) {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, batch)
                    .send()
                    .await
                    .map_err(|e| StoreError::sdk("BatchWriteItem", e))?;
                pending = out.unprocessed_items.and_then(|mut m| m.remove(&self.table));
                if pending.as_ref().is_some_and(|p| !p.is_empty()) {
                    retry.again().await.map_err(|_| StoreError::Contention("batch load"))?;
                }
            }
        }
        Ok(())
    }

    /// Writes an item whose key must be new (a token, a session): a
    /// single conditional put, half the cost of a transaction.
    async fn put_new(&self, item: tx::Item) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| StoreError::sdk("PutItem", e))?;
        Ok(())
    }

    /// The items at `keys` (at most 100, each once), only the attributes
    /// `projection` names: one BatchGetItem, and again for what DynamoDB
    /// left unprocessed, with back-off. Eventually consistent.
    async fn batch_get(
        &self,
        keys: Vec<tx::Item>,
        projection: &str,
        names: &[(&str, &str)],
    ) -> Result<Vec<tx::Item>, StoreError> {
        let mut found = Vec::new();
        if keys.is_empty() {
            return Ok(found);
        }
        let mut request = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .projection_expression(projection);
        for (name, attribute) in names {
            request = request.expression_attribute_names(*name, *attribute);
        }
        let mut pending = Some(request.build()?);
        let mut retry = crate::retry::Retry::tries(8);
        while let Some(request) = pending.take() {
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| StoreError::sdk("BatchGetItem", e))?;
            found.extend(
                out.responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default(),
            );
            pending = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .filter(|k| !k.keys.is_empty());
            if pending.is_some() {
                retry
                    .again()
                    .await
                    .map_err(|_| StoreError::Contention("BatchGetItem"))?;
            }
        }
        Ok(found)
    }

    /// Every item of a customer's partition whose sort key starts with
    /// `prefix`: one strongly consistent Query, all pages.
    async fn customer_items<T: DeserializeOwned>(
        &self,
        customer: &crate::domain::CustomerId,
        prefix: &str,
    ) -> Result<Vec<T>, StoreError> {
        let pk = keys::customer_pk(customer);
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
            .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_string()))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut items = Vec::new();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| StoreError::sdk("Query", e))?;
            items.push(
                serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(|source| StoreError::Decode {
                    key: format!("{pk}/{prefix}"),
                    source,
                })?,
            );
        }
        Ok(items)
    }

    /// A strongly consistent read of one item: decisions that guard a
    /// write must not act on a stale copy.
    async fn get<T: DeserializeOwned>(&self, pk: String, sk: &str) -> Result<Option<T>, StoreError> {
        self.get_with(pk, sk, true).await
    }

    /// `get`, eventually consistent when the write that follows is
    /// conditioned anyway (half the read units).
    async fn get_with<T: DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
        consistent: bool,
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk.clone(), sk)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|e| StoreError::sdk("GetItem", e))?;
        match out.item {
            None => Ok(None),
            Some(item) => serde_dynamo::aws_sdk_dynamodb_1::from_item(item)
                .map(Some)
                .map_err(|source| StoreError::Decode {
                    key: format!("{pk}/{sk}"),
                    source,
                }),
        }
    }
}
