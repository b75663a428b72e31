use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::keys;
use super::tx::to_item;
use super::{Store, StoreError};
use crate::links::{self, LinkGrant, LinkPurpose, LinkRefusal};

#[derive(Serialize, Deserialize)]
struct TokenItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    #[serde(flatten)]
    grant: LinkGrant,
}

impl Store {
    /// Stores a grant under the token's hash; the token text never is. A
    /// single conditional put: a transaction would cost twice the writes.
    pub async fn put_link(&self, hash: &str, grant: &LinkGrant) -> Result<(), StoreError> {
        let item = TokenItem {
            pk: keys::token_pk(hash),
            sk: keys::TOKEN_SK.into(),
            entity: "link".into(),
            grant: grant.clone(),
        };
        self.put_new(to_item(&item)?).await
    }

    /// Resolves a token text to what it grants, for one purpose.
    pub async fn resolve_link(
        &self,
        text: &str,
        purpose: LinkPurpose,
        now: DateTime<Utc>,
    ) -> Result<Result<LinkGrant, LinkRefusal>, StoreError> {
        if !links::well_formed(text) {
            return Ok(Err(LinkRefusal::Unknown));
        }
        let item: Option<TokenItem> = self.get(keys::token_pk(&links::hash(text)), keys::TOKEN_SK).await?;
        Ok(match item {
            None => Err(LinkRefusal::Unknown),
            Some(item) => item.grant.check(purpose, now).map(|()| item.grant),
        })
    }

    /// The grant stored under a token's hash, if it is still alive: a
    /// session re-checks its token on every request, so revoking a link
    /// also ends the sessions opened with it.
    pub async fn live_link_by_hash(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<LinkGrant>, StoreError> {
        let item: Option<TokenItem> = self.get(keys::token_pk(hash), keys::TOKEN_SK).await?;
        Ok(item.map(|i| i.grant).filter(|g| g.alive(now).is_ok()))
    }

    pub async fn revoke_link(&self, text: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::token_pk(&links::hash(text)), keys::TOKEN_SK)))
            .update_expression("SET revoked = :t")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":t", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
            .send()
            .await
            .map_err(|e| StoreError::sdk("UpdateItem", e))?;
        Ok(())
    }
}
