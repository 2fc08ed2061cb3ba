//! The account flows of the user pool: the pool's account settings (password policy,
//! usernames and aliases, auto-verified attributes), the codes it sends, password
//! reset, a user's own attributes, account deletion, and the sessions of confirmed
//! sign-ups that `InitiateAuth` `USER_AUTH` accepts. `SignUp` and `ConfirmSignUp` are in
//! `user_pool::sign_up`; `GetUser` and `ChangePassword` in `user_pool::self_service`.
//!
//! | file                 | what it holds                                                  |
//! |----------------------|----------------------------------------------------------------|
//! | `settings.rs`        | [`AccountSettings`] from `CreateUserPool`                      |
//! | `password_policy.rs` | `PasswordPolicy` and its check, with Cognito's messages         |
//! | `aliases.rs`         | login → username, sign-up usernames, alias uniqueness          |
//! | `codes.rs`           | single-use, expiring codes; [`UserCodes`]; delivery details    |
//! | `sessions.rs`        | [`AccountState`]: the sign-up sessions for auto sign-in        |
//! | `forgot_password.rs` | `ForgotPassword`, `ConfirmForgotPassword`, `AdminResetUserPassword` |
//! | `attributes.rs`      | `UpdateUserAttributes`, verification codes, `DeleteUserAttributes` |
//! | `delete_user.rs`     | `DeleteUser`                                                   |

use crate::error::ApiError;
use crate::state::State;
use crate::wire::Operation;

pub(crate) mod aliases;
mod attributes;
pub(crate) mod codes;
mod delete_user;
mod forgot_password;
pub(crate) mod password_policy;
pub(crate) mod sessions;
mod settings;

pub(crate) use codes::UserCodes;
pub(crate) use sessions::AccountState;
pub(crate) use settings::AccountSettings;

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("ForgotPassword", forgot_password::forgot_password),
    Operation::new(
        "ConfirmForgotPassword",
        forgot_password::confirm_forgot_password,
    ),
    Operation::new(
        "AdminResetUserPassword",
        forgot_password::admin_reset_user_password,
    ),
    Operation::new("UpdateUserAttributes", attributes::update_user_attributes),
    Operation::new(
        "GetUserAttributeVerificationCode",
        attributes::get_verification_code,
    ),
    Operation::new("VerifyUserAttribute", attributes::verify_user_attribute),
    Operation::new("DeleteUserAttributes", attributes::delete_user_attributes),
    Operation::new("DeleteUser", delete_user::delete_user),
];

/// Checks `password` against the policy of the pool `pool_id`.
pub(crate) fn check_password(st: &State, pool_id: &str, password: &str) -> Result<(), ApiError> {
    super::lookup::pool(st, pool_id)?
        .settings
        .password_policy
        .check(password)
}
