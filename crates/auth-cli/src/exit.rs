//! Exit codes and one-line errors: what a script sees when a command fails.
//!
//! | code | meaning                                                                  |
//! |------|--------------------------------------------------------------------------|
//! | 0    | success                                                                  |
//! | 1    | any other error (a service error, the session store is corrupt or refused access) |
//! | 2    | bad input: usage, `amplify_outputs.json`, profile name, a parameter;     |
//! |      | a taken username or alias, a password the pool's policy refuses          |
//! | 3    | not signed in (or no guest access for `credentials`)                     |
//! | 4    | the session expired (refresh token rejected or missing): sign in again   |
//! | 5    | network error, temporary service failure (throttling, 5xx), or the session store (Redis, keychain) unreachable or busy: retry later |
//! | 6    | rejected: wrong username, password or code (or an expired code); a       |
//! |      | hosted-UI sign-in cancelled, denied, timed out or with a forged state    |
//! | 7    | sign-in needs an answer (a code, a new password, an MFA choice, the      |
//! |      | sign-up confirmed, a password reset); a sign-up needs its code           |
//!
//! Messages are one line and never contain a secret: they come from
//! [`AuthError`]'s `Display`, which never carries tokens or passwords.

use std::fmt;

use auth_core::error::AuthError;
use auth_core::storage::StorageError;

/// The exit-code table, shown at the end of `--help`.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  other error (a service error, the session store is corrupt or refused access)
  2  bad input: usage, amplify_outputs.json, profile name, a parameter,
     a taken username, a password the pool's policy refuses
  3  not signed in (or no guest access, for `credentials`)
  4  session expired: sign in again
  5  network error, temporary service failure, or session store (Redis, keychain)
     unreachable: retry later
  6  rejected: wrong username, password or code (or an expired code);
     a hosted-UI sign-in cancelled, denied, timed out or with a forged state
  7  sign-in needs an answer (a code, a new password, an MFA choice);
     a sign-up needs its confirmation code";

/// Any other error.
pub(crate) const OTHER: u8 = 1;
/// Bad input.
pub(crate) const BAD_INPUT: u8 = 2;
/// Not signed in.
pub(crate) const NOT_SIGNED_IN: u8 = 3;
/// Session expired.
pub(crate) const SESSION_EXPIRED: u8 = 4;
/// Network or temporary failure.
pub(crate) const NETWORK: u8 = 5;
/// Sign-in rejected.
pub(crate) const REJECTED: u8 = 6;
/// A challenge waits for an answer.
pub(crate) const CHALLENGE_PENDING: u8 = 7;

/// A failed command: its exit code and a one-line, secret-free message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CliError {
    /// The process exit code.
    pub(crate) code: u8,
    message: String,
}

impl CliError {
    /// An error with `code`; newlines in `message` become spaces.
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        let message: String = message.into();
        let message = message
            .split(['\n', '\r'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Self { code, message }
    }

    /// Bad input (exit code 2).
    pub(crate) fn bad_input(message: impl Into<String>) -> Self {
        Self::new(BAD_INPUT, message)
    }

    /// Any other error (exit code 1).
    pub(crate) fn other(message: impl Into<String>) -> Self {
        Self::new(OTHER, message)
    }

    /// An exit code with nothing more to say: the command already printed
    /// why (`status`).
    pub(crate) fn silent(code: u8) -> Self {
        Self {
            code,
            message: String::new(),
        }
    }

    /// The message (empty for [`silent`](Self::silent) errors).
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The exit code for an auth error.
pub(crate) fn code_for(e: &AuthError) -> u8 {
    match e {
        AuthError::SignedOut | AuthError::GuestAccessDisabled => NOT_SIGNED_IN,
        AuthError::SessionExpired { .. }
        | AuthError::NoRefreshToken
        | AuthError::FederatedSessionCannotRefresh => SESSION_EXPIRED,
        AuthError::InvalidConfig { .. }
        | AuthError::InvalidParameter { .. }
        | AuthError::NoUserPool
        | AuthError::NoIdentityPool
        | AuthError::Unsupported { .. } => BAD_INPUT,
        // The challenge's session ran out: the sign-in must start again.
        AuthError::ChallengeExpired => SESSION_EXPIRED,
        AuthError::NotAuthorized { .. }
        | AuthError::UserNotFound { .. }
        | AuthError::UserNotConfirmed { .. }
        | AuthError::PasswordResetRequired { .. }
        | AuthError::CodeMismatch { .. }
        | AuthError::CodeExpired { .. } => REJECTED,
        AuthError::UsernameExists { .. }
        | AuthError::InvalidPassword { .. }
        | AuthError::AliasExists { .. } => BAD_INPUT,
        AuthError::Storage(StorageError::Unavailable { .. } | StorageError::LockTimeout { .. }) => {
            NETWORK
        }
        AuthError::SignInCancelled { .. }
        | AuthError::StateMismatch
        | AuthError::RedirectTimeout { .. } => REJECTED,
        AuthError::OAuth { error, .. }
            if matches!(
                error.as_str(),
                "invalid_client"
                    | "unauthorized_client"
                    | "invalid_scope"
                    | "unsupported_response_type"
            ) =>
        {
            BAD_INPUT
        }
        AuthError::OAuth { .. } if !e.is_transient() => REJECTED,
        e if e.is_transient() && !matches!(e, AuthError::Storage(_)) => NETWORK,
        _ => OTHER,
    }
}

/// A hint for the next step, added after the library's message.
fn hint(e: &AuthError) -> Option<&'static str> {
    match e {
        AuthError::SignedOut => Some("run `amplify-auth sign-in --username <name>`"),
        AuthError::SessionExpired { .. } | AuthError::NoRefreshToken => {
            Some("run `amplify-auth sign-in` again")
        }
        AuthError::GuestAccessDisabled => Some("sign in first"),
        AuthError::NoDevice => Some("pass a DEVICE_KEY from `amplify-auth devices`"),
        AuthError::SignInCancelled { .. }
        | AuthError::StateMismatch
        | AuthError::RedirectTimeout { .. }
        | AuthError::OAuth { .. } => Some("run `amplify-auth sign-in --web` again"),
        AuthError::ChallengeExpired => Some("start again with `amplify-auth sign-in`"),
        AuthError::Network { .. } => Some("check the endpoint and the network, then retry"),
        AuthError::UsernameExists { .. } => Some(
            "choose another username, or sign in (`amplify-auth reset-password` if it is yours)",
        ),
        AuthError::CodeExpired { .. } => Some(
            "request a new code (sign in again, `resend-sign-up-code`, `reset-password` or `attributes send-code`)",
        ),
        AuthError::Storage(StorageError::Unavailable { .. }) => {
            Some("check that the session store (--storage-url) is reachable, then retry")
        }
        _ => None,
    }
}

impl From<AuthError> for CliError {
    fn from(e: AuthError) -> Self {
        let message = match hint(&e) {
            Some(h) => format!("{e}; {h}"),
            None => e.to_string(),
        };
        Self::new(code_for(&e), message)
    }
}

impl From<StorageError> for CliError {
    fn from(e: StorageError) -> Self {
        Self::from(AuthError::Storage(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::error::NetworkErrorKind;

    #[test]
    fn every_documented_class_has_a_distinct_code() {
        assert_eq!(code_for(&AuthError::SignedOut), NOT_SIGNED_IN);
        assert_eq!(
            code_for(&AuthError::SessionExpired { reason: "x".into() }),
            SESSION_EXPIRED
        );
        assert_eq!(
            code_for(&AuthError::Network {
                kind: NetworkErrorKind::Connect,
                message: "refused".into()
            }),
            NETWORK
        );
        assert_eq!(
            code_for(&AuthError::Service {
                code: "TooManyRequestsException".into(),
                message: String::new(),
                status: 400
            }),
            NETWORK
        );
        assert_eq!(
            code_for(&AuthError::InvalidConfig {
                field: "auth".into(),
                message: "missing".into()
            }),
            BAD_INPUT
        );
        assert_eq!(
            code_for(&AuthError::NotAuthorized {
                message: "Incorrect username or password.".into()
            }),
            REJECTED
        );
        // The session store: unreachable or busy is "retry later"; a
        // corrupt or refused store is not.
        let storage = |e: StorageError| code_for(&AuthError::Storage(e));
        let detail = || "Redis at 127.0.0.1:6379: connection refused".to_owned();
        assert_eq!(
            storage(StorageError::Unavailable { detail: detail() }),
            NETWORK
        );
        assert_eq!(
            storage(StorageError::LockTimeout { detail: detail() }),
            NETWORK
        );
        assert_eq!(storage(StorageError::Corrupt { detail: detail() }), OTHER);
        assert_eq!(
            storage(StorageError::AccessDenied { detail: detail() }),
            OTHER
        );
        let message = CliError::from(AuthError::Storage(StorageError::Unavailable {
            detail: detail(),
        }));
        assert!(
            message.message().contains("Redis at 127.0.0.1:6379"),
            "{message}"
        );
        let codes = [
            OTHER,
            BAD_INPUT,
            NOT_SIGNED_IN,
            SESSION_EXPIRED,
            NETWORK,
            REJECTED,
            CHALLENGE_PENDING,
        ];
        let mut sorted = codes.to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len());
        for c in codes {
            assert!(
                EXIT_CODES_HELP.contains(&format!("  {c}  ")),
                "{c} undocumented"
            );
        }
    }

    #[test]
    fn hosted_ui_refusals_are_rejections_and_client_set_up_errors_bad_input() {
        let oauth = |e: &str| AuthError::OAuth {
            error: e.into(),
            description: String::new(),
        };
        assert_eq!(code_for(&AuthError::StateMismatch), REJECTED);
        assert_eq!(
            code_for(&AuthError::SignInCancelled {
                description: "x".into()
            }),
            REJECTED
        );
        assert_eq!(
            code_for(&AuthError::RedirectTimeout { waited_secs: 1 }),
            REJECTED
        );
        assert_eq!(code_for(&oauth("invalid_grant")), REJECTED);
        assert_eq!(code_for(&oauth("server_error")), NETWORK);
        assert_eq!(code_for(&oauth("invalid_client")), BAD_INPUT);
        let e = CliError::from(AuthError::SignInCancelled {
            description: "The user cancelled the sign-in.".into(),
        });
        assert!(e.message().contains("cancelled"), "{}", e.message());
        assert!(e.message().contains("sign-in --web"));
    }

    #[test]
    fn messages_are_one_line() {
        let e = CliError::other("first\nsecond\r\n  third");
        assert_eq!(e.message(), "first second third");
    }
}
