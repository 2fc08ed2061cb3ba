//! The HTTP side: the JSON 1.1 endpoint, JWKS/OpenID discovery, CORS, the `/_emulator`
//! test-control routes, and an accept loop that can close a connection with no response.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

use crate::error::ApiError;
use crate::state::State;
use crate::{Fault, identity, tokens, user_pool};

/// The state shared by the HTTP handlers and the in-process API.
pub(crate) type Shared = Arc<Mutex<State>>;

/// Lock the state; a poisoned lock (a panic elsewhere) is recovered, not propagated.
pub(crate) fn lock(s: &Shared) -> MutexGuard<'_, State> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Per-connection handle a handler uses to close its TCP connection without a response.
#[derive(Clone, Debug)]
struct ConnKill(Arc<Notify>);

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

/// The router of one emulator.
pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/", post(api))
        .route("/{pool}/.well-known/jwks.json", get(jwks))
        .route(
            "/{pool}/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/_emulator/health", get(|| async { "ok" }))
        .route("/_emulator/counters", get(admin_counters))
        .route("/_emulator/counters/reset", post(admin_reset_counters))
        .route(
            "/_emulator/faults",
            post(admin_inject_fault).delete(admin_clear_faults),
        )
        .route("/_emulator/clock", post(admin_clock))
        .route("/_emulator/users/{pool}/{username}/codes", get(admin_codes))
        .route("/_emulator/users/{pool}/{username}/totp", post(admin_totp))
        .route(
            "/_emulator/users/{pool}/{username}/sms-mfa",
            post(admin_sms_mfa),
        )
        .route(
            "/_emulator/credentials/{access_key_id}",
            get(admin_credentials),
        )
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
                k.0.notify_one();
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

async fn jwks(AxState(shared): AxState<Shared>, Path(pool): Path<String>) -> Response {
    if !lock(&shared).pools.contains_key(&pool) {
        return (StatusCode::NOT_FOUND, "unknown user pool").into_response();
    }
    Json(tokens::jwks()).into_response()
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

// ---------------------------------------------------------------- /_emulator routes

fn control_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

async fn admin_counters(AxState(shared): AxState<Shared>) -> Response {
    Json(json!(lock(&shared).counters)).into_response()
}

async fn admin_reset_counters(AxState(shared): AxState<Shared>) -> Response {
    lock(&shared).counters.clear();
    Json(json!({})).into_response()
}

/// Body: `{"operation": "GetId", "times": 1, "fault": {"kind": "status", "status": 500,
/// "type": "InternalErrorException", "message": ".."} | {"kind": "latency", "ms": 200} |
/// {"kind": "drop"} | {"kind": "malformed_body"} | {"kind": "missing_fields"}}`.
async fn admin_inject_fault(AxState(shared): AxState<Shared>, Json(body): Json<Value>) -> Response {
    let Some(op) = body.get("operation").and_then(Value::as_str) else {
        return control_error(StatusCode::BAD_REQUEST, "missing operation");
    };
    let times = body.get("times").and_then(Value::as_u64).unwrap_or(1) as usize;
    let f = body.get("fault").cloned().unwrap_or_default();
    let fault = match f.get("kind").and_then(Value::as_str) {
        Some("status") => Fault::Status {
            status: f
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(500),
            type_: f
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("InternalErrorException")
                .to_owned(),
            message: f
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("injected fault")
                .to_owned(),
        },
        Some("latency") => Fault::Latency(Duration::from_millis(
            f.get("ms").and_then(Value::as_u64).unwrap_or(0),
        )),
        Some("drop") => Fault::Drop,
        Some("malformed_body") => Fault::MalformedBody,
        Some("missing_fields") => Fault::MissingFields,
        _ => return control_error(StatusCode::BAD_REQUEST, "unknown fault kind"),
    };
    crate::push_fault(&mut lock(&shared), op, fault, times);
    Json(json!({})).into_response()
}

async fn admin_clear_faults(AxState(shared): AxState<Shared>) -> Response {
    lock(&shared).faults.clear();
    Json(json!({})).into_response()
}

/// Body: `{"offset_seconds": 3600}`.
async fn admin_clock(AxState(shared): AxState<Shared>, Json(body): Json<Value>) -> Response {
    let Some(off) = body.get("offset_seconds").and_then(Value::as_i64) else {
        return control_error(StatusCode::BAD_REQUEST, "missing offset_seconds");
    };
    lock(&shared).clock_offset = off;
    Json(json!({})).into_response()
}

async fn admin_codes(
    AxState(shared): AxState<Shared>,
    Path((pool, username)): Path<(String, String)>,
) -> Response {
    let st = lock(&shared);
    match user_pool::user(&st, &pool, &username) {
        Ok(u) => Json(json!({
            "confirmation_code": u.confirmation_code,
            "sms_mfa_code": u.last_sms_code,
        }))
        .into_response(),
        Err(e) => control_error(StatusCode::NOT_FOUND, e.message),
    }
}

/// Body: `{"secret": "<base32>"}`: enables and prefers TOTP MFA for the user.
async fn admin_totp(
    AxState(shared): AxState<Shared>,
    Path((pool, username)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let secret = body.get("secret").and_then(Value::as_str).unwrap_or("");
    match crate::set_totp(&mut lock(&shared), &pool, &username, secret) {
        Ok(()) => Json(json!({})).into_response(),
        Err(e) => control_error(StatusCode::BAD_REQUEST, e.message),
    }
}

/// Body: `{"phone_number": "+15550100"}` (optional): enables and prefers SMS MFA.
async fn admin_sms_mfa(
    AxState(shared): AxState<Shared>,
    Path((pool, username)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let phone = body.get("phone_number").and_then(Value::as_str);
    match crate::set_sms(&mut lock(&shared), &pool, &username, phone) {
        Ok(()) => Json(json!({})).into_response(),
        Err(e) => control_error(StatusCode::BAD_REQUEST, e.message),
    }
}

async fn admin_credentials(AxState(shared): AxState<Shared>, Path(akid): Path<String>) -> Response {
    match lock(&shared).issued_keys.get(&akid) {
        Some(id) => Json(json!({"identity_id": id})).into_response(),
        None => control_error(StatusCode::NOT_FOUND, "unknown access key id"),
    }
}

// ---------------------------------------------------------------- accept loop

/// Accept connections until `shutdown` flips. Each connection is served by hyper in its
/// own task, which can be told (through [`ConnKill`]) to drop the connection mid-request.
pub(crate) async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => spawn_connection(stream, app.clone(), shutdown.clone()),
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            },
            _ = shutdown.changed() => break,
        }
    }
}

fn spawn_connection(stream: TcpStream, app: Router, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    tokio::spawn(async move {
        let kill = ConnKill(Arc::new(Notify::new()));
        let ext = kill.clone();
        let svc =
            tower::ServiceExt::map_request(app, move |mut req: axum::http::Request<Incoming>| {
                req.extensions_mut().insert(ext.clone());
                req
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
        tokio::select! {
            _ = conn => {}
            // Dropping `conn` closes the socket without writing any response.
            _ = kill.0.notified() => {}
            _ = shutdown.changed() => {}
        }
    });
}
