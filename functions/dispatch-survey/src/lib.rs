//! `dispatch-survey`: the table's stream brings every new item; history
//! events that end an interaction may get one survey question. A record
//! delivered twice claims once (the claim is a conditional write keyed by
//! the event); a record that fails is reported alone, so Lambda retries
//! it, then sends it to the on-failure destination.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use chrono::{DateTime, Utc};
use relance::delivery::Deliverer;
use relance::domain::HistoryEvent;
use relance::domain::dunning::Policy;
use relance::domain::survey::SurveyPolicy;
use relance::mail::Mailer;
use relance::store::Store;
use relance::surveys::{Dispatch, Dispatcher};
use tracing::Instrument;

pub struct Deps<M> {
    pub store: Store,
    pub deliverer: Deliverer<M>,
    pub policy: SurveyPolicy,
    pub dunning: Policy,
}

/// The history event a stream record inserted, if it inserted one that can
/// end an interaction (`trigger_kinds`). Other
/// items (invoices, messages, sessions) are not for this function; the
/// event source's filter drops most of them before they cost anything.
pub fn inserted_event(record: &EventRecord) -> Option<HistoryEvent> {
    if record.event_name != "INSERT" {
        return None;
    }
    let image = &record.change.new_image;
    let is_event = matches!(
        image.get("entity"),
        Some(serde_dynamo::AttributeValue::S(entity)) if entity == "event"
    );
    // The same list the deployed filter holds: where no filter runs (the
    // local stack) or it drifted, an event that cannot end an interaction
    // is not even decoded.
    let can_trigger = matches!(
        image.get("type"),
        Some(serde_dynamo::AttributeValue::S(kind)) if relance::domain::survey::trigger_kinds().contains(&kind.as_str())
    );
    if !is_event || !can_trigger {
        return None;
    }
    match serde_dynamo::from_item::<_, HistoryEvent>(image.clone()) {
        Ok(event) => Some(event),
        Err(err) => {
            tracing::error!(error = %err, "stream record is not a history event");
            None
        }
    }
}

/// Handles one batch; returns the records to retry.
pub async fn handle<M: Mailer>(deps: &Deps<M>, event: Event, now: DateTime<Utc>) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    let dispatcher = Dispatcher {
        store: &deps.store,
        policy: &deps.policy,
        dunning: &deps.dunning,
    };
    for record in &event.records {
        let Some(history_event) = inserted_event(record) else {
            continue;
        };
        // One span per stream record: its lines carry the event and the
        // customer ids, and nothing personal.
        let span = tracing::info_span!(
            "stream_record",
            event = %history_event.id,
            kind = history_event.kind.name(),
            customer = %history_event.customer_id
        );
        // Boxed: nested in the runtime's future, the instrumented one
        // overflows the compiler's type-layout depth in a clean build.
        let handled = Box::pin(handle_one(deps, &dispatcher, &history_event, now).instrument(span)).await;
        if !handled {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number.clone();
            response.batch_item_failures.push(failure);
            // Lambda retries from the first failure: stop here so the
            // records after it are not handled twice.
            break;
        }
    }
    response
}

/// One record's survey: claimed and sent, dropped, or (false) to retry.
async fn handle_one<M: Mailer>(
    deps: &Deps<M>,
    dispatcher: &Dispatcher<'_>,
    history_event: &HistoryEvent,
    now: DateTime<Utc>,
) -> bool {
    match dispatcher.dispatch(history_event, now).await {
        Ok(Dispatch::Claimed(message)) => {
            tracing::info!(customer = %history_event.customer_id, event = %history_event.id, "survey claimed");
            // A failed send stays in the outbox and is retried there:
            // the record itself is done.
            if let Err(err) = deps.deliverer.deliver(&message.customer_id, message.id, now).await {
                tracing::warn!(message_id = %message.id, error = %err, "survey left for the retry sweep");
            }
        }
        Ok(Dispatch::Dropped(reason)) => {
            tracing::info!(customer = %history_event.customer_id, ?reason, "no survey");
        }
        Ok(Dispatch::AlreadyClaimed | Dispatch::NotATrigger) => {}
        Err(err) => {
            tracing::error!(event = %history_event.id, error = %err, "survey dispatch failed; record will be retried");
            return false;
        }
    }
    true
}
