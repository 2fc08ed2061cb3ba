//! Starting a sign-in: the redirect URI chosen and checked against the
//! config, a fresh verifier and state, and the `/oauth2/authorize` URL.

use auth_core::error::AuthError;

use super::flow::FlowData;
use super::options::SignInWithRedirectOptions;
use super::pkce;
use crate::config::{CognitoConfig, OAuthConfig};

fn invalid(field: &str, message: impl Into<String>) -> AuthError {
    AuthError::InvalidConfig {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The OAuth section, or a config error that names it.
pub(crate) fn oauth_config(config: &CognitoConfig) -> Result<&OAuthConfig, AuthError> {
    config.oauth().ok_or_else(|| {
        invalid(
            "auth.oauth",
            "missing: the hosted UI needs the oauth section (domain, scopes, \
             redirect_sign_in_uri), which Amplify writes when the backend has externalProviders",
        )
    })
}

/// The hosted UI's base URL, or a config error that names the domain.
pub(crate) fn endpoint(config: &CognitoConfig) -> Result<String, AuthError> {
    oauth_config(config)?;
    config
        .oauth_endpoint()
        .ok_or_else(|| invalid("auth.oauth.domain", "empty: the hosted UI has no domain"))
}

/// The redirect URI of a sign-in: `wanted` when it is registered, else the
/// first registered one.
pub(crate) fn redirect_uri<'a>(
    oauth: &'a OAuthConfig,
    wanted: Option<&str>,
) -> Result<&'a str, AuthError> {
    let registered = &oauth.redirect_sign_in_uri;
    match wanted {
        Some(w) => registered
            .iter()
            .find(|r| r.as_str() == w)
            .map(String::as_str)
            .ok_or_else(|| AuthError::InvalidParameter {
                name: "redirect_uri".into(),
                message: "is not one of auth.oauth.redirect_sign_in_uri (Cognito matches \
                          callback URLs exactly)"
                    .into(),
            }),
        None => registered.first().map(String::as_str).ok_or_else(|| {
            invalid(
                "auth.oauth.redirect_sign_in_uri",
                "empty: no redirect URI to sign in with",
            )
        }),
    }
}

/// A new flow: its verifier, state and authorize URL.
pub(crate) fn start(
    config: &CognitoConfig,
    options: &SignInWithRedirectOptions,
    redirect_uri: &str,
    now_ms: i64,
) -> Result<FlowData, AuthError> {
    let oauth = oauth_config(config)?;
    let base = endpoint(config)?;
    let client_id = config.user_pool_client_id().ok_or(AuthError::NoUserPool)?;
    let verifier = pkce::new_verifier();
    let state = pkce::new_state();
    let challenge = pkce::challenge_s256(verifier.expose_secret());
    let mut url = url::Url::parse(&format!("{base}/oauth2/authorize"))
        .map_err(|_| invalid("auth.oauth.domain", "does not make a valid URL"))?;
    let provider = options.provider.as_wire_name();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("redirect_uri", redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("identity_provider", provider);
        if !oauth.scopes.is_empty() {
            q.append_pair("scope", &oauth.scopes.join(" "));
        }
        q.append_pair("state", state.expose_secret())
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        let optional = [
            ("idp_identifier", options.idp_identifier.as_deref()),
            ("login_hint", options.login_hint.as_deref()),
            ("lang", options.lang.as_deref()),
            ("nonce", options.nonce.as_deref()),
            ("prompt", options.prompt.map(|p| p.as_wire_name())),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                q.append_pair(name, v);
            }
        }
    }
    Ok(FlowData::new(
        client_id,
        redirect_uri,
        provider,
        &state,
        &verifier,
        url.into(),
        now_ms,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosted_ui::{HostedUiProvider, Prompt};

    fn config() -> CognitoConfig {
        CognitoConfig::builder()
            .user_pool("us-east-1_abc", "client-1")
            .oauth(
                OAuthConfig::new("auth.example.com")
                    .with_scopes(["openid", "email"])
                    .with_redirect_sign_in_uri(["myapp://cb", "http://127.0.0.1:9999/callback"])
                    .with_response_type("code"),
            )
            .build()
            .expect("valid")
    }

    fn query(url: &str) -> Vec<(String, String)> {
        url::Url::parse(url)
            .expect("url")
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn the_authorize_url_has_every_parameter_amplify_sends() {
        let c = config();
        let options = SignInWithRedirectOptions::default()
            .with_provider(HostedUiProvider::Google)
            .with_login_hint("ada@example.com")
            .with_lang("fr")
            .with_nonce("n-1")
            .with_idp_identifier("example.com")
            .with_prompt(Prompt::SelectAccount);
        let flow = start(&c, &options, "myapp://cb", 0).expect("start");
        assert!(
            flow.authorize_url
                .starts_with("https://auth.example.com/oauth2/authorize?")
        );
        let q = query(&flow.authorize_url);
        let get = |k: &str| {
            q.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("no {k}"))
        };
        assert_eq!(get("response_type"), "code");
        assert_eq!(get("client_id"), "client-1");
        assert_eq!(get("redirect_uri"), "myapp://cb");
        assert_eq!(get("scope"), "openid email");
        assert_eq!(get("identity_provider"), "Google");
        assert_eq!(get("code_challenge_method"), "S256");
        assert_eq!(
            get("code_challenge"),
            pkce::challenge_s256(&flow.code_verifier)
        );
        assert_eq!(get("state"), flow.state);
        assert!(flow.state.len() >= 22, "at least 128 bits");
        assert_eq!(get("login_hint"), "ada@example.com");
        assert_eq!(get("lang"), "fr");
        assert_eq!(get("nonce"), "n-1");
        assert_eq!(get("idp_identifier"), "example.com");
        assert_eq!(get("prompt"), "select_account");
        assert!((43..=128).contains(&flow.code_verifier.len()));
    }

    #[test]
    fn the_default_provider_is_cognito_and_each_flow_is_fresh() {
        let c = config();
        let a = start(&c, &SignInWithRedirectOptions::default(), "myapp://cb", 0).expect("a");
        let b = start(&c, &SignInWithRedirectOptions::default(), "myapp://cb", 0).expect("b");
        assert!(query(&a.authorize_url).contains(&("identity_provider".into(), "COGNITO".into())));
        assert_ne!(a.state, b.state);
        assert_ne!(a.code_verifier, b.code_verifier);
        assert!(
            !a.authorize_url.contains(&a.code_verifier),
            "only the challenge is sent"
        );
    }

    #[test]
    fn the_redirect_uri_must_be_registered() {
        let c = config();
        let oauth = c.oauth().expect("oauth");
        assert_eq!(redirect_uri(oauth, None).expect("first"), "myapp://cb");
        assert!(matches!(
            redirect_uri(oauth, Some("https://evil.example/cb")),
            Err(AuthError::InvalidParameter { .. })
        ));
        let empty = OAuthConfig::new("d");
        assert!(matches!(
            redirect_uri(&empty, None),
            Err(AuthError::InvalidConfig { field, .. }) if field == "auth.oauth.redirect_sign_in_uri"
        ));
    }
}
