//! Cognito-shaped errors: the `__type` and message a real service would send.

use axum::http::StatusCode;

/// An error answered to a client as `{"__type": .., "message": ..}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    /// HTTP status (400 for client errors, 500 for internal ones).
    pub(crate) status: StatusCode,
    /// The `__type`, e.g. `NotAuthorizedException`.
    pub(crate) type_: String,
    /// The human-readable message. Never holds a secret.
    pub(crate) message: String,
}

impl ApiError {
    /// A 400 error of the given type.
    pub(crate) fn new(type_: &str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            type_: type_.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn not_authorized(message: impl Into<String>) -> Self {
        Self::new("NotAuthorizedException", message)
    }

    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", message)
    }

    pub(crate) fn resource_not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", message)
    }

    pub(crate) fn user_not_found() -> Self {
        Self::new("UserNotFoundException", "User does not exist.")
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            type_: "InternalErrorException".to_owned(),
            message: message.into(),
        }
    }
}

/// Errors of the in-process test-control API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The emulator answered with a Cognito error (same `__type` and message as over HTTP).
    #[error("{type_}: {message}")]
    Api {
        /// The `__type`, e.g. `ResourceNotFoundException`.
        type_: String,
        /// The message.
        message: String,
    },
    /// Binding or serving the listener failed.
    #[error("emulator I/O error: {0}")]
    Io(String),
}

impl From<ApiError> for EmulatorError {
    fn from(e: ApiError) -> Self {
        Self::Api {
            type_: e.type_,
            message: e.message,
        }
    }
}
