//! [`OAuthConfig`]: the `auth.oauth` (hosted UI) section of the config, and
//! its checks.

use auth_core::error::AuthError;

use super::invalid;

/// The OAuth (hosted UI) section of `amplify_outputs.json`: what
/// [`sign_in_with_redirect`](crate::CognitoAuthPlugin::sign_in_with_redirect)
/// needs (Amplify's `loginWith.oauth`).
///
/// ```
/// use auth_cognito::config::OAuthConfig;
/// let oauth = OAuthConfig::new("auth.example.com")
///     .with_scopes(["openid", "email"])
///     .with_redirect_sign_in_uri(["http://127.0.0.1:8765/callback"])
///     .with_redirect_sign_out_uri(["http://127.0.0.1:8765/signed-out"])
///     .with_identity_providers(["GOOGLE"])
///     .with_response_type("code");
/// assert_eq!(oauth.scopes, ["openid", "email"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OAuthConfig {
    /// The hosted UI domain, for example `myapp.auth.us-east-1.amazoncognito.com`
    /// (a host, without `https://`).
    pub domain: String,
    /// The scopes to request, for example `openid`, `email`,
    /// `aws.cognito.signin.user.admin`.
    pub scopes: Vec<String>,
    /// The redirect URIs registered as the app client's `CallbackURLs`:
    /// a loopback `http://127.0.0.1:PORT/path` for desktop apps and CLIs, a
    /// custom scheme (`myapp://callback`) for mobile and Tauri apps, an
    /// `https://` page for servers.
    pub redirect_sign_in_uri: Vec<String>,
    /// The redirect URIs registered as the app client's `LogoutURLs`.
    pub redirect_sign_out_uri: Vec<String>,
    /// `code` (the authorization code grant with PKCE, the only one
    /// supported). `token` (the implicit grant) is refused with a config
    /// error. Empty means `code`.
    pub response_type: String,
    /// The external identity providers the backend configured, as Amplify
    /// writes them (`GOOGLE`, `FACEBOOK`, `LOGIN_WITH_AMAZON`,
    /// `SIGN_IN_WITH_APPLE`). Informational: any provider name can be asked
    /// for, custom OIDC and SAML ones included.
    pub identity_providers: Vec<String>,
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

    /// The response type: `code` (`token` is refused when the config is built).
    pub fn with_response_type(mut self, response_type: impl Into<String>) -> Self {
        self.response_type = response_type.into();
        self
    }

    /// The external identity providers the backend configured.
    pub fn with_identity_providers<S: Into<String>>(
        mut self,
        providers: impl IntoIterator<Item = S>,
    ) -> Self {
        self.identity_providers = strings(providers);
        self
    }

    /// Checks the section when the config is built; `prefix` is `auth.` for
    /// a file, empty for the builder.
    pub(super) fn check(&self, prefix: &str) -> Result<(), AuthError> {
        let field = |name: &str| format!("{prefix}oauth.{name}");
        match self.response_type.trim() {
            "" | "code" => {}
            "token" => {
                return Err(invalid(
                    &field("response_type"),
                    "`token` (the implicit grant) is not supported: it returns no refresh \
                     token, so the session cannot be refreshed, and it puts the tokens in the \
                     redirect URL, where browsers and logs keep them; use `code`, which this \
                     library runs with PKCE",
                ));
            }
            other => {
                return Err(invalid(
                    &field("response_type"),
                    format!(
                        "`{}` is not an OAuth response type; use `code`",
                        other.escape_debug()
                    ),
                ));
            }
        }
        let domain = self.domain.trim();
        if domain.contains("://") || domain.contains('/') || domain.contains(char::is_whitespace) {
            return Err(invalid(
                &field("domain"),
                "expected a host name such as `myapp.auth.us-east-1.amazoncognito.com` \
                 (no scheme, no path)",
            ));
        }
        for (name, uris) in [
            ("redirect_sign_in_uri", &self.redirect_sign_in_uri),
            ("redirect_sign_out_uri", &self.redirect_sign_out_uri),
        ] {
            for uri in uris {
                if url::Url::parse(uri).is_err() {
                    return Err(invalid(
                        &field(name),
                        format!("`{}` is not an absolute URI", uri.escape_debug()),
                    ));
                }
            }
        }
        Ok(())
    }
}
