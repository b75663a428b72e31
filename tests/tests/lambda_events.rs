//! The finance API as Lambda runs it: a real API Gateway HTTP API event
//! (payload 2.0) with an IAM authorizer, through `lambda_http`'s own
//! conversion, into the router. The IAM caller is the actor; a header
//! cannot pretend otherwise; a request without IAM context is refused.

use crate::common;

use std::sync::Arc;

use axum::body::Body;
use http_body_util::BodyExt;
use issue_invoice::{AppState, Identity, router};
use relance::domain::CustomerId;
use tower::ServiceExt;

const FIXTURE: &str = include_str!("../fixtures/apigw-http-iam-put-customer.json");

fn lambda_request(json: &str) -> axum::http::Request<Body> {
    let request = lambda_http::request::from_str(json).expect("a valid API Gateway event");
    request.map(|body| Body::from(body.to_vec()))
}

fn deployed(world: &common::World) -> Arc<AppState> {
    let mut state = world.sibling().state;
    Arc::get_mut(&mut state).expect("sole owner").identity = Identity::Iam;
    state
}

#[tokio::test]
async fn the_iam_caller_is_recorded_as_the_actor() {
    let world = common::World::new("lambda").await;
    let response = router(deployed(&world))
        .oneshot(lambda_request(FIXTURE))
        .await
        .expect("answer");
    let status = response.status();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let history = world
        .store
        .full_history(&CustomerId::parse("acme-lyon").expect("id"))
        .await
        .expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].actor.0, "arn:aws:sts::123456789012:assumed-role/relance-finance/camille.durand",
        "the IAM identity, not the x-relance-actor header"
    );
}

#[tokio::test]
async fn a_request_without_iam_context_is_refused() {
    let world = common::World::new("lambdanoiam").await;
    let mut event: serde_json::Value = serde_json::from_str(FIXTURE).expect("json");
    event["requestContext"]["authorizer"] = serde_json::Value::Null;
    let response = router(deployed(&world))
        .oneshot(lambda_request(&event.to_string()))
        .await
        .expect("answer");
    assert_eq!(response.status(), 401);
    assert_eq!(world.item_count().await, 0, "nothing written");
}

#[test]
fn the_finance_api_uses_the_default_stage_so_paths_have_no_prefix() {
    let template: serde_norway::Value = serde_norway::from_str(relance_e2e::table::TEMPLATE).expect("yaml");
    let stage = &template["Resources"]["FinanceApi"]["Properties"]["StageName"];
    assert_eq!(
        stage.as_str(),
        Some("$default"),
        "a named stage would prefix every path and the router would 404"
    );
    let event: serde_json::Value = serde_json::from_str(FIXTURE).expect("json");
    assert_eq!(event["requestContext"]["stage"], "$default");
}

/// The cold-start benchmark's events are what the functions accept: a
/// stream record they read as a history event, an SNS delivery they read
/// as an SES bounce.
#[test]
fn the_benchmark_events_are_well_formed() {
    let stream: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_str(include_str!("../fixtures/dynamodb-stream-invoice-paid.json")).expect("stream event");
    let event = dispatch_survey::inserted_event(&stream.records[0]).expect("a history event");
    assert_eq!(event.kind.name(), "invoice_paid");
    let sns: aws_lambda_events::event::sns::SnsEvent =
        serde_json::from_str(include_str!("../fixtures/sns-ses-bounce.json")).expect("SNS event");
    let notice = relance::mail::parse_notification(&sns.records[0].sns.message)
        .expect("an SES notification")
        .expect("a bounce");
    assert_eq!(notice.recipients, ["nobody@example.fr"]);
    for fixture in [
        include_str!("../fixtures/apigw-http-iam-get-portfolio.json"),
        include_str!("../fixtures/apigw-http-open-link.json"),
    ] {
        let request: lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest =
            serde_json::from_str(fixture).expect("an HTTP API event");
        assert_eq!(request.request_context.http.method, lambda_http::http::Method::GET);
    }
}
