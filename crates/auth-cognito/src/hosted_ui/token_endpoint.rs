//! The hosted UI's token endpoint (`POST /oauth2/token`, RFC 6749 §4.1.3):
//! the authorization code exchanged for tokens, form-encoded, with the PKCE
//! verifier, the same redirect URI, and the client secret as HTTP Basic
//! when the app client has one. Bodies carry secrets and are never logged;
//! no `reqwest` type leaves this module.

use std::time::Instant;

use auth_core::error::{AuthError, NetworkErrorKind};
use auth_core::secret::SecretString;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;

use super::callback::{clean_description, clean_error_code};
use crate::config::Tuning;
use crate::idp::AuthenticationResult;

/// The operation name in errors and logs.
pub(crate) const OPERATION: &str = "/oauth2/token";

/// A successful answer.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    id_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
    token_type: Option<String>,
}

/// An RFC 6749 §5.2 error answer.
#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
    error_description: Option<String>,
}

/// What to send.
pub(crate) struct CodeExchange<'a> {
    /// The hosted UI's base URL.
    pub(crate) endpoint: &'a str,
    /// The app client id.
    pub(crate) client_id: &'a str,
    /// The app client's secret, when it has one.
    pub(crate) client_secret: Option<&'a SecretString>,
    /// The authorization code.
    pub(crate) code: &'a SecretString,
    /// The redirect URI of the authorize request.
    pub(crate) redirect_uri: &'a str,
    /// The PKCE code verifier.
    pub(crate) code_verifier: &'a str,
}

/// `Authorization: Basic` of a client id and secret (RFC 6749 §2.3.1: each
/// form-urlencoded, then joined with `:` and base64-encoded).
pub(crate) fn basic_authorization(client_id: &str, secret: &SecretString) -> SecretString {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", enc(client_id), enc(secret.expose_secret()));
    SecretString::from(format!("Basic {}", B64.encode(pair)))
}

fn network_error(e: &reqwest::Error) -> AuthError {
    let kind = if e.is_timeout() {
        NetworkErrorKind::Timeout
    } else if e.is_connect() || e.is_request() {
        NetworkErrorKind::Connect
    } else {
        NetworkErrorKind::Other
    };
    // The URL is the token endpoint's, with no query: nothing secret.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    AuthError::Network { kind, message }
}

/// Exchanges the code for tokens.
pub(crate) async fn exchange_code(
    request: &CodeExchange<'_>,
    tuning: &Tuning,
) -> Result<AuthenticationResult, AuthError> {
    let http = reqwest::Client::builder()
        .connect_timeout(tuning.connect_timeout)
        .timeout(tuning.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("amplify-auth-rs/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| AuthError::InvalidConfig {
            field: "http_client".into(),
            message: e.to_string(),
        })?;
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("client_id", request.client_id)
        .append_pair("code", request.code.expose_secret())
        .append_pair("redirect_uri", request.redirect_uri)
        .append_pair("code_verifier", request.code_verifier)
        .finish();
    let mut builder = http
        .post(format!("{}{OPERATION}", request.endpoint))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(body);
    if let Some(secret) = request.client_secret {
        let auth = basic_authorization(request.client_id, secret);
        builder = builder.header("Authorization", auth.expose_secret());
    }
    let started = Instant::now();
    let response = builder.send().await.map_err(|e| {
        let err = network_error(&e);
        tracing::debug!(operation = OPERATION, error = %err, "token request failed");
        err
    })?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.map_err(|e| network_error(&e))?;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    tracing::debug!(
        operation = OPERATION,
        status,
        elapsed_ms,
        "token endpoint answered"
    );
    parse_answer(status, &bytes)
}

/// Turns the endpoint's answer into tokens or a typed error.
fn parse_answer(status: u16, bytes: &[u8]) -> Result<AuthenticationResult, AuthError> {
    if !(200..300).contains(&status) {
        return Err(match serde_json::from_slice::<ErrorResponse>(bytes) {
            Ok(e) => AuthError::OAuth {
                error: clean_error_code(&e.error),
                description: e
                    .error_description
                    .as_deref()
                    .map(clean_description)
                    .unwrap_or_default(),
            },
            // No RFC 6749 error body: a proxy or an outage.
            Err(_) if status >= 500 => AuthError::OAuth {
                error: "server_error".into(),
                description: format!("HTTP {status} without an OAuth error body"),
            },
            Err(_) => AuthError::InvalidResponse {
                operation: OPERATION.into(),
                message: format!("HTTP {status} without an OAuth error body"),
            },
        });
    }
    let t: TokenResponse =
        serde_json::from_slice(bytes).map_err(|_| AuthError::InvalidResponse {
            operation: OPERATION.into(),
            message: "the answer is not the token JSON".into(),
        })?;
    if let Some(kind) = &t.token_type
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(AuthError::InvalidResponse {
            operation: OPERATION.into(),
            message: "token_type is not Bearer".into(),
        });
    }
    Ok(AuthenticationResult {
        access_token: t.access_token,
        id_token: t.id_token,
        refresh_token: t.refresh_token,
        expires_in: t.expires_in,
        // The token endpoint never confirms a device: only SRP sign-ins do.
        new_device_metadata: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_authorization_is_rfc_6749_encoded() {
        let h = basic_authorization("client id", &SecretString::new("s3cr:t"));
        // "client+id:s3cr%3At"
        assert_eq!(h.expose_secret(), "Basic Y2xpZW50K2lkOnMzY3IlM0F0");
    }

    #[test]
    fn rfc_6749_errors_are_typed_and_cleaned() {
        let e = parse_answer(
            400,
            br#"{"error":"invalid_grant","error_description":"code reused\u0000"}"#,
        )
        .err()
        .expect("error");
        match e {
            AuthError::OAuth { error, description } => {
                assert_eq!(error, "invalid_grant");
                assert_eq!(description, "code reused?");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            parse_answer(502, b"<html>")
                .err()
                .expect("e")
                .is_transient()
        );
        assert!(matches!(
            parse_answer(400, b"nope"),
            Err(AuthError::InvalidResponse { .. })
        ));
        assert!(matches!(
            parse_answer(200, br#"{"access_token":"a","token_type":"mac"}"#),
            Err(AuthError::InvalidResponse { .. })
        ));
        let Ok(ok) = parse_answer(
            200,
            br#"{"access_token":"a","id_token":"i","refresh_token":"r","token_type":"Bearer","expires_in":3600}"#,
        ) else {
            panic!("tokens expected");
        };
        assert_eq!(ok.refresh_token.as_deref(), Some("r"));
    }
}

#[cfg(test)]
mod wire_tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    /// A one-request server that records what it received and answers
    /// with tokens: the only way to see the exact header a client sends.
    async fn capture_one_request() -> (String, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.expect("accept");
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let n = s.read(&mut chunk).await.expect("read");
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf);
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let len = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= head_end + 4 + len || n == 0 {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            let body = r#"{"access_token":"a","token_type":"Bearer"}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            s.write_all(answer.as_bytes()).await.expect("write");
            String::from_utf8_lossy(&buf).into_owned()
        });
        (format!("http://{addr}"), task)
    }

    #[tokio::test]
    async fn the_client_secret_is_sent_as_http_basic_and_never_in_the_body() {
        let (endpoint, server) = capture_one_request().await;
        let secret = SecretString::new("the-client-secret");
        let code = SecretString::new("the-code");
        let request = CodeExchange {
            endpoint: &endpoint,
            client_id: "client-1",
            client_secret: Some(&secret),
            code: &code,
            redirect_uri: "http://127.0.0.1:1/cb",
            code_verifier: &"v".repeat(43),
        };
        exchange_code(&request, &Tuning::default())
            .await
            .expect("tokens");
        let seen = server.await.expect("server");
        let expected = basic_authorization("client-1", &secret);
        assert!(
            seen.lines()
                .any(|l| l
                    .eq_ignore_ascii_case(&format!("authorization: {}", expected.expose_secret()))),
            "no Basic header in {seen}"
        );
        assert!(seen.starts_with("POST /oauth2/token HTTP/1.1\r\n"));
        let body = seen.split("\r\n\r\n").nth(1).expect("body");
        assert!(
            !body.contains("the-client-secret"),
            "the secret is not in the body"
        );
        for part in [
            "grant_type=authorization_code",
            "client_id=client-1",
            "code=the-code",
            "redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb",
        ] {
            assert!(body.contains(part), "{part} missing from {body}");
        }
        assert!(body.contains(&format!("code_verifier={}", "v".repeat(43))));
    }

    #[tokio::test]
    async fn a_public_client_sends_no_authorization_header() {
        let (endpoint, server) = capture_one_request().await;
        let code = SecretString::new("c");
        let request = CodeExchange {
            endpoint: &endpoint,
            client_id: "public",
            client_secret: None,
            code: &code,
            redirect_uri: "myapp://cb",
            code_verifier: &"v".repeat(43),
        };
        exchange_code(&request, &Tuning::default())
            .await
            .expect("tokens");
        let seen = server.await.expect("server");
        assert!(!seen.to_ascii_lowercase().contains("authorization:"));
    }
}
