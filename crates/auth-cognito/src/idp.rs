//! The user-pool client: Cognito's JSON 1.1 protocol over `reqwest`.
//!
//! Requests are `POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`.
//! Errors are typed from `__type` (or the `x-amzn-ErrorType` header). Bodies
//! carry secrets, so they are never logged; only the operation, the HTTP
//! status, the error name and the latency are.

use std::collections::HashMap;
use std::fmt;
use std::time::Instant;

use auth_core::error::{AuthError, NetworkErrorKind};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::Tuning;

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The JSON 1.1 client of the user-pool service.
#[derive(Clone)]
pub(crate) struct IdpClient {
    http: reqwest::Client,
    endpoint: String,
}

impl fmt::Debug for IdpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdpClient")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// Tokens as Cognito returns them (`AuthenticationResult`).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AuthenticationResult {
    pub(crate) access_token: Option<String>,
    pub(crate) id_token: Option<String>,
    pub(crate) refresh_token: Option<String>,
    #[allow(dead_code)]
    pub(crate) expires_in: Option<i64>,
}

/// The answer of `InitiateAuth` and `RespondToAuthChallenge`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AuthResponse {
    pub(crate) authentication_result: Option<AuthenticationResult>,
    pub(crate) challenge_name: Option<String>,
    #[serde(default)]
    pub(crate) challenge_parameters: HashMap<String, String>,
    pub(crate) session: Option<String>,
}

/// The answer of `GetTokensFromRefreshToken`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RefreshResponse {
    pub(crate) authentication_result: Option<AuthenticationResult>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "__type")]
    type_: Option<String>,
    #[serde(alias = "Message")]
    message: Option<String>,
}

/// Strips the namespace and URL decorations of an error name:
/// `com.amazonaws...#NotAuthorizedException:http://...` → `NotAuthorizedException`.
/// Anything that does not look like an AWS error name (an ASCII capital,
/// then letters and digits, at most 60 in all, ending in `Exception`,
/// `Error` or `Fault`, or one of the few older names without a suffix)
/// becomes the empty string, so that a misbehaving server cannot put
/// arbitrary text (or a token) into our errors and logs through the name.
pub(crate) fn error_code(raw: &str) -> &str {
    const BARE: [&str; 5] = [
        "InvalidAction",
        "AccessDenied",
        "Throttling",
        "RequestExpired",
        "MissingAuthenticationToken",
    ];
    let s = raw.rsplit('#').next().unwrap_or(raw);
    let code = s.split(':').next().unwrap_or(s).trim();
    let plausible = code.len() <= 60
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code.chars().all(|c| c.is_ascii_alphanumeric())
        && (code.ends_with("Exception")
            || code.ends_with("Error")
            || code.ends_with("Fault")
            || BARE.contains(&code));
    if plausible { code } else { "" }
}

/// Maps a service error to the typed [`AuthError`].
pub(crate) fn service_error(code: &str, message: String, status: u16) -> AuthError {
    match code {
        "NotAuthorizedException" => AuthError::NotAuthorized { message },
        "UserNotFoundException" => AuthError::UserNotFound { message },
        "UserNotConfirmedException" => AuthError::UserNotConfirmed { message },
        "PasswordResetRequiredException" => AuthError::PasswordResetRequired { message },
        "CodeMismatchException" | "ExpiredCodeException" => AuthError::CodeMismatch { message },
        _ => AuthError::Service {
            code: code.to_owned(),
            message,
            status,
        },
    }
}

/// Parses an error response body (and the `x-amzn-ErrorType` header) into an
/// error. Never panics; an unparseable body gives a generic service error
/// keyed on the status.
pub fn parse_service_error(status: u16, header_type: Option<&str>, body: &[u8]) -> AuthError {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let code = header_type
        .map(error_code)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            parsed
                .as_ref()
                .and_then(|b| b.type_.as_deref())
                .map(error_code)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
        });
    let message = parsed
        .and_then(|b| b.message)
        .map(|m| sanitize_message(&m))
        .unwrap_or_default();
    match code {
        Some(code) => service_error(&code, message, status),
        None => AuthError::Service {
            code: if status >= 500 {
                "InternalErrorException".to_owned()
            } else {
                "UnknownError".to_owned()
            },
            message,
            status,
        },
    }
}

/// Service messages are short prose; cut them so that a misbehaving server
/// cannot smuggle a body (or a token) into our errors and logs.
fn sanitize_message(m: &str) -> String {
    let cut: String = m.chars().take(200).collect();
    if cut.split_whitespace().any(|w| w.len() > 40) {
        // Long unbroken words look like tokens, not prose.
        cut.split_whitespace()
            .map(|w| if w.len() > 40 { "[elided]" } else { w })
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        cut
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

impl IdpClient {
    pub(crate) fn new(endpoint: String, tuning: &Tuning) -> Result<Self, AuthError> {
        // One HTTP client (connection pool, TLS roots) per process and
        // timeouts, shared by every plugin: building one costs about 1.4 ms
        // and 70 KiB of root certificates.
        static SHARED: std::sync::LazyLock<
            std::sync::Mutex<HashMap<(std::time::Duration, std::time::Duration), reqwest::Client>>,
        > = std::sync::LazyLock::new(Default::default);
        let key = (tuning.connect_timeout, tuning.request_timeout);
        let mut shared = SHARED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(http) = shared.get(&key) {
            return Ok(Self {
                http: http.clone(),
                endpoint,
            });
        }
        let http = reqwest::Client::builder()
            .connect_timeout(tuning.connect_timeout)
            .timeout(tuning.request_timeout)
            .pool_idle_timeout(std::time::Duration::from_secs(30))
            .user_agent(concat!("amplify-auth-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AuthError::InvalidConfig {
                field: "http_client".into(),
                message: e.to_string(),
            })?;
        shared.insert(key, http.clone());
        Ok(Self { http, endpoint })
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
            .http
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implausible_error_names_are_dropped() {
        assert_eq!(error_code("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"), "");
        assert_eq!(error_code(&format!("Not{}", "x".repeat(70))), "");
        assert_eq!(error_code("Not Authorized"), "");
        assert_eq!(error_code(&format!("{}c", "Y".repeat(61))), "");
        assert_eq!(error_code("YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYc"), "");
        assert_eq!(error_code("InvalidAction"), "InvalidAction");
        let e = parse_service_error(400, Some("lowercase"), br#"{"__type":"eyJhbGci.x.y"}"#);
        assert_eq!(e.service_code(), Some("UnknownError"));
    }

    #[test]
    fn error_names_are_stripped_of_namespaces() {
        assert_eq!(
            error_code("NotAuthorizedException"),
            "NotAuthorizedException"
        );
        assert_eq!(
            error_code("com.amazonaws.cognito#NotAuthorizedException"),
            "NotAuthorizedException"
        );
        assert_eq!(
            error_code("NotAuthorizedException:http://internal.amazon.com/coral/"),
            "NotAuthorizedException"
        );
    }

    #[test]
    fn service_errors_are_typed() {
        let e = parse_service_error(
            400,
            None,
            br#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#,
        );
        assert!(
            matches!(e, AuthError::NotAuthorized { ref message } if message == "Incorrect username or password.")
        );
        let e = parse_service_error(400, Some("TooManyRequestsException:x"), b"garbage");
        assert!(e.is_transient());
        assert_eq!(e.service_code(), Some("TooManyRequestsException"));
        let e = parse_service_error(502, None, b"<html>bad gateway</html>");
        assert!(e.is_transient());
        let e = parse_service_error(400, None, b"");
        assert_eq!(e.service_code(), Some("UnknownError"));
        assert!(!e.is_transient());
    }

    #[test]
    fn token_like_words_never_reach_error_messages() {
        let token = "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJ1In0.c2lnbmF0dXJl";
        let body =
            format!(r#"{{"__type":"InvalidParameterException","message":"bad token {token}"}}"#);
        let e = parse_service_error(400, None, body.as_bytes());
        assert!(!e.to_string().contains(&token[..20]));
    }
}
