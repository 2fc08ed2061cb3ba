//! `SignUp`, `ConfirmSignUp`, `ResendConfirmationCode` and the password policy.

use serde_json::json;

use super::{PASSWORD, codes, confirm, email_pool, pool_and_client, sign_up, wrong};
use crate::common::start;

#[tokio::test]
async fn sign_up_sends_a_single_use_code_to_the_email_and_confirming_verifies_it() {
    let (_emu, api) = start().await;
    let (pool, client) = email_pool(&api).await;
    let r = sign_up(&api, &client, "erin", "erin@example.com")
        .await
        .unwrap();
    assert_eq!(r["UserConfirmed"], false);
    assert_eq!(
        r["CodeDeliveryDetails"],
        json!({"Destination": "e***@example.com", "DeliveryMedium": "EMAIL", "AttributeName": "email"})
    );
    assert!(r["UserSub"].as_str().is_some_and(|s| s.len() == 36));
    let first = codes(&api, &pool, "erin").await["confirmation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    // A new code replaces the old one.
    let again = api
        .idp(
            "ResendConfirmationCode",
            json!({"ClientId": client, "Username": "erin"}),
        )
        .await
        .unwrap();
    assert_eq!(again["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    let second = codes(&api, &pool, "erin").await["confirmation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    if first != second {
        let e = confirm(&api, &client, "erin", &first).await.unwrap_err();
        assert_eq!(e.type_, "CodeMismatchException");
    }
    let e = confirm(&api, &client, "erin", &wrong(&second))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "CodeMismatchException");
    assert_eq!(
        confirm(&api, &client, "erin", &second).await.unwrap(),
        json!({}),
        "no Session without ALLOW_USER_AUTH"
    );
    // Single use: the user is confirmed, the code is spent, and still reported.
    let e = confirm(&api, &client, "erin", &second).await.unwrap_err();
    assert_eq!(
        (e.type_.as_str(), e.message.as_str()),
        (
            "NotAuthorizedException",
            "User cannot be confirmed. Current status is CONFIRMED"
        )
    );
    assert_eq!(
        codes(&api, &pool, "erin").await["confirmation_code"],
        second
    );
    let user = api
        .idp(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "erin"}),
        )
        .await
        .unwrap();
    assert_eq!(user["UserStatus"], "CONFIRMED");
    assert!(
        user["UserAttributes"]
            .as_array()
            .unwrap()
            .contains(&json!({"Name": "email_verified", "Value": "true"}))
    );
    let e = api
        .idp(
            "ResendConfirmationCode",
            json!({"ClientId": client, "Username": "erin"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
}

#[tokio::test]
async fn sign_up_codes_expire_after_a_day_and_die_after_five_wrong_attempts() {
    let (emu, api) = start().await;
    let (pool, client) = email_pool(&api).await;
    sign_up(&api, &client, "old", "old@example.com")
        .await
        .unwrap();
    sign_up(&api, &client, "guess", "guess@example.com")
        .await
        .unwrap();
    let old = emu.confirmation_code(&pool, "old").unwrap();
    let guessed = emu.confirmation_code(&pool, "guess").unwrap();
    for _ in 0..5 {
        let e = confirm(&api, &client, "guess", &wrong(&guessed))
            .await
            .unwrap_err();
        assert_eq!(e.type_, "CodeMismatchException");
    }
    let e = confirm(&api, &client, "guess", &guessed).await.unwrap_err();
    assert_eq!(
        (e.type_.as_str(), e.message.as_str()),
        (
            "LimitExceededException",
            "Attempt limit exceeded, please try after some time."
        )
    );
    emu.set_clock_offset(86_400);
    let e = confirm(&api, &client, "old", &old).await.unwrap_err();
    assert_eq!(e.type_, "ExpiredCodeException");
    // A new code works again.
    api.idp(
        "ResendConfirmationCode",
        json!({"ClientId": client, "Username": "old"}),
    )
    .await
    .unwrap();
    let fresh = emu.confirmation_code(&pool, "old").unwrap();
    confirm(&api, &client, "old", &fresh).await.unwrap();
}

#[tokio::test]
async fn a_pool_without_auto_verified_attributes_sends_no_code() {
    let (emu, api) = start().await;
    let (pool, client) = pool_and_client(&api, json!({}), json!({})).await;
    let r = sign_up(&api, &client, "quiet", "quiet@example.com")
        .await
        .unwrap();
    assert_eq!(r["UserConfirmed"], false);
    assert!(r.get("CodeDeliveryDetails").is_none());
    assert_eq!(emu.confirmation_code(&pool, "quiet"), None);
    api.idp(
        "AdminConfirmSignUp",
        json!({"UserPoolId": pool, "Username": "quiet"}),
    )
    .await
    .unwrap();
    api.password_auth(&client, "quiet", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn the_pool_password_policy_is_enforced_with_cognitos_messages() {
    let (_emu, api) = start().await;
    let policy = json!({"Policies": {"PasswordPolicy": {
        "MinimumLength": 10, "RequireUppercase": true, "RequireLowercase": true,
        "RequireNumbers": true, "RequireSymbols": false}}});
    let (pool, client) = pool_and_client(&api, policy, json!({})).await;
    let described = api
        .idp("DescribeUserPool", json!({"UserPoolId": pool}))
        .await
        .unwrap();
    assert_eq!(
        described["UserPool"]["Policies"]["PasswordPolicy"]["MinimumLength"],
        10
    );
    let try_sign_up = |pw: &'static str| {
        let api = &api;
        let client = client.clone();
        async move {
            api.idp(
                "SignUp",
                json!({"ClientId": client, "Username": "pat", "Password": pw}),
            )
            .await
            .map_err(|e| (e.type_, e.message))
        }
    };
    let policy_error = |rule: &str| {
        Err((
            "InvalidPasswordException".to_owned(),
            format!("Password did not conform with policy: {rule}"),
        ))
    };
    assert_eq!(
        try_sign_up("Sh0rtPass").await.map(|_| ()),
        policy_error("Password not long enough")
    );
    assert_eq!(
        try_sign_up("alllower123").await.map(|_| ()),
        policy_error("Password must have uppercase characters")
    );
    assert_eq!(
        try_sign_up("NoDigitsHere").await.map(|_| ()),
        policy_error("Password must have numeric characters")
    );
    try_sign_up("NoSymbols12").await.unwrap();
    // Admin paths and password changes follow the same policy.
    let e = api
        .idp(
            "AdminSetUserPassword",
            json!({"UserPoolId": pool, "Username": "pat", "Password": "weak", "Permanent": true}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidPasswordException");
    let e = api
        .idp(
            "AdminCreateUser",
            json!({"UserPoolId": pool, "Username": "tmp", "TemporaryPassword": "weak"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidPasswordException");
    api.idp(
        "AdminConfirmSignUp",
        json!({"UserPoolId": pool, "Username": "pat"}),
    )
    .await
    .unwrap();
    let token = super::access_token(&api, &client, "pat", "NoSymbols12").await;
    let e = api
        .idp(
            "ChangePassword",
            json!({"AccessToken": token, "PreviousPassword": "NoSymbols12", "ProposedPassword": "short"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidPasswordException");
    let e = api
        .idp(
            "ChangePassword",
            json!({"AccessToken": token, "PreviousPassword": "wrong-Passw0rd", "ProposedPassword": "Another123x"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    api.idp(
        "ChangePassword",
        json!({"AccessToken": token, "PreviousPassword": "NoSymbols12", "ProposedPassword": "Another123x"}),
    )
    .await
    .unwrap();
    api.password_auth(&client, "pat", "Another123x")
        .await
        .unwrap();
}
