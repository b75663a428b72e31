//! A small builder over TransactWriteItems that remembers what each item
//! was, so a cancelled transaction can say which condition failed: a
//! failed condition is a business outcome, not an error.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use serde::Serialize;

use super::{Store, StoreError};

pub type Item = HashMap<String, AttributeValue>;

/// What an item in a transaction stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Sequence,
    Invoice,
    Customer,
    Event,
    Idempotency,
    Message,
    Token,
    Survey,
    SurveyState,
    Note,
    Credit,
    Budget,
    CustomerCap,
    Feedback,
    Dunning,
    BankEntry,
    BankMark,
    Waiting,
}

#[derive(Debug)]
pub enum TxOutcome {
    Committed,
    /// These items' conditions failed; nothing was written.
    ConditionFailed(Vec<Part>),
    /// Another transaction touched the same items at the same time;
    /// nothing was written and retrying is safe.
    Conflict,
}

#[derive(Default)]
pub struct Tx {
    items: Vec<TransactWriteItem>,
    parts: Vec<Part>,
}

pub struct Cond<'a> {
    pub expression: &'a str,
    pub values: Vec<(&'a str, AttributeValue)>,
    pub names: Vec<(&'a str, &'a str)>,
}

impl<'a> Cond<'a> {
    pub fn new(expression: &'a str) -> Self {
        Self {
            expression,
            values: Vec::new(),
            names: Vec::new(),
        }
    }
    pub fn value(mut self, name: &'a str, value: AttributeValue) -> Self {
        self.values.push((name, value));
        self
    }
    pub fn name(mut self, placeholder: &'a str, attribute: &'a str) -> Self {
        self.names.push((placeholder, attribute));
        self
    }
}

pub fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::aws_sdk_dynamodb_1::to_item(value).map_err(StoreError::Encode)
}

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

impl Tx {
    pub fn put(&mut self, store: &Store, part: Part, item: Item, cond: Option<Cond<'_>>) -> Result<(), StoreError> {
        let mut put = Put::builder().table_name(&store.table).set_item(Some(item));
        if let Some(cond) = cond {
            put = put.condition_expression(cond.expression);
            for (k, v) in cond.values {
                put = put.expression_attribute_values(k, v);
            }
            for (k, v) in cond.names {
                put = put.expression_attribute_names(k, v);
            }
        }
        self.items.push(TransactWriteItem::builder().put(put.build()?).build());
        self.parts.push(part);
        Ok(())
    }

    pub fn update(
        &mut self,
        store: &Store,
        part: Part,
        key: Item,
        update_expression: &str,
        cond: Cond<'_>,
    ) -> Result<(), StoreError> {
        let mut update = Update::builder()
            .table_name(&store.table)
            .set_key(Some(key))
            .update_expression(update_expression);
        if !cond.expression.is_empty() {
            update = update.condition_expression(cond.expression);
        }
        for (k, v) in cond.values {
            update = update.expression_attribute_values(k, v);
        }
        for (k, v) in cond.names {
            update = update.expression_attribute_names(k, v);
        }
        self.items
            .push(TransactWriteItem::builder().update(update.build()?).build());
        self.parts.push(part);
        Ok(())
    }

    pub fn delete(&mut self, store: &Store, part: Part, key: Item, cond: Cond<'_>) -> Result<(), StoreError> {
        let mut delete = Delete::builder().table_name(&store.table).set_key(Some(key));
        if !cond.expression.is_empty() {
            delete = delete.condition_expression(cond.expression);
        }
        for (k, v) in cond.values {
            delete = delete.expression_attribute_values(k, v);
        }
        for (k, v) in cond.names {
            delete = delete.expression_attribute_names(k, v);
        }
        self.items
            .push(TransactWriteItem::builder().delete(delete.build()?).build());
        self.parts.push(part);
        Ok(())
    }

    pub async fn commit(self, store: &Store) -> Result<TxOutcome, StoreError> {
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
        let result = store
            .client
            .transact_write_items()
            .set_transact_items(Some(self.items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(TxOutcome::Committed),
            Err(err) => match err.as_service_error() {
                Some(E::TransactionCanceledException(cancelled)) => {
                    let reasons = cancelled.cancellation_reasons();
                    let failed: Vec<Part> = reasons
                        .iter()
                        .zip(&self.parts)
                        .filter(|(r, _)| r.code() == Some("ConditionalCheckFailed"))
                        .map(|(_, p)| *p)
                        .collect();
                    if failed.is_empty() {
                        // TransactionConflict or ThrottlingError on an item.
                        Ok(TxOutcome::Conflict)
                    } else {
                        Ok(TxOutcome::ConditionFailed(failed))
                    }
                }
                Some(E::TransactionInProgressException(_)) => Ok(TxOutcome::Conflict),
                // The store could not finish in time (the SDK already tried
                // again): whether it committed is unknown, so the caller
                // reads again and decides again. Every write in a
                // transaction is conditional (a version, a new key, the
                // request's idempotency record), so a commit that did
                // happen shows on that read and is never made twice.
                Some(E::InternalServerError(_)) => Ok(TxOutcome::Conflict),
                _ => Err(StoreError::sdk("TransactWriteItems", err)),
            },
        }
    }
}
