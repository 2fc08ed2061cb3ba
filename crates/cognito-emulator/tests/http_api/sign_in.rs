//! Sign-in over HTTP: password and SRP flows, client secrets, `NEW_PASSWORD_REQUIRED`,
//! challenge-session expiry, sign-up and user states.

use cognito_emulator::ClientOptions;
use serde_json::json;

use crate::common::{SrpClient, cid, claims, srp_sign_in, srp_timestamp, start};

#[tokio::test]
async fn user_password_auth_issues_tokens_and_get_user_returns_attributes() {
    let (_emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    assert!(pool.starts_with("us-east-1_") && pool.len() == "us-east-1_".len() + 9);
    let r = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap();
    let ar = &r["AuthenticationResult"];
    assert_eq!(ar["TokenType"], "Bearer");
    assert_eq!(ar["ExpiresIn"], 3600);
    assert!(ar["RefreshToken"].is_string());
    let id = claims(ar["IdToken"].as_str().unwrap());
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["aud"], cid(&client));
    assert_eq!(
        id["iss"],
        format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}")
    );
    let access = claims(ar["AccessToken"].as_str().unwrap());
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["client_id"], cid(&client));
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert!(access["exp"].is_i64() && access["iat"].is_i64());

    let user = api
        .idp("GetUser", json!({"AccessToken": ar["AccessToken"]}))
        .await
        .unwrap();
    assert_eq!(user["Username"], "alice");
    let attrs = user["UserAttributes"].as_array().unwrap();
    assert!(
        attrs
            .iter()
            .any(|a| a["Name"] == "sub" && a["Value"] == id["sub"])
    );

    let wrong = api
        .password_auth(&cid(&client), "alice", "nope")
        .await
        .unwrap_err();
    assert_eq!(wrong.type_, "NotAuthorizedException");
    assert_eq!(wrong.message, "Incorrect username or password.");
    let unknown = api
        .password_auth(&cid(&client), "bob", "nope")
        .await
        .unwrap_err();
    assert_eq!(unknown.type_, "UserNotFoundException");
}

#[tokio::test]
async fn srp_sign_in_succeeds_with_right_password_and_fails_with_wrong_one() {
    let (_emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let ok = srp_sign_in(&api, &pool, &cid(&client), "alice", "Passw0rd!", None)
        .await
        .unwrap();
    assert!(ok["AuthenticationResult"]["IdToken"].is_string());
    let bad = srp_sign_in(&api, &pool, &cid(&client), "alice", "Passw0rd?", None)
        .await
        .unwrap_err();
    assert_eq!(
        (bad.status, bad.type_.as_str()),
        (400, "NotAuthorizedException")
    );
    assert_eq!(bad.message, "Incorrect username or password.");
}

#[tokio::test]
async fn repeated_srp_sign_ins_and_a_password_changed_mid_exchange() {
    let (_emu, api) = start().await;
    let (pool, client) = api.setup(json!({}), "alice", "Passw0rd!").await;
    let client = cid(&client);
    // From the second exchange on, v^u comes from the user's table.
    for _ in 0..3 {
        let ok = srp_sign_in(&api, &pool, &client, "alice", "Passw0rd!", None)
            .await
            .unwrap();
        assert!(ok["AuthenticationResult"]["IdToken"].is_string());
    }
    // S is started at InitiateAuth; a password set before the answer must
    // not let the old password's proof through.
    let srp = SrpClient::new();
    let r = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": client,
                   "AuthParameters": {"USERNAME": "alice", "SRP_A": srp.a_hex()}}),
        )
        .await
        .unwrap();
    api.idp(
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": "alice", "Password": "N3w-Passw0rd!", "Permanent": true}),
    )
    .await
    .unwrap();
    let resp = srp.respond(
        &pool,
        "Passw0rd!",
        &r["ChallengeParameters"],
        &srp_timestamp(),
    );
    let bad = api
        .idp(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": client, "ChallengeResponses": resp}),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.type_, "NotAuthorizedException");
    srp_sign_in(&api, &pool, &client, "alice", "N3w-Passw0rd!", None)
        .await
        .unwrap();
}

#[tokio::test]
async fn srp_with_client_secret_requires_a_valid_secret_hash() {
    let (_emu, api) = start().await;
    let (pool, client) = api
        .setup(json!({"GenerateSecret": true}), "alice", "Passw0rd!")
        .await;
    let secret = client["ClientSecret"].as_str().unwrap().to_owned();
    srp_sign_in(
        &api,
        &pool,
        &cid(&client),
        "alice",
        "Passw0rd!",
        Some(&secret),
    )
    .await
    .unwrap();
    let missing = api
        .password_auth(&cid(&client), "alice", "Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(missing.type_, "NotAuthorizedException");
    let wrong = srp_sign_in(
        &api,
        &pool,
        &cid(&client),
        "alice",
        "Passw0rd!",
        Some("not-the-secret"),
    )
    .await
    .unwrap_err();
    assert_eq!(wrong.type_, "NotAuthorizedException");
    assert!(wrong.message.contains("secret hash"), "{}", wrong.message);
}

#[tokio::test]
async fn new_password_required_then_tokens() {
    let (emu, api) = start().await;
    let pool = emu.create_user_pool("p").unwrap();
    let c = emu
        .create_user_pool_client(&pool, ClientOptions::default())
        .unwrap();
    emu.admin_create_user(&pool, "alice", "Temp0rary!", false)
        .unwrap();
    let r = api
        .password_auth(&c.id, "alice", "Temp0rary!")
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let session = r["Session"].as_str().unwrap();
    let r = api
        .idp(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": c.id, "Session": session,
                   "ChallengeResponses": {"USERNAME": "alice", "NEW_PASSWORD": "Perm4nent!"}}),
        )
        .await
        .unwrap();
    assert!(r["AuthenticationResult"]["AccessToken"].is_string());
    api.password_auth(&c.id, "alice", "Perm4nent!")
        .await
        .unwrap();
    let st = api
        .idp(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "alice"}),
        )
        .await
        .unwrap();
    assert_eq!(st["UserStatus"], "CONFIRMED");
}

#[tokio::test]
async fn challenge_sessions_expire_after_three_minutes() {
    let (emu, api) = start().await;
    let pool = emu.create_user_pool("p").unwrap();
    let c = emu
        .create_user_pool_client(&pool, ClientOptions::default())
        .unwrap();
    emu.admin_create_user(&pool, "alice", "Temp0rary!", false)
        .unwrap();
    let r = api
        .password_auth(&c.id, "alice", "Temp0rary!")
        .await
        .unwrap();
    emu.set_clock_offset(181);
    let e = api
        .idp(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": c.id, "Session": r["Session"],
                   "ChallengeResponses": {"USERNAME": "alice", "NEW_PASSWORD": "Perm4nent!"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.type_.as_str(), e.message.as_str()),
        (
            "NotAuthorizedException",
            "Invalid session for the user, session is expired."
        )
    );
}

#[tokio::test]
async fn sign_up_confirmation_and_user_states() {
    let (emu, api) = start().await;
    let pool = emu.create_user_pool("p").unwrap();
    let c = emu
        .create_user_pool_client(&pool, ClientOptions::default())
        .unwrap();
    let r = api
        .idp(
            "SignUp",
            json!({"ClientId": c.id, "Username": "dave", "Password": "Passw0rd!",
                   "UserAttributes": [{"Name": "email", "Value": "dave@example.com"}]}),
        )
        .await
        .unwrap();
    assert_eq!(r["UserConfirmed"], false);
    let e = api
        .password_auth(&c.id, "dave", "Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(e.type_, "UserNotConfirmedException");
    let e = api
        .idp(
            "ConfirmSignUp",
            json!({"ClientId": c.id, "Username": "dave", "ConfirmationCode": "x"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "CodeMismatchException");
    let code = emu.confirmation_code(&pool, "dave").unwrap();
    api.idp(
        "ConfirmSignUp",
        json!({"ClientId": c.id, "Username": "dave", "ConfirmationCode": code}),
    )
    .await
    .unwrap();
    api.password_auth(&c.id, "dave", "Passw0rd!").await.unwrap();
    api.idp(
        "AdminDisableUser",
        json!({"UserPoolId": pool, "Username": "dave"}),
    )
    .await
    .unwrap();
    let e = api
        .password_auth(&c.id, "dave", "Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(
        (e.type_.as_str(), e.message.as_str()),
        ("NotAuthorizedException", "User is disabled.")
    );
    api.idp(
        "AdminEnableUser",
        json!({"UserPoolId": pool, "Username": "dave"}),
    )
    .await
    .unwrap();
    api.password_auth(&c.id, "dave", "Passw0rd!").await.unwrap();
    let e = api
        .idp(
            "SignUp",
            json!({"ClientId": c.id, "Username": "dave", "Password": "Passw0rd!"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.type_, "UsernameExistsException");
    // PreventUserExistenceErrors: unknown user looks like a wrong password.
    let hidden = emu
        .create_user_pool_client(
            &pool,
            ClientOptions {
                prevent_user_existence_errors: true,
                ..Default::default()
            },
        )
        .unwrap();
    let e = api
        .password_auth(&hidden.id, "nobody", "x")
        .await
        .unwrap_err();
    assert_eq!(e.type_, "NotAuthorizedException");
}
