//! `payment-webhook`: the card provider's webhook endpoint (Stripe), on
//! its own route. Every request's signature is verified first
//! (`signature.rs`); a bad or stale one answers 400 and writes nothing.
//! A payment event records the payment once (`relance::bank::
//! record_card_payment`), whichever of its events arrives and however
//! often Stripe delivers it.

pub mod event;
pub mod signature;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use relance::context::{Call, Clock};
use relance::delivery::Deliverer;
use relance::domain::Actor;
use relance::mail::SesMailer;
use relance::store::Store;
use serde_json::json;

pub struct AppState {
    pub store: Store,
    pub deliverer: Deliverer<SesMailer>,
    /// The endpoint's signing secret (`whsec_…`); empty: no provider.
    pub signing_secret: String,
    pub clock: Clock,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/payments/stripe", post(receive))
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024))
        .with_state(state)
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn receive(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let now = (state.clock)();
    if state.signing_secret.is_empty() {
        return answer(
            StatusCode::NOT_FOUND,
            json!({ "error": "not_found", "message": "no card provider is configured" }),
        );
    }
    let header = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    if let Err(e) = signature::verify(header, &body, &state.signing_secret, now.timestamp()) {
        tracing::warn!(reason = %e, "webhook refused");
        return answer(
            StatusCode::BAD_REQUEST,
            json!({ "error": "bad_signature", "message": e.to_string() }),
        );
    }
    let Some(reported) = event::read(&body) else {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({ "error": "invalid_event", "message": "not a Stripe event" }),
        );
    };
    let fields = match reported {
        event::Reported::Ignored { kind, why } => {
            tracing::info!(kind = %kind, why, "webhook event ignored");
            return answer(
                StatusCode::OK,
                json!({ "received": true, "recorded": false, "why": why }),
            );
        }
        event::Reported::Paid(fields) => fields,
        event::Reported::Changed {
            event_id,
            payment_id,
            change,
        } => return changed(&state, &event_id, &payment_id, &change, now).await,
    };
    let payment = match fields.payment() {
        Ok(p) => p,
        Err(e) => {
            // Stripe would retry a refusal for days; it cannot be fixed by
            // retrying, so it is acknowledged and logged for finance.
            tracing::warn!(event = %fields.event_id, error = %e, "webhook payment names no relance invoice");
            return answer(StatusCode::OK, json!({ "received": true, "recorded": false, "why": e }));
        }
    };
    let actor = Actor(format!("stripe:{}", fields.event_id));
    match relance::bank::record_card_payment(&state.store, &payment, Call::at(&actor, now)).await {
        Ok((outcome, thanks)) => {
            tracing::info!(event = %fields.event_id, payment = %payment.payment_id, outcome = ?outcome, "card payment");
            for message in thanks {
                state.deliverer.deliver_now(Some(message), now).await;
            }
            answer(StatusCode::OK, json!({ "received": true, "outcome": outcome }))
        }
        // A 5xx makes Stripe deliver the event again, later: safe, since
        // the payment is recorded once.
        Err(e) => {
            tracing::error!(event = %fields.event_id, error = %e, "card payment not recorded yet");
            try_again()
        }
    }
}

fn try_again() -> Response {
    answer(
        StatusCode::SERVICE_UNAVAILABLE,
        json!({ "error": "busy", "message": "try again" }),
    )
}

/// A refund or a dispute on a payment relance recorded.
async fn changed(
    state: &AppState,
    event_id: &str,
    payment_id: &str,
    change: &relance::card::CardChange,
    now: chrono::DateTime<chrono::Utc>,
) -> Response {
    let actor = Actor(format!("stripe:{event_id}"));
    match relance::card::record_card_change(&state.store, payment_id, change, Call::at(&actor, now)).await {
        Ok(outcome) => {
            tracing::info!(event = %event_id, payment = %payment_id, outcome = ?outcome, "card payment changed");
            answer(StatusCode::OK, json!({ "received": true, "outcome": outcome }))
        }
        Err(e) => {
            tracing::error!(event = %event_id, error = %e, "card change not recorded yet");
            try_again()
        }
    }
}
