//! Reading the redirect: it must come back to the flow's redirect URI with
//! the flow's `state` (checked in constant time) and either a `code` or an
//! OAuth `error`.

use auth_core::error::AuthError;
use auth_core::secret::SecretString;

use super::flow::FlowData;
use super::pkce;

/// The longest `error_description` kept, in characters.
const MAX_DESCRIPTION: usize = 200;

fn bad_url(message: &str) -> AuthError {
    AuthError::InvalidParameter {
        name: "redirect_url".into(),
        message: message.to_owned(),
    }
}

/// An OAuth `error` code as RFC 6749 allows it (`%x20-21 / %x23-5B /
/// %x5D-7E`), at most 64 characters; anything else is replaced, so that a
/// server cannot put arbitrary text in our errors.
pub(crate) fn clean_error_code(code: &str) -> String {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        code.to_owned()
    } else {
        "invalid_error_code".to_owned()
    }
}

/// An `error_description`, cut to printable ASCII and [`MAX_DESCRIPTION`]
/// characters.
pub(crate) fn clean_description(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .take(MAX_DESCRIPTION)
        .collect()
}

/// The error for a redirect that carries `error`.
fn oauth_error(error: &str, description: Option<&str>) -> AuthError {
    let description = description.map(clean_description);
    if error == "access_denied" {
        AuthError::SignInCancelled {
            description: description
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "the user did not allow the sign-in".to_owned()),
        }
    } else {
        AuthError::OAuth {
            error: clean_error_code(error),
            description: description.unwrap_or_default(),
        }
    }
}

/// The authorization code of a redirect to `flow`'s redirect URI, or why
/// there is none.
pub(crate) fn code_of(flow: &FlowData, redirect_url: &str) -> Result<SecretString, AuthError> {
    let url =
        url::Url::parse(redirect_url.trim()).map_err(|_| bad_url("is not an absolute URL"))?;
    let expected = url::Url::parse(&flow.redirect_uri)
        .map_err(|_| bad_url("the flow's redirect URI is invalid"))?;
    let same_target = url.scheme() == expected.scheme()
        && url.host_str() == expected.host_str()
        && url.port_or_known_default() == expected.port_or_known_default()
        && url.path() == expected.path();
    if !same_target {
        return Err(bad_url("does not go to this sign-in's redirect URI"));
    }
    let mut state = None;
    let mut code = None;
    let mut error = None;
    let mut description = None;
    for (name, value) in url.query_pairs() {
        let slot = match name.as_ref() {
            "state" => &mut state,
            "code" => &mut code,
            "error" => &mut error,
            "error_description" => &mut description,
            _ => continue,
        };
        if slot.is_some() {
            return Err(bad_url("repeats a parameter"));
        }
        *slot = Some(value.into_owned());
    }
    let expected_state = SecretString::new(flow.state.as_str());
    match (&state, &error) {
        (Some(s), _) if !pkce::state_matches(&expected_state, s) => {
            return Err(AuthError::StateMismatch);
        }
        // An error redirect without a state can end nothing but this flow,
        // and exchanges nothing: report the error itself.
        (None, Some(e)) => return Err(oauth_error(e, description.as_deref())),
        (None, None) => return Err(AuthError::StateMismatch),
        (Some(_), _) => {}
    }
    if let Some(e) = error {
        return Err(oauth_error(&e, description.as_deref()));
    }
    match code {
        Some(c) if !c.is_empty() => Ok(SecretString::from(c)),
        _ => Err(bad_url("has neither a `code` nor an `error`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> FlowData {
        FlowData::new(
            "client",
            "http://127.0.0.1:9999/callback",
            "COGNITO",
            &SecretString::new("expected-state-0123456789abcdef"),
            &SecretString::new("v".repeat(64)),
            "https://auth.example.com/oauth2/authorize?x".into(),
            0,
        )
    }

    const OK_STATE: &str = "expected-state-0123456789abcdef";

    #[test]
    fn a_matching_redirect_gives_the_code() {
        let url = format!("http://127.0.0.1:9999/callback?code=abc&state={OK_STATE}");
        assert_eq!(code_of(&flow(), &url).expect("code").expose_secret(), "abc");
    }

    #[test]
    fn a_state_mismatch_is_refused_before_anything_else() {
        for url in [
            "http://127.0.0.1:9999/callback?code=abc&state=forged-state-0123456789abcdef",
            "http://127.0.0.1:9999/callback?code=abc&state=",
            "http://127.0.0.1:9999/callback?code=abc",
            "http://127.0.0.1:9999/callback?error=access_denied&state=forged",
        ] {
            assert!(
                matches!(code_of(&flow(), url), Err(AuthError::StateMismatch)),
                "{url}"
            );
        }
    }

    #[test]
    fn access_denied_is_a_cancelled_sign_in_and_other_errors_are_oauth_errors() {
        let url = format!(
            "http://127.0.0.1:9999/callback?error=access_denied&error_description=User+cancelled&state={OK_STATE}"
        );
        match code_of(&flow(), &url) {
            Err(AuthError::SignInCancelled { description }) => {
                assert_eq!(description, "User cancelled");
            }
            other => panic!("{other:?}"),
        }
        let url = format!(
            "http://127.0.0.1:9999/callback?error=server_error&error_description=boom%0A&state={OK_STATE}"
        );
        match code_of(&flow(), &url) {
            Err(e @ AuthError::OAuth { .. }) => {
                assert!(e.is_transient());
                assert_eq!(e.to_string(), "OAuth error server_error: boom?");
            }
            other => panic!("{other:?}"),
        }
        let url = "http://127.0.0.1:9999/callback?error=%3Cscript%3E";
        match code_of(&flow(), url) {
            Err(AuthError::OAuth { error, .. }) => assert_eq!(error, "invalid_error_code"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_missing_code_a_repeated_parameter_and_another_target_are_refused() {
        let missing = format!("http://127.0.0.1:9999/callback?state={OK_STATE}");
        let repeated = format!("http://127.0.0.1:9999/callback?code=a&code=b&state={OK_STATE}");
        let elsewhere = format!("http://127.0.0.1:9998/callback?code=a&state={OK_STATE}");
        let other_path = format!("http://127.0.0.1:9999/other?code=a&state={OK_STATE}");
        for url in [
            missing,
            repeated,
            elsewhere,
            other_path,
            "not a url".to_owned(),
        ] {
            assert!(
                matches!(
                    code_of(&flow(), &url),
                    Err(AuthError::InvalidParameter { .. })
                ),
                "{url}"
            );
        }
    }
}
