//! From a link to a session: the token in the email is checked, swapped
//! for a short-lived HttpOnly cookie, and the browser is sent to a clean
//! address, so the token leaves the address bar, the history and any
//! log that records addresses. Every later request re-reads the session
//! and re-checks the token (a revoked link ends its sessions).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use relance::domain::{Customer, Locale};
use relance::links::{self, LinkGrant, LinkPurpose, LinkSession, SESSION_MINUTES};
use serde::Deserialize;

use crate::AppState;
use crate::page;

/// Opening links (each creates a session): generous, since people click
/// twice and mail clients prefetch.
pub const OPEN_PER_TOKEN_PER_HOUR: u32 = 30;
pub const OPEN_PER_ADDRESS_PER_HOUR: u32 = 120;
/// Recording something (an answer, a request, a click).
pub const RECORD_PER_TOKEN_PER_HOUR: u32 = 10;
pub const RECORD_PER_ADDRESS_PER_HOUR: u32 = 30;

/// The caller's network address: from API Gateway in Lambda, from the
/// socket locally; only ever used as a rate-limit key.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        use lambda_http::request::RequestContext;
        if let Some(RequestContext::ApiGatewayV2(ctx)) = parts.extensions.get::<RequestContext>()
            && let Some(ip) = &ctx.http.source_ip
        {
            return Ok(Self(ip.clone()));
        }
        if let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            return Ok(Self(addr.ip().to_string()));
        }
        if let Some(addr) = parts.extensions.get::<ClientAddress>() {
            return Ok(addr.clone());
        }
        Ok(Self("unknown".into()))
    }
}

fn cookie_name(state: &AppState) -> &'static str {
    // `__Host-` binds the cookie to this host, over HTTPS, for every path.
    if state.secure_cookies {
        "__Host-relance"
    } else {
        "relance"
    }
}

fn set_cookie(state: &AppState, value: &str) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{}={value}; Max-Age={}; Path=/; HttpOnly; SameSite=Lax{secure}",
        cookie_name(state),
        SESSION_MINUTES * 60
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("relance=; Max-Age=0"))
}

fn cookie_value<'a>(state: &AppState, headers: &'a HeaderMap) -> Option<&'a str> {
    let name = cookie_name(state);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Checks a link's token for a purpose and opens a session for it.
/// Returns the grant and the `Set-Cookie` value, or the refusal page.
async fn swap(
    state: &AppState,
    token: &str,
    purpose: LinkPurpose,
    address: &ClientAddress,
    headers: &HeaderMap,
) -> Result<(LinkGrant, HeaderValue), Response> {
    swap_if(state, token, purpose, address, headers, |_| true).await
}

/// `swap`, refusing (before any session is written) a grant that `accept`
/// rejects.
async fn swap_if(
    state: &AppState,
    token: &str,
    purpose: LinkPurpose,
    address: &ClientAddress,
    headers: &HeaderMap,
    accept: impl Fn(&LinkGrant) -> bool,
) -> Result<(LinkGrant, HeaderValue), Response> {
    let now = state.now();
    let locale = page::browser_locale(headers);
    let grant = match state.store.resolve_link(token, purpose, now).await {
        Ok(Ok(grant)) if accept(&grant) => grant,
        Ok(Ok(_)) => {
            tracing::info!(purpose = ?purpose, "link refused: not for this object");
            return Err(page::invalid_link(state, locale));
        }
        Ok(Err(refusal)) => {
            // The reason is for the operator; the token never is logged.
            tracing::info!(reason = %refusal, purpose = ?purpose, "link refused");
            return Err(page::invalid_link(state, locale));
        }
        Err(err) => return Err(page::failed(locale, &err)),
    };
    let hash = links::hash(token);
    match within_limits(state, Limit::Open, &hash, address).await {
        Ok(true) => {}
        Ok(false) => return Err(too_many(state, locale)),
        Err(err) => return Err(page::failed(locale, &err)),
    }
    let cookie = links::generate();
    let session = LinkSession {
        purpose,
        customer_id: grant.customer_id.clone(),
        object: grant.object.clone(),
        token_hash: hash,
        nonce: links::generate().text,
        expires_at: (now + Duration::minutes(SESSION_MINUTES)).timestamp(),
    };
    if let Err(err) = state.store.put_session(&cookie.hash, &session).await {
        return Err(page::failed(locale, &err));
    }
    Ok((grant, set_cookie(state, &cookie.text)))
}

/// Opening a link and recording something are counted apart.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    Open,
    Record,
}

pub async fn within_limits(
    state: &AppState,
    limit: Limit,
    token_hash: &str,
    address: &ClientAddress,
) -> Result<bool, relance::store::StoreError> {
    let now = state.now();
    let (scope, per_token, per_address) = match limit {
        Limit::Open => ("open", OPEN_PER_TOKEN_PER_HOUR, OPEN_PER_ADDRESS_PER_HOUR),
        Limit::Record => ("record", RECORD_PER_TOKEN_PER_HOUR, RECORD_PER_ADDRESS_PER_HOUR),
    };
    Ok(state
        .store
        .within_limit(&format!("{scope}-token"), token_hash, per_token, 3600, now)
        .await?
        && state
            .store
            .within_limit(&format!("{scope}-address"), &address.0, per_address, 3600, now)
            .await?)
}

pub fn too_many(state: &AppState, locale: Locale) -> Response {
    page::message(
        state,
        locale,
        StatusCode::TOO_MANY_REQUESTS,
        "busy_title",
        "busy_body",
        false,
    )
}

fn redirect_with_cookie(to: &str, cookie: HeaderValue) -> Response {
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}

pub async fn open_invoice_link(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    address: ClientAddress,
    headers: HeaderMap,
) -> Response {
    match swap(&state, &token, LinkPurpose::ViewInvoice, &address, &headers).await {
        Ok((_, cookie)) => redirect_with_cookie("/invoice", cookie),
        Err(page) => page,
    }
}

/// One invoice of a reminder (`/i/{token}/{number}`): the reminder's one
/// token opens the page of any invoice it lists, and no other.
pub async fn open_reminder_invoice_link(
    State(state): State<Arc<AppState>>,
    Path((token, number)): Path<(String, String)>,
    address: ClientAddress,
    headers: HeaderMap,
) -> Response {
    let Ok(number) = relance::domain::InvoiceNumber::parse(&number) else {
        return page::invalid_link(&state, page::browser_locale(&headers));
    };
    let listed = |grant: &LinkGrant| grant.object.split(',').any(|n| n == number.as_str());
    match swap_if(&state, &token, LinkPurpose::ViewInvoice, &address, &headers, listed).await {
        Ok((_, cookie)) => redirect_with_cookie(&format!("/portal/invoices/{number}"), cookie),
        Err(page) => page,
    }
}

pub async fn open_help_link(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    address: ClientAddress,
    headers: HeaderMap,
) -> Response {
    match swap(&state, &token, LinkPurpose::Difficulty, &address, &headers).await {
        Ok((_, cookie)) => redirect_with_cookie("/help", cookie),
        Err(page) => page,
    }
}

#[derive(Deserialize)]
pub struct SurveyLink {
    score: Option<String>,
    from: Option<String>,
}

/// A score link: the page opens with that score selected, nothing is
/// recorded until the person confirms. Which links were opened is noted
/// on the survey as a sign of a scanner, nowhere a person would see it.
pub async fn open_survey_link(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    Query(link): Query<SurveyLink>,
    address: ClientAddress,
    headers: HeaderMap,
) -> Response {
    let (grant, cookie) = match swap(&state, &token, LinkPurpose::Survey, &address, &headers).await {
        Ok(ok) => ok,
        Err(page) => return page,
    };
    let score = link.score.as_deref().and_then(|s| s.parse::<u8>().ok());
    let trap = link.from.is_some();
    if let Err(err) = state
        .store
        .note_survey_open(&grant.customer_id, &grant.object, score, trap)
        .await
    {
        tracing::warn!(error = %err, "could not note a survey link opening");
    }
    let to = match score {
        Some(score) => format!("/survey?score={score}"),
        None => "/survey".to_string(),
    };
    redirect_with_cookie(&to, cookie)
}

/// The session behind a clean address, with its customer.
pub struct Current {
    pub session: LinkSession,
    pub session_hash: String,
    pub customer: Customer,
}

impl Current {
    pub fn locale(&self) -> Locale {
        self.customer.locale
    }
}

/// Reads the session from the cookie; the "page expired" page when there
/// is none, or its token was revoked or expired meanwhile.
async fn current(state: &AppState, headers: &HeaderMap) -> Result<Current, Response> {
    let locale = page::browser_locale(headers);
    let expired = || {
        page::message(
            state,
            locale,
            StatusCode::FORBIDDEN,
            "expired_title",
            "expired_body",
            false,
        )
    };
    let Some(value) = cookie_value(state, headers).filter(|v| links::well_formed(v)) else {
        return Err(expired());
    };
    let now = state.now();
    let hash = links::hash(value);
    let session = match state.store.get_session(&hash, now).await {
        Ok(Some(session)) => session,
        Ok(None) => return Err(expired()),
        Err(err) => return Err(page::failed(locale, &err)),
    };
    let grant = match state.store.live_link_by_hash(&session.token_hash, now).await {
        Ok(Some(grant)) => grant,
        Ok(None) => return Err(page::invalid_link(state, locale)),
        Err(err) => return Err(page::failed(locale, &err)),
    };
    let customer = match state.store.get_customer(&session.customer_id).await {
        Ok(Some(c)) => c.value,
        Ok(None) => return Err(page::invalid_link(state, locale)),
        Err(err) => return Err(page::failed(locale, &err)),
    };
    // Links of an old address, or revoked by finance, open nothing, and
    // sessions opened with them end.
    if !customer.link_still_valid(grant.created_at) {
        tracing::info!("link refused: revoked for the customer");
        return Err(page::invalid_link(state, locale));
    }
    Ok(Current {
        session,
        session_hash: hash,
        customer,
    })
}

/// Pages behind a session take it as an argument; without one the
/// request is answered by the "expired" (or refusal) page.
impl FromRequestParts<Arc<AppState>> for Current {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        current(state, &parts.headers).await
    }
}

/// A session allowed to record something: within the per-token and
/// per-address limits (the one-time value is checked later, so a refused
/// form can be corrected and sent again).
pub struct Recording(pub Current);

impl FromRequestParts<Arc<AppState>> for Recording {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let Ok(address) = ClientAddress::from_request_parts(parts, state).await;
        let current = current(state, &parts.headers).await?;
        let locale = current.locale();
        match within_limits(state, Limit::Record, &current.session.token_hash, &address).await {
            Ok(true) => Ok(Self(current)),
            Ok(false) => Err(too_many(state, locale)),
            Err(err) => Err(page::failed(locale, &err)),
        }
    }
}
