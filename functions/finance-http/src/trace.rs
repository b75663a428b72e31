//! One tracing span per HTTP request, for every HTTP function (the finance
//! APIs and the customer pages): each line logged while answering carries
//! the route's template — `/i/{token}/{number}`, never the token itself —
//! the method and a request id, so one request can be followed through
//! the JSON logs. Nothing personal goes in.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// Add with `Router::route_layer(axum::middleware::from_fn(request_span))`.
pub async fn request_span(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        route = %route,
        request = %ulid::Ulid::new()
    );
    async move {
        let response = next.run(request).await;
        tracing::debug!(status = response.status().as_u16(), "answered");
        response
    }
    .instrument(span)
    .await
}
