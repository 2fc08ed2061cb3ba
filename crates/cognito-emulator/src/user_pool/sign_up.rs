//! Self sign-up: `SignUp` (an `UNCONFIRMED` user and a confirmation code) and
//! `ConfirmSignUp`.

use serde_json::{Value, json};

use super::delivery;
use super::lookup::{client, user_mut};
use super::secret::check_secret_hash;
use super::users::insert_user;
use crate::error::ApiError;
use crate::srp;
use crate::state::{State, UserStatus};
use crate::wire::{Operation, attribute_list, opt_str, req_str};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("SignUp", sign_up),
    Operation::new("ConfirmSignUp", confirm_sign_up),
];

fn sign_up(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    let username = req_str(req, "Username")?.to_owned();
    let password = req_str(req, "Password")?.to_owned();
    check_secret_hash(&c, &[&username], opt_str(req, "SecretHash"))?;
    let attrs = attribute_list(req, "UserAttributes");
    let email = attrs.get("email").cloned();
    insert_user(
        st,
        &c.pool_id,
        &username,
        &password,
        attrs,
        UserStatus::Unconfirmed,
    )?;
    let u = user_mut(st, &c.pool_id, &username)?;
    u.confirmation_code = Some(delivery::new_code());
    let sub = u.sub.clone();
    Ok(json!({
        "UserConfirmed": false,
        "UserSub": sub,
        "CodeDeliveryDetails": {
            "Destination": email.as_deref().map(delivery::mask).unwrap_or_default(),
            "DeliveryMedium": "EMAIL",
            "AttributeName": "email",
        },
    }))
}

fn confirm_sign_up(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    let username = req_str(req, "Username")?.to_owned();
    let code = req_str(req, "ConfirmationCode")?.to_owned();
    check_secret_hash(&c, &[&username], opt_str(req, "SecretHash"))?;
    let u = user_mut(st, &c.pool_id, &username)?;
    if u.status != UserStatus::Unconfirmed {
        return Err(ApiError::not_authorized(
            "User cannot be confirmed. Current status is CONFIRMED",
        ));
    }
    match &u.confirmation_code {
        Some(expected) if srp::ct_eq(expected, &code) => {
            u.status = UserStatus::Confirmed;
            u.confirmation_code = None;
            Ok(json!({}))
        }
        _ => Err(ApiError::new(
            "CodeMismatchException",
            "Invalid verification code provided, please try again.",
        )),
    }
}
