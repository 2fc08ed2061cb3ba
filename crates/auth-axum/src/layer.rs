//! [`CognitoAuthLayer`]: the tower layer that verifies every request's bearer
//! token before the inner service runs, and [`CognitoAuthService`], the
//! service it wraps.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use auth_cognito::{JwksVerifier, TokenUse};
use axum::http::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::extract::{Verified, verify_request};
use crate::policy::Policy;

/// Verifies the `Authorization: Bearer` token of every request under it.
///
/// An access token by default ([`id_tokens`](Self::id_tokens) for id
/// tokens); with [`require_group`](Self::require_group) and
/// [`require_scope`](Self::require_scope), every listed group and scope is
/// required too. A request that passes reaches the inner service with the
/// verified claims in its extensions (read them with
/// [`CognitoAccessClaims`](crate::CognitoAccessClaims) /
/// [`CognitoIdClaims`](crate::CognitoIdClaims)); one that does not is
/// answered by the layer with an [`AuthRejection`](crate::AuthRejection)
/// (401, 403 or 503), and the inner service never runs.
///
/// Cheap to clone: clones share the verifier's key cache.
///
/// ```
/// use auth_axum::{CognitoAuthLayer, JwksVerifier};
/// use axum::{Router, routing::get};
///
/// let verifier = JwksVerifier::new(
///     "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123",
///     "my-client-id",
///     "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json",
/// );
/// let app: Router = Router::new()
///     .route("/orders", get(|| async { "orders" }))
///     .layer(
///         CognitoAuthLayer::new(verifier)
///             .require_group("staff")
///             .require_scope("aws.cognito.signin.user.admin"),
///     );
/// ```
#[derive(Clone)]
pub struct CognitoAuthLayer {
    verifier: JwksVerifier,
    token_use: TokenUse,
    policy: Arc<Policy>,
}

impl fmt::Debug for CognitoAuthLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoAuthLayer")
            .field("verifier", &self.verifier)
            .field("token_use", &self.token_use)
            .field("required_groups", &self.policy.groups)
            .field("required_scopes", &self.policy.scopes)
            .finish_non_exhaustive()
    }
}

impl CognitoAuthLayer {
    /// A layer that requires a valid access token verified by `verifier`.
    pub fn new(verifier: JwksVerifier) -> Self {
        Self {
            verifier,
            token_use: TokenUse::Access,
            policy: Arc::new(Policy::default()),
        }
    }

    /// Requires id tokens instead of access tokens.
    pub fn id_tokens(mut self) -> Self {
        self.token_use = TokenUse::Id;
        self
    }

    /// Also requires the user to be in `group` (`cognito:groups`); 403
    /// otherwise. Each call adds a group, and all are required.
    pub fn require_group(mut self, group: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.policy).groups.push(group.into());
        self
    }

    /// Also requires the access token to have `scope` (its `scope` claim);
    /// 403 otherwise. Each call adds a scope, and all are required. Id tokens
    /// have no scopes: with [`id_tokens`](Self::id_tokens) every request is
    /// refused.
    pub fn require_scope(mut self, scope: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.policy).scopes.push(scope.into());
        self
    }

    /// The verifier.
    pub fn verifier(&self) -> &JwksVerifier {
        &self.verifier
    }
}

impl<S> Layer<S> for CognitoAuthLayer {
    type Service = CognitoAuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CognitoAuthService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service of a [`CognitoAuthLayer`]: verifies, then calls `S`.
///
/// ```
/// use auth_axum::{CognitoAuthLayer, CognitoAuthService, JwksVerifier};
/// use tower::Layer as _;
///
/// # let verifier = JwksVerifier::new("https://issuer.example", "client", "https://issuer.example/jwks.json");
/// let inner = tower::service_fn(|_req: axum::http::Request<axum::body::Body>| async {
///     Ok::<_, std::convert::Infallible>(axum::response::Response::new(axum::body::Body::empty()))
/// });
/// let service: CognitoAuthService<_> = CognitoAuthLayer::new(verifier).layer(inner);
/// # let _ = service;
/// ```
#[derive(Clone)]
pub struct CognitoAuthService<S> {
    inner: S,
    layer: CognitoAuthLayer,
}

impl<S> fmt::Debug for CognitoAuthService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoAuthService")
            .field("layer", &self.layer)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<Request<B>> for CognitoAuthService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The service that was polled ready is the one that runs; a fresh
        // clone stays behind for the next request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let verified = verify_request(&layer.verifier, &parts.headers, layer.token_use).await;
            let claims = match verified {
                Ok(claims) => claims,
                Err(rejection) => return Ok(rejection.into_response()),
            };
            if let Err(rejection) = layer.policy.check(&claims) {
                return Ok(rejection.into_response());
            }
            parts.extensions.insert(Verified {
                token_use: layer.token_use,
                claims,
            });
            parts.extensions.insert(layer.verifier.clone());
            inner.call(Request::from_parts(parts, body)).await
        })
    }
}
