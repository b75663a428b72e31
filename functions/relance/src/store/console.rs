//! Console sessions: one small item per signed-in person's cookie (by its
//! hash), gone by TTL after a working day; read strongly consistent.

use chrono::{DateTime, Utc};

use super::envelope::Envelope;
use super::tx::to_item;
use super::{Store, StoreError};
use crate::staff::StaffSession;

fn pk(hash: &str) -> String {
    format!("CONSOLE#{hash}")
}
const SK: &str = "SESSION";

impl Store {
    pub async fn put_staff_session(&self, hash: &str, session: &StaffSession) -> Result<(), StoreError> {
        let item = Envelope::new(pk(hash), SK, "staff_session", session);
        self.put_new(to_item(&item)?).await
    }

    /// The session, unless it expired (TTL deletes lazily).
    pub async fn get_staff_session(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<StaffSession>, StoreError> {
        let item: Option<Envelope<StaffSession>> = self.get(pk(hash), SK).await?;
        Ok(item.map(|i| i.body).filter(|s| s.expires_at > now.timestamp()))
    }

    /// Signs out: the cookie opens nothing any more.
    pub async fn end_staff_session(&self, hash: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk(hash), SK)))
            .send()
            .await
            .map_err(|e| StoreError::sdk("DeleteItem", e))?;
        Ok(())
    }
}
