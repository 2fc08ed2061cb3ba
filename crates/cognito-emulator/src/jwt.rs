//! The process-wide RS256 signing key, JWT signing and verification, and the JWKS document.

use std::sync::OnceLock;

use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The signing key, made once per process (RSA-2048 generation is slow) and shared by
/// every emulator in it. It is kept parsed: `jsonwebtoken::encode` parses and checks
/// the DER key again at every signature.
pub(crate) struct SigningKey {
    signer: RsaKeyPair,
    decoding: DecodingKey,
    pub(crate) kid: String,
    n_b64: String,
    e_b64: String,
}

static KEY: OnceLock<Result<SigningKey, String>> = OnceLock::new();

/// The process-wide key, generating it on first use.
pub(crate) fn key() -> Result<&'static SigningKey, String> {
    KEY.get_or_init(|| {
        let private = rsa::PrivateKey::new(&mut rand::rng(), 2048)
            .map_err(|e| format!("RSA key generation failed: {e}"))?;
        let der = private
            .to_pkcs1_der()
            .map_err(|e| format!("RSA key encoding failed: {e}"))?;
        let n = private.n_bytes();
        let e = private.e_bytes();
        let kid = B64URL.encode(&Sha256::digest(&n)[..16]);
        let signer = RsaKeyPair::from_der(der.as_bytes())
            .map_err(|e| format!("RSA key parsing failed: {e}"))?;
        Ok(SigningKey {
            signer,
            decoding: DecodingKey::from_rsa_raw_components(&n, &e),
            kid,
            n_b64: B64URL.encode(&n),
            e_b64: B64URL.encode(&e),
        })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Sign `claims` as an RS256 JWT with our `kid`: the header and the claims as
/// jsonwebtoken writes them, signed with the parsed key.
pub(crate) fn sign(claims: &Value) -> Result<String, String> {
    let k = key()?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(k.kid.clone());
    let part = |v: Result<Vec<u8>, serde_json::Error>| {
        v.map(|bytes| B64URL.encode(bytes))
            .map_err(|e| format!("JWT encoding failed: {e}"))
    };
    let message = format!(
        "{}.{}",
        part(serde_json::to_vec(&header))?,
        part(serde_json::to_vec(claims))?
    );
    let mut signature = vec![0; k.signer.public_modulus_len()];
    k.signer
        .sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            message.as_bytes(),
            &mut signature,
        )
        .map_err(|_| "JWT signing failed".to_owned())?;
    Ok(format!("{message}.{}", B64URL.encode(signature)))
}

/// Check the signature of one of our JWTs and return its claims. Time claims are
/// NOT checked here: the caller does that against the emulator clock.
pub(crate) fn verify(token: &str) -> Option<Value> {
    let k = key().ok()?;
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(token, &k.decoding, &v)
        .ok()
        .map(|d| d.claims)
}

/// The unverified claims of any JWT-looking string (for external-provider tokens).
pub(crate) fn peek_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = B64URL.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `{"keys": [..]}` with our one RSA public key.
pub(crate) fn jwks() -> Value {
    match key() {
        Ok(k) => json!({"keys": [{
            "alg": "RS256",
            "e": k.e_b64,
            "kid": k.kid,
            "kty": "RSA",
            "n": k.n_b64,
            "use": "sig",
        }]}),
        Err(_) => json!({"keys": []}),
    }
}
