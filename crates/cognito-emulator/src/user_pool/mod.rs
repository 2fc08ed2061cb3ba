//! User-pool operations (`AWSCognitoIdentityProviderService.*`), one module per concern.
//! Each module lists its operations in an `OPERATIONS` table; [`dispatch`] looks an
//! operation up in [`TABLES`]. A new concern is a new module plus one line there.

use serde_json::Value;

use crate::error::ApiError;
use crate::state::State;
use crate::wire::{self, Operation};

pub(crate) mod account;
pub(crate) mod delivery;
pub(crate) mod devices;
pub(crate) mod groups;
pub(crate) mod lookup;
pub(crate) mod mfa;
pub(crate) mod pool_auth;
pub(crate) mod pools;
pub(crate) mod refresh;
pub(crate) mod revoke;
pub(crate) mod secret;
pub(crate) mod self_service;
pub(crate) mod sign_in;
pub(crate) mod sign_up;
pub(crate) mod tokens;
pub(crate) mod users;

/// Every module's operations, in the order they are searched.
const TABLES: &[&[Operation]] = &[
    pools::OPERATIONS,
    users::OPERATIONS,
    sign_up::OPERATIONS,
    sign_in::OPERATIONS,
    refresh::OPERATIONS,
    revoke::OPERATIONS,
    self_service::OPERATIONS,
    mfa::OPERATIONS,
    account::OPERATIONS,
    groups::OPERATIONS,
    devices::OPERATIONS,
    crate::hosted_ui::OPERATIONS,
    pool_auth::OPERATIONS,
];

/// Run user-pool operation `op`; `None` when the operation is unknown.
pub(crate) fn dispatch(st: &mut State, op: &str, req: &Value) -> Option<Result<Value, ApiError>> {
    st.sweep();
    let run = wire::find(TABLES, op)?;
    Some(run(st, req))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::TABLES;

    #[test]
    fn every_operation_is_listed_once() {
        let mut seen = HashSet::new();
        for op in TABLES.iter().flat_map(|t| t.iter()) {
            assert!(seen.insert(op.name), "{} is listed twice", op.name);
        }
    }

    #[test]
    fn every_documented_operation_has_a_handler() {
        let documented = [
            "CreateUserPool",
            "DescribeUserPool",
            "CreateUserPoolClient",
            "DescribeUserPoolClient",
            "AdminCreateUser",
            "AdminSetUserPassword",
            "AdminDeleteUser",
            "AdminDisableUser",
            "AdminEnableUser",
            "AdminUserGlobalSignOut",
            "AdminConfirmSignUp",
            "AdminGetUser",
            "AdminSetUserMFAPreference",
            "SignUp",
            "ConfirmSignUp",
            "ResendConfirmationCode",
            "ForgotPassword",
            "ConfirmForgotPassword",
            "AdminResetUserPassword",
            "UpdateUserAttributes",
            "GetUserAttributeVerificationCode",
            "VerifyUserAttribute",
            "DeleteUserAttributes",
            "DeleteUser",
            "InitiateAuth",
            "AdminInitiateAuth",
            "RespondToAuthChallenge",
            "AdminRespondToAuthChallenge",
            "GetTokensFromRefreshToken",
            "GetUser",
            "GlobalSignOut",
            "RevokeToken",
            "ChangePassword",
            "AssociateSoftwareToken",
            "VerifySoftwareToken",
            "SetUserMFAPreference",
            "CreateGroup",
            "AdminAddUserToGroup",
            "AdminRemoveUserFromGroup",
            "AdminListGroupsForUser",
            "UpdateUserPool",
            "ConfirmDevice",
            "ListDevices",
            "GetDevice",
            "UpdateDeviceStatus",
            "ForgetDevice",
            "AdminListDevices",
            "AdminGetDevice",
            "AdminUpdateDeviceStatus",
            "AdminForgetDevice",
            "UpdateUserPoolClient",
            "CreateUserPoolDomain",
            "DescribeUserPoolDomain",
            "CreateIdentityProvider",
            "DescribeIdentityProvider",
            "SetUserPoolMfaConfig",
            "GetUserPoolMfaConfig",
        ];
        for op in documented {
            assert!(
                crate::wire::find(TABLES, op).is_some(),
                "{op} has no handler"
            );
        }
        assert!(crate::wire::find(TABLES, "NoSuchOperation").is_none());
    }
}
