//! Verifies the user pool's JWTs against its published keys (JWKS), so that a
//! token is trusted only when the pool really signed it for this app client.
//!
//! [`JwksVerifier`] checks, in order:
//!
//! 1. the header: `alg` must be exactly `RS256` (never `none`, never `HS*`,
//!    whatever key the JWKS lists) and a `kid` must be present;
//! 2. the key: the `kid` must be in the pool's JWKS. The JWKS is fetched once
//!    and cached; an unknown `kid` (the pool rotated its keys) triggers one
//!    re-fetch, at most once per [`refetch_interval`](JwksVerifier::with_refetch_interval);
//! 3. the RS256 signature, with that RSA key;
//! 4. the claims: `iss` equals the pool's issuer, `token_use` is the kind
//!    asked for, the audience (`aud` for id tokens, `client_id` for access
//!    tokens) is one of the allowed app clients, and `exp` is in the future
//!    by the injected [`Clock`] (with a small leeway).
//!
//! Errors never contain the token or any part of it.
//!
//! `error.rs` holds [`VerifyError`] and [`TokenUse`]; `jose.rs` reads the
//! header and the JWKS document; this file fetches and caches the keys and
//! checks the claims.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use auth_core::clock::{Clock, SystemClock};
use auth_core::error::AuthError;
use auth_core::jwt::JwtClaims;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::config::CognitoConfig;

mod error;
mod jose;

pub use error::{TokenUse, VerifyError};
use jose::{KeySet, map_jwt_error, parse_header, parse_jwks};

/// The largest JWKS document accepted, in bytes.
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Before the first successful load, how long a failed fetch blocks the next
/// one (at most the re-fetch interval).
const FAILED_FETCH_BACKOFF: Duration = Duration::from_secs(5);

/// When the JWKS was last re-fetched, or failed to load, by the verifier's clock.
#[derive(Default)]
struct FetchState {
    /// The last re-fetch for an unknown `kid` (keys were already loaded).
    last_refetch_millis: Option<i64>,
    /// The last failed fetch.
    last_failure_millis: Option<i64>,
}

struct Inner {
    issuer: String,
    client_id: String,
    /// More app clients whose tokens are accepted, besides `client_id`.
    other_client_ids: Vec<String>,
    jwks_url: String,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    leeway_secs: i64,
    refetch_interval: Duration,
    keys: ArcSwapOption<KeySet>,
    fetch: tokio::sync::Mutex<FetchState>,
}

/// Verifies Cognito user-pool JWTs (RS256) against the pool's JWKS.
///
/// Cheap to clone; clones share the cached keys.
///
/// ```no_run
/// use auth_cognito::{CognitoConfig, JwksVerifier, TokenUse};
/// # async fn demo(access_token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let config = CognitoConfig::builder()
///     .user_pool("us-east-1_AbCdEf123", "my-client-id")
///     .build()?;
/// let verifier = JwksVerifier::for_config(&config)?;
/// let claims = verifier.verify(access_token, TokenUse::Access).await?;
/// println!("signed in as {:?}", claims.sub());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct JwksVerifier {
    inner: Arc<Inner>,
}

impl fmt::Debug for JwksVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksVerifier")
            .field("issuer", &self.inner.issuer)
            .field("client_id", &self.inner.client_id)
            .field("other_client_ids", &self.inner.other_client_ids)
            .field("jwks_url", &self.inner.jwks_url)
            .field("leeway_secs", &self.inner.leeway_secs)
            .field("refetch_interval", &self.inner.refetch_interval)
            .field("keys_cached", &self.cached_key_count())
            .finish_non_exhaustive()
    }
}

/// The issuer of a user pool's tokens: `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
pub fn user_pool_issuer(region: &str, user_pool_id: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}")
}

impl JwksVerifier {
    /// The default leeway on `exp`.
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
    /// The default minimum time between two JWKS re-fetches.
    pub const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

    /// A verifier for tokens issued by `issuer` to `client_id`, with the keys
    /// at `jwks_url`. Uses the system clock, a leeway of
    /// [`DEFAULT_LEEWAY`](Self::DEFAULT_LEEWAY) and a re-fetch interval of
    /// [`DEFAULT_REFETCH_INTERVAL`](Self::DEFAULT_REFETCH_INTERVAL).
    pub fn new(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        jwks_url: impl Into<String>,
    ) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self {
            inner: Arc::new(Inner {
                issuer: issuer.into(),
                client_id: client_id.into(),
                other_client_ids: Vec::new(),
                jwks_url: jwks_url.into(),
                http,
                clock: Arc::new(SystemClock),
                leeway_secs: secs_i64(Self::DEFAULT_LEEWAY),
                refetch_interval: Self::DEFAULT_REFETCH_INTERVAL,
                keys: ArcSwapOption::empty(),
                fetch: tokio::sync::Mutex::new(FetchState::default()),
            }),
        }
    }

    /// A verifier for the user pool and app client of `config`: issuer
    /// `https://cognito-idp.<region>.amazonaws.com/<poolId>`, JWKS at
    /// `<user_pool_endpoint>/<poolId>/.well-known/jwks.json` (the real
    /// Cognito URL, or the emulator's when an endpoint override is set).
    ///
    /// # Errors
    ///
    /// [`AuthError::NoUserPool`] when `config` has no user pool or app client.
    pub fn for_config(config: &CognitoConfig) -> Result<Self, AuthError> {
        let (Some(pool_id), Some(client_id)) =
            (config.user_pool_id(), config.user_pool_client_id())
        else {
            return Err(AuthError::NoUserPool);
        };
        let issuer = user_pool_issuer(config.region(), pool_id);
        let jwks_url = format!(
            "{}/{pool_id}/.well-known/jwks.json",
            config.user_pool_endpoint().trim_end_matches('/')
        );
        let tuning = config.tuning();
        let mut verifier = Self::new(issuer, client_id, jwks_url);
        verifier.map_inner(|i| {
            if let Ok(http) = reqwest::Client::builder()
                .connect_timeout(tuning.connect_timeout)
                .timeout(tuning.request_timeout)
                .build()
            {
                i.http = http;
            }
        });
        Ok(verifier)
    }

    /// Reads time from `clock` instead of the system clock (for `exp` and
    /// the re-fetch interval).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.map_inner(|i| i.clock = clock);
        self
    }

    /// Accepts tokens up to `leeway` past their `exp` (default 5 s).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.map_inner(|i| i.leeway_secs = secs_i64(leeway));
        self
    }

    /// The minimum time between two JWKS re-fetches (default 60 s). The
    /// first token loads the JWKS; after that, a token with an unknown `kid`
    /// re-fetches it only when the last re-fetch is at least this old, and is
    /// otherwise rejected at once. Before the first successful load, a failed
    /// fetch is retried after at most 5 s.
    pub fn with_refetch_interval(mut self, interval: Duration) -> Self {
        self.map_inner(|i| i.refetch_interval = interval);
        self
    }

    /// Also accepts tokens issued to these app clients (a service that serves
    /// several apps of one pool, e.g. a web and a mobile client). The client of
    /// [`new`](Self::new) / [`for_config`](Self::for_config) stays accepted;
    /// each call adds to the list.
    ///
    /// ```
    /// use auth_cognito::JwksVerifier;
    /// let verifier = JwksVerifier::new(
    ///     "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123",
    ///     "web-client-id",
    ///     "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json",
    /// )
    /// .with_allowed_client_ids(["mobile-client-id"]);
    /// assert_eq!(verifier.allowed_client_ids().count(), 2);
    /// ```
    pub fn with_allowed_client_ids<S: Into<String>>(
        mut self,
        client_ids: impl IntoIterator<Item = S>,
    ) -> Self {
        let more: Vec<String> = client_ids.into_iter().map(Into::into).collect();
        self.map_inner(|i| {
            for id in more {
                if id != i.client_id && !i.other_client_ids.contains(&id) {
                    i.other_client_ids.push(id);
                }
            }
        });
        self
    }

    /// Every app client id whose tokens are accepted: [`client_id`](Self::client_id)
    /// first, then those of [`with_allowed_client_ids`](Self::with_allowed_client_ids).
    pub fn allowed_client_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.inner.client_id.as_str())
            .chain(self.inner.other_client_ids.iter().map(String::as_str))
    }

    /// The expected issuer (`iss`).
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The expected app client id (the first of
    /// [`allowed_client_ids`](Self::allowed_client_ids)).
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The URL the JWKS is fetched from.
    pub fn jwks_url(&self) -> &str {
        &self.inner.jwks_url
    }

    /// How many keys are cached (0 before the first fetch).
    pub fn cached_key_count(&self) -> usize {
        self.inner.keys.load().as_ref().map_or(0, |k| k.keys.len())
    }

    /// Verifies `token` as a `token_use` token of this pool and app client and
    /// returns its claims.
    ///
    /// Fetches the JWKS on first use, and again (rate-limited) when the
    /// token's `kid` is unknown.
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] naming the first check that failed.
    pub async fn verify(&self, token: &str, token_use: TokenUse) -> Result<JwtClaims, VerifyError> {
        let header = parse_header(token)?;
        let key = self.key_for(&header.kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        // Time, audience and issuer are checked below, against our clock and
        // with Cognito's rules (access tokens have no `aud`).
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|e| map_jwt_error(&e))?;
        let claims = data.claims;
        self.check_claims(&claims, token_use)?;
        JwtClaims::from_map(claims).map_err(|e| match e {
            auth_core::jwt::JwtDecodeError::Claim(name) => VerifyError::Claim(name),
            _ => VerifyError::Malformed("payload"),
        })
    }

    /// [`verify`](Self::verify) for an access token.
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify).
    pub async fn verify_access_token(&self, token: &str) -> Result<JwtClaims, VerifyError> {
        self.verify(token, TokenUse::Access).await
    }

    /// [`verify`](Self::verify) for an id token.
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify).
    pub async fn verify_id_token(&self, token: &str) -> Result<JwtClaims, VerifyError> {
        self.verify(token, TokenUse::Id).await
    }

    fn map_inner(&mut self, f: impl FnOnce(&mut Inner)) {
        // Builders run before the verifier is shared; if it already is,
        // make a private copy (with an empty cache).
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            f(inner);
            return;
        }
        let old = &self.inner;
        let mut copy = Inner {
            issuer: old.issuer.clone(),
            client_id: old.client_id.clone(),
            other_client_ids: old.other_client_ids.clone(),
            jwks_url: old.jwks_url.clone(),
            http: old.http.clone(),
            clock: old.clock.clone(),
            leeway_secs: old.leeway_secs,
            refetch_interval: old.refetch_interval,
            keys: ArcSwapOption::empty(),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
        };
        f(&mut copy);
        self.inner = Arc::new(copy);
    }

    fn check_claims(
        &self,
        claims: &Map<String, Value>,
        token_use: TokenUse,
    ) -> Result<(), VerifyError> {
        let inner = &*self.inner;
        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or(VerifyError::Claim("iss"))?;
        if iss != inner.issuer {
            return Err(VerifyError::WrongIssuer);
        }
        match claims.get("token_use").and_then(Value::as_str) {
            Some(u) if u == token_use.as_str() => {}
            _ => {
                return Err(VerifyError::WrongTokenUse {
                    expected: token_use,
                });
            }
        }
        let allowed =
            |id: &str| id == inner.client_id || inner.other_client_ids.iter().any(|o| o == id);
        let audience_ok = match token_use {
            TokenUse::Access => claims
                .get("client_id")
                .and_then(Value::as_str)
                .is_some_and(allowed),
            TokenUse::Id => match claims.get("aud") {
                Some(Value::String(a)) => allowed(a),
                Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(allowed),
                _ => false,
            },
        };
        if !audience_ok {
            return Err(VerifyError::WrongAudience);
        }
        let exp = match claims.get("exp") {
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
                .ok_or(VerifyError::Claim("exp"))?,
            _ => return Err(VerifyError::Claim("exp")),
        };
        let now = inner.clock.now_secs();
        if now.saturating_sub(inner.leeway_secs) >= exp {
            return Err(VerifyError::Expired { exp, now });
        }
        Ok(())
    }

    fn cached_key(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        self.inner
            .keys
            .load()
            .as_ref()
            .and_then(|set| set.keys.get(kid).cloned())
    }

    /// The key for `kid`: from the cache, or after one rate-limited fetch.
    async fn key_for(&self, kid: &str) -> Result<Arc<DecodingKey>, VerifyError> {
        if let Some(key) = self.cached_key(kid) {
            return Ok(key);
        }
        let inner = &*self.inner;
        let mut state = inner.fetch.lock().await;
        // Another caller may have fetched while we waited for the lock.
        if let Some(key) = self.cached_key(kid) {
            return Ok(key);
        }
        let now = inner.clock.now_millis();
        let loaded = inner.keys.load().is_some();
        // With keys loaded, an unknown kid re-fetches at most once per
        // interval; before the first successful load, a failed fetch is
        // retried after the (shorter) failure back-off.
        let (last, wait) = if loaded {
            (state.last_refetch_millis, inner.refetch_interval)
        } else {
            (
                state.last_failure_millis,
                inner.refetch_interval.min(FAILED_FETCH_BACKOFF),
            )
        };
        let wait = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
        if let Some(last) = last
            && now.saturating_sub(last) < wait
        {
            return Err(if loaded {
                unknown_kid(kid)
            } else {
                VerifyError::Jwks("the last fetch failed; not retrying yet".to_owned())
            });
        }
        if loaded {
            state.last_refetch_millis = Some(now);
        }
        let set = match self.fetch_jwks().await {
            Ok(set) => set,
            Err(e) => {
                state.last_failure_millis = Some(now);
                return Err(e);
            }
        };
        let key = set.keys.get(kid).cloned();
        inner.keys.store(Some(Arc::new(set)));
        drop(state);
        key.ok_or_else(|| unknown_kid(kid))
    }

    async fn fetch_jwks(&self) -> Result<KeySet, VerifyError> {
        let inner = &*self.inner;
        let mut response = inner
            .http
            .get(&inner.jwks_url)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| VerifyError::Jwks(transport_message(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(VerifyError::Jwks(format!("HTTP {}", status.as_u16())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| VerifyError::Jwks(transport_message(&e)))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(VerifyError::Jwks(format!(
                    "the document is larger than {MAX_JWKS_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        parse_jwks(&body)
    }
}

fn secs_i64(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn unknown_kid(kid: &str) -> VerifyError {
    VerifyError::UnknownKeyId {
        kid: kid.chars().take(64).collect(),
    }
}

fn transport_message(e: &reqwest::Error) -> String {
    // Never the URL or the body: keep messages short and uniform.
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else if e.is_decode() || e.is_body() {
        "the response body could not be read".to_owned()
    } else {
        "request failed".to_owned()
    }
}
