//! Passwords, codes and tokens never reach logs, errors or `Debug` in the account flows.

use std::collections::BTreeMap;

use auth_cognito::{ConfirmSignUpOptions, SignInOptions, SignUpOptions};
use auth_core::prelude::*;

use super::support::{LogCapture, assert_no_secret};
use super::{AccountBed, email, emulator, username};

const SIGN_UP_PASSWORD: &str = "Sign-Up-Secret-Passw0rd-1";
const RESET_PASSWORD: &str = "Reset-Secret-Passw0rd-22";
const CHANGED_PASSWORD: &str = "Changed-Secret-Passw0rd-333";

#[tokio::test]
async fn account_flows_never_log_or_print_passwords_codes_or_tokens() {
    let logs = LogCapture::start();
    let bed = emulator(AccountBed {
        secret: true,
        user_auth: true,
        identity_pool: Some(true),
    })
    .await;
    let (plugin, _storage, _clock) = bed.plugin();
    let user = username();
    let mut shown = Vec::new();
    let mut codes = Vec::new();
    let options = SignUpOptions::default()
        .with_attribute("email", email(&user))
        .with_auto_sign_in(true);
    // Errors first: a wrong code, a weak password.
    let e = plugin
        .sign_up(&user, "weak-secret", SignUpOptions::default())
        .await
        .unwrap_err();
    shown.push(format!("{e} {e:?}"));
    let r = plugin
        .sign_up(&user, SIGN_UP_PASSWORD, options)
        .await
        .unwrap();
    shown.push(format!("{r:?}"));
    let code = bed.emu().confirmation_code(&bed.pool_id, &user).unwrap();
    codes.push(code.clone());
    let e = plugin
        .confirm_sign_up(&user, "999999x", ConfirmSignUpOptions::default())
        .await
        .unwrap_err();
    shown.push(format!("{e} {e:?}"));
    let r = plugin
        .confirm_sign_up(&user, &code, ConfirmSignUpOptions::default())
        .await
        .unwrap();
    shown.push(format!("{r:?} {plugin:?}"));
    let r = plugin.auto_sign_in().await.unwrap();
    shown.push(format!("{r:?}"));
    let tokens = plugin
        .fetch_user_pool_tokens(FetchAuthSessionOptions::default())
        .await
        .unwrap();
    let e = plugin
        .update_password("Wrong-Secret-Passw0rd-4", CHANGED_PASSWORD)
        .await
        .unwrap_err();
    shown.push(format!("{e} {e:?}"));
    plugin
        .update_password(SIGN_UP_PASSWORD, CHANGED_PASSWORD)
        .await
        .unwrap();
    let r = plugin
        .update_user_attributes(BTreeMap::from([(
            "email".to_owned(),
            "other@example.com".to_owned(),
        )]))
        .await
        .unwrap();
    shown.push(format!("{r:?}"));
    let attr_code = bed
        .emu()
        .attribute_verification_code(&bed.pool_id, &user, "email")
        .unwrap();
    codes.push(attr_code.clone());
    plugin
        .confirm_user_attribute("email", &attr_code)
        .await
        .unwrap();
    shown.push(format!(
        "{:?}",
        plugin.fetch_user_attributes().await.unwrap()
    ));
    plugin.sign_out(SignOutOptions::default()).await.unwrap();
    let r = plugin.reset_password(&user).await.unwrap();
    shown.push(format!("{r:?}"));
    let reset_code = bed.emu().forgot_password_code(&bed.pool_id, &user).unwrap();
    codes.push(reset_code.clone());
    let e = plugin
        .confirm_reset_password(&user, &reset_code, "weak")
        .await
        .unwrap_err();
    shown.push(format!("{e} {e:?}"));
    plugin
        .confirm_reset_password(&user, &reset_code, RESET_PASSWORD)
        .await
        .unwrap();
    plugin
        .sign_in(&user, RESET_PASSWORD, SignInOptions::default())
        .await
        .unwrap();
    plugin.delete_user().await.unwrap();

    let secret = bed.client_secret.clone().unwrap();
    let access = tokens.access_token.as_compact_str().to_owned();
    let id = tokens
        .id_token
        .as_ref()
        .unwrap()
        .as_compact_str()
        .to_owned();
    let secrets = [
        SIGN_UP_PASSWORD,
        RESET_PASSWORD,
        CHANGED_PASSWORD,
        "weak-secret",
        secret.as_str(),
        access.as_str(),
        id.as_str(),
    ];
    let text = logs.text();
    assert!(
        text.contains("SignUp") && text.contains("ConfirmForgotPassword"),
        "the flows were logged"
    );
    assert_no_secret("the logs", &text, &secrets);
    let shown = shown.join("\n");
    assert_no_secret("errors and Debug", &shown, &secrets);
    // Six-digit codes: never in a log line or a printed result next to the word code.
    for code in &codes {
        assert!(!shown.contains(code.as_str()), "a code was printed");
        for line in text.lines().filter(|l| l.contains(code.as_str())) {
            assert!(
                !line.to_lowercase().contains("code"),
                "a code was logged: {line}"
            );
        }
    }
}
