//! Session ids and their cookies.
//!
//! An id is 256 random bits from the thread's CSPRNG, base64url without
//! padding (43 characters): the whole content of the cookie. The store never
//! sees the id itself, only `sha256(id)` in hex, so a dump of the store does
//! not reveal a live cookie.
//!
//! Cookies are `HttpOnly`, `SameSite=Lax` and `Path=/`; under an https public
//! URL they are also `Secure` and carry the `__Host-` prefix (which browsers
//! accept only with `Secure`, `Path=/` and no `Domain`).

use std::fmt;

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use rand::Rng as _;
use sha2::{Digest, Sha256};

/// The length of an encoded id: 32 bytes in base64url without padding.
const ENCODED_LEN: usize = 43;

/// The cookie of a signed-in session (without the `__Host-` prefix).
pub(crate) const SESSION_COOKIE: &str = "amplify_session";
/// The cookie of a sign-in in progress (without the `__Host-` prefix).
pub(crate) const PRE_SESSION_COOKIE: &str = "amplify_pre_session";

/// A random id: a session's or a pre-session's. A secret (it is the cookie):
/// `Debug` shows nothing of it, and it has no `PartialEq` (compare
/// [`store_key`](Self::store_key)s).
#[derive(Clone)]
pub(crate) struct SessionId(String);

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId([redacted])")
    }
}

impl SessionId {
    /// A fresh id.
    pub(crate) fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(B64URL.encode(bytes))
    }

    /// Parses a cookie value: `None` unless it has the shape of an id (so a
    /// forged cookie costs no store lookup).
    pub(crate) fn parse(value: &str) -> Option<Self> {
        let ok = value.len() == ENCODED_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(value.to_owned()))
    }

    /// The cookie value. A secret.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// The key the store knows this id by: `sha256(id)` in lowercase hex.
    pub(crate) fn store_key(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

/// How this server's cookies are written: their names and whether they are
/// `Secure` (an https public URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CookiePolicy {
    secure: bool,
}

impl CookiePolicy {
    /// The policy for a public base URL: secure when it is https.
    pub(crate) fn for_public_url(public_url: &str) -> Self {
        Self {
            secure: public_url.starts_with("https://"),
        }
    }

    /// The full name of a cookie: `__Host-` + `base` when secure.
    pub(crate) fn name(&self, base: &str) -> String {
        if self.secure {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }

    /// A `Set-Cookie` value setting `base` to `id` for `max_age_secs`.
    pub(crate) fn set(&self, base: &str, id: &SessionId, max_age_secs: u64) -> String {
        self.header(base, id.expose(), max_age_secs)
    }

    /// A `Set-Cookie` value deleting `base`.
    pub(crate) fn clear(&self, base: &str) -> String {
        self.header(base, "", 0)
    }

    fn header(&self, base: &str, value: &str, max_age_secs: u64) -> String {
        let mut c = format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}",
            self.name(base)
        );
        if self.secure {
            c.push_str("; Secure");
        }
        c
    }

    /// The id in the request's cookie `base`, when it has an id's shape.
    /// Only this policy's name is read: under https a cookie without the
    /// `__Host-` prefix (which a sibling domain could have set) is ignored.
    pub(crate) fn read(&self, headers: &HeaderMap, base: &str) -> Option<SessionId> {
        let name = self.name(base);
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| SessionId::parse(v.trim()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn ids_are_256_bits_distinct_and_their_store_key_is_a_sha256() {
        let a = SessionId::generate();
        let b = SessionId::generate();
        assert_ne!(a.store_key(), b.store_key());
        assert_eq!(a.expose().len(), ENCODED_LEN);
        assert_eq!(B64URL.decode(a.expose()).expect("base64url").len(), 32);
        let key = a.store_key();
        assert_eq!(key.len(), 64);
        assert!(!key.contains(a.expose()));
        assert_eq!(format!("{a:?}"), "SessionId([redacted])");
    }

    #[test]
    fn only_well_formed_ids_parse() {
        let id = SessionId::generate();
        assert!(SessionId::parse(id.expose()).is_some());
        assert!(SessionId::parse("short").is_none());
        assert!(SessionId::parse(&format!("{}=", &id.expose()[..42])).is_none());
        assert!(SessionId::parse(&"é".repeat(22)).is_none());
    }

    #[test]
    fn cookies_are_host_prefixed_and_secure_under_https_only() {
        let id = SessionId::generate();
        let https = CookiePolicy::for_public_url("https://app.example.com");
        let set = https.set(SESSION_COOKIE, &id, 60);
        assert!(set.starts_with("__Host-amplify_session="));
        for attr in ["Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=60", "Secure"] {
            assert!(set.contains(attr), "{set}");
        }
        assert!(!set.contains("Domain"));
        let http = CookiePolicy::for_public_url("http://127.0.0.1:8080");
        let set = http.set(SESSION_COOKIE, &id, 60);
        assert!(set.starts_with("amplify_session="));
        assert!(!set.contains("Secure"));
        assert!(http.clear(SESSION_COOKIE).contains("Max-Age=0"));
    }

    #[test]
    fn the_cookie_is_read_by_its_exact_name() {
        let id = SessionId::generate();
        let mut h = HeaderMap::new();
        let v = format!("other=1; amplify_session={}; x=y", id.expose());
        h.insert(COOKIE, HeaderValue::from_str(&v).expect("header"));
        let http = CookiePolicy::for_public_url("http://x");
        assert_eq!(
            http.read(&h, SESSION_COOKIE).map(|r| r.store_key()),
            Some(id.store_key())
        );
        // Under https the unprefixed cookie is not ours.
        let https = CookiePolicy::for_public_url("https://x");
        assert!(https.read(&h, SESSION_COOKIE).is_none());
        assert!(http.read(&h, PRE_SESSION_COOKIE).is_none());
    }
}
