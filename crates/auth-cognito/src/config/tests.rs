//! Unit tests of the configuration: parsing, validation, redaction.

use super::*;

fn field_of(e: AuthError) -> String {
    match e {
        AuthError::InvalidConfig { field, .. } => field,
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

fn parse(auth: &str) -> Result<CognitoConfig, AuthError> {
    CognitoConfig::from_amplify_outputs(&format!(r#"{{"version":"1.3","auth":{auth}}}"#))
}

#[test]
fn region_comes_from_the_pool_id() {
    let c = parse(r#"{"user_pool_id":"ap-south-1_abc","user_pool_client_id":"c"}"#).expect("valid");
    assert_eq!(c.region(), "ap-south-1");
    assert_eq!(
        c.user_pool_provider_name().as_deref(),
        Some("cognito-idp.ap-south-1.amazonaws.com/ap-south-1_abc")
    );
    assert_eq!(
        c.user_pool_endpoint(),
        "https://cognito-idp.ap-south-1.amazonaws.com"
    );
}

#[test]
fn malformed_config_names_the_field() {
    assert_eq!(
        field_of(CognitoConfig::from_amplify_outputs("{").expect_err("err")),
        "amplify_outputs.json"
    );
    assert_eq!(
        field_of(CognitoConfig::from_amplify_outputs("{}").expect_err("err")),
        "auth"
    );
    assert_eq!(
        field_of(parse(r#"{"user_pool_id":"nope","user_pool_client_id":"c"}"#).expect_err("err")),
        "auth.user_pool_id"
    );
    assert_eq!(
        field_of(parse(r#"{"user_pool_id":"us-east-1_x"}"#).expect_err("err")),
        "auth.user_pool_client_id"
    );
    assert_eq!(
        field_of(parse(r#"{"user_pool_id":5,"user_pool_client_id":"c"}"#).expect_err("err")),
        "auth.user_pool_id"
    );
    assert_eq!(
        field_of(
            parse(r#"{"user_pool_id":"us-east-1_x","user_pool_client_id":"c","identity_pool_id":"eu-west-1:abc"}"#)
                .expect_err("err")
        ),
        "auth.identity_pool_id"
    );
    assert_eq!(
        field_of(
            parse(r#"{"user_pool_id":"us-east-1_x","user_pool_client_id":"c","unauthenticated_identities_enabled":"yes"}"#)
                .expect_err("err")
        ),
        "auth.unauthenticated_identities_enabled"
    );
    assert_eq!(
        field_of(
            parse(r#"{"user_pool_id":"us-east-1_x","user_pool_client_id":"c","user_pool_endpoint":"ftp://x"}"#)
                .expect_err("err")
        ),
        "auth.user_pool_endpoint"
    );
    assert_eq!(
        field_of(
            parse(r#"{"user_pool_id":"us-east-1_x","user_pool_client_id":"c","aws_region":"eu-west-1"}"#)
                .expect_err("err")
        ),
        "auth.aws_region"
    );
}

#[test]
fn endpoints_can_be_overridden_in_the_file() {
    let c = parse(
        r#"{"user_pool_id":"us-east-1_x","user_pool_client_id":"c",
            "identity_pool_id":"us-east-1:1234","unauthenticated_identities_enabled":true,
            "user_pool_endpoint":"http://127.0.0.1:1/","identity_pool_endpoint":"http://127.0.0.1:2",
            "oauth":{"domain":"d","scopes":["openid"],"redirect_sign_in_uri":["a://"],"redirect_sign_out_uri":[],"response_type":"code"}}"#,
    )
    .expect("valid");
    // The env vars may be set by the test runner; only check when they are not.
    if std::env::var(ENV_USER_POOL_ENDPOINT).is_err() {
        assert_eq!(c.user_pool_endpoint(), "http://127.0.0.1:1");
    }
    if std::env::var(ENV_IDENTITY_POOL_ENDPOINT).is_err() {
        assert_eq!(c.identity_pool_endpoint(), "http://127.0.0.1:2");
    }
    assert_eq!(
        c.oauth().map(|o| o.scopes.clone()),
        Some(vec!["openid".to_owned()])
    );
    assert!(c.unauthenticated_identities_enabled());
}

#[test]
fn debug_redacts_the_client_secret() {
    let c = CognitoConfig::builder()
        .user_pool("us-east-1_x", "c")
        .client_secret("top-secret-value")
        .build()
        .expect("valid");
    assert!(!format!("{c:?}").contains("top-secret-value"));
}

#[test]
fn the_oauth_section_is_parsed_whole() {
    let c = parse(
        r#"{"user_pool_id":"us-east-1_x","user_pool_client_id":"c",
            "oauth":{"domain":"myapp.auth.us-east-1.amazoncognito.com","scopes":["openid","email"],
            "redirect_sign_in_uri":["http://127.0.0.1:8765/callback","myapp://cb"],
            "redirect_sign_out_uri":["http://127.0.0.1:8765/bye"],
            "response_type":"code","identity_providers":["GOOGLE","SIGN_IN_WITH_APPLE"]}}"#,
    )
    .expect("valid");
    let o = c.oauth().expect("oauth");
    assert_eq!(o.identity_providers, ["GOOGLE", "SIGN_IN_WITH_APPLE"]);
    assert_eq!(o.redirect_sign_in_uri.len(), 2);
    assert_eq!(o.redirect_sign_out_uri, ["http://127.0.0.1:8765/bye"]);
    if std::env::var(ENV_OAUTH_ENDPOINT).is_err() {
        assert_eq!(
            c.oauth_endpoint().as_deref(),
            Some("https://myapp.auth.us-east-1.amazoncognito.com")
        );
    }
}

#[test]
fn the_implicit_grant_is_a_config_error_that_says_why() {
    let e = parse(
        r#"{"user_pool_id":"us-east-1_x","user_pool_client_id":"c",
            "oauth":{"domain":"d.example.com","scopes":[],"redirect_sign_in_uri":["myapp://cb"],
            "redirect_sign_out_uri":[],"response_type":"token"}}"#,
    )
    .expect_err("token is refused");
    let text = e.to_string();
    assert!(text.contains("auth.oauth.response_type"), "{text}");
    assert!(text.contains("no refresh"), "{text}");
    let built = CognitoConfig::builder()
        .user_pool("us-east-1_x", "c")
        .oauth(OAuthConfig::new("d.example.com").with_response_type("token"))
        .build()
        .expect_err("the builder refuses it too");
    assert_eq!(field_of(built), "oauth.response_type");
    for (bad, field) in [
        (r#""domain":"https://d.example.com""#, "auth.oauth.domain"),
        (
            r#""domain":"d","response_type":"id_token""#,
            "auth.oauth.response_type",
        ),
        (
            r#""domain":"d","redirect_sign_in_uri":["no scheme"]"#,
            "auth.oauth.redirect_sign_in_uri",
        ),
        (
            r#""domain":"d","identity_providers":"GOOGLE""#,
            "auth.oauth.identity_providers",
        ),
    ] {
        let auth = format!(
            r#"{{"user_pool_id":"us-east-1_x","user_pool_client_id":"c","oauth":{{{bad}}}}}"#
        );
        assert_eq!(field_of(parse(&auth).expect_err(bad)), field, "{bad}");
    }
}

#[test]
fn the_oauth_endpoint_override_replaces_the_domain() {
    let c = CognitoConfig::builder()
        .user_pool("us-east-1_x", "c")
        .oauth(OAuthConfig::new("d.example.com"))
        .oauth_endpoint("http://127.0.0.1:9229/")
        .build()
        .expect("valid");
    assert_eq!(c.oauth_endpoint().as_deref(), Some("http://127.0.0.1:9229"));
    let bad = CognitoConfig::builder()
        .user_pool("us-east-1_x", "c")
        .oauth_endpoint("ftp://x")
        .build()
        .expect_err("not http");
    assert_eq!(field_of(bad), "oauth_endpoint");
    let none = CognitoConfig::builder()
        .user_pool("us-east-1_x", "c")
        .build()
        .expect("valid");
    assert_eq!(none.oauth_endpoint(), None);
}

#[test]
fn the_storage_prefix_is_amplify_s_and_shared_by_clones() {
    let c =
        parse(r#"{"user_pool_id":"ap-south-1_abc","user_pool_client_id":"c1"}"#).expect("valid");
    let clone = c.clone();
    let (a, b) = (c.storage_prefix(), clone.storage_prefix());
    assert_eq!(a.as_deref(), Some("CognitoIdentityServiceProvider.c1"));
    assert!(
        Arc::ptr_eq(a.as_ref().expect("a"), b.as_ref().expect("b")),
        "one allocation for every plugin of the config"
    );
    let keys = crate::session::Keys::for_config(&clone).expect("keys");
    assert_eq!(
        keys.last_auth_user(),
        "CognitoIdentityServiceProvider.c1.LastAuthUser"
    );
    let identity_only = parse(
        r#"{"identity_pool_id":"ap-south-1:11111111-2222-3333-4444-555555555555","aws_region":"ap-south-1"}"#,
    )
    .expect("an identity pool alone is a valid config");
    assert_eq!(identity_only.storage_prefix(), None);
}
