//! The real `aws-sdk-cognitoidentity` client against the emulator: unsigned GetId and
//! GetCredentialsForIdentity through a custom endpoint, with no credentials at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_cognitoidentity::config::{BehaviorVersion, Region};
use cognito_emulator::{ClientOptions, Emulator};

fn sdk_client(endpoint: &str) -> aws_sdk_cognitoidentity::Client {
    let config = aws_sdk_cognitoidentity::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_cognitoidentity::Client::from_conf(config)
}

#[tokio::test]
async fn aws_sdk_get_id_and_credentials_for_guest_and_signed_in_user() {
    let emu = Emulator::start().await.unwrap();
    let pool = emu.create_user_pool("p").unwrap();
    let client = emu
        .create_user_pool_client(&pool, ClientOptions::default())
        .unwrap();
    emu.admin_create_user(&pool, "alice", "Passw0rd!", true)
        .unwrap();
    let provider = emu.cognito_provider_name(&pool);
    let ip = emu
        .create_identity_pool(true, &[(&provider, &client.id)], &[])
        .unwrap();
    let sdk = sdk_client(&emu.endpoint());

    // Guest.
    let id = sdk.get_id().identity_pool_id(&ip).send().await.unwrap();
    let guest = id.identity_id().unwrap().to_owned();
    let creds = sdk
        .get_credentials_for_identity()
        .identity_id(&guest)
        .send()
        .await
        .unwrap();
    let c = creds.credentials().unwrap();
    assert!(c.access_key_id().unwrap().starts_with("ASIA"));
    assert!(c.secret_key().is_some() && c.session_token().is_some());
    let exp = c.expiration().unwrap().secs();
    assert!((exp - emu.now() - 3600).abs() <= 2, "expiration {exp}");
    assert_eq!(
        emu.identity_for_access_key(c.access_key_id().unwrap()),
        Some(guest.clone())
    );

    // Signed in, through the raw wire for the user pool (no user-pool SDK here).
    let http = reqwest::Client::new();
    let v: serde_json::Value = http
        .post(format!("{}/", emu.endpoint()))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        )
        .body(
            serde_json::json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client.id,
                "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}})
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id_token = v["AuthenticationResult"]["IdToken"].as_str().unwrap();
    let authed = sdk
        .get_id()
        .identity_pool_id(&ip)
        .logins(&provider, id_token)
        .send()
        .await
        .unwrap();
    let authed_id = authed.identity_id().unwrap().to_owned();
    assert_ne!(authed_id, guest);
    sdk.get_credentials_for_identity()
        .identity_id(&authed_id)
        .logins(&provider, id_token)
        .send()
        .await
        .unwrap();

    // Typed errors: denied guest access is NotAuthorizedException.
    let err = sdk
        .get_credentials_for_identity()
        .identity_id(&authed_id)
        .send()
        .await
        .unwrap_err();
    let service = err.into_service_error();
    assert!(service.is_not_authorized_exception(), "{service:?}");
    let err = sdk
        .get_id()
        .identity_pool_id("us-east-1:00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());
    emu.shutdown().await;
}
