//! The HTTP side: the router, the JSON 1.1 endpoint (`POST /` with `X-Amz-Target`, where
//! queued faults are applied), JWKS/OpenID discovery and CORS. The `/_emulator` routes are
//! in `controls`, the accept loop in `accept`.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::State;
use crate::{Fault, identity, jwt, user_pool};

mod accept;
mod controls;

use accept::ConnKill;
pub(crate) use accept::serve;

/// The state shared by the HTTP handlers and the in-process API.
pub(crate) type Shared = Arc<Mutex<State>>;

/// Lock the state; a poisoned lock (a panic elsewhere) is recovered, not propagated.
pub(crate) fn lock(s: &Shared) -> MutexGuard<'_, State> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

const AMZ_JSON: &str = "application/x-amz-json-1.1";

/// Build a JSON 1.1 response with the request id (and error type) headers.
fn amz_response(status: StatusCode, body: String, error_type: Option<&str>) -> Response {
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        h.insert("x-amzn-requestid", v);
    }
    if let Some(t) = error_type.and_then(|t| HeaderValue::from_str(t).ok()) {
        h.insert("x-amzn-errortype", t);
    }
    res
}

fn error_response(e: &ApiError) -> Response {
    let body = json!({"__type": e.type_, "message": e.message}).to_string();
    amz_response(e.status, body, Some(&e.type_))
}

/// Permissive CORS on every response, so that Amplify JS in a browser can call us.
async fn cors(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date"),
    );
    res
}

async fn preflight(headers: HeaderMap) -> Response {
    let allow_headers = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("*"));
    let mut res = StatusCode::OK.into_response();
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
    );
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow_headers);
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    res
}

async fn fallback(method: Method, headers: HeaderMap) -> Response {
    if method == Method::OPTIONS {
        preflight(headers).await
    } else {
        (StatusCode::NOT_FOUND, "not found").into_response()
    }
}

async fn method_not_allowed(method: Method, headers: HeaderMap) -> Response {
    if method == Method::OPTIONS {
        preflight(headers).await
    } else {
        StatusCode::METHOD_NOT_ALLOWED.into_response()
    }
}

/// The router of one emulator. Route groups of their own module are merged in before the
/// fallbacks, so that CORS preflights reach them too.
pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/", post(api))
        .route("/{pool}/.well-known/jwks.json", get(jwks))
        .route(
            "/{pool}/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .merge(controls::routes())
        .merge(crate::hosted_ui::routes())
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::map_response(cors))
        .with_state(state)
}

/// POST /: `X-Amz-Target` picks the operation.
async fn api(
    AxState(shared): AxState<Shared>,
    kill: Option<Extension<ConnKill>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (service, op) = target.split_once('.').unwrap_or(("", target));
    let is_idp = service == "AWSCognitoIdentityProviderService";
    let is_identity = service == "AWSCognitoIdentityService";
    if !is_idp && !is_identity {
        return error_response(&ApiError::new(
            "UnknownOperationException",
            format!("Unknown operation {target}"),
        ));
    }
    let fault = {
        let mut st = lock(&shared);
        *st.counters.entry(op.to_owned()).or_insert(0) += 1;
        st.take_fault(op)
    };
    match fault {
        None => {}
        Some(Fault::Latency(d)) => tokio::time::sleep(d).await,
        Some(Fault::Status {
            status,
            type_,
            message,
        }) => {
            let e = ApiError {
                status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                type_,
                message,
            };
            return error_response(&e);
        }
        Some(Fault::Drop) => {
            if let Some(Extension(k)) = kill {
                k.kill();
                // The connection task drops the connection (and this future with it).
                std::future::pending::<()>().await;
            }
            return error_response(&ApiError::internal("connection drop requested"));
        }
        Some(Fault::MalformedBody) => {
            return amz_response(StatusCode::OK, "{\"Authentic".to_owned(), None);
        }
        Some(Fault::MissingFields) => {
            return amz_response(StatusCode::OK, "{}".to_owned(), None);
        }
    }
    let req: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                return error_response(&ApiError::new(
                    "SerializationException",
                    "Could not parse the request body as a JSON object",
                ));
            }
        }
    };
    let result = {
        let mut st = lock(&shared);
        if is_idp {
            user_pool::dispatch(&mut st, op, &req)
        } else {
            identity::dispatch(&mut st, op, &req)
        }
    };
    match result {
        Some(Ok(v)) => amz_response(StatusCode::OK, v.to_string(), None),
        Some(Err(e)) => error_response(&e),
        None => error_response(&ApiError::new(
            "UnknownOperationException",
            format!("Unknown operation {target}"),
        )),
    }
}

/// The counter of `GET /<poolId>/.well-known/jwks.json` requests.
pub(crate) const JWKS_COUNTER: &str = "jwks.json";

async fn jwks(AxState(shared): AxState<Shared>, Path(pool): Path<String>) -> Response {
    let mut st = lock(&shared);
    // Counted like an operation, so that tests can see how often a verifier fetches it.
    *st.counters.entry(JWKS_COUNTER.to_owned()).or_insert(0) += 1;
    if !st.pools.contains_key(&pool) {
        return (StatusCode::NOT_FOUND, "unknown user pool").into_response();
    }
    drop(st);
    Json(jwt::jwks()).into_response()
}

async fn openid_configuration(
    AxState(shared): AxState<Shared>,
    Path(pool): Path<String>,
) -> Response {
    let st = lock(&shared);
    if !st.pools.contains_key(&pool) {
        return (StatusCode::NOT_FOUND, "unknown user pool").into_response();
    }
    Json(json!({
        "issuer": st.issuer(&pool),
        "jwks_uri": format!("{}/{pool}/.well-known/jwks.json", st.endpoint),
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "token"],
        "subject_types_supported": ["public"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_supported": ["sub", "aud", "iss", "exp", "iat", "auth_time", "token_use", "cognito:username", "email"],
    }))
    .into_response()
}
