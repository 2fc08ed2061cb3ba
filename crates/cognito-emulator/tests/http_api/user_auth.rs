//! `USER_AUTH` over HTTP: the pool's first factors, `SELECT_CHALLENGE`, `EMAIL_OTP` and
//! `SMS_OTP` codes (single use, expiring), `PASSWORD` and `PASSWORD_SRP` (checked by the
//! independent SRP client), and clients without `ALLOW_USER_AUTH`.

use serde_json::{Value, json};

use crate::common::{Api, SrpClient, cid, claims, srp_timestamp, start};

/// A pool allowing `factors`, a client with `ALLOW_USER_AUTH` (and `extra`), and alice
/// with an email and a phone number.
async fn passwordless_pool(api: &Api, factors: Value, extra: Value) -> (String, String) {
    let mut client_extra =
        json!({"ExplicitAuthFlows": ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]});
    if let (Some(o), Some(e)) = (client_extra.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    let (pool, client) = api.setup(client_extra, "alice", "Passw0rd!").await;
    api.idp(
        "UpdateUserPool",
        json!({"UserPoolId": pool, "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": factors}}}),
    )
    .await
    .unwrap();
    // A phone number through the test control (it also turns SMS MFA on: turn that off).
    let emu_http = &api.http;
    let res = emu_http
        .post(format!(
            "{}/_emulator/users/{pool}/alice/sms-mfa",
            api.endpoint
        ))
        .json(&json!({"phone_number": "+15550001234"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    api.idp(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": pool, "Username": "alice", "SMSMfaSettings": {"Enabled": false, "PreferredMfa": false}}),
    )
    .await
    .unwrap();
    (pool, cid(&client))
}

async fn user_auth(
    api: &Api,
    client_id: &str,
    params: Value,
) -> Result<Value, crate::common::WireError> {
    api.idp(
        "InitiateAuth",
        json!({"AuthFlow": "USER_AUTH", "ClientId": client_id, "AuthParameters": params}),
    )
    .await
}

async fn codes(api: &Api, pool: &str) -> Value {
    api.http
        .get(format!(
            "{}/_emulator/users/{pool}/alice/codes",
            api.endpoint
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
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

fn other_code(code: &str) -> String {
    if code == "000000" {
        "111111".into()
    } else {
        "000000".into()
    }
}

#[tokio::test]
async fn select_challenge_lists_the_pools_first_factors_the_user_can_use() {
    let (_emu, api) = start().await;
    let (pool, client) =
        passwordless_pool(&api, json!(["PASSWORD", "EMAIL_OTP", "SMS_OTP"]), json!({})).await;
    let r = user_auth(&api, &client, json!({"USERNAME": "alice"}))
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SELECT_CHALLENGE");
    assert_eq!(
        r["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"])
    );
    assert!(r["Session"].is_string());
    // The pool's policy decides: without SMS_OTP it is not offered.
    api.idp(
        "UpdateUserPool",
        json!({"UserPoolId": pool, "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}}),
    )
    .await
    .unwrap();
    let d = api
        .idp("DescribeUserPool", json!({"UserPoolId": pool}))
        .await
        .unwrap();
    assert_eq!(
        d["UserPool"]["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"],
        json!(["PASSWORD", "EMAIL_OTP"])
    );
    let r = user_auth(&api, &client, json!({"USERNAME": "alice"}))
        .await
        .unwrap();
    assert_eq!(
        r["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"])
    );
    // A preference that is not available falls back to the selection.
    let r = user_auth(
        &api,
        &client,
        json!({"USERNAME": "alice", "PREFERRED_CHALLENGE": "SMS_OTP"}),
    )
    .await
    .unwrap();
    assert_eq!(r["ChallengeName"], "SELECT_CHALLENGE");
    let e = respond(
        &api,
        &client,
        "SELECT_CHALLENGE",
        &r["Session"],
        json!({"USERNAME": "alice", "ANSWER": "SMS_OTP"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
    // A policy without PASSWORD is refused.
    let e = api
        .idp(
            "UpdateUserPool",
            json!({"UserPoolId": pool, "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["EMAIL_OTP"]}}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
}

#[tokio::test]
async fn email_otp_codes_are_single_use_and_a_wrong_code_can_be_retried() {
    let (_emu, api) = start().await;
    let (pool, client) = passwordless_pool(&api, json!(["PASSWORD", "EMAIL_OTP"]), json!({})).await;
    let r = user_auth(
        &api,
        &client,
        json!({"USERNAME": "alice", "PREFERRED_CHALLENGE": "EMAIL_OTP"}),
    )
    .await
    .unwrap();
    assert_eq!(r["ChallengeName"], "EMAIL_OTP");
    assert_eq!(
        r["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "EMAIL"
    );
    assert_eq!(
        r["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"],
        "a***@example.com"
    );
    let code = codes(&api, &pool).await["email_otp_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let e = respond(
        &api,
        &client,
        "EMAIL_OTP",
        &r["Session"],
        json!({"USERNAME": "alice", "EMAIL_OTP_CODE": other_code(&code)}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.type_, "CodeMismatchException");
    let ok = respond(
        &api,
        &client,
        "EMAIL_OTP",
        &r["Session"],
        json!({"USERNAME": "alice", "EMAIL_OTP_CODE": code}),
    )
    .await
    .unwrap();
    let at = ok["AuthenticationResult"]["AccessToken"].as_str().unwrap();
    assert_eq!(claims(at)["username"], "alice");
    assert!(
        codes(&api, &pool).await["email_otp_code"].is_null(),
        "used up"
    );
    // The code is not accepted again, even in a new sign-in's challenge.
    let again = user_auth(
        &api,
        &client,
        json!({"USERNAME": "alice", "PREFERRED_CHALLENGE": "EMAIL_OTP"}),
    )
    .await
    .unwrap();
    let fresh = codes(&api, &pool).await["email_otp_code"]
        .as_str()
        .unwrap()
        .to_owned();
    if fresh != code {
        let e = respond(
            &api,
            &client,
            "EMAIL_OTP",
            &again["Session"],
            json!({"USERNAME": "alice", "EMAIL_OTP_CODE": code}),
        )
        .await
        .unwrap_err();
        assert_eq!(e.type_, "CodeMismatchException");
    }
    // The used session is gone.
    let e = respond(
        &api,
        &client,
        "EMAIL_OTP",
        &r["Session"],
        json!({"USERNAME": "alice", "EMAIL_OTP_CODE": fresh}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
}

#[tokio::test]
async fn sms_otp_code_expires_while_its_session_lives() {
    let (emu, api) = start().await;
    let (pool, client) = passwordless_pool(
        &api,
        json!(["PASSWORD", "SMS_OTP"]),
        json!({"AuthSessionValidity": 15}),
    )
    .await;
    let r = user_auth(&api, &client, json!({"USERNAME": "alice"}))
        .await
        .unwrap();
    let r = respond(
        &api,
        &client,
        "SELECT_CHALLENGE",
        &r["Session"],
        json!({"USERNAME": "alice", "ANSWER": "SMS_OTP"}),
    )
    .await
    .unwrap();
    assert_eq!(r["ChallengeName"], "SMS_OTP");
    assert_eq!(
        r["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "SMS"
    );
    assert_eq!(
        r["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"],
        "+*******1234"
    );
    let code = codes(&api, &pool).await["sms_otp_code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        emu.sms_otp_code(&pool, "alice").as_deref(),
        Some(code.as_str())
    );
    emu.set_clock_offset(4 * 60);
    let e = respond(
        &api,
        &client,
        "SMS_OTP",
        &r["Session"],
        json!({"USERNAME": "alice", "SMS_OTP_CODE": code}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.type_, "ExpiredCodeException");
    // After the session's own 15 minutes it is gone.
    emu.set_clock_offset(16 * 60);
    let e = respond(
        &api,
        &client,
        "SMS_OTP",
        &r["Session"],
        json!({"USERNAME": "alice", "SMS_OTP_CODE": code}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    assert!(e.message.contains("session is expired"), "{}", e.message);
}

#[tokio::test]
async fn password_and_password_srp_as_first_factors() {
    let (_emu, api) = start().await;
    let (pool, client) = passwordless_pool(&api, json!(["PASSWORD"]), json!({})).await;
    // PASSWORD as the preference: straight to the tokens; a wrong one is refused.
    let e = user_auth(
        &api,
        &client,
        json!({"USERNAME": "alice", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "nope"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
    let ok = user_auth(
        &api,
        &client,
        json!({"USERNAME": "alice", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd!"}),
    )
    .await
    .unwrap();
    assert!(ok["AuthenticationResult"]["IdToken"].is_string());
    // PASSWORD_SRP through the selection: the proof is checked by the emulator's SRP.
    for (password, ok) in [("Passw0rd?", false), ("Passw0rd!", true)] {
        let r = user_auth(&api, &client, json!({"USERNAME": "alice"}))
            .await
            .unwrap();
        let srp = SrpClient::new();
        let v = respond(
            &api,
            &client,
            "SELECT_CHALLENGE",
            &r["Session"],
            json!({"USERNAME": "alice", "ANSWER": "PASSWORD_SRP", "SRP_A": srp.a_hex()}),
        )
        .await
        .unwrap();
        assert_eq!(v["ChallengeName"], "PASSWORD_VERIFIER");
        let resp = srp.respond(&pool, password, &v["ChallengeParameters"], &srp_timestamp());
        let out = api
            .idp("RespondToAuthChallenge", json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": client, "ChallengeResponses": resp}))
            .await;
        match out {
            Ok(t) => {
                assert!(ok, "a wrong password was accepted");
                assert!(t["AuthenticationResult"]["AccessToken"].is_string());
            }
            Err(e) => {
                assert!(!ok, "the right password was refused: {e:?}");
                assert_eq!(e.type_, "NotAuthorizedException");
            }
        }
    }
    // PASSWORD through the selection.
    let r = user_auth(&api, &client, json!({"USERNAME": "alice"}))
        .await
        .unwrap();
    let ok = respond(
        &api,
        &client,
        "SELECT_CHALLENGE",
        &r["Session"],
        json!({"USERNAME": "alice", "ANSWER": "PASSWORD", "PASSWORD": "Passw0rd!"}),
    )
    .await
    .unwrap();
    assert!(ok["AuthenticationResult"]["RefreshToken"].is_string());
}

#[tokio::test]
async fn user_auth_needs_allow_user_auth_on_the_client() {
    let (_emu, api) = start().await;
    let (_pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let e = user_auth(&api, &cid(&client), json!({"USERNAME": "alice"}))
        .await
        .unwrap_err();
    assert_eq!(e.type_, "InvalidParameterException");
    assert!(e.message.contains("USER_AUTH"), "{}", e.message);
    let d = api
        .idp(
            "DescribeUserPoolClient",
            json!({"UserPoolId": client["UserPoolId"], "ClientId": cid(&client)}),
        )
        .await
        .unwrap();
    assert!(
        !d["UserPoolClient"]["ExplicitAuthFlows"]
            .as_array()
            .unwrap()
            .contains(&json!("ALLOW_USER_AUTH"))
    );
}
