//! The OAuth 2.0 endpoints of the hosted UI: `POST /oauth2/token` (the
//! `authorization_code` grant with PKCE checked, and `refresh_token`), `POST
//! /oauth2/revoke` (RFC 7009) and `GET /oauth2/userInfo`. Errors follow RFC 6749 §5.2:
//! `invalid_request`, `invalid_client` (401), `invalid_grant`, `unauthorized_client`,
//! `unsupported_grant_type`.

use std::collections::HashMap;

use axum::Form;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::count;
use crate::Fault;
use crate::server::{Shared, lock};
use crate::srp::ct_eq;
use crate::state::{AppClient, State};
use crate::user_pool::lookup::{client, ensure_enabled, user};
use crate::user_pool::refresh::refresh;
use crate::user_pool::tokens::{Family, Grant, access_user, issue_tokens_for};

type Params = HashMap<String, String>;

/// An RFC 6749 error answer.
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

fn oauth_error(error: &'static str, description: impl Into<String>) -> OAuthError {
    OAuthError {
        status: if error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        },
        error,
        description: description.into(),
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut res = json_response(
            self.status,
            &json!({"error": self.error, "error_description": self.description}),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"oauth2\""),
            );
        }
        res
    }
}

/// A queued `Status` fault as the endpoint's answer.
fn faulted(fault: Option<Fault>) -> Option<Response> {
    match fault? {
        Fault::Status { status, .. } => Some(json_response(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &json!({"error": "server_error", "error_description": "injected fault"}),
        )),
        _ => None,
    }
}

/// The client of a token or revoke request: HTTP Basic (`client_secret_basic`), or
/// `client_id` (and `client_secret`, `client_secret_post`) in the form. A client with a
/// secret must present it.
fn authenticate(st: &State, headers: &HeaderMap, form: &Params) -> Result<AppClient, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .map(|b| {
            let raw = B64
                .decode(b.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .ok_or_else(|| oauth_error("invalid_client", "malformed Basic credentials"))?;
            let (id, secret) = raw
                .split_once(':')
                .ok_or_else(|| oauth_error("invalid_client", "malformed Basic credentials"))?;
            Ok::<_, OAuthError>((form_decode(id), form_decode(secret)))
        })
        .transpose()?;
    let (id, secret) = match &basic {
        Some((id, secret)) => (id.clone(), Some(secret.clone())),
        None => (
            form.get("client_id").cloned().unwrap_or_default(),
            form.get("client_secret").cloned(),
        ),
    };
    if let (Some((basic_id, _)), Some(form_id)) = (&basic, form.get("client_id"))
        && basic_id != form_id
    {
        return Err(oauth_error(
            "invalid_client",
            "client_id differs from the Basic credentials",
        ));
    }
    let c = client(st, &id).map_err(|_| oauth_error("invalid_client", "unknown client"))?;
    match (&c.secret, secret.as_deref()) {
        (None, _) => {}
        (Some(s), Some(given)) if ct_eq(s, given) => {}
        _ => {
            return Err(oauth_error(
                "invalid_client",
                "the client secret is missing or wrong",
            ));
        }
    }
    Ok(c)
}

/// `application/x-www-form-urlencoded` decoding of one component.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `verifier` answers the PKCE challenge.
fn pkce_ok(challenge: &Option<(String, String)>, verifier: Option<&str>) -> bool {
    match (challenge, verifier) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some((method, expected)), Some(v)) => {
            let valid = (43..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            let computed = if method == "S256" {
                B64URL.encode(Sha256::digest(v.as_bytes()))
            } else {
                v.to_owned()
            };
            valid && ct_eq(&computed, expected)
        }
    }
}

/// The token answer of `AuthenticationResult`-shaped tokens.
fn token_json(result: &Value, scopes_have_openid: bool) -> Value {
    let mut out = json!({
        "access_token": result["AccessToken"],
        "expires_in": result["ExpiresIn"],
        "token_type": "Bearer",
    });
    if scopes_have_openid && let Some(o) = out.as_object_mut() {
        o.insert("id_token".into(), result["IdToken"].clone());
    }
    if let (Some(rt), Some(o)) = (result.get("RefreshToken"), out.as_object_mut()) {
        o.insert("refresh_token".into(), rt.clone());
    }
    out
}

fn authorization_code(st: &mut State, c: &AppClient, form: &Params) -> Result<Value, OAuthError> {
    if !c.oauth.enabled || !c.oauth.flows.iter().any(|f| f == "code") {
        return Err(oauth_error(
            "unauthorized_client",
            "the code grant is not allowed for this client",
        ));
    }
    let code = form
        .get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| oauth_error("invalid_request", "code is missing"))?;
    let now = st.now();
    let rec = st
        .hosted_ui
        .codes
        .get_mut(code)
        .ok_or_else(|| oauth_error("invalid_grant", "the code is unknown or expired"))?;
    if rec.used {
        return Err(oauth_error("invalid_grant", "the code was already used"));
    }
    if rec.expires_at <= now {
        return Err(oauth_error("invalid_grant", "the code has expired"));
    }
    // Any presentation uses the code up, a wrong one included (RFC 6749 §4.1.2).
    rec.used = true;
    let rec = rec.clone();
    if rec.client_id != c.id {
        return Err(oauth_error(
            "invalid_grant",
            "the code was issued to another client",
        ));
    }
    if form.get("redirect_uri").map(String::as_str) != Some(rec.redirect_uri.as_str()) {
        return Err(oauth_error(
            "invalid_grant",
            "redirect_uri differs from the authorize request's",
        ));
    }
    if !pkce_ok(
        &rec.challenge,
        form.get("code_verifier").map(String::as_str),
    ) {
        return Err(oauth_error(
            "invalid_grant",
            "the code_verifier does not match the code_challenge",
        ));
    }
    let u = user(st, &rec.pool_id, &rec.username)
        .map_err(|_| oauth_error("invalid_grant", "the user no longer exists"))?;
    ensure_enabled(u).map_err(|_| oauth_error("invalid_grant", "the user is disabled"))?;
    let grant = Grant {
        scope: Some(rec.scopes.join(" ")),
        nonce: rec.nonce.clone(),
    };
    let result = issue_tokens_for(st, c, &rec.username, rec.auth_time, Family::New, &grant)
        .map_err(|e| oauth_error("server_error", e.message))?;
    Ok(token_json(
        &result,
        rec.scopes.iter().any(|s| s == "openid"),
    ))
}

fn refresh_token(st: &mut State, c: &AppClient, form: &Params) -> Result<Value, OAuthError> {
    let token = form
        .get("refresh_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| oauth_error("invalid_request", "refresh_token is missing"))?;
    let openid = st
        .refresh_tokens
        .get(token)
        .and_then(|r| r.scope.as_deref())
        .is_none_or(|s| s.split(' ').any(|x| x == "openid"));
    let result =
        refresh(st, c, token, true, None).map_err(|e| oauth_error("invalid_grant", e.message))?;
    Ok(token_json(&result, openid))
}

/// `POST /oauth2/token`.
pub(crate) async fn token(
    AxState(shared): AxState<Shared>,
    headers: HeaderMap,
    Form(form): Form<Params>,
) -> Response {
    if let Some(res) = faulted(count(&shared, "oauth2/token")) {
        return res;
    }
    let mut st = lock(&shared);
    st.sweep();
    let answer = authenticate(&st, &headers, &form).and_then(|c| {
        match form.get("grant_type").map(String::as_str) {
            Some("authorization_code") => authorization_code(&mut st, &c, &form),
            Some("refresh_token") => refresh_token(&mut st, &c, &form),
            Some(_) => Err(oauth_error(
                "unsupported_grant_type",
                "the emulator supports authorization_code and refresh_token",
            )),
            None => Err(oauth_error("invalid_request", "grant_type is missing")),
        }
    });
    match answer {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => e.into_response(),
    }
}

/// `POST /oauth2/revoke` (RFC 7009): revokes a refresh token's whole sign-in; unknown
/// tokens are accepted silently.
pub(crate) async fn revoke(
    AxState(shared): AxState<Shared>,
    headers: HeaderMap,
    Form(form): Form<Params>,
) -> Response {
    let _ = count(&shared, "oauth2/revoke");
    let mut st = lock(&shared);
    let c = match authenticate(&st, &headers, &form) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let Some(token) = form.get("token").filter(|t| !t.is_empty()) else {
        return oauth_error("invalid_request", "token is missing").into_response();
    };
    if let Some(rec) = st.refresh_tokens.get(token) {
        if rec.client_id != c.id {
            return oauth_error("invalid_request", "the token was issued to another client")
                .into_response();
        }
        let origin = rec.origin_jti.clone();
        st.revoked_origins.insert(origin);
    }
    StatusCode::OK.into_response()
}

/// `GET /oauth2/userInfo` with `Authorization: Bearer <access token>`: the user's
/// attributes, for tokens with the `openid` scope.
pub(crate) async fn user_info(AxState(shared): AxState<Shared>, headers: HeaderMap) -> Response {
    let _ = count(&shared, "oauth2/userInfo");
    let st = lock(&shared);
    let unauthorized = |why: &str| {
        let mut res = json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"error": "invalid_token", "error_description": why}),
        );
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        res
    };
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return unauthorized("no bearer token");
    };
    let who = match access_user(&st, token.trim()) {
        Ok(w) => w,
        Err(e) => return unauthorized(&e.message),
    };
    let scopes = who
        .claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !scopes.split(' ').any(|s| s == "openid") {
        return json_response(
            StatusCode::FORBIDDEN,
            &json!({"error": "insufficient_scope", "error_description": "the openid scope is required"}),
        );
    }
    let Ok(u) = user(&st, &who.pool_id, &who.username) else {
        return unauthorized("the user no longer exists");
    };
    let mut out = serde_json::Map::new();
    out.insert("sub".into(), json!(u.sub));
    for (k, v) in &u.attributes {
        out.insert(k.clone(), json!(v));
    }
    out.insert("username".into(), json!(u.username));
    json_response(StatusCode::OK, &Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_is_checked() {
        let v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let c = Some((
            "S256".to_owned(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned(),
        ));
        assert!(pkce_ok(&c, Some(v)));
        assert!(!pkce_ok(&c, Some(&v.replace('d', "e"))));
        assert!(!pkce_ok(&c, None));
        assert!(pkce_ok(&None, None));
    }

    #[test]
    fn form_components_are_decoded() {
        assert_eq!(form_decode("a+b%3Ac%2"), "a b:c%2");
    }
}
