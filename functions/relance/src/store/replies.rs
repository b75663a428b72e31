//! Customers' email replies: the reply address each sent email carried
//! (its message id → the customer), the reply recorded once per received
//! message, its text kept 30 days, and the messages no customer matched.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::tx::{Cond, Part, Tx, TxOutcome, to_item};
use super::{Store, StoreError, keys};
use crate::domain::message::Message;
use crate::domain::todo::Todo;
use crate::domain::{CustomerId, HistoryEvent};

/// A reply address answers for half a year: long enough for a late
/// answer to an invoice, short enough that an old address found in a
/// mailbox opens nothing.
pub const REPLY_ADDRESS_LIFETIME: Duration = Duration::days(180);
/// A reply's text, like a help request's comment, is kept 30 days.
pub const REPLY_TEXT_RETENTION: Duration = Duration::days(30);
/// The marker that a received message was recorded outlives every
/// redelivery of it.
const MARKER_RETENTION: Duration = Duration::days(30);
/// What no customer matched stays for finance to look at for 90 days.
const UNMATCHED_RETENTION: Duration = Duration::days(90);

const UNMATCHED_PK: &str = "INBOUND";

fn token_pk(message: Ulid) -> String {
    format!("REPLYTO#{message}")
}

fn marker_sk(received: &str) -> String {
    format!("INBOUND#{received}")
}

fn text_sk(event: Ulid) -> String {
    format!("REPLYTEXT#{event}")
}

#[derive(Serialize, Deserialize)]
struct TokenItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    customer_id: CustomerId,
    expires_at: i64,
}

#[derive(Serialize)]
struct Marker<'a> {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: &'static str,
    text: Option<&'a str>,
    expires_at: i64,
}

#[derive(Deserialize)]
struct TextRead {
    text: String,
    expires_at: i64,
}

/// A received message no customer matched, for finance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmatched {
    /// Where the receiving rule stored it (the bucket's key).
    pub source: String,
    pub from: Option<String>,
    pub subject: Option<String>,
    pub reason: String,
    pub received_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct UnmatchedItem<'a> {
    #[serde(rename = "PK")]
    pk: &'static str,
    #[serde(rename = "SK")]
    sk: String,
    entity: &'static str,
    #[serde(flatten)]
    body: &'a Unmatched,
    expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyWrite {
    Written,
    /// This received message was recorded before.
    Duplicate,
}

impl Store {
    /// Remembers that the email `message` to `customer` carried its own
    /// reply address.
    pub async fn remember_reply_address(
        &self,
        message: Ulid,
        customer: &CustomerId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let item = TokenItem {
            pk: token_pk(message),
            sk: "REPLYTO".into(),
            entity: "reply_address".into(),
            customer_id: customer.clone(),
            expires_at: (now + REPLY_ADDRESS_LIFETIME).timestamp(),
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .send()
            .await
            .map_err(|e| StoreError::sdk("PutItem", e))?;
        Ok(())
    }

    /// The customer whose email carried the reply address of `message`,
    /// unless it is unknown or has expired.
    pub async fn reply_address_customer(
        &self,
        message: Ulid,
        now: DateTime<Utc>,
    ) -> Result<Option<CustomerId>, StoreError> {
        let item: Option<TokenItem> = self.get(token_pk(message), "REPLYTO").await?;
        Ok(item.filter(|i| i.expires_at > now.timestamp()).map(|i| i.customer_id))
    }

    /// Records a customer's reply once per received message (`received`,
    /// a digest of where it was stored): the event, its text for 30 days,
    /// and — for a person's reply — the to-do line that holds the
    /// reminders until someone answers, and the alert that tells finance.
    pub async fn record_reply(
        &self,
        received: &str,
        event: &HistoryEvent,
        text: &str,
        todo: Option<&Todo>,
        alert: Option<&Message>,
        now: DateTime<Utc>,
    ) -> Result<ReplyWrite, StoreError> {
        let pk = keys::customer_pk(&event.customer_id);
        let mut tx = Tx::default();
        let marker = Marker {
            pk: pk.clone(),
            sk: marker_sk(received),
            entity: "inbound_marker",
            text: None,
            expires_at: (now + MARKER_RETENTION).timestamp(),
        };
        tx.put(
            self,
            Part::Feedback,
            to_item(&marker)?,
            Some(Cond::new("attribute_not_exists(PK)")),
        )?;
        self.put_event(&mut tx, event)?;
        if !text.is_empty() {
            let kept = Marker {
                pk,
                sk: text_sk(event.id),
                entity: "reply_text",
                text: Some(text),
                expires_at: (now + REPLY_TEXT_RETENTION).timestamp(),
            };
            tx.put(self, Part::Note, to_item(&kept)?, None)?;
        }
        if let Some(todo) = todo {
            self.put_waiting(&mut tx, &event.customer_id, todo)?;
        }
        if let Some(alert) = alert {
            self.put_message(&mut tx, alert)?;
        }
        match tx.commit(self).await? {
            TxOutcome::Committed => Ok(ReplyWrite::Written),
            TxOutcome::ConditionFailed(parts) if parts.contains(&Part::Feedback) => Ok(ReplyWrite::Duplicate),
            _ => Err(StoreError::Contention("reply")),
        }
    }

    /// A reply's text, unless its 30 days ran out.
    pub async fn reply_text(
        &self,
        customer: &CustomerId,
        event: Ulid,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let item: Option<TextRead> = self.get(keys::customer_pk(customer), &text_sk(event)).await?;
        Ok(item.filter(|i| i.expires_at > now.timestamp()).map(|i| i.text))
    }

    /// Records a received message no customer matched, once.
    pub async fn record_unmatched(
        &self,
        received: &str,
        unmatched: &Unmatched,
        now: DateTime<Utc>,
    ) -> Result<ReplyWrite, StoreError> {
        let item = UnmatchedItem {
            pk: UNMATCHED_PK,
            sk: format!("UNMATCHED#{received}"),
            entity: "unmatched_reply",
            body: unmatched,
            expires_at: (now + UNMATCHED_RETENTION).timestamp(),
        };
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match out {
            Ok(_) => Ok(ReplyWrite::Written),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(ReplyWrite::Duplicate)
            }
            Err(e) => Err(StoreError::sdk("PutItem", e)),
        }
    }

    /// The received messages no customer matched, still kept.
    pub async fn unmatched_replies(&self, now: DateTime<Utc>) -> Result<Vec<Unmatched>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :u)")
            .expression_attribute_values(":pk", super::tx::s(UNMATCHED_PK))
            .expression_attribute_values(":u", super::tx::s("UNMATCHED#"))
            .send()
            .await
            .map_err(|e| StoreError::sdk("Query", e))?;
        let mut found = Vec::new();
        for item in out.items.unwrap_or_default() {
            let expired = item
                .get(keys::EXPIRES_AT)
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse::<i64>().ok())
                .is_some_and(|at| at <= now.timestamp());
            if expired {
                continue;
            }
            let body: Unmatched =
                serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(|source| StoreError::Decode {
                    key: UNMATCHED_PK.into(),
                    source,
                })?;
            found.push(body);
        }
        Ok(found)
    }
}
