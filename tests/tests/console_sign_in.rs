//! The console's deployed sign-in, against a user pool on moto's server:
//! real ID tokens signed with the key the pool publishes, fetched and
//! checked by the console. In headless Chromium a person goes from the
//! console to the hosted sign-in (another site), comes back signed in —
//! the strict session cookie is sent on the next page — and signs out of
//! both. Over HTTP: the PKCE challenge is the verifier's, the person is
//! known by the pool's subject, and a stale or forged attempt, a replayed
//! code, a refusal, a person in no group of the console, a token of
//! another pool, another client, tampered with or expired — each is
//! refused and no session is written.

use crate::common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use common::World;
use common::browser::{browser_at, heading_becomes};
use fantoccini::Locator;
use finance_console::oidc::{Provider, ProviderConfig};
use http_body_util::BodyExt;
use relance::staff::Role;
use relance_e2e::hosted_sign_in::{HostedSignIn, PASSWORD, UserPool};
use sha2::Digest as _;
use tower::ServiceExt;

struct Setup {
    world: World,
    hosted: HostedSignIn,
    console: String,
    app: axum::Router,
    provider: Arc<Provider>,
    camille: String,
}

async fn setup(label: &str) -> Setup {
    let world = World::new(label).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let console = format!("http://{}", listener.local_addr().expect("addr"));
    let pool = UserPool::new(&world.config, label).await.expect("user pool");
    let camille = pool
        .person("camille", "camille@atelier-durand.fr", &["finance"])
        .await
        .expect("camille");
    pool.person("rose", "rose@atelier-durand.fr", &["approver"])
        .await
        .expect("rose");
    pool.person("theo", "theo@atelier-durand.fr", &[]).await.expect("theo");
    let (issuer, jwks, client_id) = (pool.issuer.clone(), pool.jwks_url.clone(), pool.client_id.clone());
    let hosted = HostedSignIn::serve(pool, format!("{console}/auth/callback"))
        .await
        .expect("hosted sign-in");
    let config = ProviderConfig::new(hosted.url.clone(), issuer, Some(jwks), client_id, console.clone())
        .expect("provider settings");
    let provider = Arc::new(Provider::new(config).expect("provider"));
    let clock = world.clock.clone();
    // The tokens carry the real time; the console's clock follows it.
    *clock.lock().expect("clock") = chrono::Utc::now();
    let state = Arc::new(finance_console::AppState {
        store: world.store.clone(),
        renderer: Arc::new(relance::render::Renderer::new().expect("templates")),
        clock: Arc::new(move || *clock.lock().expect("clock")),
        identity: Some(provider.clone()),
        // Both set, as on a developer's machine with the pool configured:
        // the pool wins, the development sign-in is not offered.
        local_users: Some(
            relance::staff::local_users(include_str!("../../config/console-users.toml")).expect("users file"),
        ),
        secure_cookies: false,
        seller: relance::config::company().expect("company"),
        policy: relance::domain::goodwill::GoodwillPolicy::configured().expect("policy"),
        dunning: relance::domain::dunning::Policy::configured().expect("dunning policy"),
        archive: None,
        series: "AV".into(),
        gate: Default::default(),
    });
    let app = finance_console::router(state);
    let served = app.clone();
    tokio::spawn(async move { axum::serve(listener, served).await });
    Setup {
        world,
        hosted,
        console,
        app,
        provider,
        camille,
    }
}

struct Answer {
    status: StatusCode,
    location: String,
    /// Each `Set-Cookie` whole, attributes included.
    cookies: Vec<String>,
    refresh: String,
    body: String,
}

async fn get(app: &axum::Router, uri: &str, cookie: Option<&str>) -> Answer {
    let mut request = Request::builder().uri(uri);
    if let Some(c) = cookie {
        request = request.header("cookie", c);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("answer");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (location, refresh) = (header("location"), header("refresh"));
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let status = response.status();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    Answer {
        status,
        location,
        cookies,
        refresh,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn query_value(url: &str, name: &str) -> String {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{name} in {url}"))
}

/// A sign-in started: the pre-session cookie (`name=value`), the state
/// and the challenge the hosted page was given.
async fn start(setup: &Setup) -> (String, String, String) {
    let answer = get(&setup.app, "/sign-in", None).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(
        answer
            .location
            .starts_with(&format!("{}/oauth2/authorize?", setup.hosted.url)),
        "{}",
        answer.location
    );
    let cookie = answer
        .cookies
        .iter()
        .find(|c| c.starts_with("relance_sign_in="))
        .expect("the attempt's cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Max-Age=600"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().expect("pair").to_string();
    (
        pair,
        query_value(&answer.location, "state"),
        query_value(&answer.location, "code_challenge"),
    )
}

fn session_cookie(answer: &Answer) -> Option<String> {
    answer
        .cookies
        .iter()
        .filter_map(|c| c.split(';').next())
        .find(|c| c.starts_with("relance_console=") && c.len() > "relance_console=".len())
        .map(str::to_string)
}

async fn sessions(world: &World) -> usize {
    let found = aws_sdk_dynamodb::Client::new(&world.config)
        .scan()
        .table_name(world.store.table())
        .filter_expression("begins_with(PK, :p)")
        .expression_attribute_values(":p", aws_sdk_dynamodb::types::AttributeValue::S("CONSOLE#".into()))
        .send()
        .await
        .expect("scan");
    found.items().len()
}

#[tokio::test]
async fn a_person_signs_in_on_the_hosted_page_and_out_of_both_in_the_browser() {
    let setup = setup("console-cognito-browser").await;
    let (_driver, client) = browser_at(1280, 900).await;
    client.goto(&format!("{}/", setup.console)).await.expect("console");
    heading_becomes(&client, "Sign in to relance").await;
    assert!(
        client
            .current_url()
            .await
            .expect("url")
            .as_str()
            .starts_with(&setup.hosted.url),
        "on the hosted page"
    );
    for (field, value) in [("#username", "rose"), ("#password", PASSWORD)] {
        client
            .find(Locator::Css(field))
            .await
            .expect(field)
            .send_keys(value)
            .await
            .expect("typed");
    }
    client
        .find(Locator::Css("#submit"))
        .await
        .expect("button")
        .click()
        .await
        .expect("sent");
    // Back on the console, past the page that moves on by itself: the
    // to-do opens, so the strict cookie was sent.
    heading_becomes(&client, "À faire").await;
    let who = client
        .find(Locator::Css(".who span"))
        .await
        .expect("who")
        .text()
        .await
        .expect("text");
    assert_eq!(who, "rose");
    assert_eq!(sessions(&setup.world).await, 1);

    client
        .find(Locator::Css("form[action='/sign-out'] button"))
        .await
        .expect("sign out")
        .click()
        .await
        .expect("signed out");
    // The hosted session ends too, and the console's sign-in sends back
    // to the hosted page.
    heading_becomes(&client, "Sign in to relance").await;
    assert_eq!(sessions(&setup.world).await, 0);
    client
        .goto(&format!("{}/receivables", setup.console))
        .await
        .expect("console");
    heading_becomes(&client, "Sign in to relance").await;
}

#[tokio::test]
async fn a_sign_in_holds_only_with_this_browsers_attempt_a_fresh_code_and_a_token_of_the_pool() {
    let setup = setup("console-cognito").await;

    // The challenge is the SHA-256 of the verifier the cookie keeps.
    let (pre, state, challenge) = start(&setup).await;
    let verifier = pre.split_once('.').expect("state.verifier").1;
    let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    assert_eq!(challenge, expected);

    // Signed in, known by the pool's subject, with the group's role.
    let code = setup.hosted.code_for("camille", &challenge).await.expect("code");
    let back = format!("/auth/callback?code={code}&state={state}");
    let answer = get(&setup.app, &back, Some(&pre)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.refresh, "0; url=/");
    let session = session_cookie(&answer).expect("a session");
    let person = setup
        .world
        .store
        .get_staff_session(
            &relance::links::hash(session.trim_start_matches("relance_console=")),
            chrono::Utc::now(),
        )
        .await
        .expect("read")
        .expect("the session")
        .person;
    assert_eq!(person.id, setup.camille);
    assert_eq!(person.roles, vec![Role::Finance]);
    let home = get(&setup.app, "/", Some(&session)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("<span>camille</span>"), "{}", home.body);
    assert_eq!(sessions(&setup.world).await, 1);

    // The same code again: the pool refuses it, nothing is opened.
    let again = get(&setup.app, &back, Some(&pre)).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert!(
        again.body.contains("Aucune session n&#x27;a été ouverte"),
        "{}",
        again.body
    );

    // Another browser's attempt, or none: the state does not match.
    let (pre, state, challenge) = start(&setup).await;
    let code = setup.hosted.code_for("camille", &challenge).await.expect("code");
    let forged = get(
        &setup.app,
        &format!("/auth/callback?code={code}&state=another{state}"),
        Some(&pre),
    )
    .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert!(forged.body.contains("plus valable"), "{}", forged.body);
    let without = get(&setup.app, &format!("/auth/callback?code={code}&state={state}"), None).await;
    assert_eq!(without.status, StatusCode::BAD_REQUEST);

    // The provider said no.
    let denied = get(&setup.app, "/auth/callback?error=access_denied&state=x", Some(&pre)).await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);

    // A person of the pool in none of the console's groups.
    let (pre, state, challenge) = start(&setup).await;
    let code = setup.hosted.code_for("theo", &challenge).await.expect("code");
    let outsider = get(
        &setup.app,
        &format!("/auth/callback?code={code}&state={state}"),
        Some(&pre),
    )
    .await;
    assert_eq!(outsider.status, StatusCode::FORBIDDEN);
    assert!(
        outsider.body.contains("aucun groupe de la console"),
        "{}",
        outsider.body
    );

    // A code sent back without the verifier it was asked with.
    let (pre, state, _) = start(&setup).await;
    let code = setup
        .hosted
        .code_for("camille", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await
        .expect("code");
    let stolen = get(
        &setup.app,
        &format!("/auth/callback?code={code}&state={state}"),
        Some(&pre),
    )
    .await;
    assert_eq!(stolen.status, StatusCode::UNAUTHORIZED);

    for refused in [&again, &forged, &without, &denied, &outsider, &stolen] {
        assert_eq!(session_cookie(refused), None);
    }
    assert_eq!(sessions(&setup.world).await, 1, "no refusal wrote a session");

    // The checks on the token itself.
    let pool = setup.hosted.pool();
    let now = chrono::Utc::now().timestamp();
    let good = pool
        .id_token(&pool.client_id, "camille", PASSWORD)
        .await
        .expect("token");
    let claims = setup.provider.verify(&good, now).await.expect("a valid token");
    assert_eq!(claims.sub, setup.camille);
    assert_eq!(claims.groups, vec!["finance".to_string()]);

    let expired = setup.provider.verify(&good, now + 2 * 3600).await;
    assert!(
        expired.as_ref().is_err_and(|e| e.to_string().contains("expired")),
        "{expired:?}"
    );

    let other_client = pool
        .client
        .create_user_pool_client()
        .user_pool_id(&pool.pool_id)
        .client_name("another app")
        .explicit_auth_flows(aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .send()
        .await
        .expect("client");
    let other_id = other_client
        .user_pool_client()
        .and_then(|c| c.client_id())
        .expect("id")
        .to_string();
    let for_another_app = pool.id_token(&other_id, "camille", PASSWORD).await.expect("token");
    let answer = setup.provider.verify(&for_another_app, now).await;
    assert!(
        answer
            .as_ref()
            .is_err_and(|e| e.to_string().contains("InvalidAudience")),
        "{answer:?}"
    );

    let other_pool = UserPool::new(&setup.world.config, "console-cognito-other")
        .await
        .expect("pool");
    other_pool
        .person("camille", "camille@atelier-durand.fr", &["approver"])
        .await
        .expect("camille elsewhere");
    let from_another_pool = other_pool
        .id_token(&other_pool.client_id, "camille", PASSWORD)
        .await
        .expect("token");
    // Same signing key on moto, so only the issuer and audience tell.
    let answer = setup.provider.verify(&from_another_pool, now).await;
    assert!(answer.is_err(), "{answer:?}");

    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&parts[1])
        .expect("payload");
    let promoted = String::from_utf8(payload)
        .expect("json")
        .replace("[\"finance\"]", "[\"approver\"]");
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(promoted);
    let tampered = parts.join(".");
    let answer = setup.provider.verify(&tampered, now).await;
    assert!(
        answer
            .as_ref()
            .is_err_and(|e| e.to_string().contains("InvalidSignature")),
        "{answer:?}"
    );

    let unsigned = format!(
        "{}.{}.",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    assert!(setup.provider.verify(&unsigned, now).await.is_err());
}
