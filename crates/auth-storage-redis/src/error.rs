//! Driver errors as typed storage errors: an outage is transient
//! (`Unavailable`), a refusal is `AccessDenied`, and every message names
//! Redis and its endpoint, never a URL's password or a stored value.

use std::time::Duration;

use auth_core::storage::StorageError;
use redis::{ErrorKind, RedisError, ServerErrorKind};

/// `Redis at <endpoint>` or `Redis Cluster at <seeds>`, for messages.
pub(crate) fn place(endpoint: &str, cluster: bool) -> String {
    if cluster {
        format!("Redis Cluster at {endpoint}")
    } else {
        format!("Redis at {endpoint}")
    }
}

/// A command (or connection) that did not finish within `timeout`.
pub(crate) fn timed_out(place: &str, what: &str, timeout: Duration) -> StorageError {
    StorageError::Unavailable {
        detail: format!(
            "{place}: {what} did not answer within {timeout:?}; check that Redis is up and reachable, then retry"
        ),
    }
}

/// Maps a driver error met while doing `what`.
pub(crate) fn map(place: &str, what: &str, e: &RedisError) -> StorageError {
    let reason = describe(e);
    let unavailable = |hint: &str| StorageError::Unavailable {
        detail: format!("{place}: {what} failed: {reason}; {hint}"),
    };
    if e.is_timeout() {
        return unavailable("Redis is slow or unreachable, retry later");
    }
    if e.is_connection_refusal() || e.is_connection_dropped() || e.is_io_error() {
        return unavailable("check that Redis is running and the URL's host and port, then retry");
    }
    match e.kind() {
        ErrorKind::AuthenticationFailed => StorageError::AccessDenied {
            detail: format!(
                "{place}: {what}: Redis refused the user name or password of the URL ({reason})"
            ),
        },
        ErrorKind::Server(ServerErrorKind::NoPerm) => StorageError::AccessDenied {
            detail: format!(
                "{place}: {what}: the ACL user lacks a permission ({reason}); it needs HGET, HMGET, DEL, SET, EVALSHA and EVAL on the prefix's keys"
            ),
        },
        ErrorKind::Server(
            ServerErrorKind::BusyLoading
            | ServerErrorKind::TryAgain
            | ServerErrorKind::ClusterDown
            | ServerErrorKind::MasterDown
            | ServerErrorKind::ReadOnly,
        )
        | ErrorKind::ClusterConnectionNotFound => {
            unavailable("the server or cluster is not ready, retry later")
        }
        _ if e.code() == Some("WRONGTYPE") => StorageError::Corrupt {
            detail: format!(
                "{place}: {what}: the key holds another kind of value; clear the storage or use another prefix"
            ),
        },
        _ if e.code() == Some("NOAUTH") || e.code() == Some("WRONGPASS") => {
            StorageError::AccessDenied {
                detail: format!(
                    "{place}: {what}: Redis wants a user name and password in the URL ({reason})"
                ),
            }
        }
        _ if e.code() == Some("OOM") => unavailable("Redis is out of memory (maxmemory)"),
        _ => StorageError::Io {
            detail: format!("{place}: {what} failed: {reason}"),
        },
    }
}

/// The error's kind, code and the server's detail. Server details describe
/// the command, not the data (Redis never echoes values in errors).
fn describe(e: &RedisError) -> String {
    let mut text = match e.code() {
        Some(code) => code.to_owned(),
        None => e.category().to_owned(),
    };
    if let Some(detail) = e.detail() {
        text.push_str(": ");
        text.push_str(detail);
    }
    if e.is_io_error() {
        // The operating system's reason, e.g. "Connection refused (os error 111)".
        text = format!("{text} ({e})");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_failures_are_unavailable_and_name_redis() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = map("Redis at 127.0.0.1:1", "GET", &RedisError::from(io));
        let StorageError::Unavailable { detail } = &e else {
            panic!("expected Unavailable, got {e:?}");
        };
        assert!(detail.starts_with("Redis at 127.0.0.1:1"), "{detail}");
        assert!(e.is_transient());
    }

    #[test]
    fn refusals_are_access_denied() {
        let e = redis::make_extension_error(
            "WRONGPASS".into(),
            Some("invalid username-password pair".into()),
        );
        assert!(matches!(
            map("Redis at h", "AUTH", &e),
            StorageError::AccessDenied { .. }
        ));
        let e = redis::make_extension_error("WRONGTYPE".into(), None);
        assert!(matches!(
            map("Redis at h", "HGET", &e),
            StorageError::Corrupt { .. }
        ));
    }
}
