//! The one way to read a sparse, sharded index: every item of one shard
//! (`<prefix>#<shard>`) whose sort key is at most a bound, all pages,
//! decoded into the caller's key type. The open-invoices index (open
//! invoices and credit follow-ups) and the outbox index are read this way.

use serde::de::DeserializeOwned;

use super::tx::s;
use super::{Store, StoreError, keys};

/// A sparse index split over `keys::SHARDS` partitions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sharded {
    pub index: &'static str,
    pub pk: &'static str,
    pub sk: &'static str,
    /// The partition prefix: `OPEN`, `FOLLOW`, `OUTBOX`.
    pub prefix: &'static str,
    /// The attributes to read (`None`: what the index projects).
    pub projection: Option<&'static str>,
}

impl Store {
    /// The items of every shard whose sort key is at most `until#~`, the
    /// shards read at once, in no particular order.
    pub(crate) async fn every_shard_items<T: DeserializeOwned>(
        &self,
        index: Sharded,
        until: &str,
    ) -> Result<Vec<T>, StoreError> {
        let shards =
            futures::future::try_join_all((0..keys::SHARDS).map(|shard| self.shard_items::<T>(index, shard, until)))
                .await?;
        Ok(shards.into_iter().flatten().collect())
    }

    /// The items of `shard` whose sort key is at most `until#~` ('~'
    /// sorts after every character used in the keys' tails).
    pub(crate) async fn shard_items<T: DeserializeOwned>(
        &self,
        index: Sharded,
        shard: u32,
        until: &str,
    ) -> Result<Vec<T>, StoreError> {
        debug_assert!(shard < keys::SHARDS);
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index.index)
            .key_condition_expression("#pk = :pk AND #sk <= :until")
            .expression_attribute_names("#pk", index.pk)
            .expression_attribute_names("#sk", index.sk)
            .expression_attribute_values(":pk", s(format!("{}#{shard}", index.prefix)))
            .expression_attribute_values(":until", s(format!("{until}#~")));
        if let Some(projection) = index.projection {
            query = query.projection_expression(projection);
            // The projections name the sort key and `number`, both reserved
            // or attribute names that need an alias.
            if projection.contains("#num") {
                query = query.expression_attribute_names("#num", "number");
            }
        }
        let mut pages = query.into_paginator().items().send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| StoreError::sdk("Query", e))?;
            let decoded = serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(|source| StoreError::Decode {
                key: format!("{}#{shard}", index.prefix),
                source,
            })?;
            out.push(decoded);
        }
        Ok(out)
    }
}
