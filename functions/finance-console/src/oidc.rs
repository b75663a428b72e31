//! The deployed sign-in: Amazon Cognito's hosted sign-in page, reached by
//! the authorization-code flow with PKCE (RFC 7636). The console keeps no
//! secret: the code is exchanged with the verifier only the browser's
//! pre-session cookie holds, and the ID token that comes back is checked
//! against the pool's published keys (RS256, issuer, audience, `token_use`,
//! expiry against the console's clock) before anyone is signed in.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use relance::staff::IdClaims;
use serde::Deserialize;
use tokio::sync::RwLock;

/// Where the pool and its client are, as the template passes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The hosted sign-in's base, `https://<prefix>.auth.<region>.amazoncognito.com`.
    pub domain: String,
    /// The tokens' issuer, `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    pub issuer: String,
    /// The pool's keys; the issuer's `/.well-known/jwks.json` unless set.
    pub jwks_url: String,
    pub client_id: String,
    /// The console's own address, where the hosted page sends people back.
    pub console_url: String,
}

fn https_or_loopback(name: &str, url: &str) -> Result<(), String> {
    let local = ["http://127.0.0.1:", "http://localhost:"]
        .iter()
        .any(|p| url.starts_with(p));
    if url.starts_with("https://") || local {
        Ok(())
    } else {
        Err(format!("{name} must be an https:// address, not `{url}`"))
    }
}

impl ProviderConfig {
    /// `RELANCE_COGNITO_DOMAIN`, `RELANCE_COGNITO_ISSUER`,
    /// `RELANCE_COGNITO_CLIENT_ID` and `RELANCE_CONSOLE_URL`, all or none
    /// (`RELANCE_COGNITO_JWKS_URL` optionally); none means no deployed
    /// sign-in.
    pub fn from_env() -> Result<Option<Self>, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let names = [
            "RELANCE_COGNITO_DOMAIN",
            "RELANCE_COGNITO_ISSUER",
            "RELANCE_COGNITO_CLIENT_ID",
            "RELANCE_CONSOLE_URL",
        ];
        let values: Vec<Option<String>> = names.iter().map(|n| var(n)).collect();
        if values.iter().all(Option::is_none) {
            return Ok(None);
        }
        let mut got = Vec::new();
        for (name, value) in names.iter().zip(values) {
            got.push(
                value
                    .ok_or_else(|| format!("{name} is missing: the sign-in needs all four of {}", names.join(", ")))?,
            );
        }
        let [domain, issuer, client_id, console_url] =
            <[String; 4]>::try_from(got).map_err(|_| "the sign-in's settings are incomplete".to_string())?;
        let jwks_url = var("RELANCE_COGNITO_JWKS_URL");
        Self::new(domain, issuer, jwks_url, client_id, console_url).map(Some)
    }

    pub fn new(
        domain: String,
        issuer: String,
        jwks_url: Option<String>,
        client_id: String,
        console_url: String,
    ) -> Result<Self, String> {
        let trim = |s: String| s.trim().trim_end_matches('/').to_string();
        let (domain, issuer, console_url) = (trim(domain), trim(issuer), trim(console_url));
        let jwks_url = jwks_url
            .map(trim)
            .unwrap_or_else(|| format!("{issuer}/.well-known/jwks.json"));
        https_or_loopback("RELANCE_COGNITO_DOMAIN", &domain)?;
        https_or_loopback("RELANCE_COGNITO_ISSUER", &issuer)?;
        https_or_loopback("RELANCE_COGNITO_JWKS_URL", &jwks_url)?;
        https_or_loopback("RELANCE_CONSOLE_URL", &console_url)?;
        if client_id.trim().is_empty() {
            return Err("RELANCE_COGNITO_CLIENT_ID is empty".into());
        }
        Ok(Self {
            domain,
            issuer,
            jwks_url,
            client_id: client_id.trim().to_string(),
            console_url,
        })
    }

    pub fn redirect_uri(&self) -> String {
        format!("{}/auth/callback", self.console_url)
    }

    /// The hosted sign-in page for this attempt.
    pub fn authorize_url(&self, state: &str, verifier: &str) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri())
            .append_pair("scope", "openid email profile")
            .append_pair("state", state)
            .append_pair("code_challenge", &relance::staff::pkce_challenge(verifier))
            .append_pair("code_challenge_method", "S256")
            .finish();
        format!("{}/oauth2/authorize?{query}", self.domain)
    }

    /// Where signing out ends the hosted session too, and comes back to
    /// the console's sign-in.
    pub fn logout_url(&self) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.client_id)
            .append_pair("logout_uri", &format!("{}/sign-in", self.console_url))
            .finish();
        format!("{}/logout?{query}", self.domain)
    }
}

/// Why a sign-in did not happen; each is a page that says so.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the sign-in page answered: {0}")]
    Refused(String),
    #[error("the identity provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the identity token is not valid: {0}")]
    InvalidToken(String),
}

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// The pool's keys are fetched once and kept; a token signed with a key
/// not among them fetches them again (the pool rotated), at most once a
/// minute.
const KEYS_REFRESH: Duration = Duration::from_secs(60);

pub struct Provider {
    pub config: ProviderConfig,
    client: Client<Https, Full<Bytes>>,
    keys: RwLock<Option<(Instant, JwkSet)>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct Checked {
    #[serde(flatten)]
    claims: IdClaims,
    token_use: Option<String>,
    exp: i64,
}

impl Provider {
    pub fn new(config: ProviderConfig) -> Result<Self, String> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| format!("no root certificates: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            config,
            client: Client::builder(TokioExecutor::new()).build(https),
            keys: RwLock::new(None),
        })
    }

    async fn call(&self, request: Request<Full<Bytes>>) -> Result<(u16, Bytes), SignInError> {
        let response = tokio::time::timeout(Duration::from_secs(10), self.client.request(request))
            .await
            .map_err(|_| SignInError::Unreachable("no answer within 10 s".into()))?
            .map_err(|e| SignInError::Unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| SignInError::Unreachable(e.to_string()))?
            .to_bytes();
        Ok((status, body))
    }

    /// The code for an ID token, at the pool's token endpoint.
    pub async fn exchange(&self, code: &str, verifier: &str) -> Result<String, SignInError> {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("code", code)
            .append_pair("redirect_uri", &self.config.redirect_uri())
            .append_pair("code_verifier", verifier)
            .finish();
        let request = Request::post(format!("{}/oauth2/token", self.config.domain))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| SignInError::Unreachable(e.to_string()))?;
        let (status, body) = self.call(request).await?;
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|_| SignInError::Unreachable(format!("the token endpoint answered {status} without JSON")))?;
        match (status, answer) {
            (
                200,
                TokenAnswer {
                    id_token: Some(token), ..
                },
            ) => Ok(token),
            (_, TokenAnswer { error, .. }) => Err(SignInError::Refused(
                error
                    .unwrap_or_else(|| format!("status {status}"))
                    .chars()
                    .take(100)
                    .collect(),
            )),
        }
    }

    async fn fetch_keys(&self) -> Result<JwkSet, SignInError> {
        let request = Request::get(&self.config.jwks_url)
            .body(Full::new(Bytes::new()))
            .map_err(|e| SignInError::Unreachable(e.to_string()))?;
        let (status, body) = self.call(request).await?;
        if status != 200 {
            return Err(SignInError::Unreachable(format!("the pool's keys answered {status}")));
        }
        serde_json::from_slice(&body).map_err(|e| SignInError::Unreachable(format!("the pool's keys: {e}")))
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, SignInError> {
        let known = |set: &JwkSet| set.find(kid).map(DecodingKey::from_jwk);
        let stale = {
            let keys = self.keys.read().await;
            match keys.as_ref() {
                Some((_, set)) if set.find(kid).is_some() => {
                    return known(set)
                        .unwrap_or_else(|| Err(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat.into()))
                        .map_err(|e| SignInError::InvalidToken(e.to_string()));
                }
                Some((at, _)) => at.elapsed() >= KEYS_REFRESH,
                None => true,
            }
        };
        if !stale {
            return Err(SignInError::InvalidToken(format!("no key `{kid}` in the pool")));
        }
        let set = self.fetch_keys().await?;
        let key = known(&set);
        *self.keys.write().await = Some((Instant::now(), set));
        match key {
            Some(key) => key.map_err(|e| SignInError::InvalidToken(e.to_string())),
            None => Err(SignInError::InvalidToken(format!("no key `{kid}` in the pool"))),
        }
    }

    /// The ID token's claims, once its signature, issuer, audience, use
    /// and expiry (at `now`, epoch seconds) hold.
    pub async fn verify(&self, token: &str, now: i64) -> Result<IdClaims, SignInError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| SignInError::InvalidToken(e.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(SignInError::InvalidToken(format!(
                "signed with {:?}, not RS256",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| SignInError::InvalidToken("no key id".into()))?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked against the console's clock, below.
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Checked>(token, &key, &validation)
            .map_err(|e| SignInError::InvalidToken(e.to_string()))?;
        let checked = data.claims;
        if checked.token_use.as_deref() != Some("id") {
            return Err(SignInError::InvalidToken("not an ID token".into()));
        }
        // A minute of leeway for clocks that differ.
        if checked.exp + 60 < now {
            return Err(SignInError::InvalidToken("expired".into()));
        }
        Ok(checked.claims)
    }
}
