//! The signed-in user's attributes: read (`GetUser`), update
//! (`UpdateUserAttributes`, with the codes it sends), verify
//! (`GetUserAttributeVerificationCode`, `VerifyUserAttribute`) and delete
//! (`DeleteUserAttributes`). Each acts with the access token, refreshed
//! first when it is about to expire.
//!
//! The id token's claims are a copy made at sign-in: after a change,
//! `fetch_auth_session` with `force_refresh` gets an id token that has it.

use std::collections::BTreeMap;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use serde_json::{Value, json};

use super::types::{CodeDeliveryDetails, UpdateUserAttributeResult, UpdateUserAttributeStep};
use super::wire::{
    CodeDeliveryResponse, GetUserResponse, Ignored, UpdateAttributesResponse, attribute_list,
    required, user_request,
};
use crate::orchestrator::Orchestrator;

/// The user's attributes (see `CognitoAuthPlugin::fetch_user_attributes`).
pub(crate) async fn fetch(session: &Orchestrator) -> Result<BTreeMap<String, String>, AuthError> {
    let req = user_request(session).await?;
    let response: GetUserResponse = session.idp()?.call("GetUser", &Value::Object(req)).await?;
    Ok(response
        .user_attributes
        .into_iter()
        .map(|a| (a.name, a.value))
        .collect())
}

/// Updates attributes (see `CognitoAuthPlugin::update_user_attributes`).
pub(crate) async fn update(
    session: &Orchestrator,
    attributes: BTreeMap<String, String>,
) -> Result<BTreeMap<String, UpdateUserAttributeResult>, AuthError> {
    if attributes.is_empty() {
        return Err(AuthError::InvalidParameter {
            name: "attributes".into(),
            message: "empty".into(),
        });
    }
    for name in attributes.keys() {
        required("attribute name", name)?;
    }
    let mut req = user_request(session).await?;
    req.insert("UserAttributes".into(), attribute_list(&attributes));
    let response: UpdateAttributesResponse = session
        .idp()?
        .call("UpdateUserAttributes", &Value::Object(req))
        .await?;
    let mut codes: BTreeMap<String, CodeDeliveryDetails> = BTreeMap::new();
    for wire in response.code_delivery_details_list {
        let details = wire.into_details();
        if let Some(name) = details.attribute_name.clone() {
            codes.insert(name, details);
        }
    }
    tracing::debug!(
        updated = attributes.len(),
        codes_sent = codes.len(),
        "user attributes updated"
    );
    Ok(attributes
        .into_keys()
        .map(|name| {
            let result = match codes.remove(&name) {
                Some(code_delivery_details) => UpdateUserAttributeResult {
                    is_updated: false,
                    next_step: UpdateUserAttributeStep::ConfirmAttributeWithCode {
                        code_delivery_details,
                    },
                },
                None => UpdateUserAttributeResult {
                    is_updated: true,
                    next_step: UpdateUserAttributeStep::Done,
                },
            };
            (name, result)
        })
        .collect())
}

/// Sends a verification code for `name` (see
/// `CognitoAuthPlugin::send_user_attribute_verification_code`).
pub(crate) async fn send_verification_code(
    session: &Orchestrator,
    name: &str,
) -> Result<CodeDeliveryDetails, AuthError> {
    let name = required("attribute name", name)?;
    let mut req = user_request(session).await?;
    req.insert("AttributeName".into(), json!(name));
    let response: CodeDeliveryResponse = session
        .idp()?
        .call("GetUserAttributeVerificationCode", &Value::Object(req))
        .await?;
    response
        .code_delivery_details
        .map(|d| d.into_details())
        .ok_or_else(|| AuthError::InvalidResponse {
            operation: "GetUserAttributeVerificationCode".into(),
            message: "missing CodeDeliveryDetails".into(),
        })
}

/// Verifies `name` with `code` (see `CognitoAuthPlugin::confirm_user_attribute`).
pub(crate) async fn confirm(
    session: &Orchestrator,
    name: &str,
    code: &str,
) -> Result<(), AuthError> {
    let name = required("attribute name", name)?;
    let code = SecretString::new(required("confirmation_code", code)?);
    let mut req = user_request(session).await?;
    req.insert("AttributeName".into(), json!(name));
    req.insert("Code".into(), json!(code.expose_secret()));
    let _: Ignored = session
        .idp()?
        .call("VerifyUserAttribute", &Value::Object(req))
        .await?;
    tracing::debug!(attribute = name, "user attribute verified");
    Ok(())
}

/// Deletes attributes (see `CognitoAuthPlugin::delete_user_attributes`).
pub(crate) async fn delete(session: &Orchestrator, names: &[&str]) -> Result<(), AuthError> {
    if names.is_empty() {
        return Err(AuthError::InvalidParameter {
            name: "names".into(),
            message: "empty".into(),
        });
    }
    let names = names
        .iter()
        .map(|n| required("attribute name", n))
        .collect::<Result<Vec<_>, _>>()?;
    let mut req = user_request(session).await?;
    req.insert("UserAttributeNames".into(), json!(names));
    let _: Ignored = session
        .idp()?
        .call("DeleteUserAttributes", &Value::Object(req))
        .await?;
    Ok(())
}
