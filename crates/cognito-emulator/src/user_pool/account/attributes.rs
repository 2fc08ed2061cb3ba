//! A signed-in user's own attributes: `UpdateUserAttributes` (a changed e-mail or phone
//! number becomes unverified, and gets a code when the pool auto-verifies it),
//! `GetUserAttributeVerificationCode`, `VerifyUserAttribute` and `DeleteUserAttributes`.
//! Names to sign in with stay unique (`AliasExistsException`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::aliases;
use super::codes::{self, Code, DAY_SECS};
use crate::error::ApiError;
use crate::state::State;
use crate::user_pool::lookup::{pool, user, user_mut};
use crate::user_pool::tokens::access_user_of;
use crate::wire::{attribute_list, req_str};

/// Attributes whose value a user cannot set.
fn check_settable(name: &str) -> Result<(), ApiError> {
    if name == "sub" {
        return Err(ApiError::invalid_parameter(
            "Cannot modify the non-mutable attribute sub",
        ));
    }
    if name.ends_with("_verified") {
        return Err(ApiError::invalid_parameter(format!(
            "Attribute {name} can only be changed by an administrator"
        )));
    }
    Ok(())
}

/// Whether codes can verify `name`.
fn verifiable(name: &str) -> bool {
    matches!(name, "email" | "phone_number")
}

/// Sends a verification code for `attr` of `username`; its `CodeDeliveryDetails`.
fn send_code(st: &mut State, pool_id: &str, username: &str, attr: &str) -> Result<Value, ApiError> {
    let now = st.now();
    let u = user_mut(st, pool_id, username)?;
    u.codes
        .attributes
        .insert(attr.to_owned(), Code::new(attr, now, DAY_SECS));
    u.codes.last_attribute = Some(attr.to_owned());
    Ok(codes::delivery_json(u, attr))
}

/// `UpdateUserAttributes`.
pub(super) fn update_user_attributes(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let who = access_user_of(st, req)?;
    let changes: BTreeMap<String, String> = attribute_list(req, "UserAttributes");
    if changes.is_empty() {
        return Err(ApiError::invalid_parameter(
            "UserAttributes must not be empty",
        ));
    }
    for name in changes.keys() {
        check_settable(name)?;
    }
    let p = pool(st, &who.pool_id)?;
    for (name, value) in &changes {
        if aliases::holder(p, &who.username, name, value).is_some() {
            return Err(aliases::alias_exists(name));
        }
    }
    let settings = p.settings.clone();
    let now = st.now();
    let u = user_mut(st, &who.pool_id, &who.username)?;
    let mut to_verify = Vec::new();
    for (name, value) in changes {
        let changed = u.attributes.get(&name) != Some(&value);
        if verifiable(&name) && changed {
            u.attributes
                .insert(format!("{name}_verified"), "false".into());
            if settings.auto_verifies(&name) {
                to_verify.push(name.clone());
            }
        }
        u.attributes.insert(name, value);
    }
    u.modified = now;
    let mut sent = Vec::new();
    for name in to_verify {
        sent.push(send_code(st, &who.pool_id, &who.username, &name)?);
    }
    Ok(json!({ "CodeDeliveryDetailsList": sent }))
}

/// `GetUserAttributeVerificationCode`.
pub(super) fn get_verification_code(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let who = access_user_of(st, req)?;
    let attr = req_str(req, "AttributeName")?.to_owned();
    if !verifiable(&attr) {
        return Err(ApiError::invalid_parameter(format!(
            "Attribute {attr} cannot be verified: only email and phone_number can"
        )));
    }
    let u = user(st, &who.pool_id, &who.username)?;
    if u.attributes.get(&attr).is_none_or(String::is_empty) {
        return Err(ApiError::invalid_parameter(format!(
            "The user has no {attr} to verify"
        )));
    }
    let details = send_code(st, &who.pool_id, &who.username, &attr)?;
    Ok(json!({ "CodeDeliveryDetails": details }))
}

/// `VerifyUserAttribute`.
pub(super) fn verify_user_attribute(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let who = access_user_of(st, req)?;
    let attr = req_str(req, "AttributeName")?.to_owned();
    let code = req_str(req, "Code")?.to_owned();
    let now = st.now();
    let u = user_mut(st, &who.pool_id, &who.username)?;
    codes::verify(u.codes.attributes.get_mut(&attr), &code, now)?;
    let value = u.attributes.get(&attr).cloned().unwrap_or_default();
    if aliases::holder(pool(st, &who.pool_id)?, &who.username, &attr, &value).is_some() {
        return Err(aliases::alias_exists(&attr));
    }
    let u = user_mut(st, &who.pool_id, &who.username)?;
    if let Some(c) = u.codes.attributes.get_mut(&attr) {
        c.consume();
    }
    u.attributes
        .insert(format!("{attr}_verified"), "true".into());
    u.modified = now;
    Ok(json!({}))
}

/// `DeleteUserAttributes`.
pub(super) fn delete_user_attributes(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let who = access_user_of(st, req)?;
    let names: Vec<String> = req
        .get("UserAttributeNames")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        return Err(ApiError::invalid_parameter(
            "UserAttributeNames must not be empty",
        ));
    }
    for name in &names {
        check_settable(name)?;
    }
    let now = st.now();
    let u = user_mut(st, &who.pool_id, &who.username)?;
    for name in names {
        if verifiable(&name) {
            u.attributes.remove(&format!("{name}_verified"));
            u.codes.attributes.remove(&name);
        }
        u.attributes.remove(&name);
    }
    u.modified = now;
    Ok(json!({}))
}
