//! What the table's stream hands the survey dispatcher: an INSERT record
//! whose new image is the item as stored. DynamoDB Local keeps a stream,
//! but Lambda's event-source mapping (and its filter) does not run here,
//! so tests and the local scenario build the records from the items.

use anyhow::{Context, Result};
use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use relance::domain::HistoryEvent;

/// One stream batch with an INSERT record per event, in the given order.
/// The items are read with the caller's own client: production code has
/// no reason to hand its client out.
pub async fn inserted(client: &Client, table: &str, events: &[HistoryEvent]) -> Result<Event> {
    let mut batch = Event::default();
    for event in events {
        batch.records.push(record(client, table, event).await?);
    }
    Ok(batch)
}

async fn record(client: &Client, table: &str, event: &HistoryEvent) -> Result<EventRecord> {
    let key = [
        (
            "PK".to_string(),
            AttributeValue::S(format!("CUST#{}", event.customer_id)),
        ),
        (
            "SK".to_string(),
            AttributeValue::S(format!(
                "EVT#{}#{}",
                event.at.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                event.id
            )),
        ),
    ];
    let item = client
        .get_item()
        .table_name(table)
        .set_key(Some(key.into_iter().collect()))
        .send()
        .await
        .context("reading the event item")?
        .item
        .context("the event item exists")?;
    let record = serde_json::json!({
        "eventID": event.id.to_string(),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-3",
        "dynamodb": {
            "Keys": {},
            "NewImage": {},
            "SequenceNumber": format!("{}", event.at.timestamp_millis()),
            "SizeBytes": 512,
            "StreamViewType": "NEW_IMAGE"
        },
        "eventSourceARN": "arn:aws:dynamodb:eu-west-3:123456789012:table/relance/stream/2026-01-01T00:00:00.000"
    });
    let mut record: EventRecord = serde_json::from_value(record).context("stream record shape")?;
    record.change.new_image = serde_dynamo::Item::from(item);
    Ok(record)
}
