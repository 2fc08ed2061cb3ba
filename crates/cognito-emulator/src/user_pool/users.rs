//! Users, as an administrator sees them: `AdminCreateUser`, `AdminSetUserPassword`,
//! `AdminGetUser`, `AdminDeleteUser`, `AdminDisableUser`, `AdminEnableUser`,
//! `AdminUserGlobalSignOut`, `AdminConfirmSignUp`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::lookup::{pool_mut, user, user_mut};
use super::{account, mfa, revoke};
use crate::error::ApiError;
use crate::srp::Verifier;
use crate::state::{ALNUM, State, User, UserStatus, random_chars};
use crate::wire::{Operation, attribute_list, attributes_json, opt_str, req_str};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("AdminCreateUser", admin_create_user),
    Operation::new("AdminSetUserPassword", admin_set_user_password),
    Operation::new("AdminGetUser", admin_get_user),
    Operation::new("AdminDeleteUser", |st, req| {
        admin_user(st, req, AdminAction::Delete)
    }),
    Operation::new("AdminDisableUser", |st, req| {
        admin_user(st, req, AdminAction::Disable)
    }),
    Operation::new("AdminEnableUser", |st, req| {
        admin_user(st, req, AdminAction::Enable)
    }),
    Operation::new("AdminUserGlobalSignOut", |st, req| {
        admin_user(st, req, AdminAction::GlobalSignOut)
    }),
    Operation::new("AdminConfirmSignUp", |st, req| {
        admin_user(st, req, AdminAction::Confirm)
    }),
];

/// Create a user in an existing pool; its JSON shape as `AdminCreateUser` answers it.
pub(crate) fn insert_user(
    st: &mut State,
    pool_id: &str,
    username: &str,
    password: &str,
    attributes: BTreeMap<String, String>,
    status: UserStatus,
) -> Result<Value, ApiError> {
    account::check_password(st, pool_id, password)?;
    let now = st.now();
    let p = pool_mut(st, pool_id)?;
    if p.users.contains_key(username) {
        return Err(ApiError::new(
            "UsernameExistsException",
            "User account already exists",
        ));
    }
    let mut attributes = attributes;
    attributes.remove("sub");
    let u = User {
        username: username.to_owned(),
        sub: uuid::Uuid::new_v4().to_string(),
        attributes,
        status,
        enabled: true,
        verifier: Verifier::new(pool_id, username, password),
        created: now,
        modified: now,
        codes: Default::default(),
        totp_secret: None,
        pending_totp_secret: None,
        totp_enabled: false,
        sms_enabled: false,
        preferred_mfa: None,
        last_sms_code: None,
        email_mfa_enabled: false,
        otp: Default::default(),
    };
    let out = user_json(&u);
    p.users.insert(username.to_owned(), u);
    Ok(out)
}

fn user_json(u: &User) -> Value {
    json!({
        "Username": u.username,
        "Attributes": attributes_json(u),
        "UserCreateDate": u.created,
        "UserLastModifiedDate": u.modified,
        "Enabled": u.enabled,
        "UserStatus": u.status.as_str(),
    })
}

fn admin_create_user(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let username = req_str(req, "Username")?.to_owned();
    let password = opt_str(req, "TemporaryPassword")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("Tmp{}!1", random_chars(ALNUM, 12)));
    let attrs = attribute_list(req, "UserAttributes");
    let u = insert_user(
        st,
        &pool_id,
        &username,
        &password,
        attrs,
        UserStatus::ForceChangePassword,
    )?;
    Ok(json!({ "User": u }))
}

/// `AdminSetUserPassword`: `Permanent` confirms the user, otherwise the password is a
/// temporary one (`FORCE_CHANGE_PASSWORD`).
pub(crate) fn admin_set_user_password(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let username = req_str(req, "Username")?.to_owned();
    let password = req_str(req, "Password")?;
    let permanent = req
        .get("Permanent")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    account::check_password(st, &pool_id, password)?;
    let now = st.now();
    let username = user(st, &pool_id, &username)?.username.clone();
    let u = user_mut(st, &pool_id, &username)?;
    u.verifier = Verifier::new(&pool_id, &username, password);
    u.status = if permanent {
        UserStatus::Confirmed
    } else {
        UserStatus::ForceChangePassword
    };
    u.modified = now;
    Ok(json!({}))
}

fn admin_get_user(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let u = user(st, req_str(req, "UserPoolId")?, req_str(req, "Username")?)?;
    let mut out = Map::new();
    out.insert("Username".into(), json!(u.username));
    out.insert("UserAttributes".into(), attributes_json(u));
    out.insert("UserCreateDate".into(), json!(u.created));
    out.insert("UserLastModifiedDate".into(), json!(u.modified));
    out.insert("Enabled".into(), json!(u.enabled));
    out.insert("UserStatus".into(), json!(u.status.as_str()));
    mfa::mfa_json(u, &mut out);
    Ok(Value::Object(out))
}

/// What an `Admin*User` operation without a body of its own does to the user.
#[derive(Clone, Copy)]
enum AdminAction {
    Delete,
    Disable,
    Enable,
    GlobalSignOut,
    Confirm,
}

fn admin_user(st: &mut State, req: &Value, action: AdminAction) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let username = req_str(req, "Username")?.to_owned();
    user(st, &pool_id, &username)?;
    match action {
        AdminAction::Delete => {
            revoke::sign_out_user(st, &pool_id, &username);
            pool_mut(st, &pool_id)?.users.remove(&username);
        }
        AdminAction::Disable => user_mut(st, &pool_id, &username)?.enabled = false,
        AdminAction::Enable => user_mut(st, &pool_id, &username)?.enabled = true,
        AdminAction::GlobalSignOut => revoke::sign_out_user(st, &pool_id, &username),
        AdminAction::Confirm => {
            let u = user_mut(st, &pool_id, &username)?;
            if u.status == UserStatus::Unconfirmed {
                u.status = UserStatus::Confirmed;
            }
        }
    }
    Ok(json!({}))
}
