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
