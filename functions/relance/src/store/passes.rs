//! The reminder passes' records: one item per pass (or per invocation of
//! a pass continued across several) under one partition, newest first by
//! its sort key, kept a year (TTL) — the console's "last passes" is one
//! Query whatever the table holds.

use chrono::Duration;

use super::envelope::Envelope;
use super::keys;
use super::tx::{n, s, to_item};
use super::{Store, StoreError};
use crate::reminders::PassRecord;

/// How long a pass's record is kept.
const KEPT_DAYS: i64 = 366;

impl Store {
    pub async fn record_pass(&self, record: &PassRecord) -> Result<(), StoreError> {
        let item = Envelope::new(keys::PASSES_PK.to_string(), keys::pass_sk(record), "pass", record);
        let mut item = to_item(&item)?;
        item.insert(
            keys::EXPIRES_AT.to_string(),
            n((record.at + Duration::days(KEPT_DAYS)).timestamp()),
        );
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::sdk("PutItem", e))?;
        Ok(())
    }

    /// The last `limit` passes, the latest first.
    pub async fn recent_passes(&self, limit: i32) -> Result<Vec<PassRecord>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(keys::PASSES_PK))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(|e| StoreError::sdk("Query", e))?;
        let items: Vec<Envelope<PassRecord>> =
            serde_dynamo::aws_sdk_dynamodb_1::from_items(out.items.unwrap_or_default()).map_err(|source| {
                StoreError::Decode {
                    key: keys::PASSES_PK.to_string(),
                    source,
                }
            })?;
        Ok(items.into_iter().map(|i| i.body).collect())
    }
}
