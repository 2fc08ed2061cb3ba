//! [`OAuthConfig`]: the `auth.oauth` (hosted UI) section of the config.

/// The OAuth (hosted UI) section of `amplify_outputs.json`, kept for apps
/// that use it; this crate does not drive the hosted UI itself.
///
/// ```
/// use auth_cognito::config::OAuthConfig;
/// let oauth = OAuthConfig::new("auth.example.com")
///     .with_scopes(["openid", "email"])
///     .with_redirect_sign_in_uri(["myapp://callback"])
///     .with_response_type("code");
/// assert_eq!(oauth.scopes, ["openid", "email"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OAuthConfig {
    /// The hosted UI domain.
    pub domain: String,
    /// Scopes requested.
    pub scopes: Vec<String>,
    /// Sign-in redirect URIs.
    pub redirect_sign_in_uri: Vec<String>,
    /// Sign-out redirect URIs.
    pub redirect_sign_out_uri: Vec<String>,
    /// `code` or `token`.
    pub response_type: String,
}

fn strings<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

impl OAuthConfig {
    /// The section for the hosted UI at `domain`, with no scopes, redirect
    /// URIs or response type yet.
    pub fn new(domain: impl Into<String>) -> Self {
        Self {
            domain: domain.into(),
            ..Self::default()
        }
    }

    /// The scopes to request.
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = strings(scopes);
        self
    }

    /// The sign-in redirect URIs.
    pub fn with_redirect_sign_in_uri<S: Into<String>>(
        mut self,
        uris: impl IntoIterator<Item = S>,
    ) -> Self {
        self.redirect_sign_in_uri = strings(uris);
        self
    }

    /// The sign-out redirect URIs.
    pub fn with_redirect_sign_out_uri<S: Into<String>>(
        mut self,
        uris: impl IntoIterator<Item = S>,
    ) -> Self {
        self.redirect_sign_out_uri = strings(uris);
        self
    }

    /// The response type: `code` or `token`.
    pub fn with_response_type(mut self, response_type: impl Into<String>) -> Self {
        self.response_type = response_type.into();
        self
    }
}
