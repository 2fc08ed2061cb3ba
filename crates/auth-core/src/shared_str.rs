//! [`SharedStr`]: an immutable string whose clone is a reference count,
//! for the non-secret string fields of the session types
//! ([`AwsCredentials::access_key_id`](crate::types::AwsCredentials::access_key_id),
//! [`AuthSession::identity_id`](crate::types::AuthSession::identity_id),
//! [`AuthSession::user_sub`](crate::types::AuthSession::user_sub)).
//!
//! # Why a newtype over `Arc<str>`
//!
//! A plugin hands out a fresh [`AuthSession`](crate::types::AuthSession) on
//! every `fetch_auth_session`, usually from a cache. With `String` fields
//! each call allocated, copied and freed every one of them (about 600 of
//! the 1,069 instructions of Cognito's cached call); with `Arc<str>` a
//! clone is one increment. The newtype rather than a bare `Arc<str>`:
//!
//! - it compares with `&str`, `str` and `String` (`Arc<str>` only compares
//!   with itself), so `assert_eq!(creds.access_key_id, "ASIA...")` and
//!   `id == "us-east-1:..."` read as they did with `String`;
//! - it serializes as a plain JSON string without serde's `rc` feature;
//! - its representation stays private, so it can change (for example to
//!   keep short strings inline) without a breaking change.
//!
//! It dereferences to `str`, so every `&str` method works on it, and
//! converts from `&str`, `String`, `Box<str>` and `Arc<str>` and back into
//! `String`.
//!
//! ```
//! use auth_core::shared_str::SharedStr;
//! let id = SharedStr::from("us-east-1:1234");
//! let copy = id.clone(); // no allocation: both share one buffer
//! assert_eq!(copy, "us-east-1:1234");
//! assert!(id.starts_with("us-east-1:"));
//! let owned: String = copy.into();
//! assert_eq!(owned, "us-east-1:1234");
//! ```

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An immutable, cheaply cloned string: a clone shares the buffer and
/// increments a reference count (see the [module docs](self) for why).
///
/// Not for secrets: it prints its value in `Debug` and `Display`, like the
/// `String` it replaces. Secrets use [`SecretString`](crate::secret::SecretString).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct SharedStr(Arc<str>);

impl SharedStr {
    /// A shared copy of `value`.
    #[inline]
    pub fn new(value: impl Into<Self>) -> Self {
        value.into()
    }

    /// The string.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for SharedStr {
    fn default() -> Self {
        Self(Arc::from(""))
    }
}

impl Deref for SharedStr {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    #[inline]
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for SharedStr {
    #[inline]
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for SharedStr {
    #[inline]
    fn from(value: &str) -> Self {
        Self(Arc::from(value))
    }
}

impl From<&String> for SharedStr {
    #[inline]
    fn from(value: &String) -> Self {
        Self(Arc::from(value.as_str()))
    }
}

impl From<String> for SharedStr {
    #[inline]
    fn from(value: String) -> Self {
        Self(Arc::from(value))
    }
}

impl From<Box<str>> for SharedStr {
    #[inline]
    fn from(value: Box<str>) -> Self {
        Self(Arc::from(value))
    }
}

impl From<Arc<str>> for SharedStr {
    #[inline]
    fn from(value: Arc<str>) -> Self {
        Self(value)
    }
}

impl From<SharedStr> for String {
    #[inline]
    fn from(value: SharedStr) -> Self {
        value.0.as_ref().to_owned()
    }
}

impl From<SharedStr> for Arc<str> {
    #[inline]
    fn from(value: SharedStr) -> Self {
        value.0
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == *other.0
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        **self == *other.0
    }
}

impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        **self == *other.0
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Self::from(&*s))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_clone_shares_the_buffer() {
        let a = SharedStr::from(String::from("sub-1"));
        let b = a.clone();
        assert_eq!(a.as_ptr(), b.as_ptr());
        assert_eq!(a, b);
    }

    #[test]
    fn it_compares_with_every_string_form() {
        let s = SharedStr::new("abc");
        let owned = String::from("abc");
        assert!(PartialEq::<&str>::eq(&s, &"abc"));
        assert!(PartialEq::<SharedStr>::eq(&"abc", &s));
        assert!(PartialEq::<str>::eq(&s, "abc"));
        assert!(PartialEq::<SharedStr>::eq("abc", &s));
        assert!(PartialEq::<String>::eq(&s, &owned));
        assert!(PartialEq::<SharedStr>::eq(&owned, &s));
        assert!(s != "abd");
        assert_ne!(s, SharedStr::new(String::from("abd")));
        assert_eq!(Some(s.clone()).as_deref(), Some("abc"));
    }

    #[test]
    fn it_round_trips_through_json_and_string() {
        let s = SharedStr::from("us-east-1:x");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"us-east-1:x\"");
        let back: SharedStr = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        // An escaped string (not borrowable from the input) too.
        let esc: SharedStr = serde_json::from_str("\"a\\\"b\"").unwrap();
        assert_eq!(esc, "a\"b");
        assert_eq!(String::from(back), "us-east-1:x");
        assert_eq!(format!("{s} {s:?}"), "us-east-1:x \"us-east-1:x\"");
        assert_eq!(SharedStr::default(), "");
    }
}
