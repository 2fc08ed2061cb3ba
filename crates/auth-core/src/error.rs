//! Errors of the auth category. Each variant tells the caller what to do next.
//!
//! Messages never contain a token, a password or any other secret.

use crate::storage::StorageError;

/// What kind of network failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetworkErrorKind {
    /// The request did not complete within the configured timeout.
    Timeout,
    /// The connection could not be made, or was dropped.
    Connect,
    /// Any other transport failure.
    Other,
}

/// An auth error.
///
/// Use [`is_transient`](Self::is_transient) to decide whether to retry later;
/// transient errors never clear the session.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No user is signed in. Next step: sign in.
    #[error("no user is signed in")]
    SignedOut,
    /// The session ended: the refresh token was rejected or revoked. Next step: sign in again.
    #[error("the session has expired; sign in again ({reason})")]
    SessionExpired {
        /// The service's reason, for example `NotAuthorizedException`.
        reason: String,
    },
    /// A user is already signed in. Next step: sign out first.
    #[error("a user is already signed in; sign out first")]
    AlreadySignedIn,
    /// The operation needs a user pool, and none is configured.
    #[error("no user pool is configured")]
    NoUserPool,
    /// The operation needs an identity pool, and none is configured.
    #[error("no identity pool is configured")]
    NoIdentityPool,
    /// No user is signed in and the identity pool does not allow guests.
    #[error("no user is signed in and guest access is disabled for the identity pool")]
    GuestAccessDisabled,
    /// The session is federated directly to the identity pool, so there are
    /// no user-pool tokens.
    #[error("the session is federated to the identity pool; user-pool tokens are not available")]
    FederatedToIdentityPool,
    /// A federated session cannot be refreshed without a new provider token.
    /// Next step: call `federate_to_identity_pool` again with a fresh token.
    #[error("federated sessions cannot be refreshed without a new provider token; federate again")]
    FederatedSessionCannotRefresh,
    /// The signed-in user has no remembered device on this machine: the user pool
    /// does not track devices, or the device was not confirmed at sign-in, or it was
    /// forgotten. Next step: sign in again on a pool that tracks devices, or pass the
    /// device key to act on another device.
    #[error("no device is remembered for the signed-in user on this machine")]
    NoDevice,
    /// The session has no refresh token, so expired tokens cannot be renewed.
    #[error("the session has no refresh token and cannot be refreshed; sign in again")]
    NoRefreshToken,
    /// The configuration is malformed. Next step: fix the named field.
    #[error("invalid configuration: `{field}`: {message}")]
    InvalidConfig {
        /// The field, for example `auth.user_pool_id`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// An argument is invalid. Next step: fix the named parameter.
    #[error("invalid parameter `{name}`: {message}")]
    InvalidParameter {
        /// The parameter.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// The call does not fit the current state, for example `confirm_sign_in`
    /// with no sign-in in progress.
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// Wrong username or password, a disabled user, or a rejected token.
    #[error("not authorized: {message}")]
    NotAuthorized {
        /// The service's message, for example "Incorrect username or password.".
        message: String,
    },
    /// The user does not exist.
    #[error("user not found: {message}")]
    UserNotFound {
        /// The service's message.
        message: String,
    },
    /// The user has not confirmed sign-up.
    #[error("user not confirmed: {message}")]
    UserNotConfirmed {
        /// The service's message.
        message: String,
    },
    /// The user must reset the password.
    #[error("password reset required: {message}")]
    PasswordResetRequired {
        /// The service's message.
        message: String,
    },
    /// A code (TOTP, SMS) was wrong or expired.
    #[error("code mismatch: {message}")]
    CodeMismatch {
        /// The service's message.
        message: String,
    },
    /// The username is taken (`UsernameExistsException`). Next step: sign
    /// in with it, reset its password, or sign up with another username.
    #[error("an account with this username already exists: {message}")]
    UsernameExists {
        /// The service's message.
        message: String,
    },
    /// The password does not meet the pool's password policy
    /// (`InvalidPasswordException`). Next step: choose a password that
    /// meets the policy, which `message` states.
    #[error("the password does not meet the pool's policy: {message}")]
    InvalidPassword {
        /// The service's message, naming the rule that failed, for example
        /// "Password did not conform with policy: Password must have uppercase characters".
        message: String,
    },
    /// The code has expired or was already used (`ExpiredCodeException`).
    /// Next step: request a new code (resend the sign-up code, reset the
    /// password again, or send the attribute's code again); at sign-in, sign
    /// in again for a new emailed or texted code, or wait for the next TOTP code.
    #[error("the code has expired or was already used; request a new one: {message}")]
    CodeExpired {
        /// The service's message.
        message: String,
    },
    /// Too many attempts or codes in a short time (`LimitExceededException`).
    /// Next step: wait, then retry; it is transient.
    #[error("attempt limit exceeded; wait and retry later: {message}")]
    LimitExceeded {
        /// The service's message.
        message: String,
    },
    /// Another account already uses this email address or phone number as
    /// its alias (`AliasExistsException`). Next step: use another value, or
    /// confirm with `force_alias_creation` to move the alias to this account.
    #[error("another account already uses this email or phone number: {message}")]
    AliasExists {
        /// The service's message.
        message: String,
    },
    /// The sign-in's challenge session expired (Cognito's sessions last
    /// 3 to 15 minutes), or the service no longer knows it. Next step: sign
    /// in again.
    #[error("the sign-in challenge has expired; sign in again")]
    ChallengeExpired,
    /// A feature this library does not support yet, for example a
    /// `WEB_AUTHN` (passkey) challenge. Next step: choose another way, such
    /// as another first factor of `USER_AUTH`.
    #[error("not supported yet: {feature}")]
    Unsupported {
        /// What is not supported, for example `WEB_AUTHN sign-in`.
        feature: String,
    },
    /// Any other error returned by the service.
    #[error("service error {code} (HTTP {status}): {message}")]
    Service {
        /// The service's error name, for example `TooManyRequestsException`.
        code: String,
        /// The service's message.
        message: String,
        /// The HTTP status.
        status: u16,
    },
    /// The service answered with something that is not a valid response.
    #[error("invalid response to {operation}: {message}")]
    InvalidResponse {
        /// The operation.
        operation: String,
        /// What was wrong (never the body itself).
        message: String,
    },
    /// The service could not be reached, or did not answer in time.
    #[error("network error ({kind:?}): {message}")]
    Network {
        /// The kind of failure.
        kind: NetworkErrorKind,
        /// The transport's description, without URLs' query strings or bodies.
        message: String,
    },
    /// The session store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The user cancelled or denied a hosted-UI sign-in (the redirect came
    /// back with `error=access_denied`). Nothing was stored. Next step: offer
    /// to sign in again.
    #[error("the sign-in was cancelled or denied at the hosted UI: {description}")]
    SignInCancelled {
        /// The redirect's `error_description`, or a default sentence.
        description: String,
    },
    /// The hosted UI or its token endpoint answered with an OAuth 2.0 error
    /// (RFC 6749): `invalid_request`, `invalid_grant`, `invalid_client`,
    /// `unauthorized_client`, `server_error`... Nothing was stored. Next
    /// step: for `server_error` or `temporarily_unavailable`, retry later
    /// ([`is_transient`](Self::is_transient)); otherwise fix the app
    /// client's OAuth settings or start the sign-in again.
    #[error("OAuth error {error}: {description}")]
    OAuth {
        /// The `error` code, for example `invalid_grant`.
        error: String,
        /// The `error_description`, or an empty string.
        description: String,
    },
    /// The redirect's `state` does not match the sign-in that is waiting for
    /// it: a forged, stale or foreign redirect. It was refused before any
    /// code was exchanged, and nothing was stored. Next step: start the
    /// sign-in again.
    #[error(
        "the redirect's state does not match this sign-in; it was refused and no code was exchanged"
    )]
    StateMismatch,
    /// No redirect arrived in time at the loopback listener. Nothing was
    /// stored. Next step: start the sign-in again (and finish it in the
    /// browser within the time).
    #[error("no sign-in redirect arrived within {waited_secs} s")]
    RedirectTimeout {
        /// How long the listener waited, in seconds.
        waited_secs: u64,
    },
}

impl AuthError {
    /// Whether retrying later may succeed: network failures, timeouts,
    /// throttling, 5xx answers and malformed answers. Transient errors never
    /// clear a session.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network { .. } | Self::InvalidResponse { .. } | Self::LimitExceeded { .. } => {
                true
            }
            Self::Service { code, status, .. } => {
                *status >= 500
                    || matches!(
                        code.as_str(),
                        "TooManyRequestsException"
                            | "ThrottlingException"
                            | "LimitExceededException"
                            | "InternalErrorException"
                            | "ServiceUnavailableException"
                            | "RequestTimeoutException"
                    )
            }
            Self::Storage(e) => e.is_transient(),
            Self::OAuth { error, .. } => {
                matches!(error.as_str(), "server_error" | "temporarily_unavailable")
            }
            _ => false,
        }
    }

    /// The service's error name, when the error came from the service.
    pub fn service_code(&self) -> Option<&str> {
        match self {
            Self::NotAuthorized { .. } => Some("NotAuthorizedException"),
            Self::UserNotFound { .. } => Some("UserNotFoundException"),
            Self::UserNotConfirmed { .. } => Some("UserNotConfirmedException"),
            Self::PasswordResetRequired { .. } => Some("PasswordResetRequiredException"),
            Self::CodeMismatch { .. } => Some("CodeMismatchException"),
            Self::UsernameExists { .. } => Some("UsernameExistsException"),
            Self::InvalidPassword { .. } => Some("InvalidPasswordException"),
            Self::CodeExpired { .. } => Some("ExpiredCodeException"),
            Self::LimitExceeded { .. } => Some("LimitExceededException"),
            Self::AliasExists { .. } => Some("AliasExistsException"),
            Self::Service { code, .. } => Some(code),
            Self::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_classification_follows_behaviour_md() {
        let svc = |code: &str, status| AuthError::Service {
            code: code.into(),
            message: String::new(),
            status,
        };
        assert!(svc("TooManyRequestsException", 400).is_transient());
        assert!(svc("InternalErrorException", 500).is_transient());
        assert!(svc("Whatever", 503).is_transient());
        assert!(!svc("InvalidParameterException", 400).is_transient());
        assert!(
            AuthError::Network {
                kind: NetworkErrorKind::Timeout,
                message: "t".into()
            }
            .is_transient()
        );
        assert!(
            !AuthError::NotAuthorized {
                message: "x".into()
            }
            .is_transient()
        );
        assert!(!AuthError::SessionExpired { reason: "x".into() }.is_transient());
        let oauth = |e: &str| AuthError::OAuth {
            error: e.into(),
            description: String::new(),
        };
        assert!(oauth("server_error").is_transient());
        assert!(oauth("temporarily_unavailable").is_transient());
        assert!(!oauth("invalid_grant").is_transient());
        assert_eq!(oauth("invalid_grant").service_code(), Some("invalid_grant"));
        assert!(!AuthError::StateMismatch.is_transient());
        assert!(
            !AuthError::SignInCancelled {
                description: "x".into()
            }
            .is_transient()
        );
        let limit = AuthError::LimitExceeded {
            message: "Attempt limit exceeded".into(),
        };
        assert!(limit.is_transient());
        assert_eq!(limit.service_code(), Some("LimitExceededException"));
        assert!(!AuthError::ChallengeExpired.is_transient());
        assert!(
            !AuthError::CodeExpired {
                message: "x".into()
            }
            .is_transient()
        );
    }

    #[test]
    fn account_errors_are_typed_and_only_the_limit_is_transient() {
        let m = || "m".to_owned();
        let cases = [
            (
                AuthError::UsernameExists { message: m() },
                "UsernameExistsException",
                false,
            ),
            (
                AuthError::InvalidPassword { message: m() },
                "InvalidPasswordException",
                false,
            ),
            (
                AuthError::CodeExpired { message: m() },
                "ExpiredCodeException",
                false,
            ),
            (
                AuthError::LimitExceeded { message: m() },
                "LimitExceededException",
                true,
            ),
            (
                AuthError::AliasExists { message: m() },
                "AliasExistsException",
                false,
            ),
        ];
        for (e, code, transient) in cases {
            assert_eq!(e.service_code(), Some(code));
            assert_eq!(e.is_transient(), transient, "{code}");
        }
    }

    #[test]
    fn storage_outages_are_transient_and_refusals_are_not() {
        let storage = |e: StorageError| AuthError::Storage(e).is_transient();
        let detail = || "Redis at 127.0.0.1:1".to_owned();
        assert!(storage(StorageError::Unavailable { detail: detail() }));
        assert!(storage(StorageError::LockTimeout { detail: detail() }));
        assert!(storage(StorageError::Io { detail: detail() }));
        assert!(!storage(StorageError::AccessDenied { detail: detail() }));
        assert!(!storage(StorageError::Corrupt { detail: detail() }));
    }
}
