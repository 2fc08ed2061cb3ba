//! MFA over HTTP: TOTP and SMS challenges, `SELECT_MFA_TYPE`, software-token association
//! and MFA preferences.

use cognito_emulator::totp_code;
use serde_json::{Value, json};

use crate::common::{base32_decode, cid, start};

#[tokio::test]
async fn totp_challenge_accepts_only_the_right_code() {
    let (emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    emu.set_totp_secret(&pool, "alice", secret).unwrap();
    let attempt = |code: String| {
        let api = &api;
        let client_id = cid(&client);
        async move {
            let r = api
                .password_auth(&client_id, "alice", "Passw0rd!")
                .await
                .unwrap();
            assert_eq!(r["ChallengeName"], "SOFTWARE_TOKEN_MFA");
            api.idp(
                "RespondToAuthChallenge",
                json!({"ChallengeName": "SOFTWARE_TOKEN_MFA", "ClientId": client_id, "Session": r["Session"],
                       "ChallengeResponses": {"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code}}),
            )
            .await
        }
    };
    let e = attempt("000000".into()).await;
    // 1 in a million: the all-zero code could be right; then the test proves nothing but passes.
    if let Err(e) = e {
        assert_eq!(e.type_, "CodeMismatchException");
    }
    let raw = base32_decode(secret);
    let ok = attempt(totp_code(&raw, emu.now())).await.unwrap();
    assert!(ok["AuthenticationResult"]["AccessToken"].is_string());
    // Through the HTTP route too (set another secret).
    let res = api
        .http
        .post(format!(
            "{}/_emulator/users/{pool}/alice/totp",
            emu.endpoint()
        ))
        .json(&json!({"secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let ok = attempt(totp_code(b"12345678901234567890", emu.now()))
        .await
        .unwrap();
    assert!(ok["AuthenticationResult"]["IdToken"].is_string());
}

#[tokio::test]
async fn sms_mfa_and_mfa_selection() {
    let (emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    emu.enable_sms_mfa(&pool, "alice", Some("+15550001234"))
        .unwrap();
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SMS_MFA");
    assert_eq!(
        r["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "SMS"
    );
    let codes: Value = api
        .http
        .get(format!(
            "{}/_emulator/users/{pool}/alice/codes",
            emu.endpoint()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = emu.sms_code(&pool, "alice").unwrap();
    assert_eq!(codes["sms_mfa_code"], code);
    let ok = api
        .idp(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "SMS_MFA", "ClientId": cid(&client), "Session": r["Session"],
                   "ChallengeResponses": {"USERNAME": "alice", "SMS_MFA_CODE": code}}),
        )
        .await
        .unwrap();
    assert!(ok["AuthenticationResult"]["AccessToken"].is_string());
    // Both kinds with no preference: SELECT_MFA_TYPE.
    emu.set_totp_secret(&pool, "alice", "JBSWY3DPEHPK3PXP")
        .unwrap();
    api.idp(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": pool, "Username": "alice",
               "SMSMfaSettings": {"Enabled": true, "PreferredMfa": false},
               "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": false}}),
    )
    .await
    .unwrap();
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SELECT_MFA_TYPE");
    let r = api
        .idp(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "SELECT_MFA_TYPE", "ClientId": cid(&client), "Session": r["Session"],
                   "ChallengeResponses": {"USERNAME": "alice", "ANSWER": "SOFTWARE_TOKEN_MFA"}}),
        )
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    assert!(r["Session"].is_string());
}

#[tokio::test]
async fn software_token_association_verification_and_preference() {
    let (emu, api) = start().await;
    let (_pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    let at = r["AuthenticationResult"]["AccessToken"].clone();
    let e = api
        .idp("SetUserMFAPreference", json!({"AccessToken": at, "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
    let secret = api
        .idp("AssociateSoftwareToken", json!({"AccessToken": at}))
        .await
        .unwrap()["SecretCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let raw = base32_decode(&secret);
    let e = api
        .idp("VerifySoftwareToken", json!({"AccessToken": at, "UserCode": if totp_code(&raw, emu.now()) == "111111" { "222222" } else { "111111" }}))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "EnableSoftwareTokenMFAException");
    let v = api
        .idp(
            "VerifySoftwareToken",
            json!({"AccessToken": at, "UserCode": totp_code(&raw, emu.now())}),
        )
        .await
        .unwrap();
    assert_eq!(v["Status"], "SUCCESS");
    api.idp("SetUserMFAPreference", json!({"AccessToken": at, "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}))
        .await
        .unwrap();
    let u = api
        .idp("GetUser", json!({"AccessToken": at}))
        .await
        .unwrap();
    assert_eq!(u["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SOFTWARE_TOKEN_MFA");
}
