//! The user-pool client: Cognito's JSON 1.1 protocol over `reqwest`.
//!
//! Requests are `POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`.
//! Errors are typed from `__type` (or the `x-amzn-ErrorType` header), in
//! `errors.rs`. Bodies carry secrets, so they are never logged; only the
//! operation, the HTTP status, the error name and the latency are. No
//! `reqwest` type leaves this module.

mod errors;
mod secret_hash;
mod wire;

use std::collections::HashMap;
use std::fmt;
use std::time::Instant;

use auth_core::error::{AuthError, NetworkErrorKind};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::Tuning;

pub(crate) use errors::{parse_service_error, service_error};
pub(crate) use secret_hash::secret_hash;
pub(crate) use wire::{AuthResponse, AuthenticationResult, NewDeviceMetadata, RefreshResponse};

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The JSON 1.1 client of the user-pool service. Its HTTP client (the
/// connection pool and the TLS roots, read from the system's certificate
/// directory) is made at the first call, not with the plugin: a process
/// served from stored tokens (`credential_process`) never makes one.
#[derive(Clone)]
pub(crate) struct IdpClient {
    http: std::sync::Arc<std::sync::OnceLock<reqwest::Client>>,
    timeouts: (std::time::Duration, std::time::Duration),
    endpoint: String,
}

impl fmt::Debug for IdpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdpClient")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

fn network_error(e: &reqwest::Error) -> AuthError {
    let kind = if e.is_timeout() {
        NetworkErrorKind::Timeout
    } else if e.is_connect() || e.is_request() {
        NetworkErrorKind::Connect
    } else {
        NetworkErrorKind::Other
    };
    // reqwest's Display includes the URL, which has no secrets here (POST /).
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    AuthError::Network { kind, message: msg }
}

/// One HTTP client (connection pool, TLS roots) per process and timeouts,
/// shared by every plugin: building one costs about 1.4 ms and 70 KiB of
/// root certificates.
fn shared_http(
    (connect_timeout, request_timeout): (std::time::Duration, std::time::Duration),
) -> Result<reqwest::Client, AuthError> {
    static SHARED: std::sync::LazyLock<
        std::sync::Mutex<HashMap<(std::time::Duration, std::time::Duration), reqwest::Client>>,
    > = std::sync::LazyLock::new(Default::default);
    let key = (connect_timeout, request_timeout);
    let mut shared = SHARED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(http) = shared.get(&key) {
        return Ok(http.clone());
    }
    let http = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(request_timeout)
        .pool_idle_timeout(std::time::Duration::from_secs(30))
        .user_agent(concat!("amplify-auth-rs/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| AuthError::InvalidConfig {
            field: "http_client".into(),
            message: e.to_string(),
        })?;
    shared.insert(key, http.clone());
    Ok(http)
}

impl IdpClient {
    pub(crate) fn new(endpoint: String, tuning: &Tuning) -> Result<Self, AuthError> {
        Ok(Self {
            http: std::sync::Arc::default(),
            timeouts: (tuning.connect_timeout, tuning.request_timeout),
            endpoint,
        })
    }

    /// The HTTP client, made (or taken from the process's shared ones) at
    /// the first call.
    fn http(&self) -> Result<&reqwest::Client, AuthError> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        let made = shared_http(self.timeouts)?;
        Ok(self.http.get_or_init(|| made))
    }

    /// Calls `operation` with `request` and decodes the answer.
    pub(crate) async fn call<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        operation: &'static str,
        request: &Req,
    ) -> Result<Resp, AuthError> {
        let body = serde_json::to_vec(request).map_err(|e| AuthError::InvalidParameter {
            name: operation.into(),
            message: e.to_string(),
        })?;
        let started = Instant::now();
        let result = self
            .http()?
            .post(&self.endpoint)
            .header("Content-Type", CONTENT_TYPE)
            .header("X-Amz-Target", format!("{TARGET_PREFIX}{operation}"))
            .body(body)
            .send()
            .await;
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                let err = network_error(&e);
                tracing::debug!(operation, elapsed_ms = started.elapsed().as_millis() as u64, error = %err, "cognito-idp request failed");
                return Err(err);
            }
        };
        let status = response.status().as_u16();
        let header_type = response
            .headers()
            .get("x-amzn-ErrorType")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return Err(network_error(&e)),
        };
        let elapsed_ms = started.elapsed().as_millis() as u64;
        if !(200..300).contains(&status) {
            let err = parse_service_error(status, header_type.as_deref(), &bytes);
            tracing::debug!(
                operation,
                status,
                elapsed_ms,
                code = err.service_code().unwrap_or("-"),
                "cognito-idp error"
            );
            return Err(err);
        }
        tracing::debug!(operation, status, elapsed_ms, "cognito-idp ok");
        serde_json::from_slice(&bytes).map_err(|e| AuthError::InvalidResponse {
            operation: operation.into(),
            message: format!("malformed JSON body ({})", e.classify_label()),
        })
    }
}

trait ClassifyLabel {
    fn classify_label(&self) -> &'static str;
}

impl ClassifyLabel for serde_json::Error {
    fn classify_label(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected shape",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}
