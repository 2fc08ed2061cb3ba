//! One error type for every task: a message that says what failed and why.

use std::fmt;

/// Everything xtask can fail with: a human-readable reason.
#[derive(Debug)]
pub(crate) struct Error(String);

/// The result of every task.
pub(crate) type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with this message.
    pub(crate) fn msg(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }

    /// The same error with `context: ` in front.
    pub(crate) fn context(self, context: impl fmt::Display) -> Self {
        Self(format!("{context}: {}", self.0))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Self(err.to_string())
    }
}

/// Adds a description of what was being done to an error.
pub(crate) trait Context<T> {
    /// Prefixes the error with `what`.
    fn context(self, what: impl fmt::Display) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| e.into().context(what))
    }
}

/// Returns early with an [`Error`] built from a format string.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::Error::msg(format!($($arg)*)))
    };
}
pub(crate) use bail;
