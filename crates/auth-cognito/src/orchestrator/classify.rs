//! Which refresh errors end the session, and which mean the endpoint does
//! not know an operation.

use auth_core::error::AuthError;

/// The definitive refresh errors of BEHAVIOUR.md: the refresh token is no
/// good, so the session is over. Everything else is transient.
pub(super) fn is_definitive(e: &AuthError) -> bool {
    match e {
        AuthError::NotAuthorized { .. }
        | AuthError::UserNotFound { .. }
        | AuthError::UserNotConfirmed { .. }
        | AuthError::PasswordResetRequired { .. } => true,
        AuthError::Service { code, .. } => matches!(
            code.as_str(),
            "TokenRevokedException" | "RefreshTokenReuseException"
        ),
        _ => false,
    }
}

/// Whether the endpoint may not know the operation: it said so, or it
/// answered with a 5xx that is not a Cognito error at all (moto answers
/// unknown operations with an HTML 500 page). Only consulted until
/// `GetTokensFromRefreshToken` has worked once.
pub(super) fn maybe_unknown_operation(e: &AuthError) -> bool {
    match e {
        AuthError::Service {
            code,
            status,
            message,
        } => {
            matches!(
                code.as_str(),
                "UnknownOperationException" | "InvalidAction" | "UnrecognizedClientException"
            ) || *status == 404
                || *status == 501
                || (*status >= 500 && message.is_empty())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use auth_core::error::NetworkErrorKind;

    use super::*;

    fn service(code: &str, status: u16, message: &str) -> AuthError {
        AuthError::Service {
            code: code.into(),
            status,
            message: message.into(),
        }
    }

    #[test]
    fn rejected_refresh_tokens_are_definitive_and_faults_are_not() {
        let message = String::new;
        assert!(is_definitive(&AuthError::NotAuthorized {
            message: message()
        }));
        assert!(is_definitive(&AuthError::UserNotFound {
            message: message()
        }));
        assert!(is_definitive(&service("TokenRevokedException", 400, "")));
        assert!(is_definitive(&service(
            "RefreshTokenReuseException",
            400,
            ""
        )));
        assert!(!is_definitive(&service(
            "TooManyRequestsException",
            400,
            ""
        )));
        assert!(!is_definitive(&service("InternalErrorException", 500, "")));
        assert!(!is_definitive(&AuthError::Network {
            kind: NetworkErrorKind::Timeout,
            message: message(),
        }));
    }

    #[test]
    fn unknown_operations_are_recognised_by_name_or_bare_status() {
        assert!(maybe_unknown_operation(&service(
            "UnknownOperationException",
            400,
            "x"
        )));
        assert!(maybe_unknown_operation(&service("UnknownError", 404, "x")));
        assert!(maybe_unknown_operation(&service(
            "InternalErrorException",
            500,
            ""
        )));
        assert!(!maybe_unknown_operation(&service(
            "InternalErrorException",
            500,
            "boom"
        )));
        assert!(!maybe_unknown_operation(&AuthError::NotAuthorized {
            message: String::new(),
        }));
    }
}
