//! The `/_emulator/*` test-control routes (no production client calls these): health,
//! counters, faults, the clock, a user's codes and MFA, and who an access key belongs to.

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::{Shared, lock};
use crate::Fault;
use crate::user_pool::{account, lookup, mfa};

/// The routes, to merge into the emulator's router.
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/_emulator/health", get(|| async { "ok" }))
        .route("/_emulator/counters", get(counters))
        .route("/_emulator/counters/reset", post(reset_counters))
        .route("/_emulator/faults", post(inject_fault).delete(clear_faults))
        .route("/_emulator/clock", post(clock))
        .route("/_emulator/users/{pool}/{username}/codes", get(codes))
        .route("/_emulator/users/{pool}/{username}/totp", post(totp))
        .route("/_emulator/users/{pool}/{username}/sms-mfa", post(sms_mfa))
        .route("/_emulator/credentials/{access_key_id}", get(credentials))
}

fn control_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

async fn counters(AxState(shared): AxState<Shared>) -> Response {
    Json(json!(lock(&shared).counters)).into_response()
}

async fn reset_counters(AxState(shared): AxState<Shared>) -> Response {
    lock(&shared).counters.clear();
    Json(json!({})).into_response()
}

/// Body: `{"operation": "GetId", "times": 1, "fault": F}`, F as in [`Fault::from_json`].
async fn inject_fault(AxState(shared): AxState<Shared>, Json(body): Json<Value>) -> Response {
    let Some(op) = body.get("operation").and_then(Value::as_str) else {
        return control_error(StatusCode::BAD_REQUEST, "missing operation");
    };
    let times = body.get("times").and_then(Value::as_u64).unwrap_or(1) as usize;
    let f = body.get("fault").cloned().unwrap_or_default();
    let Some(fault) = Fault::from_json(&f) else {
        return control_error(StatusCode::BAD_REQUEST, "unknown fault kind");
    };
    lock(&shared).push_fault(op, fault, times);
    Json(json!({})).into_response()
}

async fn clear_faults(AxState(shared): AxState<Shared>) -> Response {
    lock(&shared).faults.clear();
    Json(json!({})).into_response()
}

/// Body: `{"offset_seconds": 3600}`.
async fn clock(AxState(shared): AxState<Shared>, Json(body): Json<Value>) -> Response {
    let Some(off) = body.get("offset_seconds").and_then(Value::as_i64) else {
        return control_error(StatusCode::BAD_REQUEST, "missing offset_seconds");
    };
    lock(&shared).clock_offset = off;
    Json(json!({})).into_response()
}

async fn codes(
    AxState(shared): AxState<Shared>,
    Path((pool, username)): Path<(String, String)>,
) -> Response {
    let st = lock(&shared);
    match lookup::user(&st, &pool, &username) {
        Ok(u) => {
            let mut body = json!({
                "confirmation_code": u.codes.sign_up.as_ref().map(|c| &c.value),
                "sms_mfa_code": u.last_sms_code,
                "email_otp_code": u.otp.email_otp.as_ref().map(|c| &c.code),
                "sms_otp_code": u.otp.sms_otp.as_ref().map(|c| &c.code),
            });
            account::codes::report(u, &mut body);
            Json(body).into_response()
        }
        Err(e) => control_error(StatusCode::NOT_FOUND, e.message),
    }
}

/// Body: `{"secret": "<base32>"}`: enables and prefers TOTP MFA for the user.
async fn totp(
    AxState(shared): AxState<Shared>,
    Path((pool, username)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let secret = body.get("secret").and_then(Value::as_str).unwrap_or("");
    match mfa::set_totp_secret(&mut lock(&shared), &pool, &username, secret) {
        Ok(()) => Json(json!({})).into_response(),
        Err(e) => control_error(StatusCode::BAD_REQUEST, e.message),
    }
}

/// Body: `{"phone_number": "+15550100"}` (optional): enables and prefers SMS MFA.
async fn sms_mfa(
    AxState(shared): AxState<Shared>,
    Path((pool, username)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let phone = body.get("phone_number").and_then(Value::as_str);
    match mfa::enable_sms_mfa(&mut lock(&shared), &pool, &username, phone) {
        Ok(()) => Json(json!({})).into_response(),
        Err(e) => control_error(StatusCode::BAD_REQUEST, e.message),
    }
}

async fn credentials(AxState(shared): AxState<Shared>, Path(akid): Path<String>) -> Response {
    match lock(&shared).issued_keys.get(&akid) {
        Some(id) => Json(json!({"identity_id": id})).into_response(),
        None => control_error(StatusCode::NOT_FOUND, "unknown access key id"),
    }
}
