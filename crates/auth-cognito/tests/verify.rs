//! `JwksVerifier` against the in-process emulator: real tokens and the real
//! JWKS are accepted; forged, tampered, misdirected and expired ones are not.
//!
//! The JWKS is served through a small counting proxy, so that the tests can
//! see how often the verifier fetches it, and can swap in a rotated key set.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_cognito::{JwksVerifier, TokenUse, VerifyError, user_pool_issuer};
use auth_core::clock::ManualClock;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64URL};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::{EncodeRsaPrivateKey as _, EncodeRsaPublicKey as _};
use rsa::pkcs8::EncodePublicKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{Value, json};
use support::{Bed, BedOptions, PASSWORD};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Serves `GET` of anything with the upstream JWKS (or an override), and
/// counts the requests.
struct JwksProxy {
    url: String,
    hits: Arc<AtomicUsize>,
    override_body: Arc<Mutex<Option<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for JwksProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl JwksProxy {
    async fn start(upstream: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let override_body: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
        let http = reqwest::Client::new();
        let (h, o) = (hits.clone(), override_body.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let (h, o, http, upstream) = (h.clone(), o.clone(), http.clone(), upstream.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65536 {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    h.fetch_add(1, Ordering::SeqCst);
                    let overridden = o.lock().unwrap().clone();
                    let body = match overridden {
                        Some(b) => b,
                        None => http
                            .get(&upstream)
                            .send()
                            .await
                            .unwrap()
                            .text()
                            .await
                            .unwrap(),
                    };
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Self {
            url,
            hits,
            override_body,
            task,
        }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn serve(&self, body: Value) {
        *self.override_body.lock().unwrap() = Some(body.to_string());
    }
}

struct Fixture {
    bed: Bed,
    proxy: JwksProxy,
    clock: ManualClock,
    access: String,
    id: String,
}

impl Fixture {
    async fn new() -> Self {
        let bed = Bed::emulator(BedOptions::default()).await;
        let (access, id) = sign_in(&bed, &bed.client_id).await;
        let upstream = format!("{}/{}/.well-known/jwks.json", bed.endpoint, bed.pool_id);
        let proxy = JwksProxy::start(upstream).await;
        Self {
            bed,
            proxy,
            clock: ManualClock::new(),
            access,
            id,
        }
    }

    fn issuer(&self) -> String {
        user_pool_issuer(&self.bed.region, &self.bed.pool_id)
    }

    fn verifier(&self) -> JwksVerifier {
        self.verifier_for(&self.issuer(), &self.bed.client_id)
    }

    fn verifier_for(&self, issuer: &str, client_id: &str) -> JwksVerifier {
        JwksVerifier::new(issuer, client_id, &self.proxy.url)
            .with_clock(Arc::new(self.clock.clone()))
            .with_leeway(Duration::from_secs(5))
            .with_refetch_interval(Duration::from_secs(60))
    }

    /// The emulator's `kid`.
    fn real_kid(&self) -> String {
        self.bed.emu().jwks()["keys"][0]["kid"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// A fresh user signed in with USER_PASSWORD_AUTH: (access token, id token).
async fn sign_in(bed: &Bed, client_id: &str) -> (String, String) {
    let username = format!("user{}", &support::uuid()[..10]);
    bed.create_user(&username, PASSWORD).await;
    let v = bed
        .idp(
            "InitiateAuth",
            json!({
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": client_id,
                "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD},
            }),
        )
        .await
        .expect("InitiateAuth");
    let r = &v["AuthenticationResult"];
    (
        r["AccessToken"].as_str().unwrap().to_owned(),
        r["IdToken"].as_str().unwrap().to_owned(),
    )
}

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&B64URL.decode(part).unwrap()).unwrap()
}

fn encode_part(v: &Value) -> String {
    B64URL.encode(v.to_string())
}

/// The (header, claims) of a compact token.
fn split(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let header = decode_part(parts.next().unwrap());
    let claims = decode_part(parts.next().unwrap());
    (header, claims)
}

/// A throwaway RSA key, made once per test binary.
fn forger_key() -> &'static rsa::PrivateKey {
    static KEY: std::sync::OnceLock<rsa::PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| rsa::PrivateKey::new(&mut rand::rng(), 2048).unwrap())
}

fn forge_rs256(kid: &str, claims: &Value) -> String {
    let der = forger_key().to_pkcs1_der().unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(der.as_bytes())).unwrap()
}

fn forger_jwk(kid: &str) -> Value {
    let key = forger_key();
    json!({
        "kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
        "n": B64URL.encode(key.n_bytes()),
        "e": B64URL.encode(key.e_bytes()),
    })
}

#[tokio::test]
async fn accepts_real_access_and_id_tokens() {
    let f = Fixture::new().await;
    let v = f.verifier();
    let access = v.verify(&f.access, TokenUse::Access).await.expect("access");
    assert_eq!(access.get_str("token_use"), Some("access"));
    assert_eq!(access.get_str("client_id"), Some(f.bed.client_id.as_str()));
    let id = v.verify_id_token(&f.id).await.expect("id");
    assert_eq!(id.get_str("token_use"), Some("id"));
    assert_eq!(id.sub(), access.sub());
    // One fetch served both, and later verifications.
    v.verify_access_token(&f.access).await.expect("again");
    assert_eq!(f.proxy.hits(), 1);
    assert_eq!(v.cached_key_count(), 1);
}

#[tokio::test]
async fn for_config_fetches_the_jwks_from_the_endpoint_override() {
    let f = Fixture::new().await;
    let v = JwksVerifier::for_config(&f.bed.config())
        .unwrap()
        .with_clock(Arc::new(f.clock.clone()));
    assert_eq!(v.issuer(), f.issuer());
    assert_eq!(
        v.jwks_url(),
        format!("{}/{}/.well-known/jwks.json", f.bed.endpoint, f.bed.pool_id)
    );
    v.verify(&f.access, TokenUse::Access).await.expect("access");
    v.verify(&f.id, TokenUse::Id).await.expect("id");
}

#[tokio::test]
async fn for_config_without_user_pool_is_an_error() {
    let config = auth_cognito::CognitoConfig::builder()
        .identity_pool("us-east-1:11111111-2222-3333-4444-555555555555", true)
        .build()
        .unwrap();
    assert!(matches!(
        JwksVerifier::for_config(&config),
        Err(auth_core::error::AuthError::NoUserPool)
    ));
}

#[tokio::test]
async fn rejects_alg_none() {
    let f = Fixture::new().await;
    let (_, claims) = split(&f.access);
    for alg in ["none", "None", "NONE", ""] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": f.real_kid()});
        let token = format!("{}.{}.", encode_part(&header), encode_part(&claims));
        let err = f
            .verifier()
            .verify(&token, TokenUse::Access)
            .await
            .unwrap_err();
        assert!(
            matches!(err, VerifyError::UnsupportedAlgorithm { .. }),
            "{alg}: {err:?}"
        );
        // Also with the original signature left in place.
        let sig = f.access.rsplit('.').next().unwrap();
        let token = format!("{}.{}.{sig}", encode_part(&header), encode_part(&claims));
        let err = f
            .verifier()
            .verify(&token, TokenUse::Access)
            .await
            .unwrap_err();
        assert!(matches!(err, VerifyError::UnsupportedAlgorithm { .. }));
    }
    // A header with no alg at all.
    let header = json!({"typ": "JWT", "kid": f.real_kid()});
    let token = format!("{}.{}.", encode_part(&header), encode_part(&claims));
    let err = f
        .verifier()
        .verify(&token, TokenUse::Access)
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::UnsupportedAlgorithm { .. }));
}

/// The classic key-confusion attack: HMAC-sign a token with the pool's
/// public key (in each usual encoding) as the secret.
#[tokio::test]
async fn rejects_hs256_signed_with_the_public_key() {
    let f = Fixture::new().await;
    let jwk = f.bed.emu().jwks()["keys"][0].clone();
    let n = B64URL.decode(jwk["n"].as_str().unwrap()).unwrap();
    let e = B64URL.decode(jwk["e"].as_str().unwrap()).unwrap();
    let public = rsa::PublicKey::new(
        rsa::BoxedUint::from_be_slice_vartime(&n),
        rsa::BoxedUint::from_be_slice_vartime(&e),
    )
    .unwrap();
    let pkcs1_der = public.to_pkcs1_der().unwrap().as_bytes().to_vec();
    let spki_der = public.to_public_key_der().unwrap().as_bytes().to_vec();
    let pem = |label: &str, der: &[u8]| {
        let b64 = STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    };
    let secrets: Vec<Vec<u8>> = vec![
        pem("PUBLIC KEY", &spki_der).into_bytes(),
        pem("RSA PUBLIC KEY", &pkcs1_der).into_bytes(),
        spki_der,
        pkcs1_der,
        n,
        jwk.to_string().into_bytes(),
    ];
    let (_, claims) = split(&f.access);
    let v = f.verifier();
    for (i, secret) in secrets.iter().enumerate() {
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let mut header = Header::new(alg);
            header.kid = Some(f.real_kid());
            let token =
                jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap();
            let err = v.verify(&token, TokenUse::Access).await.unwrap_err();
            assert!(
                matches!(err, VerifyError::UnsupportedAlgorithm { ref alg } if alg.starts_with("HS")),
                "secret #{i} {alg:?}: {err:?}"
            );
        }
    }
    // Same with a RS256 header but an HMAC signature: the signature check fails.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(f.real_kid());
    let hs =
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secrets[0])).unwrap();
    let sig = hs.rsplit('.').next().unwrap();
    let rs_header = json!({"alg": "RS256", "typ": "JWT", "kid": f.real_kid()});
    let token = format!("{}.{}.{sig}", encode_part(&rs_header), encode_part(&claims));
    let err = v.verify(&token, TokenUse::Access).await.unwrap_err();
    assert_eq!(err, VerifyError::InvalidSignature);
}

#[tokio::test]
async fn unknown_kid_refetches_the_jwks_once_per_interval() {
    let f = Fixture::new().await;
    let v = f.verifier();
    v.verify(&f.access, TokenUse::Access)
        .await
        .expect("warm-up");
    assert_eq!(f.proxy.hits(), 1);

    let (_, claims) = split(&f.access);
    let forged = forge_rs256("rotated-key-1", &claims);
    let err = v.verify(&forged, TokenUse::Access).await.unwrap_err();
    assert!(matches!(err, VerifyError::UnknownKeyId { ref kid } if kid == "rotated-key-1"));
    assert_eq!(f.proxy.hits(), 2, "one re-fetch for the unknown kid");

    // Within the interval: rejected at once, no more fetches, however many tries.
    for _ in 0..20 {
        let err = v.verify(&forged, TokenUse::Access).await.unwrap_err();
        assert!(matches!(err, VerifyError::UnknownKeyId { .. }));
    }
    let concurrent: Vec<_> = (0..20)
        .map(|_| {
            let (v, t) = (v.clone(), forged.clone());
            tokio::spawn(async move { v.verify(&t, TokenUse::Access).await })
        })
        .collect();
    for h in concurrent {
        assert!(h.await.unwrap().is_err());
    }
    assert_eq!(f.proxy.hits(), 2, "rate-limited");
    // Known keys still verify without fetching.
    v.verify(&f.id, TokenUse::Id).await.expect("id");
    assert_eq!(f.proxy.hits(), 2);

    // After the interval, one more fetch.
    f.clock.advance_secs(61);
    // Token is still valid for ~59 minutes by the moved clock.
    let err = v.verify(&forged, TokenUse::Access).await.unwrap_err();
    assert!(matches!(err, VerifyError::UnknownKeyId { .. }));
    assert_eq!(f.proxy.hits(), 3);
}

#[tokio::test]
async fn rotated_key_is_found_by_the_refetch() {
    let f = Fixture::new().await;
    let v = f.verifier();
    v.verify(&f.access, TokenUse::Access)
        .await
        .expect("warm-up");
    // The pool publishes a second key.
    let mut jwks = f.bed.emu().jwks();
    jwks["keys"]
        .as_array_mut()
        .unwrap()
        .push(forger_jwk("rotated-key-2"));
    f.proxy.serve(jwks);
    let (_, claims) = split(&f.access);
    let token = forge_rs256("rotated-key-2", &claims);
    let verified = v
        .verify(&token, TokenUse::Access)
        .await
        .expect("rotated key");
    assert_eq!(verified.sub(), claims["sub"].as_str());
    assert_eq!(f.proxy.hits(), 2);
    assert_eq!(v.cached_key_count(), 2);
    // The old key is still there.
    v.verify(&f.access, TokenUse::Access)
        .await
        .expect("old key");
    assert_eq!(f.proxy.hits(), 2);
}

#[tokio::test]
async fn own_key_with_the_pools_kid_fails_the_signature() {
    let f = Fixture::new().await;
    let (_, claims) = split(&f.access);
    let token = forge_rs256(&f.real_kid(), &claims);
    let err = f
        .verifier()
        .verify(&token, TokenUse::Access)
        .await
        .unwrap_err();
    assert_eq!(err, VerifyError::InvalidSignature);
}

#[tokio::test]
async fn rejects_wrong_issuer() {
    let f = Fixture::new().await;
    let other_pool = user_pool_issuer(&f.bed.region, "us-east-1_OtherPool1");
    let v = f.verifier_for(&other_pool, &f.bed.client_id);
    assert_eq!(
        v.verify(&f.access, TokenUse::Access).await.unwrap_err(),
        VerifyError::WrongIssuer
    );
    assert_eq!(
        v.verify(&f.id, TokenUse::Id).await.unwrap_err(),
        VerifyError::WrongIssuer
    );
    // Same pool id, other region.
    let v = f.verifier_for(
        &user_pool_issuer("eu-west-1", &f.bed.pool_id),
        &f.bed.client_id,
    );
    assert_eq!(
        v.verify(&f.access, TokenUse::Access).await.unwrap_err(),
        VerifyError::WrongIssuer
    );
}

#[tokio::test]
async fn rejects_tokens_of_another_app_client() {
    let f = Fixture::new().await;
    // Real tokens issued to a second client of the same pool.
    let other = f
        .bed
        .emu()
        .create_user_pool_client(&f.bed.pool_id, cognito_emulator::ClientOptions::default())
        .unwrap();
    let (access, id) = sign_in(&f.bed, &other.id).await;
    let v = f.verifier();
    assert_eq!(
        v.verify(&access, TokenUse::Access).await.unwrap_err(),
        VerifyError::WrongAudience
    );
    assert_eq!(
        v.verify(&id, TokenUse::Id).await.unwrap_err(),
        VerifyError::WrongAudience
    );
    // And ours, checked by a verifier for the other client.
    let v = f.verifier_for(&f.issuer(), &other.id);
    assert_eq!(
        v.verify(&f.access, TokenUse::Access).await.unwrap_err(),
        VerifyError::WrongAudience
    );
    assert_eq!(
        v.verify(&f.id, TokenUse::Id).await.unwrap_err(),
        VerifyError::WrongAudience
    );
}

#[tokio::test]
async fn rejects_expired_tokens_by_the_injected_clock() {
    let f = Fixture::new().await;
    let v = f.verifier();
    let (_, claims) = split(&f.access);
    let exp = claims["exp"].as_i64().unwrap();
    // Just before exp + leeway: still accepted.
    f.clock.set_millis((exp + 4) * 1000);
    v.verify(&f.access, TokenUse::Access)
        .await
        .expect("within leeway");
    // At exp + leeway: expired.
    f.clock.set_millis((exp + 5) * 1000);
    let err = v.verify(&f.access, TokenUse::Access).await.unwrap_err();
    assert_eq!(err, VerifyError::Expired { exp, now: exp + 5 });
    f.clock.advance_secs(3600);
    assert!(matches!(
        v.verify(&f.id, TokenUse::Id).await.unwrap_err(),
        VerifyError::Expired { .. }
    ));
    // Zero leeway.
    let strict = f.verifier().with_leeway(Duration::ZERO);
    f.clock.set_millis(exp * 1000);
    assert!(matches!(
        strict
            .verify(&f.access, TokenUse::Access)
            .await
            .unwrap_err(),
        VerifyError::Expired { .. }
    ));
    f.clock.set_millis((exp - 1) * 1000);
    strict
        .verify(&f.access, TokenUse::Access)
        .await
        .expect("one second left");
}

#[tokio::test]
async fn rejects_a_tampered_payload() {
    let f = Fixture::new().await;
    let v = f.verifier();
    let mut parts = f.access.split('.');
    let (h, p, s) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let claims = decode_part(p);
    type Tamper = Box<dyn Fn(&mut Value)>;
    let tampers: Vec<Tamper> = vec![
        Box::new(|c| c["username"] = json!("admin")),
        Box::new(|c| c["exp"] = json!(c["exp"].as_i64().unwrap() + 86400)),
        Box::new(|c| c["scope"] = json!("aws.cognito.signin.user.admin admin")),
        Box::new(|c| {
            c.as_object_mut().unwrap().remove("jti");
        }),
    ];
    for (i, tamper) in tampers.iter().enumerate() {
        let mut c = claims.clone();
        tamper(&mut c);
        let token = format!("{h}.{}.{s}", encode_part(&c));
        assert_eq!(
            v.verify(&token, TokenUse::Access).await.unwrap_err(),
            VerifyError::InvalidSignature,
            "tamper #{i}"
        );
    }
    // A flipped bit in the signature.
    let mut sig = B64URL.decode(s).unwrap();
    sig[10] ^= 1;
    let token = format!("{h}.{p}.{}", B64URL.encode(&sig));
    assert_eq!(
        v.verify(&token, TokenUse::Access).await.unwrap_err(),
        VerifyError::InvalidSignature
    );
    // The id token's signature on the access token's payload.
    let id_sig = f.id.rsplit('.').next().unwrap();
    let token = format!("{h}.{p}.{id_sig}");
    assert_eq!(
        v.verify(&token, TokenUse::Access).await.unwrap_err(),
        VerifyError::InvalidSignature
    );
}

#[tokio::test]
async fn rejects_the_wrong_token_use() {
    let f = Fixture::new().await;
    let v = f.verifier();
    assert_eq!(
        v.verify(&f.access, TokenUse::Id).await.unwrap_err(),
        VerifyError::WrongTokenUse {
            expected: TokenUse::Id
        }
    );
    assert_eq!(
        v.verify(&f.id, TokenUse::Access).await.unwrap_err(),
        VerifyError::WrongTokenUse {
            expected: TokenUse::Access
        }
    );
}

#[tokio::test]
async fn rejects_malformed_tokens_and_missing_kid() {
    let f = Fixture::new().await;
    let v = f.verifier();
    for bad in [
        "",
        "a",
        "a.b",
        "a.b.c.d",
        "!!.e30.",
        "e30.e30.",
        "bnVsbA.e30.",
    ] {
        let err = v.verify(bad, TokenUse::Access).await.unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::Malformed(_)
                    | VerifyError::UnsupportedAlgorithm { .. }
                    | VerifyError::MissingKeyId
            ),
            "{bad:?}: {err:?}"
        );
    }
    let (_, claims) = split(&f.access);
    let header = json!({"alg": "RS256", "typ": "JWT"});
    let sig = f.access.rsplit('.').next().unwrap();
    let token = format!("{}.{}.{sig}", encode_part(&header), encode_part(&claims));
    assert_eq!(
        v.verify(&token, TokenUse::Access).await.unwrap_err(),
        VerifyError::MissingKeyId
    );
    // Nothing above needed the JWKS.
    assert_eq!(f.proxy.hits(), 0);
}

#[tokio::test]
async fn errors_never_contain_the_token() {
    let f = Fixture::new().await;
    let v = f.verifier_for(&f.issuer(), "someone-else");
    let (_, claims) = split(&f.access);
    let forged = forge_rs256("k", &claims);
    let mut errors = Vec::new();
    for token in [&f.access, &f.id, &forged] {
        for use_ in [TokenUse::Access, TokenUse::Id] {
            let e = v.verify(token, use_).await.unwrap_err();
            errors.push(format!(
                "{e} {e:?} {}",
                auth_core::error::AuthError::from(e.clone())
            ));
        }
    }
    let text = errors.join("\n");
    support::assert_no_secret("verify errors", &text, &[&f.access, &f.id, &forged]);
    let debug = format!("{v:?}");
    assert!(!debug.contains("eyJ"));
}

#[tokio::test]
async fn jwks_unavailable_is_a_typed_error_and_is_rate_limited() {
    let f = Fixture::new().await;
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    drop(listener);
    let clock = ManualClock::new();
    let v =
        JwksVerifier::new(f.issuer(), &f.bed.client_id, dead).with_clock(Arc::new(clock.clone()));
    let err = v.verify(&f.access, TokenUse::Access).await.unwrap_err();
    assert!(matches!(err, VerifyError::Jwks(_)), "{err:?}");
    assert!(matches!(
        auth_core::error::AuthError::from(err),
        auth_core::error::AuthError::Network { .. }
    ));
    // A JWKS that is not JSON.
    f.proxy.serve(json!("not a key set"));
    let v = f.verifier();
    assert!(matches!(
        v.verify(&f.access, TokenUse::Access).await.unwrap_err(),
        VerifyError::Jwks(_)
    ));
    assert_eq!(f.proxy.hits(), 1);
    // Not retried before the interval.
    assert!(matches!(
        v.verify(&f.access, TokenUse::Access).await.unwrap_err(),
        VerifyError::Jwks(_)
    ));
    assert_eq!(f.proxy.hits(), 1);
}
