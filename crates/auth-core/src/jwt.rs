//! JSON Web Tokens as Amplify hands them out: the compact string (a secret)
//! plus its decoded, readable claims.
//!
//! Decoding here does not verify the signature; that is the job of the plugin
//! that received the token from its issuer (see `auth-cognito`'s verifier).

use std::fmt;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// Why a compact JWT could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtDecodeError {
    /// The token does not have three dot-separated parts.
    #[error("a JWT has three dot-separated parts")]
    Shape,
    /// The payload is not base64url.
    #[error("the JWT payload is not base64url")]
    Base64,
    /// The payload is not a JSON object.
    #[error("the JWT payload is not a JSON object")]
    Json,
    /// A standard claim has the wrong type (for example a string `exp`).
    #[error("the JWT claim `{0}` has the wrong type")]
    Claim(&'static str),
}

/// The decoded payload of a JWT.
///
/// Standard claims are parsed once into fields, so that expiry checks need no
/// JSON work; every claim stays readable through [`get`](Self::get).
#[derive(Clone, PartialEq)]
pub struct JwtClaims {
    map: Map<String, Value>,
    exp: Option<i64>,
    iat: Option<i64>,
    sub: Option<String>,
}

impl JwtClaims {
    /// Builds claims from a JSON object, checking the types of the standard
    /// time claims.
    pub fn from_map(map: Map<String, Value>) -> Result<Self, JwtDecodeError> {
        let num = |name: &'static str| -> Result<Option<i64>, JwtDecodeError> {
            match map.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_i64()
                    .or_else(|| n.as_f64().map(|f| f as i64))
                    .map(Some)
                    .ok_or(JwtDecodeError::Claim(name)),
                Some(_) => Err(JwtDecodeError::Claim(name)),
            }
        };
        let exp = num("exp")?;
        let iat = num("iat")?;
        let sub = match map.get("sub") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(JwtDecodeError::Claim("sub")),
        };
        Ok(Self { map, exp, iat, sub })
    }

    /// A claim by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name)
    }

    /// A string claim by name.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.map.get(name).and_then(Value::as_str)
    }

    /// All claims.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }

    /// `exp`, seconds since the epoch.
    pub fn exp(&self) -> Option<i64> {
        self.exp
    }

    /// `iat`, seconds since the epoch.
    pub fn iat(&self) -> Option<i64> {
        self.iat
    }

    /// `sub`, the user id.
    pub fn sub(&self) -> Option<&str> {
        self.sub.as_deref()
    }
}

impl fmt::Debug for JwtClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.map.iter()).finish()
    }
}

/// A JWT: the compact string, which is a secret, and its readable claims.
///
/// `Debug` prints the claims only. There is no `Display`: read the string with
/// [`as_compact_str`](Self::as_compact_str) when you send it somewhere.
/// Cloning is cheap (one shared allocation).
///
/// The expiry and issue times are read when the token is parsed; the whole
/// claims map is decoded on the first [`claims`](Self::claims) call and
/// kept from then on, so a session that only checks expiry never holds it
/// (it is about twice the size of the token).
///
/// ```
/// use auth_core::jwt::JwtToken;
/// // header {"alg":"none"} . payload {"sub":"u-1","exp":2000000000} . no signature
/// let token = JwtToken::parse("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1LTEiLCJleHAiOjIwMDAwMDAwMDB9.").unwrap();
/// assert_eq!(token.claims().sub(), Some("u-1"));
/// assert_eq!(token.expires_at(), Some(2_000_000_000));
/// assert!(!format!("{token:?}").contains("eyJ"));
/// ```
#[derive(Clone)]
pub struct JwtToken(Arc<TokenInner>);

struct TokenInner {
    /// Shared with the store that held it, when it came from one that
    /// hands out shared strings (`KeyValueStorage::get_many_shared`).
    raw: Arc<str>,
    exp: Option<i64>,
    iat: Option<i64>,
    /// Decoded from `raw` on first use. Boxed: a token whose claims are
    /// never read (an idle session's) holds a pointer, not an empty map.
    claims: OnceLock<Box<JwtClaims>>,
}

/// The claims of a compact JWT, decoded and type-checked.
fn decode(compact: &str) -> Result<JwtClaims, JwtDecodeError> {
    let mut parts = compact.split('.');
    let (Some(_header), Some(payload), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtDecodeError::Shape);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| JwtDecodeError::Base64)?;
    let map: Map<String, Value> =
        serde_json::from_slice(&bytes).map_err(|_| JwtDecodeError::Json)?;
    JwtClaims::from_map(map)
}

impl JwtToken {
    /// Decodes a compact JWT without verifying its signature. Every check
    /// runs here (shape, base64url, a JSON object, the types of `exp`,
    /// `iat` and `sub`); the decoded map is then dropped until
    /// [`claims`](Self::claims) asks for it.
    pub fn parse(compact: &str) -> Result<Self, JwtDecodeError> {
        Self::parse_with_claims(compact).map(|(token, _)| token)
    }

    /// [`parse`](Self::parse), also handing back the claims it decoded, for
    /// reading a few of them once (at sign-in, say) without decoding twice.
    /// The token keeps none of them.
    pub fn parse_with_claims(compact: &str) -> Result<(Self, JwtClaims), JwtDecodeError> {
        let claims = decode(compact)?;
        Ok((Self::with_raw(compact.into(), &claims), claims))
    }

    /// [`parse`](Self::parse) of a shared string, which the token keeps
    /// rather than copying: a token read from a store that keeps its values
    /// as `Arc<str>` (`KeyValueStorage::get_many_shared`) then costs no
    /// second copy of the compact string.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use auth_core::jwt::JwtToken;
    /// let raw: Arc<str> = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1LTEiLCJleHAiOjIwMDAwMDAwMDB9.".into();
    /// let token = JwtToken::parse_shared(raw.clone()).unwrap();
    /// assert!(std::ptr::eq(token.as_compact_str(), &*raw));
    /// ```
    pub fn parse_shared(compact: Arc<str>) -> Result<Self, JwtDecodeError> {
        Self::parse_shared_with_claims(compact).map(|(token, _)| token)
    }

    /// [`parse_shared`](Self::parse_shared), also handing back the claims it
    /// decoded, as [`parse_with_claims`](Self::parse_with_claims) does.
    pub fn parse_shared_with_claims(
        compact: Arc<str>,
    ) -> Result<(Self, JwtClaims), JwtDecodeError> {
        let claims = decode(&compact)?;
        Ok((Self::with_raw(compact, &claims), claims))
    }

    fn with_raw(raw: Arc<str>, claims: &JwtClaims) -> Self {
        Self(Arc::new(TokenInner {
            raw,
            exp: claims.exp,
            iat: claims.iat,
            claims: OnceLock::new(),
        }))
    }

    /// The compact serialization, to send as a bearer token.
    ///
    /// # Security warning
    /// This is a credential. Do not log or print it.
    pub fn as_compact_str(&self) -> &str {
        &self.0.raw
    }

    /// The decoded claims: decoded on the first call, then kept with the
    /// token (and shared by its clones).
    pub fn claims(&self) -> &JwtClaims {
        self.0.claims.get_or_init(|| Box::new(self.decode_claims()))
    }

    /// The claims decoded afresh into a value the token does not keep: for
    /// reading a few claims once (at sign-in, say) without holding the
    /// decoded map for the token's lifetime.
    pub fn decode_claims(&self) -> JwtClaims {
        // `parse` checked these very bytes, so this cannot fail; were it to,
        // the claims would be the times alone rather than a panic.
        decode(&self.0.raw).unwrap_or_else(|_| JwtClaims {
            map: Map::new(),
            exp: self.0.exp,
            iat: self.0.iat,
            sub: None,
        })
    }

    /// `exp`, seconds since the epoch.
    pub fn expires_at(&self) -> Option<i64> {
        self.0.exp
    }

    /// `iat`, seconds since the epoch.
    pub fn issued_at(&self) -> Option<i64> {
        self.0.iat
    }
}

impl fmt::Debug for JwtToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtToken")
            .field("claims", self.claims())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(payload: &str) -> String {
        format!(
            "eyJhbGciOiJub25lIn0.{}.sig",
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn decodes_standard_claims() {
        let t =
            JwtToken::parse(&compact(r#"{"sub":"abc","exp":10,"iat":5,"x":[1]}"#)).expect("valid");
        assert_eq!(t.claims().sub(), Some("abc"));
        assert_eq!(t.expires_at(), Some(10));
        assert_eq!(t.issued_at(), Some(5));
        assert_eq!(t.claims().get("x"), Some(&serde_json::json!([1])));
    }

    #[test]
    fn rejects_malformed_tokens_with_typed_errors() {
        assert_eq!(JwtToken::parse("abc").err(), Some(JwtDecodeError::Shape));
        assert_eq!(
            JwtToken::parse("a.b.c.d").err(),
            Some(JwtDecodeError::Shape)
        );
        assert_eq!(
            JwtToken::parse("a.!!!.c").err(),
            Some(JwtDecodeError::Base64)
        );
        assert_eq!(
            JwtToken::parse(&compact("[1,2]")).err(),
            Some(JwtDecodeError::Json)
        );
        assert_eq!(
            JwtToken::parse(&compact(r#"{"exp":"soon"}"#)).err(),
            Some(JwtDecodeError::Claim("exp"))
        );
    }

    #[test]
    fn claims_are_decoded_on_first_use_and_kept() {
        let t = JwtToken::parse(&compact(r#"{"sub":"abc","exp":10,"k":"v"}"#)).expect("valid");
        assert!(t.0.claims.get().is_none(), "not decoded by parse");
        assert_eq!(t.expires_at(), Some(10));
        let fresh = t.decode_claims();
        let (u, once) = JwtToken::parse_with_claims(t.as_compact_str()).expect("valid");
        assert!(u.0.claims.get().is_none() && once == fresh);
        assert_eq!(fresh.get_str("k"), Some("v"));
        assert!(t.0.claims.get().is_none(), "decode_claims keeps nothing");
        let clone = t.clone();
        assert_eq!(t.claims().get_str("k"), Some("v"));
        assert!(
            clone.0.claims.get().is_some(),
            "clones share the decoded claims"
        );
        assert!(t.claims() == &fresh);
    }

    #[test]
    fn a_shared_string_is_kept_not_copied() {
        let raw: Arc<str> = compact(r#"{"sub":"abc","exp":10}"#).into();
        let (t, claims) = JwtToken::parse_shared_with_claims(raw.clone()).expect("valid");
        assert!(
            std::ptr::eq(t.as_compact_str(), &*raw),
            "the same allocation"
        );
        assert_eq!(Arc::strong_count(&raw), 2);
        assert_eq!((t.expires_at(), claims.sub()), (Some(10), Some("abc")));
        let copied = JwtToken::parse(&raw).expect("valid");
        assert!(
            !std::ptr::eq(copied.as_compact_str(), &*raw),
            "parse copies"
        );
        assert_eq!(
            JwtToken::parse_shared("a.b".into()).err(),
            Some(JwtDecodeError::Shape)
        );
    }

    #[test]
    fn debug_never_shows_the_compact_string() {
        let raw = compact(r#"{"sub":"abc"}"#);
        let t = JwtToken::parse(&raw).expect("valid");
        let dbg = format!("{t:?}");
        assert!(!dbg.contains(&raw[..20]));
        assert!(dbg.contains("abc"));
    }
}
