//! Secret strings: passwords, refresh tokens, client secrets, AWS secret keys.
//!
//! A [`SecretString`] never prints its value: `Debug` shows `[redacted]` and
//! there is no `Display`. Read it with [`SecretString::expose_secret`].

use std::fmt;
use std::sync::Arc;

/// A string that must never reach a log, a `Debug` dump or an error message.
///
/// Cloning is cheap (the value is shared). There is deliberately no
/// `PartialEq`: comparing secrets is rarely what you want; compare
/// [`expose_secret`](Self::expose_secret) explicitly when you must.
///
/// ```
/// use auth_core::secret::SecretString;
/// let pw = SecretString::new("hunter2");
/// assert_eq!(format!("{pw:?}"), "SecretString([redacted])");
/// assert_eq!(pw.expose_secret(), "hunter2");
/// ```
#[derive(Clone)]
pub struct SecretString(Arc<str>);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Self(value.into())
    }

    /// The secret value.
    ///
    /// # Security warning
    /// Whatever you do with the returned string, do not log or print it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The length in bytes, which is not secret in practice.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value.into())
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.into())
    }
}
