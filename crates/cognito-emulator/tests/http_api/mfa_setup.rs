//! The pool's MFA configuration over HTTP: `SetUserPoolMfaConfig` / `GetUserPoolMfaConfig`,
//! `MFA_SETUP` at sign-in with `AssociateSoftwareToken` / `VerifySoftwareToken` by
//! session, TOTP codes that cannot be used twice, and email MFA.

use cognito_emulator::totp_code;
use serde_json::{Value, json};

use crate::common::{Api, base32_decode, cid, start};

async fn mfa_config(api: &Api, pool: &str, body: Value) -> Value {
    let mut req = json!({"UserPoolId": pool});
    if let (Some(o), Some(b)) = (req.as_object_mut(), body.as_object()) {
        o.extend(b.clone());
    }
    api.idp("SetUserPoolMfaConfig", req).await.unwrap()
}

async fn respond(
    api: &Api,
    client_id: &str,
    name: &str,
    session: &Value,
    responses: Value,
) -> Result<Value, crate::common::WireError> {
    api.idp(
        "RespondToAuthChallenge",
        json!({"ChallengeName": name, "ClientId": client_id, "Session": session, "ChallengeResponses": responses}),
    )
    .await
}

#[tokio::test]
async fn mfa_configuration_round_trips_and_needs_a_method_when_on() {
    let (_emu, api) = start().await;
    let (pool, _client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let e = api
        .idp(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": pool, "MfaConfiguration": "ON"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
    let set = mfa_config(
        &api,
        &pool,
        json!({"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": true},
        "EmailMfaConfiguration": {"Message": "code {####}", "Subject": "Your code"}}),
    )
    .await;
    assert_eq!(set["MfaConfiguration"], "ON");
    let got = api
        .idp("GetUserPoolMfaConfig", json!({"UserPoolId": pool}))
        .await
        .unwrap();
    assert_eq!(got["MfaConfiguration"], "ON");
    assert_eq!(got["SoftwareTokenMfaConfiguration"]["Enabled"], true);
    assert_eq!(got["EmailMfaConfiguration"]["Subject"], "Your code");
    assert!(got.get("SmsMfaConfiguration").is_none());
    let d = api
        .idp("DescribeUserPool", json!({"UserPoolId": pool}))
        .await
        .unwrap();
    assert_eq!(d["UserPool"]["MfaConfiguration"], "ON");
}

#[tokio::test]
async fn mfa_on_makes_a_user_without_a_factor_set_up_totp_by_session() {
    let (emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let client = cid(&client);
    mfa_config(
        &api,
        &pool,
        json!({"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .await;
    let r = api
        .password_auth(&client, "alice", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "MFA_SETUP");
    assert_eq!(
        r["ChallengeParameters"]["MFAS_CAN_SETUP"],
        "[\"SOFTWARE_TOKEN_MFA\"]"
    );
    // Answering before a token is verified fails, and leaves the challenge answerable.
    let e = respond(
        &api,
        &client,
        "MFA_SETUP",
        &r["Session"],
        json!({"USERNAME": "alice"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
    let a = api
        .idp("AssociateSoftwareToken", json!({"Session": r["Session"]}))
        .await
        .unwrap();
    let secret = base32_decode(a["SecretCode"].as_str().unwrap());
    assert_ne!(a["Session"], r["Session"], "a new session");
    // The old session is used up by the association.
    let e = api
        .idp("AssociateSoftwareToken", json!({"Session": r["Session"]}))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    let good = totp_code(&secret, emu.now());
    let wrong = if good == "000000" { "111111" } else { "000000" };
    let e = api
        .idp(
            "VerifySoftwareToken",
            json!({"Session": a["Session"], "UserCode": wrong}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "EnableSoftwareTokenMFAException");
    let v = api
        .idp(
            "VerifySoftwareToken",
            json!({"Session": a["Session"], "UserCode": good}),
        )
        .await
        .unwrap();
    assert_eq!(v["Status"], "SUCCESS");
    let done = respond(
        &api,
        &client,
        "MFA_SETUP",
        &v["Session"],
        json!({"USERNAME": "alice"}),
    )
    .await
    .unwrap();
    let at = done["AuthenticationResult"]["AccessToken"].clone();
    assert!(at.is_string());
    let u = api
        .idp("GetUser", json!({"AccessToken": at}))
        .await
        .unwrap();
    assert_eq!(u["UserMFASettingList"], json!(["SOFTWARE_TOKEN_MFA"]));
    assert_eq!(u["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");
    // The next sign-in asks for a code, and the code used for the set-up is not accepted
    // again in its window.
    let r = api
        .password_auth(&client, "alice", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let e = respond(
        &api,
        &client,
        "SOFTWARE_TOKEN_MFA",
        &r["Session"],
        json!({"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": good}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.type_, "ExpiredCodeException");
    // The next window's code works once, on the same session (it survived the refusal).
    emu.set_clock_offset(30);
    let next = totp_code(&secret, emu.now());
    respond(
        &api,
        &client,
        "SOFTWARE_TOKEN_MFA",
        &r["Session"],
        json!({"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": next}),
    )
    .await
    .unwrap();
    let r = api
        .password_auth(&client, "alice", "Passw0rd!")
        .await
        .unwrap();
    let e = respond(
        &api,
        &client,
        "SOFTWARE_TOKEN_MFA",
        &r["Session"],
        json!({"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": next}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.type_, "ExpiredCodeException", "a reused TOTP code");
}

#[tokio::test]
async fn email_mfa_after_the_password_and_in_the_mfa_selection() {
    let (emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let client = cid(&client);
    mfa_config(
        &api,
        &pool,
        json!({"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": true},
        "EmailMfaConfiguration": {}}),
    )
    .await;
    api.idp(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": pool, "Username": "alice", "EmailMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await
    .unwrap();
    let r = api
        .password_auth(&client, "alice", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "EMAIL_OTP");
    assert_eq!(
        r["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "EMAIL"
    );
    let code = emu.email_otp_code(&pool, "alice").unwrap();
    let ok = respond(
        &api,
        &client,
        "EMAIL_OTP",
        &r["Session"],
        json!({"USERNAME": "alice", "EMAIL_OTP_CODE": code}),
    )
    .await
    .unwrap();
    let at = ok["AuthenticationResult"]["AccessToken"].clone();
    let u = api
        .idp("GetUser", json!({"AccessToken": at}))
        .await
        .unwrap();
    assert_eq!(u["UserMFASettingList"], json!(["EMAIL_OTP"]));
    assert_eq!(u["PreferredMfaSetting"], "EMAIL_OTP");
    // With TOTP too and no preference: SELECT_MFA_TYPE offers both.
    emu.set_totp_secret(&pool, "alice", "JBSWY3DPEHPK3PXP")
        .unwrap();
    api.idp(
        "SetUserMFAPreference",
        json!({"AccessToken": at, "EmailMfaSettings": {"Enabled": true, "PreferredMfa": false},
               "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": false}}),
    )
    .await
    .unwrap();
    let r = api
        .password_auth(&client, "alice", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SELECT_MFA_TYPE");
    assert_eq!(
        r["ChallengeParameters"]["MFAS_CAN_CHOOSE"],
        "[\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]"
    );
    let e = respond(
        &api,
        &client,
        "SELECT_MFA_TYPE",
        &r["Session"],
        json!({"USERNAME": "alice", "ANSWER": "SMS_MFA"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
    let r = respond(
        &api,
        &client,
        "SELECT_MFA_TYPE",
        &r["Session"],
        json!({"USERNAME": "alice", "ANSWER": "EMAIL_OTP"}),
    )
    .await
    .unwrap();
    assert_eq!(r["ChallengeName"], "EMAIL_OTP");
    let code = emu.email_otp_code(&pool, "alice").unwrap();
    respond(
        &api,
        &client,
        "EMAIL_OTP",
        &r["Session"],
        json!({"USERNAME": "alice", "EMAIL_OTP_CODE": code}),
    )
    .await
    .unwrap();
    // MFA OFF: no challenge at all.
    mfa_config(&api, &pool, json!({"MfaConfiguration": "OFF"})).await;
    let r = api
        .password_auth(&client, "alice", "Passw0rd!")
        .await
        .unwrap();
    assert!(r["AuthenticationResult"]["AccessToken"].is_string());
}

#[tokio::test]
async fn mfa_setup_by_email_then_the_emailed_code() {
    let (emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let client = cid(&client);
    // bob has no email, so no factor.
    emu.admin_create_user(&pool, "bob", "Passw0rd!", true)
        .unwrap();
    mfa_config(&api, &pool, json!({"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": true}, "EmailMfaConfiguration": {}})).await;
    // alice has an email: with email MFA allowed and MFA ON, that is her factor.
    let r = api
        .password_auth(&client, "alice", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "EMAIL_OTP");
    let r = api
        .password_auth(&client, "bob", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "MFA_SETUP");
    assert_eq!(
        r["ChallengeParameters"]["MFAS_CAN_SETUP"],
        "[\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]"
    );
    let r = respond(
        &api,
        &client,
        "MFA_SETUP",
        &r["Session"],
        json!({"USERNAME": "bob", "EMAIL": "bob@example.org"}),
    )
    .await
    .unwrap();
    assert_eq!(r["ChallengeName"], "EMAIL_OTP");
    assert_eq!(
        r["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"],
        "b***@example.org"
    );
    let code = emu.email_otp_code(&pool, "bob").unwrap();
    let ok = respond(
        &api,
        &client,
        "EMAIL_OTP",
        &r["Session"],
        json!({"USERNAME": "bob", "EMAIL_OTP_CODE": code}),
    )
    .await
    .unwrap();
    assert!(ok["AuthenticationResult"]["AccessToken"].is_string());
}
