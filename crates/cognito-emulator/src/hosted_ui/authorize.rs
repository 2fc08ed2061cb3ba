//! `GET /oauth2/authorize`: checks the client, the redirect URI (against `CallbackURLs`,
//! exactly), the response type, the scopes (against `AllowedOAuthScopes`), PKCE and the
//! identity provider; then the login form, the mock provider's page, or (with a live
//! hosted-UI session and no `prompt=login`) a code straight away.
//!
//! Errors before the redirect URI is known to be registered are shown as a page, never
//! redirected (no open redirect); later ones go back to the redirect URI with `error`,
//! `error_description` and `state` (RFC 6749 §4.1.2.1).

use std::collections::HashMap;

use axum::extract::{Query, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{AuthorizeRequest, BrowserSession, COOKIE, CodeRecord, TXN_TTL_SECS, count, pages};
use crate::server::{Shared, lock};
use crate::state::{State, random_token};
use crate::user_pool::lookup::client;

/// RFC 3986 unreserved characters stay, everything else is `%XX`.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `uri` with `params` added to its query.
pub(crate) fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let mut out = uri.to_owned();
    let mut sep = if uri.contains('?') { '&' } else { '?' };
    for (k, v) in params {
        out.push(sep);
        out.push_str(&percent_encode(k));
        out.push('=');
        out.push_str(&percent_encode(v));
        sep = '&';
    }
    out
}

/// A `302 Found` to `location`.
pub(crate) fn found(location: &str) -> Response {
    let mut res = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The redirect of an error back to a registered redirect URI.
pub(crate) fn redirect_error(
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> Response {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    found(&with_query(redirect_uri, &params))
}

/// Issues a code for `username` and the redirect that carries it.
pub(crate) fn issue_code(
    st: &mut State,
    req: &AuthorizeRequest,
    username: &str,
    auth_time: i64,
) -> Response {
    let code = random_token(32);
    let now = st.now();
    st.hosted_ui.codes.insert(
        code.clone(),
        CodeRecord {
            client_id: req.client_id.clone(),
            pool_id: req.pool_id.clone(),
            username: username.to_owned(),
            redirect_uri: req.redirect_uri.clone(),
            challenge: req.challenge.clone(),
            scopes: req.scopes.clone(),
            nonce: req.nonce.clone(),
            auth_time,
            expires_at: now + super::CODE_TTL_SECS,
            used: false,
        },
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = &req.state {
        params.push(("state", s));
    }
    found(&with_query(&req.redirect_uri, &params))
}

/// The value of the hosted UI's cookie in `headers`, if any.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// The live hosted-UI session of `headers` in `pool_id`.
fn live_session(st: &State, headers: &HeaderMap, pool_id: &str) -> Option<BrowserSession> {
    let cookie = session_cookie(headers)?;
    let s = st.hosted_ui.sessions.get(&cookie)?;
    (s.pool_id == pool_id && s.expires_at > st.now()).then(|| s.clone())
}

/// Whether `s` is a well-formed PKCE code challenge (RFC 7636 §4.2).
fn is_challenge(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `GET /oauth2/authorize`.
pub(crate) async fn authorize(
    AxState(shared): AxState<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if count(&shared, "oauth2/authorize").is_some() {
        return pages::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "injected fault",
        );
    }
    let mut st = lock(&shared);
    st.sweep();
    let arg = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(client_id) = arg("client_id") else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id is missing",
        );
    };
    let Ok(c) = client(&st, client_id) else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "the client does not exist",
        );
    };
    let Some(redirect_uri) = arg("redirect_uri") else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri is missing",
        );
    };
    if !c.oauth.callback_urls.iter().any(|u| u == redirect_uri) {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "redirect_mismatch",
            "redirect_uri is not one of the app client's callback URLs",
        );
    }
    let state = arg("state");
    let fail =
        |error: &str, description: &str| redirect_error(redirect_uri, state, error, description);
    if !c.oauth.enabled {
        return fail(
            "unauthorized_client",
            "OAuth flows are not enabled for this client",
        );
    }
    match arg("response_type") {
        Some("code") if c.oauth.flows.iter().any(|f| f == "code") => {}
        Some("code") => {
            return fail(
                "unauthorized_client",
                "the code grant is not allowed for this client",
            );
        }
        Some(_) => {
            return fail(
                "unsupported_response_type",
                "the emulator's hosted UI supports response_type=code only",
            );
        }
        None => return fail("invalid_request", "response_type is missing"),
    }
    let scopes: Vec<String> = match arg("scope") {
        Some(s) => s.split_whitespace().map(str::to_owned).collect(),
        None => c.oauth.scopes.clone(),
    };
    if let Some(bad) = scopes.iter().find(|s| !c.oauth.scopes.contains(s)) {
        return fail(
            "invalid_scope",
            &format!("the scope {bad} is not allowed for this client"),
        );
    }
    let challenge = match (arg("code_challenge"), arg("code_challenge_method")) {
        (None, None) => None,
        (None, Some(_)) => return fail("invalid_request", "code_challenge is missing"),
        (Some(ch), method) => {
            let method = method.unwrap_or("plain");
            if method != "S256" && method != "plain" {
                return fail(
                    "invalid_request",
                    "code_challenge_method must be S256 or plain",
                );
            }
            if !is_challenge(ch) {
                return fail("invalid_request", "code_challenge is malformed");
            }
            Some((method.to_owned(), ch.to_owned()))
        }
    };
    let supported = &c.oauth.identity_providers;
    let provider = match (arg("identity_provider"), arg("idp_identifier")) {
        (Some(p), _) => Some(p.to_owned()),
        (None, Some(id)) => st
            .hosted_ui
            .providers
            .values()
            .find(|p| p.pool_id == c.pool_id && p.idp_identifiers.iter().any(|i| i == id))
            .map(|p| p.name.clone())
            .or_else(|| Some(format!("identifier:{id}"))),
        (None, None) => None,
    };
    if let Some(p) = &provider {
        let known = p == "COGNITO"
            || st
                .hosted_ui
                .providers
                .contains_key(&(c.pool_id.clone(), p.clone()));
        if !known || !supported.iter().any(|s| s == p) {
            return fail(
                "invalid_request",
                &format!("{p} is not an identity provider of this client"),
            );
        }
    }
    let now = st.now();
    let req = AuthorizeRequest {
        client_id: c.id.clone(),
        pool_id: c.pool_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        state: state.map(str::to_owned),
        scopes,
        challenge,
        nonce: arg("nonce").map(str::to_owned),
        provider: provider.clone().unwrap_or_else(|| "COGNITO".to_owned()),
        login_hint: arg("login_hint").map(str::to_owned),
        expires_at: now + TXN_TTL_SECS,
    };
    let external = provider.as_deref().filter(|p| *p != "COGNITO");
    if external.is_none()
        && arg("prompt") != Some("login")
        && let Some(s) = live_session(&st, &headers, &c.pool_id)
    {
        // The hosted UI remembers the user: no form (the reason for /logout).
        return issue_code(&mut st, &req, &s.username, s.auth_time);
    }
    if external.is_none() && arg("prompt") == Some("none") {
        return fail(
            "login_required",
            "the user is not signed in to the hosted UI",
        );
    }
    let txn = random_token(24);
    st.hosted_ui.requests.insert(txn.clone(), req);
    match external {
        Some(_) => found(&format!("/mock-idp/authorize?txn={}", percent_encode(&txn))),
        None => found(&format!("/login?txn={}", percent_encode(&txn))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_appended_and_encoded() {
        assert_eq!(
            with_query("myapp://cb", &[("code", "a b"), ("state", "x&y")]),
            "myapp://cb?code=a%20b&state=x%26y"
        );
        assert_eq!(
            with_query("http://h/cb?k=1", &[("code", "c")]),
            "http://h/cb?k=1&code=c"
        );
    }
}
