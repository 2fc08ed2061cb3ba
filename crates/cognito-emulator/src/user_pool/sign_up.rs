//! Self sign-up: `SignUp` (an `UNCONFIRMED` user and a confirmation code to its
//! auto-verified e-mail or phone), `ConfirmSignUp` (which verifies that attribute and,
//! when the client allows `USER_AUTH`, returns a `Session` to sign in with) and
//! `ResendConfirmationCode`. Usernames and aliases follow the pool's settings
//! (`account::aliases`), passwords its policy.

use serde_json::{Map, Value, json};

use super::account::aliases;
use super::account::codes::{self, Code, DAY_SECS};
use super::account::sessions::allows_user_auth;
use super::lookup::{client, pool, user, user_mut};
use super::secret::check_secret_hash;
use super::users::insert_user;
use crate::error::ApiError;
use crate::state::{AppClient, State, UserStatus};
use crate::wire::{Operation, attribute_list, opt_str, req_str};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("SignUp", sign_up),
    Operation::new("ConfirmSignUp", confirm_sign_up),
    Operation::new("ResendConfirmationCode", resend_confirmation_code),
];

/// The client of a request made for `Username`, after its `SecretHash`.
fn client_for<'a>(st: &State, req: &'a Value) -> Result<(AppClient, &'a str), ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    let username = req_str(req, "Username")?;
    check_secret_hash(&c, &[username], opt_str(req, "SecretHash"))?;
    Ok((c, username))
}

/// Sends a new sign-up code to `username`'s first auto-verified contact; its
/// `CodeDeliveryDetails`, or `None` when there is nowhere to send one.
fn send_sign_up_code(
    st: &mut State,
    pool_id: &str,
    username: &str,
) -> Result<Option<Value>, ApiError> {
    let now = st.now();
    let settings = pool(st, pool_id)?.settings.clone();
    let u = user_mut(st, pool_id, username)?;
    let Some(attr) = codes::destination(u, |a| settings.auto_verifies(a)) else {
        return Ok(None);
    };
    u.codes.sign_up = Some(Code::new(attr, now, DAY_SECS));
    Ok(Some(codes::delivery_json(u, attr)))
}

fn sign_up(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (c, requested) = client_for(st, req)?;
    let password = req_str(req, "Password")?.to_owned();
    let attrs = attribute_list(req, "UserAttributes");
    let (username, attrs) = aliases::sign_up_username(pool(st, &c.pool_id)?, requested, attrs)?;
    let generated = username != requested;
    insert_user(
        st,
        &c.pool_id,
        &username,
        &password,
        attrs,
        UserStatus::Unconfirmed,
    )?;
    let auto_confirm = pool(st, &c.pool_id)?.settings.auto_confirm_sign_up;
    let u = user_mut(st, &c.pool_id, &username)?;
    if generated {
        // Cognito's generated usernames are the user's sub.
        u.sub = username.clone();
    }
    let sub = u.sub.clone();
    let mut out = Map::new();
    if auto_confirm {
        u.status = UserStatus::Confirmed;
        out.insert("UserConfirmed".into(), json!(true));
    } else {
        out.insert("UserConfirmed".into(), json!(false));
        if let Some(details) = send_sign_up_code(st, &c.pool_id, &username)? {
            out.insert("CodeDeliveryDetails".into(), details);
        }
    }
    out.insert("UserSub".into(), json!(sub));
    Ok(Value::Object(out))
}

fn confirm_sign_up(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (c, login) = client_for(st, req)?;
    let code = req_str(req, "ConfirmationCode")?.to_owned();
    let force_alias = req
        .get("ForceAliasCreation")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let now = st.now();
    let username = user(st, &c.pool_id, login)?.username.clone();
    let u = user_mut(st, &c.pool_id, &username)?;
    if u.status != UserStatus::Unconfirmed {
        return Err(ApiError::not_authorized(format!(
            "User cannot be confirmed. Current status is {}",
            u.status.as_str()
        )));
    }
    codes::verify(u.codes.sign_up.as_mut(), &code, now)?;
    let verified = u.codes.sign_up.as_ref().map(|c| c.attribute.clone());
    if let Some(attr) = &verified {
        let value = u.attributes.get(attr).cloned().unwrap_or_default();
        let p = pool(st, &c.pool_id)?;
        if let Some(other) = aliases::holder(p, &username, attr, &value).map(str::to_owned) {
            if !force_alias {
                return Err(aliases::alias_exists(attr));
            }
            // ForceAliasCreation: the alias moves to the newly confirmed user.
            user_mut(st, &c.pool_id, &other)?
                .attributes
                .insert(format!("{attr}_verified"), "false".into());
        }
    }
    let u = user_mut(st, &c.pool_id, &username)?;
    if let Some(code) = u.codes.sign_up.as_mut() {
        code.consume();
    }
    u.status = UserStatus::Confirmed;
    u.modified = now;
    if let Some(attr) = verified {
        u.attributes
            .insert(format!("{attr}_verified"), "true".into());
    }
    if allows_user_auth(&c) {
        let session = st.accounts.issue(&c, &username, now);
        return Ok(json!({ "Session": session }));
    }
    Ok(json!({}))
}

fn resend_confirmation_code(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (c, login) = client_for(st, req)?;
    let u = user(st, &c.pool_id, login)?;
    if u.status != UserStatus::Unconfirmed {
        return Err(ApiError::invalid_parameter("User is already confirmed."));
    }
    let username = u.username.clone();
    match send_sign_up_code(st, &c.pool_id, &username)? {
        Some(details) => Ok(json!({ "CodeDeliveryDetails": details })),
        None => Err(ApiError::invalid_parameter(
            "Cannot resend codes. Auto verification not turned on.",
        )),
    }
}
