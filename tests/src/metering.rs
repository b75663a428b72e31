//! Counts what a DynamoDB client does: requests per operation and the
//! capacity units DynamoDB reports. Used by the benchmarks. The
//! interceptor asks for `ReturnConsumedCapacity: TOTAL` on every request
//! (DynamoDB Local reports it too) and reads it from the typed outputs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::batch_write_item::{BatchWriteItemInput, BatchWriteItemOutput};
use aws_sdk_dynamodb::operation::get_item::{GetItemInput, GetItemOutput};
use aws_sdk_dynamodb::operation::put_item::{PutItemInput, PutItemOutput};
use aws_sdk_dynamodb::operation::query::{QueryInput, QueryOutput};
use aws_sdk_dynamodb::operation::transact_write_items::{TransactWriteItemsInput, TransactWriteItemsOutput};
use aws_sdk_dynamodb::operation::update_item::{UpdateItemInput, UpdateItemOutput};
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Usage {
    pub requests: BTreeMap<String, u64>,
    pub read_units: f64,
    pub write_units: f64,
}

impl Usage {
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Meter(Arc<Mutex<Usage>>);

impl Meter {
    pub fn usage(&self) -> Usage {
        self.0.lock().map(|u| u.clone()).unwrap_or_default()
    }

    pub fn reset(&self) {
        if let Ok(mut u) = self.0.lock() {
            *u = Usage::default();
        }
    }
}

impl Intercept for Meter {
    fn name(&self) -> &'static str {
        "Meter"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input_mut();
        let total = Some(ReturnConsumedCapacity::Total);
        macro_rules! ask {
            ($($t:ty),*) => {
                $(if let Some(i) = input.downcast_mut::<$t>() { i.return_consumed_capacity = total.clone(); })*
            };
        }
        ask!(
            GetItemInput,
            QueryInput,
            PutItemInput,
            UpdateItemInput,
            TransactWriteItemsInput,
            BatchWriteItemInput
        );
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };
        let Ok(mut usage) = self.0.lock() else { return Ok(()) };
        let units = |c: Option<&ConsumedCapacity>| c.and_then(ConsumedCapacity::capacity_units).unwrap_or(0.0);
        let all = |c: &[ConsumedCapacity]| c.iter().filter_map(ConsumedCapacity::capacity_units).sum::<f64>();
        // DynamoDB Local reports one total per request: reads and writes
        // are told apart by the operation.
        let (operation, read, write) = if let Some(o) = output.downcast_ref::<GetItemOutput>() {
            ("GetItem", units(o.consumed_capacity()), 0.0)
        } else if let Some(o) = output.downcast_ref::<QueryOutput>() {
            ("Query", units(o.consumed_capacity()), 0.0)
        } else if let Some(o) = output.downcast_ref::<PutItemOutput>() {
            ("PutItem", 0.0, units(o.consumed_capacity()))
        } else if let Some(o) = output.downcast_ref::<UpdateItemOutput>() {
            ("UpdateItem", 0.0, units(o.consumed_capacity()))
        } else if let Some(o) = output.downcast_ref::<TransactWriteItemsOutput>() {
            ("TransactWriteItems", 0.0, all(o.consumed_capacity()))
        } else if let Some(o) = output.downcast_ref::<BatchWriteItemOutput>() {
            ("BatchWriteItem", 0.0, all(o.consumed_capacity()))
        } else {
            ("other", 0.0, 0.0)
        };
        *usage.requests.entry(operation.to_string()).or_default() += 1;
        usage.read_units += read;
        usage.write_units += write;
        Ok(())
    }
}

/// A DynamoDB client built from `config` that reports to `meter`.
pub fn metered_client(config: &aws_config::SdkConfig, meter: &Meter) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::config::Builder::from(config)
        .interceptor(meter.clone())
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}
