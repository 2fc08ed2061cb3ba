//! Reading what a token and a JWKS document say, before trusting either:
//! the JOSE header (`alg` must be exactly `RS256`, a `kid` must be named),
//! the RSA signing keys of a JWKS, and the decoder's errors as ours.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use serde_json::{Map, Value};

use super::VerifyError;

/// The largest compact token accepted, in bytes.
const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// The keys of one JWKS document, by `kid`.
pub(super) struct KeySet {
    pub(super) keys: HashMap<String, Arc<DecodingKey>>,
}

/// The parts of a JOSE header the verifier needs.
pub(super) struct JoseHeader {
    pub(super) kid: String,
}

/// Reads the header without trusting it: `alg` must be exactly `RS256`.
pub(super) fn parse_header(token: &str) -> Result<JoseHeader, VerifyError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(VerifyError::Malformed("too long"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(_payload), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VerifyError::Malformed(
            "a JWT has three dot-separated parts",
        ));
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| VerifyError::Malformed("the header is not base64url"))?;
    let header: Map<String, Value> = serde_json::from_slice(&bytes)
        .map_err(|_| VerifyError::Malformed("the header is not a JSON object"))?;
    match header.get("alg") {
        Some(Value::String(alg)) if alg == "RS256" => {}
        Some(Value::String(alg)) => {
            return Err(VerifyError::UnsupportedAlgorithm {
                alg: alg.chars().take(16).collect(),
            });
        }
        _ => {
            return Err(VerifyError::UnsupportedAlgorithm { alg: String::new() });
        }
    }
    match header.get("kid") {
        Some(Value::String(kid)) if !kid.is_empty() => Ok(JoseHeader { kid: kid.clone() }),
        _ => Err(VerifyError::MissingKeyId),
    }
}

/// Parses a JWKS document, keeping the RSA signing keys usable with RS256.
pub(super) fn parse_jwks(body: &[u8]) -> Result<KeySet, VerifyError> {
    let doc: Value = serde_json::from_slice(body)
        .map_err(|_| VerifyError::Jwks("the document is not JSON".to_owned()))?;
    let list = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| VerifyError::Jwks("the document has no `keys` array".to_owned()))?;
    let mut keys = HashMap::new();
    for jwk in list {
        let s = |name: &str| jwk.get(name).and_then(Value::as_str);
        let (Some("RSA"), Some(kid), Some(n), Some(e)) = (s("kty"), s("kid"), s("n"), s("e"))
        else {
            continue;
        };
        if s("alg").is_some_and(|alg| alg != "RS256") || s("use").is_some_and(|u| u != "sig") {
            continue;
        }
        if let Ok(key) = DecodingKey::from_rsa_components(n, e) {
            keys.insert(kid.to_owned(), Arc::new(key));
        }
    }
    Ok(KeySet { keys })
}

pub(super) fn map_jwt_error(e: &jsonwebtoken::errors::Error) -> VerifyError {
    use jsonwebtoken::errors::ErrorKind as K;
    match e.kind() {
        K::InvalidSignature | K::InvalidRsaKey(_) | K::InvalidKeyFormat => {
            VerifyError::InvalidSignature
        }
        K::InvalidAlgorithm | K::InvalidAlgorithmName | K::MissingAlgorithm => {
            VerifyError::UnsupportedAlgorithm { alg: String::new() }
        }
        K::Base64(_) | K::Utf8(_) => VerifyError::Malformed("a part is not base64url"),
        K::Json(_) => VerifyError::Malformed("the payload is not a JSON object"),
        _ => VerifyError::Malformed("rejected by the JWT decoder"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn jwks_keeps_only_rsa_signing_keys() {
        let doc = serde_json::json!({"keys": [
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0", "alg": "HS256"},
            {"kty": "RSA", "kid": "enc", "n": "AQAB", "e": "AQAB", "use": "enc"},
            {"kty": "RSA", "kid": "ps", "n": "AQAB", "e": "AQAB", "alg": "PS256"},
            {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
            {"kty": "RSA", "kid": "good", "n": "AQAB", "e": "AQAB", "alg": "RS256", "use": "sig"},
            {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
            "not an object",
        ]});
        let set = parse_jwks(doc.to_string().as_bytes()).unwrap();
        assert_eq!(set.keys.keys().collect::<Vec<_>>(), vec!["good"]);
    }

    #[test]
    fn jwks_documents_that_are_not_key_sets_are_errors() {
        for body in [&b"not json"[..], b"{}", b"{\"keys\": 1}", b"[]"] {
            assert!(matches!(parse_jwks(body), Err(VerifyError::Jwks(_))));
        }
    }

    #[test]
    fn header_must_say_rs256_and_name_a_kid() {
        let enc =
            |v: serde_json::Value| format!("{}.e30.sig", URL_SAFE_NO_PAD.encode(v.to_string()));
        let ok = parse_header(&enc(serde_json::json!({"alg": "RS256", "kid": "k"}))).unwrap();
        assert_eq!(ok.kid, "k");
        for alg in ["none", "HS256", "RS384", "PS256", "ES256", "rs256"] {
            assert!(matches!(
                parse_header(&enc(serde_json::json!({"alg": alg, "kid": "k"}))),
                Err(VerifyError::UnsupportedAlgorithm { .. })
            ));
        }
        assert!(matches!(
            parse_header(&enc(serde_json::json!({"alg": "RS256", "kid": ""}))),
            Err(VerifyError::MissingKeyId)
        ));
        assert!(matches!(
            parse_header(&"a".repeat(MAX_TOKEN_BYTES + 1)),
            Err(VerifyError::Malformed(_))
        ));
    }
}
