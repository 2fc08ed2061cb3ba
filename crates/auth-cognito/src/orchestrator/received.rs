//! Tokens received from the service: parsed into [`UserTokens`] with the
//! clock drift measured, and verified against the pool's JWKS when the
//! plugin was built with `verify_tokens(true)`.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use auth_core::clock::Clock;
use auth_core::error::AuthError;
use auth_core::jwt::JwtToken;
use auth_core::secret::SecretString;
use auth_core::types::SignInDetails;

use super::Orchestrator;
use crate::config::CognitoConfig;
use crate::idp::AuthenticationResult;
use crate::session::UserTokens;
use crate::verify::{JwksVerifier, TokenUse};

/// The verifier, with its clock offset by the drift of the tokens it checks.
pub(super) struct TokenVerifier {
    verifier: JwksVerifier,
    /// The drift of the tokens being verified.
    drift_ms: Arc<AtomicI64>,
}

/// The plugin's clock plus the drift measured on the tokens being verified,
/// so that a device whose clock is off does not reject fresh tokens.
#[derive(Debug)]
struct DriftClock {
    base: Arc<dyn Clock>,
    drift_ms: Arc<AtomicI64>,
}

impl Clock for DriftClock {
    fn now_millis(&self) -> i64 {
        self.base.now_millis() + self.drift_ms.load(Ordering::Relaxed)
    }
}

impl TokenVerifier {
    pub(super) fn new(config: &CognitoConfig, clock: Arc<dyn Clock>) -> Result<Self, AuthError> {
        let drift_ms = Arc::new(AtomicI64::new(0));
        let verifier = JwksVerifier::for_config(config)?.with_clock(Arc::new(DriftClock {
            base: clock,
            drift_ms: drift_ms.clone(),
        }));
        Ok(Self { verifier, drift_ms })
    }
}

/// Received tokens.
impl Orchestrator {
    /// Verifies freshly received tokens when verification is enabled.
    pub(super) async fn verify(&self, tokens: &UserTokens) -> Result<(), AuthError> {
        let Some(v) = &self.verifier else {
            return Ok(());
        };
        v.drift_ms.store(tokens.clock_drift_ms, Ordering::Relaxed);
        v.verifier
            .verify(tokens.access.as_compact_str(), TokenUse::Access)
            .await?;
        if let Some(id) = &tokens.id {
            v.verifier.verify(id.as_compact_str(), TokenUse::Id).await?;
        }
        Ok(())
    }

    /// Builds a [`UserTokens`] from an `AuthenticationResult`, keeping the
    /// previous refresh token when none is returned (no rotation).
    pub(super) fn tokens_from_result(
        &self,
        operation: &'static str,
        result: AuthenticationResult,
        previous_refresh: Option<SecretString>,
        details: Option<SignInDetails>,
    ) -> Result<UserTokens, AuthError> {
        let bad = |m: String| AuthError::InvalidResponse {
            operation: operation.into(),
            message: m,
        };
        let access = result
            .access_token
            .ok_or_else(|| bad("no AccessToken".into()))?;
        let access = JwtToken::parse_with_claims(&access)
            .map_err(|e| bad(format!("AccessToken is not a JWT: {e}")))?;
        let id = result
            .id_token
            .map(|t| JwtToken::parse_with_claims(&t))
            .transpose()
            .map_err(|e| bad(format!("IdToken is not a JWT: {e}")))?;
        let refresh = result
            .refresh_token
            .filter(|r| !r.is_empty())
            .map(SecretString::from)
            .or(previous_refresh);
        // `iat` is whole seconds, so the server's clock read anywhere in
        // [iat, iat + 1 s) when it issued the token: take the end of that
        // second, so that the drift errs towards refreshing early and a
        // token is never sent after its real `exp`.
        let drift_ms = access
            .0
            .issued_at()
            .map(|iat| iat * 1000 + 999 - self.now_ms())
            .unwrap_or(0);
        UserTokens::from_parts(access, id, refresh, drift_ms, details).map_err(bad)
    }
}
