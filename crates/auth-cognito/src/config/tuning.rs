//! [`Tuning`]: the margins, timeouts and backoff of the plugin.

use std::time::Duration;

/// Timeouts and margins of the plugin. The defaults follow BEHAVIOUR.md.
///
/// Start from [`Tuning::default`] and change what you need:
///
/// ```
/// use std::time::Duration;
/// use auth_cognito::Tuning;
/// let tuning = Tuning::default()
///     .with_token_expiry_margin(Duration::from_secs(120))
///     .with_request_timeout(Duration::from_secs(5));
/// assert_eq!(tuning.token_expiry_margin, Duration::from_secs(120));
/// assert_eq!(tuning.credentials_expiry_margin, Duration::from_secs(300));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tuning {
    /// A token counts as expired this long before its `exp` (default 60 s).
    pub token_expiry_margin: Duration,
    /// AWS credentials count as expired this long before `Expiration` (default 5 min).
    pub credentials_expiry_margin: Duration,
    /// Timeout to connect to a service (default 5 s).
    pub connect_timeout: Duration,
    /// Timeout of one whole request (default 15 s).
    pub request_timeout: Duration,
    /// After a transient refresh failure, wait at least this long before the
    /// next network attempt (default 1 s, doubling up to `max_retry_backoff`).
    pub retry_backoff: Duration,
    /// The longest backoff (default 30 s).
    pub max_retry_backoff: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            token_expiry_margin: Duration::from_secs(60),
            credentials_expiry_margin: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            retry_backoff: Duration::from_secs(1),
            max_retry_backoff: Duration::from_secs(30),
        }
    }
}

impl Tuning {
    /// How long before its `exp` a token counts as expired.
    pub fn with_token_expiry_margin(mut self, margin: Duration) -> Self {
        self.token_expiry_margin = margin;
        self
    }

    /// How long before their `Expiration` AWS credentials count as expired.
    pub fn with_credentials_expiry_margin(mut self, margin: Duration) -> Self {
        self.credentials_expiry_margin = margin;
        self
    }

    /// The timeout to connect to a service.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The timeout of one whole request.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The first backoff after a transient refresh failure.
    pub fn with_retry_backoff(mut self, backoff: Duration) -> Self {
        self.retry_backoff = backoff;
        self
    }

    /// The longest backoff.
    pub fn with_max_retry_backoff(mut self, backoff: Duration) -> Self {
        self.max_retry_backoff = backoff;
        self
    }
}
