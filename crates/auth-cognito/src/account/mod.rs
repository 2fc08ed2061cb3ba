//! The account flows around a session: sign-up with auto sign-in, password
//! reset and change, user attributes, and deleting the account (Amplify's
//! `signUp`, `confirmSignUp`, `resendSignUpCode`, `autoSignIn`,
//! `resetPassword`, `confirmResetPassword`, `updatePassword`,
//! `fetchUserAttributes`, `updateUserAttributes`,
//! `sendUserAttributeVerificationCode`, `confirmUserAttribute`,
//! `deleteUserAttributes` and `deleteUser`).
//!
//! | file              | what it holds                                                      |
//! |-------------------|--------------------------------------------------------------------|
//! | `types.rs`        | the public options, results and next steps                         |
//! | `wire.rs`         | the answers' shapes; `ClientId`, `SecretHash`, the access token     |
//! | `sign_up.rs`      | `SignUp`, `ConfirmSignUp`, `ResendConfirmationCode`                |
//! | `auto_sign_in.rs` | the confirmation's `Session` → `InitiateAuth` `USER_AUTH` → tokens  |
//! | `passwords.rs`    | `ForgotPassword`, `ConfirmForgotPassword`, `ChangePassword`        |
//! | `attributes.rs`   | `GetUser`, `UpdateUserAttributes`, verification codes, deletion    |
//! | `delete_user.rs`  | `DeleteUser`, then the local sign-out                              |
//!
//! The public API is in `plugin/account.rs`. Auto sign-in ends in
//! `Orchestrator::complete_sign_in`, like every sign-in.

pub(crate) mod attributes;
pub(crate) mod auto_sign_in;
pub(crate) mod delete_user;
pub(crate) mod passwords;
pub(crate) mod sign_up;
mod types;
mod wire;

pub use types::{
    CodeDeliveryDetails, ConfirmSignUpOptions, DeliveryMedium, ResetPasswordResult,
    ResetPasswordStep, SignUpOptions, SignUpResult, SignUpStep, UpdateUserAttributeResult,
    UpdateUserAttributeStep,
};
