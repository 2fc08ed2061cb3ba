//! The routes: `GET /auth/sign-in`, `GET /auth/callback`, `POST /auth/sign-out`.

use auth_core::types::SignOutOptions;
use axum::extract::{Query, RawQuery};
use axum::http::header::{CACHE_CONTROL, LOCATION, ORIGIN, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::BffSessions;
use super::manager::log_name;
use super::rejection::BffRejection;
use super::session_id::{PRE_SESSION_COOKIE, SESSION_COOKIE};

/// The query of `/auth/sign-in`.
#[derive(Debug, Deserialize)]
struct SignInQuery {
    /// `COGNITO` (the default), `Google`, `Facebook`, `Amazon`, `Apple` or a
    /// custom provider's name.
    provider: Option<String>,
    /// A local path to go to after the sign-in (default `/`).
    return_to: Option<String>,
}

/// The query of `POST /auth/sign-out`.
#[derive(Debug, Default, Deserialize)]
struct SignOutQuery {
    /// `true`: also `GlobalSignOut` (every device of the user), not only
    /// this session's refresh token revoked.
    #[serde(default)]
    global: bool,
}

impl BffSessions {
    /// The sign-in routes, to merge into the application's router:
    ///
    /// | route | answer |
    /// |---|---|
    /// | `GET /auth/sign-in[?provider=NAME][&return_to=/path]` | 302 to the hosted UI's authorize URL, with the pre-session cookie (10 minutes) |
    /// | `GET /auth/callback?code=..&state=..` | 303 to `return_to` with the session cookie; 400 JSON for a missing, forged, expired or used sign-in; 503 on a transient fault |
    /// | `POST /auth/sign-out[?global=true]` | 200 `{"signed_out": true, "logout_url": URL or null}` and the cookie cleared; 403 for a cross-origin `Origin`; 503 when the store is down (the session is kept) |
    /// | `GET /auth/sign-out` | 405 |
    ///
    /// ```no_run
    /// # fn demo(bff: auth_axum::bff::BffSessions) {
    /// let app: axum::Router = axum::Router::new()
    ///     .merge(bff.routes())
    ///     .layer(axum::Extension(bff));
    /// # }
    /// ```
    pub fn routes<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        Router::new()
            .route("/auth/sign-in", get(sign_in))
            .route("/auth/callback", get(callback))
            .route("/auth/sign-out", post(sign_out))
            .layer(Extension(self.clone()))
    }

    fn pre_session_max_age(&self) -> u64 {
        super::PRE_SESSION_TTL.as_secs()
    }
}

async fn sign_in(Extension(bff): Extension<BffSessions>, Query(q): Query<SignInQuery>) -> Response {
    match bff
        .start_sign_in(q.provider.as_deref(), q.return_to.as_deref())
        .await
    {
        Ok((pre, authorize_url)) => {
            let cookie = bff
                .inner
                .cookies
                .set(PRE_SESSION_COOKIE, &pre, bff.pre_session_max_age());
            (
                StatusCode::FOUND,
                AppendHeaders([
                    (LOCATION, authorize_url),
                    (SET_COOKIE, cookie),
                    (CACHE_CONTROL, "no-store".to_owned()),
                ]),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn callback(
    Extension(bff): Extension<BffSessions>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let cookies = &bff.inner.cookies;
    let pre = cookies.read(&headers, PRE_SESSION_COOKIE);
    let previous = cookies.read(&headers, SESSION_COOKIE);
    let clear_pre = cookies.clear(PRE_SESSION_COOKIE);
    let query = query.unwrap_or_default();
    match bff.complete_sign_in(pre, &query, previous).await {
        Ok((id, return_to)) => {
            let max_age = bff.inner.session_max_age.as_secs();
            (
                StatusCode::SEE_OTHER,
                AppendHeaders([
                    (LOCATION, return_to),
                    (SET_COOKIE, cookies.set(SESSION_COOKIE, &id, max_age)),
                    (SET_COOKIE, clear_pre),
                    (CACHE_CONTROL, "no-store".to_owned()),
                ]),
            )
                .into_response()
        }
        Err(e) => {
            tracing::info!(
                status = e.status().as_u16(),
                reason = e.description(),
                "BFF callback refused"
            );
            (AppendHeaders([(SET_COOKIE, clear_pre)]), e).into_response()
        }
    }
}

/// Whether a state-changing request comes from this server's own pages: no
/// `Origin` (a same-origin navigation or a non-browser client), or exactly
/// the public URL's origin.
fn same_origin(bff: &BffSessions, headers: &HeaderMap) -> bool {
    headers.get(ORIGIN).is_none_or(|o| {
        o.to_str()
            .is_ok_and(|o| o.eq_ignore_ascii_case(&bff.inner.public_origin))
    })
}

async fn sign_out(
    Extension(bff): Extension<BffSessions>,
    Query(q): Query<SignOutQuery>,
    headers: HeaderMap,
) -> Response {
    if !same_origin(&bff, &headers) {
        return BffRejection::CrossOrigin.into_response();
    }
    let cookies = &bff.inner.cookies;
    if let Some(id) = cookies.read(&headers, SESSION_COOKIE) {
        let key = id.store_key();
        match bff.session(&id).await {
            Ok(session) => match session
                .plugin
                .sign_out(SignOutOptions::default().with_global(q.global))
                .await
            {
                Ok(result) => {
                    if let Some(e) = result.remote_error {
                        tracing::warn!(session = log_name(&key), error = %e, "the refresh token could not be revoked; the session is deleted anyway");
                    }
                }
                Err(e) => {
                    tracing::warn!(session = log_name(&key), error = %e, "sign-out of a BFF session failed; deleting its record");
                }
            },
            Err(BffRejection::NotSignedIn | BffRejection::CorruptSession) => {}
            Err(e) => return e.into_response(),
        }
        if let Err(e) = bff.delete_session(&key).await {
            return e.into_response();
        }
        tracing::info!(session = log_name(&key), "BFF session signed out");
    }
    (
        StatusCode::OK,
        AppendHeaders([
            (SET_COOKIE, cookies.clear(SESSION_COOKIE)),
            (CACHE_CONTROL, "no-store".to_owned()),
        ]),
        Json(json!({ "signed_out": true, "logout_url": bff.logout_url() })),
    )
        .into_response()
}
