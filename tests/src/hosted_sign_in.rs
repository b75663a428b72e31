//! A user pool on moto's server (real Cognito API calls through the SDK:
//! users, groups, passwords, and ID tokens moto signs with the key it
//! publishes at `/<pool>/.well-known/jwks.json`), and the hosted sign-in
//! page in front of it, which moto does not serve: an authorization
//! endpoint that shows a form, checks the password with
//! `AdminInitiateAuth` and redirects back with a one-time code, and a
//! token endpoint that checks the client, the redirect and the PKCE
//! verifier (SHA-256, as Cognito does) before it hands out the ID token.
//!
//! It listens on `localhost`, the console on `127.0.0.1`: two sites to a
//! browser, so cookies behave as they do between Cognito's domain and the
//! console's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use aws_sdk_cognitoidentityprovider as cognito;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::Deserialize;
use sha2::Digest as _;

pub const PASSWORD: &str = "Correct-horse-battery-9";

/// A pool with its app client and the console's two groups.
pub struct UserPool {
    pub client: cognito::Client,
    pub pool_id: String,
    pub client_id: String,
    /// The issuer moto writes in its tokens.
    pub issuer: String,
    /// The pool's published keys, on moto's server.
    pub jwks_url: String,
}

fn moto() -> Result<String> {
    std::env::var("AWS_ENDPOINT_URL_S3").context("AWS_ENDPOINT_URL_S3 (moto's server) is not set")
}

impl UserPool {
    pub async fn new(config: &aws_config::SdkConfig, label: &str) -> Result<Self> {
        let endpoint = moto()?;
        let conf = cognito::config::Builder::from(config).endpoint_url(&endpoint).build();
        let client = cognito::Client::from_conf(conf);
        let pool = client
            .create_user_pool()
            .pool_name(format!("relance-console-{label}"))
            .send()
            .await?;
        let pool_id = pool.user_pool().and_then(|p| p.id()).context("pool id")?.to_string();
        let app = client
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name("console")
            .explicit_auth_flows(cognito::types::ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
            .send()
            .await?;
        let client_id = app
            .user_pool_client()
            .and_then(|c| c.client_id())
            .context("client id")?
            .to_string();
        for group in ["finance", "approver"] {
            client
                .create_group()
                .user_pool_id(&pool_id)
                .group_name(group)
                .send()
                .await?;
        }
        let region = config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "eu-west-3".into());
        Ok(Self {
            issuer: format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
            jwks_url: format!("{endpoint}/{pool_id}/.well-known/jwks.json"),
            client,
            pool_id,
            client_id,
        })
    }

    /// A person with `PASSWORD`, in these groups; their subject (`sub`).
    pub async fn person(&self, username: &str, email: &str, groups: &[&str]) -> Result<String> {
        let attribute =
            |name: &str, value: &str| cognito::types::AttributeType::builder().name(name).value(value).build();
        let created = self
            .client
            .admin_create_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .user_attributes(attribute("email", email)?)
            .message_action(cognito::types::MessageActionType::Suppress)
            .send()
            .await?;
        self.client
            .admin_set_user_password()
            .user_pool_id(&self.pool_id)
            .username(username)
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await?;
        for group in groups {
            self.client
                .admin_add_user_to_group()
                .user_pool_id(&self.pool_id)
                .username(username)
                .group_name(*group)
                .send()
                .await?;
        }
        let sub = created
            .user()
            .map(|u| u.attributes())
            .unwrap_or_default()
            .iter()
            .find(|a| a.name() == "sub")
            .and_then(|a| a.value())
            .context("sub")?;
        Ok(sub.to_string())
    }

    /// An ID token for the person, as the pool signs it.
    pub async fn id_token(&self, client_id: &str, username: &str, password: &str) -> Result<String> {
        let answer = self
            .client
            .admin_initiate_auth()
            .user_pool_id(&self.pool_id)
            .client_id(client_id)
            .auth_flow(cognito::types::AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password)
            .send()
            .await?;
        Ok(answer
            .authentication_result()
            .and_then(|r| r.id_token())
            .context("id token")?
            .to_string())
    }
}

struct Grant {
    token: String,
    challenge: String,
    redirect_uri: String,
}

struct Hosted {
    pool: UserPool,
    /// The app client's one registered callback.
    callback: String,
    codes: Mutex<HashMap<String, Grant>>,
}

/// The hosted sign-in, serving at `url`.
pub struct HostedSignIn {
    pub url: String,
    state: Arc<Hosted>,
}

impl HostedSignIn {
    pub async fn serve(pool: UserPool, callback: String) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(Hosted {
            pool,
            callback,
            codes: Mutex::new(HashMap::new()),
        });
        let app = Router::new()
            .route("/oauth2/authorize", get(authorize))
            .route("/login", post(login))
            .route("/oauth2/token", post(token))
            .route("/logout", get(logout))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self {
            url: format!("http://localhost:{port}"),
            state,
        })
    }

    pub fn pool(&self) -> &UserPool {
        &self.state.pool
    }

    /// Signs in without a browser: the code the form would have sent back.
    pub async fn code_for(&self, username: &str, challenge: &str) -> Result<String> {
        let token = self
            .state
            .pool
            .id_token(&self.state.pool.client_id, username, PASSWORD)
            .await?;
        Ok(self.state.grant(token, challenge))
    }
}

impl Hosted {
    fn grant(&self, token: String, challenge: &str) -> String {
        let code = ulid::Ulid::new().to_string();
        if let Ok(mut codes) = self.codes.lock() {
            codes.insert(
                code.clone(),
                Grant {
                    token,
                    challenge: challenge.to_string(),
                    redirect_uri: self.callback.clone(),
                },
            );
        }
        code
    }
}

#[derive(Deserialize)]
struct Authorize {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;")
}

fn form(a: &Authorize, note: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html><html lang="en"><title>Sign in</title><h1>Sign in to relance</h1><p>{note}</p>
<form method="post" action="/login">
<input type="hidden" name="state" value="{}"><input type="hidden" name="challenge" value="{}">
<input type="hidden" name="redirect_uri" value="{}"><input type="hidden" name="client_id" value="{}">
<label>Username <input name="username" id="username"></label>
<label>Password <input name="password" id="password" type="password"></label>
<button type="submit" id="submit">Sign in</button></form>"#,
        escape(&a.state),
        escape(&a.code_challenge),
        escape(&a.redirect_uri),
        escape(&a.client_id),
    ))
}

async fn authorize(State(hosted): State<Arc<Hosted>>, Query(a): Query<Authorize>) -> Response {
    let scopes: Vec<&str> = a.scope.split(' ').collect();
    if a.response_type != "code"
        || a.client_id != hosted.pool.client_id
        || a.redirect_uri != hosted.callback
        || a.code_challenge_method != "S256"
        || a.code_challenge.len() != 43
        || !scopes.contains(&"openid")
    {
        return (StatusCode::BAD_REQUEST, "invalid_request").into_response();
    }
    form(&a, "").into_response()
}

#[derive(Deserialize)]
struct Login {
    state: String,
    challenge: String,
    redirect_uri: String,
    client_id: String,
    username: String,
    password: String,
}

async fn login(State(hosted): State<Arc<Hosted>>, Form(l): Form<Login>) -> Response {
    match hosted.pool.id_token(&l.client_id, &l.username, &l.password).await {
        Ok(token) => {
            let code = hosted.grant(token, &l.challenge);
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("code", &code)
                .append_pair("state", &l.state)
                .finish();
            Redirect::to(&format!("{}?{query}", hosted.callback)).into_response()
        }
        Err(_) => {
            let again = Authorize {
                response_type: "code".into(),
                client_id: l.client_id,
                redirect_uri: l.redirect_uri,
                scope: "openid".into(),
                state: l.state,
                code_challenge: l.challenge,
                code_challenge_method: "S256".into(),
            };
            (
                StatusCode::UNAUTHORIZED,
                form(&again, "Incorrect username or password."),
            )
                .into_response()
        }
    }
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: String,
    client_id: String,
    code: String,
    redirect_uri: String,
    code_verifier: String,
}

async fn token(State(hosted): State<Arc<Hosted>>, Form(t): Form<TokenRequest>) -> Response {
    let refused = || {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({ "error": "invalid_grant" })),
        )
    };
    // A code is good once, whatever the outcome.
    let grant = hosted.codes.lock().ok().and_then(|mut codes| codes.remove(&t.code));
    let Some(grant) = grant else {
        return refused().into_response();
    };
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(t.code_verifier.as_bytes()));
    if t.grant_type != "authorization_code"
        || t.client_id != hosted.pool.client_id
        || t.redirect_uri != grant.redirect_uri
        || challenge != grant.challenge
    {
        return refused().into_response();
    }
    axum::Json(serde_json::json!({
        "id_token": grant.token,
        "access_token": "unused",
        "token_type": "Bearer",
        "expires_in": 3600,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct Logout {
    client_id: String,
    logout_uri: String,
}

async fn logout(State(hosted): State<Arc<Hosted>>, Query(l): Query<Logout>) -> Response {
    if l.client_id != hosted.pool.client_id {
        return (StatusCode::BAD_REQUEST, "invalid_request").into_response();
    }
    Redirect::to(&l.logout_uri).into_response()
}
