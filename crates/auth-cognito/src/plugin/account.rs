//! The account flows of [`CognitoAuthPlugin`] (`account/`): sign-up with
//! auto sign-in, passwords, user attributes and account deletion.

use std::collections::BTreeMap;

use auth_core::error::AuthError;

use super::CognitoAuthPlugin;
use crate::account::{
    self, CodeDeliveryDetails, ConfirmSignUpOptions, ResetPasswordResult, SignUpOptions,
    SignUpResult, UpdateUserAttributeResult,
};
use crate::sign_in::SignInResult;

/// Sign-up and auto sign-in (`account/sign_up.rs`, `account/auto_sign_in.rs`).
impl CognitoAuthPlugin {
    /// Registers a new user (Amplify's `signUp`), with `SECRET_HASH` when
    /// the app client has a secret.
    ///
    /// The result's `next_step` is usually
    /// [`SignUpStep::ConfirmSignUp`](crate::SignUpStep::ConfirmSignUp), with
    /// where the code went. A taken username is
    /// [`AuthError::UsernameExists`]; a password the pool's policy refuses
    /// is [`AuthError::InvalidPassword`], whose message names the rule.
    ///
    /// ```no_run
    /// # use auth_cognito::{CognitoAuthPlugin, ConfirmSignUpOptions, SignUpOptions, SignUpStep};
    /// # async fn demo(plugin: CognitoAuthPlugin, code: &str) -> Result<(), auth_core::error::AuthError> {
    /// let options = SignUpOptions::default()
    ///     .with_attribute("email", "alice@example.com")
    ///     .with_auto_sign_in(true);
    /// let signed_up = plugin.sign_up("alice", "correct horse 9!A", options).await?;
    /// if let SignUpStep::ConfirmSignUp { code_delivery_details } = &signed_up.next_step {
    ///     println!("code sent to {:?}", code_delivery_details.as_ref().and_then(|d| d.destination.as_deref()));
    /// }
    /// // The user types the code:
    /// let confirmed = plugin
    ///     .confirm_sign_up("alice", code, ConfirmSignUpOptions::default())
    ///     .await?;
    /// match confirmed.next_step {
    ///     SignUpStep::CompleteAutoSignIn => {
    ///         plugin.auto_sign_in().await?; // signed in, SignedIn emitted
    ///     }
    ///     _ => println!("sign in: {:?}", confirmed.auto_sign_in_unavailable),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        options: SignUpOptions,
    ) -> Result<SignUpResult, AuthError> {
        let inner = &*self.inner;
        account::sign_up::sign_up(
            &inner.session,
            &inner.auto_sign_in,
            username,
            password,
            options,
        )
        .await
    }

    /// Confirms a sign-up with the code that was sent (Amplify's
    /// `confirmSignUp`). A wrong code is [`AuthError::CodeMismatch`], an
    /// expired or used one [`AuthError::CodeExpired`].
    ///
    /// When auto sign-in was asked for (by this plugin's `sign_up`, or by
    /// `options`), the next step is
    /// [`SignUpStep::CompleteAutoSignIn`](crate::SignUpStep::CompleteAutoSignIn);
    /// if the service gave no session to sign in with, it is `Done` and
    /// `auto_sign_in_unavailable` says why.
    pub async fn confirm_sign_up(
        &self,
        username: &str,
        code: &str,
        options: ConfirmSignUpOptions,
    ) -> Result<SignUpResult, AuthError> {
        let inner = &*self.inner;
        account::sign_up::confirm_sign_up(
            &inner.session,
            &inner.auto_sign_in,
            username,
            code,
            options,
        )
        .await
    }

    /// Sends a new sign-up confirmation code (Amplify's `resendSignUpCode`);
    /// `None` when the pool sends none.
    pub async fn resend_sign_up_code(
        &self,
        username: &str,
    ) -> Result<Option<CodeDeliveryDetails>, AuthError> {
        account::sign_up::resend_sign_up_code(&self.inner.session, username).await
    }

    /// Signs the user in after a confirmed sign-up (Amplify's `autoSignIn`),
    /// with the confirmation's session (`InitiateAuth` `USER_AUTH`): no
    /// password is sent. The session is installed like any other sign-in:
    /// persisted, `SignedIn` emitted, a guest identity upgraded. If an MFA
    /// challenge follows, answer it with
    /// [`confirm_sign_in`](Self::confirm_sign_in).
    ///
    /// Fails with [`AuthError::InvalidState`] when no confirmed sign-up is
    /// waiting, and with [`AuthError::NotAuthorized`] when the service
    /// rejects the session (it lasts a few minutes): sign in instead.
    pub async fn auto_sign_in(&self) -> Result<SignInResult, AuthError> {
        let inner = &*self.inner;
        account::auto_sign_in::auto_sign_in(&inner.session, &inner.pending, &inner.auto_sign_in)
            .await
    }
}

/// Passwords (`account/passwords.rs`).
impl CognitoAuthPlugin {
    /// Starts a password reset (Amplify's `resetPassword`, Cognito's
    /// `ForgotPassword`): a code is sent to the user's verified e-mail or
    /// phone, and the result says where.
    ///
    /// ```no_run
    /// # use auth_cognito::CognitoAuthPlugin;
    /// # async fn demo(plugin: CognitoAuthPlugin, code: &str) -> Result<(), auth_core::error::AuthError> {
    /// let started = plugin.reset_password("alice").await?;
    /// println!("{:?}", started.next_step);
    /// plugin.confirm_reset_password("alice", code, "a new 9! Password").await?;
    /// # Ok(()) }
    /// ```
    pub async fn reset_password(&self, username: &str) -> Result<ResetPasswordResult, AuthError> {
        account::passwords::reset_password(&self.inner.session, username).await
    }

    /// Finishes a password reset with the code and the new password
    /// (Amplify's `confirmResetPassword`). The new password must meet the
    /// pool's policy ([`AuthError::InvalidPassword`] says which rule failed).
    pub async fn confirm_reset_password(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
    ) -> Result<(), AuthError> {
        account::passwords::confirm_reset_password(
            &self.inner.session,
            username,
            code,
            new_password,
        )
        .await
    }

    /// Changes the signed-in user's password (Amplify's `updatePassword`,
    /// Cognito's `ChangePassword`). A wrong old password is
    /// [`AuthError::NotAuthorized`]; the session stays as it is.
    pub async fn update_password(
        &self,
        old_password: &str,
        new_password: &str,
    ) -> Result<(), AuthError> {
        account::passwords::update_password(&self.inner.session, old_password, new_password).await
    }
}

/// User attributes (`account/attributes.rs`).
impl CognitoAuthPlugin {
    /// The signed-in user's attributes (Amplify's `fetchUserAttributes`,
    /// Cognito's `GetUser`), `sub` included.
    ///
    /// ```no_run
    /// # use std::collections::BTreeMap;
    /// # use auth_cognito::{CognitoAuthPlugin, UpdateUserAttributeStep};
    /// # async fn demo(plugin: CognitoAuthPlugin, code: &str) -> Result<(), auth_core::error::AuthError> {
    /// let attributes = plugin.fetch_user_attributes().await?;
    /// println!("email {:?}", attributes.get("email"));
    /// let changes = BTreeMap::from([("email".to_owned(), "new@example.com".to_owned())]);
    /// let results = plugin.update_user_attributes(changes).await?;
    /// if let UpdateUserAttributeStep::ConfirmAttributeWithCode { .. } = results["email"].next_step {
    ///     plugin.confirm_user_attribute("email", code).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch_user_attributes(&self) -> Result<BTreeMap<String, String>, AuthError> {
        account::attributes::fetch(&self.inner.session).await
    }

    /// Updates attributes (Amplify's `updateUserAttributes`). The result
    /// says, per attribute, whether a verification code was sent
    /// ([`UpdateUserAttributeStep::ConfirmAttributeWithCode`](crate::UpdateUserAttributeStep::ConfirmAttributeWithCode))
    /// or the update is done. A verified e-mail or phone number that
    /// another account uses as its alias is [`AuthError::AliasExists`].
    pub async fn update_user_attributes(
        &self,
        attributes: BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, UpdateUserAttributeResult>, AuthError> {
        account::attributes::update(&self.inner.session, attributes).await
    }

    /// Sends a verification code for an attribute such as `email` (Amplify's
    /// `sendUserAttributeVerificationCode`).
    pub async fn send_user_attribute_verification_code(
        &self,
        attribute_name: &str,
    ) -> Result<CodeDeliveryDetails, AuthError> {
        account::attributes::send_verification_code(&self.inner.session, attribute_name).await
    }

    /// Verifies an attribute with the code that was sent (Amplify's
    /// `confirmUserAttribute`): afterwards `email_verified` (or
    /// `phone_number_verified`) is `true`.
    pub async fn confirm_user_attribute(
        &self,
        attribute_name: &str,
        code: &str,
    ) -> Result<(), AuthError> {
        account::attributes::confirm(&self.inner.session, attribute_name, code).await
    }

    /// Deletes attributes (Amplify's `deleteUserAttributes`).
    pub async fn delete_user_attributes(&self, names: &[&str]) -> Result<(), AuthError> {
        account::attributes::delete(&self.inner.session, names).await
    }
}

/// Account deletion (`account/delete_user.rs`).
impl CognitoAuthPlugin {
    /// Deletes the signed-in user's account (Amplify's `deleteUser`), then
    /// signs out locally: the session, the user's identity id and
    /// credentials are cleared and `SignedOut` is emitted. If the service
    /// refuses or cannot be reached, nothing is cleared.
    pub async fn delete_user(&self) -> Result<(), AuthError> {
        let inner = &*self.inner;
        account::delete_user::delete_user(&inner.session, inner.identity.as_ref(), &inner.pending)
            .await
    }
}
