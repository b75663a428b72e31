//! Customer-page sessions and rate-limit counters: small items that expire
//! on their own (TTL), read strongly consistent.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use chrono::{DateTime, Utc};

use super::envelope::Envelope;
use super::keys;
use super::tx::{n, s, to_item};
use super::{Store, StoreError};
use crate::links::LinkSession;

fn condition_failed(err: &aws_sdk_dynamodb::error::SdkError<UpdateItemError>) -> bool {
    matches!(
        err.as_service_error(),
        Some(UpdateItemError::ConditionalCheckFailedException(_))
    )
}

impl Store {
    pub async fn put_session(&self, hash: &str, session: &LinkSession) -> Result<(), StoreError> {
        let item = Envelope::new(keys::session_pk(hash), keys::SESSION_SK, "session", session);
        self.put_new(to_item(&item)?).await
    }

    /// The session, unless it expired (TTL deletes lazily, so the reader
    /// checks the time itself).
    pub async fn get_session(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<LinkSession>, StoreError> {
        let item: Option<Envelope<LinkSession>> = self.get(keys::session_pk(hash), keys::SESSION_SK).await?;
        Ok(item
            .map(|i| i.body)
            .filter(|session| session.expires_at > now.timestamp()))
    }

    /// Spends the session's one-time value and sets the next one. False
    /// when `used` is not the current value (a replayed or forged form).
    pub async fn spend_nonce(&self, hash: &str, used: &str, next: &str) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::session_pk(hash), keys::SESSION_SK)))
            .update_expression("SET nonce = :next")
            .condition_expression("nonce = :used")
            .expression_attribute_values(":next", s(next))
            .expression_attribute_values(":used", s(used))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::sdk("UpdateItem", err)),
        }
    }

    /// Counts one hit against `limit` per window of `window_secs`. False
    /// when the limit is reached: the caller refuses the request.
    pub async fn within_limit(
        &self,
        scope: &str,
        key: &str,
        limit: u32,
        window_secs: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let window = now.timestamp() / window_secs;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::rate_pk(scope, key, window), keys::RATE_SK)))
            .update_expression("ADD hits :one SET expires_at = :expires")
            .condition_expression("attribute_not_exists(hits) OR hits < :limit")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":limit", n(limit))
            .expression_attribute_values(":expires", n((window + 2) * window_secs))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::sdk("UpdateItem", err)),
        }
    }
}
