use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::envelope::Envelope;
use super::keys;
use super::tx::{Cond, Part, Tx, n, to_item};
use super::{Store, StoreError};

/// How long a replay is possible: longer than any client's retry window.
pub const RETENTION: Duration = Duration::days(7);

/// The first response to an idempotent request, kept so a retry gets the
/// same answer and creates nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    pub expires_at: i64,
}

/// The record to write in the same transaction as the work it protects.
#[derive(Debug, Clone)]
pub struct IdempotencyWrite {
    pub scope: &'static str,
    pub key: String,
    pub record: IdempotencyRecord,
}

impl IdempotencyWrite {
    pub fn new(
        scope: &'static str,
        key: &str,
        request_hash: &str,
        status: u16,
        body: String,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            scope,
            key: key.to_string(),
            record: IdempotencyRecord {
                request_hash: request_hash.to_string(),
                status,
                body,
                expires_at: (now + RETENTION).timestamp(),
            },
        }
    }
}

impl Store {
    pub async fn get_idempotency(
        &self,
        scope: &str,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let item: Option<Envelope<IdempotencyRecord>> =
            self.get(keys::idempotency_pk(scope, key), keys::IDEMPOTENCY_SK).await?;
        // TTL deletion is lazy (and never happens locally): expired is absent.
        Ok(item.map(|i| i.body).filter(|r| r.expires_at > now.timestamp()))
    }

    pub(crate) fn put_idempotency(
        &self,
        tx: &mut Tx,
        write: &IdempotencyWrite,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let item = Envelope::new(
            keys::idempotency_pk(write.scope, &write.key),
            keys::IDEMPOTENCY_SK,
            "idempotency",
            &write.record,
        );
        tx.put(
            self,
            Part::Idempotency,
            to_item(&item)?,
            Some(
                Cond::new("attribute_not_exists(PK) OR #exp <= :now")
                    .name("#exp", keys::EXPIRES_AT)
                    .value(":now", n(now.timestamp())),
            ),
        )
    }
}
