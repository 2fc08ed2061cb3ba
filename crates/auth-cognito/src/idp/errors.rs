//! Typed errors from the service's answers: the error name from `__type` or
//! `x-amzn-ErrorType`, cleaned so that a misbehaving server cannot put
//! arbitrary text (or a token) into our errors and logs.

use auth_core::error::AuthError;
use serde::Deserialize;

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
fn error_code(raw: &str) -> &str {
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
        // VerifySoftwareToken's answer to a wrong code.
        "CodeMismatchException" | "EnableSoftwareTokenMFAException" => {
            AuthError::CodeMismatch { message }
        }
        "ExpiredCodeException" => AuthError::CodeExpired { message },
        "UsernameExistsException" => AuthError::UsernameExists { message },
        "InvalidPasswordException" => AuthError::InvalidPassword { message },
        "LimitExceededException" => AuthError::LimitExceeded { message },
        "AliasExistsException" => AuthError::AliasExists { message },
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
pub(crate) fn parse_service_error(
    status: u16,
    header_type: Option<&str>,
    body: &[u8],
) -> AuthError {
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
    fn account_errors_are_typed_with_the_service_message() {
        let parse = |t: &str| {
            parse_service_error(
                400,
                None,
                format!(r#"{{"__type":"{t}","message":"why"}}"#).as_bytes(),
            )
        };
        assert!(
            matches!(parse("UsernameExistsException"), AuthError::UsernameExists { message } if message == "why")
        );
        assert!(
            matches!(parse("InvalidPasswordException"), AuthError::InvalidPassword { message } if message == "why")
        );
        assert!(matches!(
            parse("ExpiredCodeException"),
            AuthError::CodeExpired { .. }
        ));
        assert!(matches!(
            parse("CodeMismatchException"),
            AuthError::CodeMismatch { .. }
        ));
        assert!(matches!(
            parse("AliasExistsException"),
            AuthError::AliasExists { .. }
        ));
        let limit = parse("LimitExceededException");
        assert!(matches!(limit, AuthError::LimitExceeded { .. }));
        assert!(limit.is_transient());
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
