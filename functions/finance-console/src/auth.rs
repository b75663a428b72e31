//! Who is signed in. A session is a random cookie value whose hash keys
//! a table item (`StaffSession`: the person, a CSRF token, an expiry); the
//! cookie is HttpOnly and SameSite=Strict. Every form of a session carries
//! its CSRF token, checked before anything is read or written.
//!
//! Deployed, `/sign-in` sends the person to the identity provider's hosted
//! page (`oidc.rs`) and `/auth/callback` signs them in from its answer.
//! The development sign-in lists the people of `config/console-users.toml`
//! and signs in as the one chosen; it only exists where `local_users` is
//! set, which `main.rs` never does in Lambda.

use std::sync::Arc;

use axum::Form;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use relance::staff::{Person, SESSION_HOURS, StaffSession};
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::page;

/// The session cookie's name: `__Host-` when served over HTTPS, so no
/// other host or path can set it.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-relance_console"
    } else {
        "relance_console"
    }
}

/// The pre-session cookie of the sign-in form (its CSRF token).
fn sign_in_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-relance_sign_in"
    } else {
        "relance_sign_in"
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    cookie_header(name, value, max_age, secure, "Strict")
}

fn cookie_header(name: &str, value: &str, max_age: i64, secure: bool, same_site: &str) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite={same_site}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// Compares two tokens in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A signed-in person, and the session's hash and CSRF token.
pub struct Staff {
    pub person: Person,
    pub csrf: String,
    hash: String,
}

impl Staff {
    /// The form's token is the session's: else nothing happens.
    pub fn check(&self, state: &AppState, token: Option<&str>) -> Result<(), Response> {
        match token {
            Some(t) if same(t, &self.csrf) => Ok(()),
            _ => Err(page::message(
                state,
                Some(&self.person),
                StatusCode::FORBIDDEN,
                "csrf_title",
                "csrf_body",
            )),
        }
    }
}

/// Without a live session: a page goes to the sign-in, a form is refused.
pub struct SignedOut(Response);

impl IntoResponse for SignedOut {
    fn into_response(self) -> Response {
        self.0
    }
}

impl FromRequestParts<Arc<AppState>> for Staff {
    type Rejection = SignedOut;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let expired = |state: &AppState, method: &axum::http::Method| {
            if method == axum::http::Method::GET {
                SignedOut(Redirect::to("/sign-in").into_response())
            } else {
                SignedOut(page::message(
                    state,
                    None,
                    StatusCode::UNAUTHORIZED,
                    "expired_title",
                    "expired_body",
                ))
            }
        };
        let Some(value) = cookie(&parts.headers, cookie_name(state.secure_cookies)) else {
            return Err(expired(state, &parts.method));
        };
        let hash = relance::links::hash(&value);
        match state.store.get_staff_session(&hash, state.now()).await {
            Ok(Some(session)) => Ok(Staff {
                person: session.person,
                csrf: session.csrf,
                hash,
            }),
            Ok(None) => Err(expired(state, &parts.method)),
            Err(err) => Err(SignedOut(page::failed(state, None, &err))),
        }
    }
}

pub async fn sign_in_page(State(state): State<Arc<AppState>>) -> Response {
    if let Some(provider) = &state.identity {
        return to_provider(&state, provider);
    }
    let Some(users) = &state.local_users else {
        return page::message(
            &state,
            None,
            StatusCode::NOT_FOUND,
            "no_sign_in_title",
            "no_sign_in_body",
        );
    };
    let token = relance::links::generate().text;
    let mut response = page::render(
        &state,
        "sign_in",
        relance::domain::Locale::Fr,
        StatusCode::OK,
        json!({ "users": users, "csrf": token }),
    );
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(sign_in_cookie(state.secure_cookies), &token, 600, state.secure_cookies),
    );
    response
}

#[derive(Deserialize)]
pub struct SignInForm {
    user: Option<String>,
    csrf: Option<String>,
}

pub async fn sign_in(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Some(users) = &state.local_users else {
        return page::message(
            &state,
            None,
            StatusCode::NOT_FOUND,
            "no_sign_in_title",
            "no_sign_in_body",
        );
    };
    let Ok(Form(form)) = form else {
        return page::message(&state, None, StatusCode::BAD_REQUEST, "sign_in_title", "sign_in_choose");
    };
    let expected = cookie(&headers, sign_in_cookie(state.secure_cookies));
    if !matches!((expected.as_deref(), form.csrf.as_deref()), (Some(a), Some(b)) if same(a, b)) {
        return page::message(&state, None, StatusCode::FORBIDDEN, "csrf_title", "csrf_body");
    }
    let Some(person) = form.user.and_then(|id| users.iter().find(|u| u.id == id).cloned()) else {
        return page::message(&state, None, StatusCode::BAD_REQUEST, "sign_in_title", "sign_in_choose");
    };
    match start_session(&state, person).await {
        Ok(cookie) => signed_in(&state, Redirect::to("/").into_response(), cookie),
        Err(page) => page,
    }
}

/// A new session for the person; the cookie's value, only its hash kept.
async fn start_session(state: &AppState, person: relance::staff::Person) -> Result<String, Response> {
    let token = relance::links::generate();
    let session = StaffSession {
        person,
        csrf: relance::links::generate().text,
        expires_at: (state.now() + chrono::Duration::hours(SESSION_HOURS)).timestamp(),
    };
    if let Err(err) = state.store.put_staff_session(&token.hash, &session).await {
        return Err(page::failed(state, None, &err));
    }
    tracing::info!(person = %session.person.id, "signed in");
    Ok(token.text)
}

/// The response that sets the session's cookie and ends the sign-in's.
fn signed_in(state: &AppState, mut response: Response, session: String) -> Response {
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        set_cookie(
            cookie_name(state.secure_cookies),
            &session,
            SESSION_HOURS * 3600,
            state.secure_cookies,
        ),
    );
    headers.append(
        header::SET_COOKIE,
        set_cookie(sign_in_cookie(state.secure_cookies), "", 0, state.secure_cookies),
    );
    response
}

/// To the hosted sign-in, with this attempt's state and PKCE verifier in
/// a ten-minute cookie. It is `SameSite=Lax`: the way back is a top-level
/// navigation from the provider's site, which a strict cookie would miss.
fn to_provider(state: &AppState, provider: &crate::oidc::Provider) -> Response {
    let attempt = relance::links::generate().text;
    let verifier = relance::links::generate().text;
    let mut response = Redirect::to(&provider.config.authorize_url(&attempt, &verifier)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie_header(
            sign_in_cookie(state.secure_cookies),
            &format!("{attempt}.{verifier}"),
            600,
            state.secure_cookies,
            "Lax",
        ),
    );
    response
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The way back from the hosted sign-in: the attempt must be this
/// browser's (the state matches its cookie), the code is exchanged with
/// the verifier, the ID token checked, and the person must be in a group
/// of the console. Anything else is a page saying which, and no session.
pub async fn callback(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    query: Result<axum::extract::Query<Callback>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(provider) = &state.identity else {
        return page::message(
            &state,
            None,
            StatusCode::NOT_FOUND,
            "no_sign_in_title",
            "no_sign_in_body",
        );
    };
    let refused = |status, body: &str| page::message(&state, None, status, "sign_in_failed_title", body);
    let Ok(axum::extract::Query(answer)) = query else {
        return refused(StatusCode::BAD_REQUEST, "sign_in_failed_body");
    };
    if let Some(error) = &answer.error {
        tracing::warn!(error = %error.chars().take(60).collect::<String>(), "the hosted sign-in refused");
        return refused(StatusCode::UNAUTHORIZED, "sign_in_failed_body");
    }
    let attempt = cookie(&headers, sign_in_cookie(state.secure_cookies));
    let Some((expected, verifier)) = attempt.as_deref().and_then(|v| v.split_once('.')) else {
        return refused(StatusCode::BAD_REQUEST, "sign_in_stale_body");
    };
    let (Some(code), Some(returned)) = (answer.code.as_deref(), answer.state.as_deref()) else {
        return refused(StatusCode::BAD_REQUEST, "sign_in_failed_body");
    };
    if !same(expected, returned) {
        return refused(StatusCode::BAD_REQUEST, "sign_in_stale_body");
    }
    let claims = match provider.exchange(code, verifier).await {
        Ok(token) => provider.verify(&token, state.now().timestamp()).await,
        Err(err) => Err(err),
    };
    let claims = match claims {
        Ok(claims) => claims,
        Err(err) => {
            tracing::warn!(%err, "sign-in refused");
            return refused(StatusCode::UNAUTHORIZED, "sign_in_failed_body");
        }
    };
    let person = match relance::staff::person_from_claims(&claims) {
        Ok(person) => person,
        Err(err) => {
            tracing::warn!(%err, subject = %claims.sub, "signed in but not of the console");
            return refused(StatusCode::FORBIDDEN, "sign_in_no_role_body");
        }
    };
    match start_session(&state, person).await {
        // A page that moves on by itself rather than a redirect: the
        // strict session cookie is only sent on a navigation that starts
        // on the console's own site, and a redirect would still count as
        // coming from the provider's.
        Ok(session) => {
            let mut page = page::message(&state, None, StatusCode::OK, "signed_in_title", "signed_in_body");
            page.headers_mut()
                .insert("refresh", HeaderValue::from_static("0; url=/"));
            signed_in(&state, page, session)
        }
        Err(page) => page,
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

pub async fn sign_out(State(state): State<Arc<AppState>>, staff: Staff, Form(form): Form<CsrfForm>) -> Response {
    if let Err(page) = staff.check(&state, form.csrf.as_deref()) {
        return page;
    }
    if let Err(err) = state.store.end_staff_session(&staff.hash).await {
        return page::failed(&state, Some(&staff.person), &err);
    }
    let to = match &state.identity {
        Some(provider) => provider.config.logout_url(),
        None => "/sign-in".to_string(),
    };
    let mut response = Redirect::to(&to).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(cookie_name(state.secure_cookies), "", 0, state.secure_cookies),
    );
    response
}
