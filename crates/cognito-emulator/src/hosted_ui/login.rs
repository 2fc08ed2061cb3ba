//! The pages behind `/oauth2/authorize`: the user pool's login form (`GET`/`POST
//! /login`), the mock external provider (`GET /mock-idp/authorize`, which answers to
//! `POST /oauth2/idpresponse`), and `GET /logout`.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::authorize::{found, issue_code, redirect_error, session_cookie};
use super::{AuthorizeRequest, BrowserSession, COOKIE, SESSION_TTL_SECS, count, federation, pages};
use crate::server::{Shared, lock};
use crate::state::{State, UserStatus, random_token};
use crate::user_pool::lookup::{client, user};

type Params = HashMap<String, String>;

fn expired() -> Response {
    pages::error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "this sign-in page has expired; start the sign-in again from the app",
    )
}

/// The authorize request `txn` of a form.
fn request(st: &State, params: &Params) -> Option<AuthorizeRequest> {
    st.hosted_ui.requests.get(params.get("txn")?).cloned()
}

/// The external providers of a request's client, for the form's buttons.
fn providers(st: &State, req: &AuthorizeRequest) -> Vec<String> {
    client(st, &req.client_id)
        .map(|c| {
            c.oauth
                .identity_providers
                .into_iter()
                .filter(|p| {
                    p != "COGNITO"
                        && st
                            .hosted_ui
                            .providers
                            .contains_key(&(req.pool_id.clone(), p.clone()))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn app_name(st: &State, req: &AuthorizeRequest) -> String {
    client(st, &req.client_id)
        .map(|c| c.name)
        .unwrap_or_default()
}

/// Signs the browser in to the hosted UI (its cookie) and redirects with a code.
fn signed_in(st: &mut State, txn: &str, req: &AuthorizeRequest, username: &str) -> Response {
    st.hosted_ui.requests.remove(txn);
    let now = st.now();
    let cookie = random_token(24);
    st.hosted_ui.sessions.insert(
        cookie.clone(),
        BrowserSession {
            pool_id: req.pool_id.clone(),
            username: username.to_owned(),
            auth_time: now,
            expires_at: now + SESSION_TTL_SECS,
        },
    );
    let mut res = issue_code(st, req, username, now);
    let value =
        format!("{COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_TTL_SECS}");
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// `GET /login?txn=..`: the form.
pub(crate) async fn login_page(
    AxState(shared): AxState<Shared>,
    Query(params): Query<Params>,
) -> Response {
    let st = lock(&shared);
    let Some(req) = request(&st, &params) else {
        return expired();
    };
    let hint = req.login_hint.clone().unwrap_or_default();
    let txn = params.get("txn").map(String::as_str).unwrap_or("");
    pages::login_form(
        txn,
        &app_name(&st, &req),
        &hint,
        None,
        &providers(&st, &req),
    )
}

/// Why the password form refuses `username`, if it does.
fn refusal(st: &State, pool_id: &str, username: &str, password: &str) -> Option<&'static str> {
    let Ok(u) = user(st, pool_id, username) else {
        return Some("Incorrect username or password.");
    };
    if u.status == UserStatus::ExternalProvider || !u.verifier.matches(pool_id, username, password)
    {
        return Some("Incorrect username or password.");
    }
    if !u.enabled {
        return Some("User is disabled.");
    }
    match u.status {
        UserStatus::Unconfirmed => Some("User is not confirmed."),
        UserStatus::ForceChangePassword => Some(
            "This user has a temporary password; the emulator's hosted UI cannot change it (set a permanent one).",
        ),
        _ if u.totp_enabled || u.sms_enabled => {
            Some("This user has MFA; the emulator's hosted UI does not ask for codes.")
        }
        _ => None,
    }
}

/// `POST /login`: sign in, cancel, or go to an external provider.
pub(crate) async fn login_submit(
    AxState(shared): AxState<Shared>,
    Form(params): Form<Params>,
) -> Response {
    let _ = count(&shared, "login");
    let mut st = lock(&shared);
    st.sweep();
    let Some(req) = request(&st, &params) else {
        return expired();
    };
    let txn = params.get("txn").cloned().unwrap_or_default();
    let action = params
        .get("action")
        .map(String::as_str)
        .unwrap_or("sign_in");
    if action == "cancel" {
        st.hosted_ui.requests.remove(&txn);
        return redirect_error(
            &req.redirect_uri,
            req.state.as_deref(),
            "access_denied",
            "The user cancelled the sign-in.",
        );
    }
    if let Some(p) = action.strip_prefix("provider:") {
        if !providers(&st, &req).iter().any(|known| known == p) {
            return pages::error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "unknown identity provider",
            );
        }
        if let Some(r) = st.hosted_ui.requests.get_mut(&txn) {
            r.provider = p.to_owned();
        }
        return found(&format!(
            "/mock-idp/authorize?txn={}",
            super::authorize::percent_encode(&txn)
        ));
    }
    let username = params.get("username").map(|u| u.trim()).unwrap_or("");
    let password = params.get("password").map(String::as_str).unwrap_or("");
    if let Some(why) = refusal(&st, &req.pool_id, username, password) {
        return pages::login_form(
            &txn,
            &app_name(&st, &req),
            username,
            Some(why),
            &providers(&st, &req),
        );
    }
    signed_in(&mut st, &txn, &req, username)
}

/// `GET /mock-idp/authorize?txn=..`: the mock provider's consent page.
pub(crate) async fn mock_idp_page(
    AxState(shared): AxState<Shared>,
    Query(params): Query<Params>,
) -> Response {
    let st = lock(&shared);
    let Some(req) = request(&st, &params) else {
        return expired();
    };
    let txn = params.get("txn").map(String::as_str).unwrap_or("");
    let subject = format!("{}-user-1", req.provider.to_ascii_lowercase());
    pages::consent(txn, &req.provider, &app_name(&st, &req), &subject)
}

/// `POST /oauth2/idpresponse`: the mock provider's answer.
pub(crate) async fn idp_response(
    AxState(shared): AxState<Shared>,
    Form(params): Form<Params>,
) -> Response {
    let _ = count(&shared, "oauth2/idpresponse");
    let mut st = lock(&shared);
    st.sweep();
    let Some(req) = request(&st, &params) else {
        return expired();
    };
    let txn = params.get("txn").cloned().unwrap_or_default();
    if params.get("action").map(String::as_str) != Some("allow") {
        st.hosted_ui.requests.remove(&txn);
        return redirect_error(
            &req.redirect_uri,
            req.state.as_deref(),
            "access_denied",
            &format!("The user denied the sign-in at {}.", req.provider),
        );
    }
    let subject = params.get("subject").map(|s| s.trim()).unwrap_or("");
    let email = params.get("email").map(|s| s.trim()).unwrap_or("");
    match federation::link(&mut st, &req.pool_id, &req.provider, subject, email) {
        Ok(username) => signed_in(&mut st, &txn, &req, &username),
        Err(e) => redirect_error(
            &req.redirect_uri,
            req.state.as_deref(),
            "invalid_request",
            &e.message,
        ),
    }
}

/// `GET /logout?client_id=..&logout_uri=..`: ends the hosted UI's session and goes to
/// `logout_uri`, which must be one of the client's `LogoutURLs`.
pub(crate) async fn logout(
    AxState(shared): AxState<Shared>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    let _ = count(&shared, "logout");
    let mut st = lock(&shared);
    let Some(c) = params.get("client_id").and_then(|id| client(&st, id).ok()) else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "unknown client_id",
        );
    };
    let Some(logout_uri) = params.get("logout_uri") else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "logout_uri is missing",
        );
    };
    if !c.oauth.logout_urls.iter().any(|u| u == logout_uri) {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "logout_uri is not one of the app client's sign-out URLs",
        );
    }
    if let Some(cookie) = session_cookie(&headers) {
        st.hosted_ui.sessions.remove(&cookie);
    }
    let mut res = found(logout_uri);
    let clear = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&clear) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}
