//! The wire side of the account flows: the shapes of the answers read here,
//! and the request pieces every account operation shares (the app client,
//! `SecretHash`, `ClientMetadata`, attribute lists, the access token).

use std::collections::{BTreeMap, HashMap};

use auth_core::error::AuthError;
use serde::Deserialize;
use serde_json::{Value, json};

use super::types::{CodeDeliveryDetails, DeliveryMedium};
use crate::idp::secret_hash;
use crate::orchestrator::Orchestrator;

/// `CodeDeliveryDetails` as Cognito sends it.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CodeDeliveryWire {
    destination: Option<String>,
    delivery_medium: Option<String>,
    attribute_name: Option<String>,
}

impl CodeDeliveryWire {
    pub(super) fn into_details(self) -> CodeDeliveryDetails {
        CodeDeliveryDetails::new(
            self.destination,
            self.delivery_medium
                .as_deref()
                .map(DeliveryMedium::from_wire),
            self.attribute_name,
        )
    }
}

/// The answer of `SignUp`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct SignUpResponse {
    #[serde(default)]
    pub(super) user_confirmed: bool,
    pub(super) user_sub: Option<String>,
    pub(super) code_delivery_details: Option<CodeDeliveryWire>,
}

/// The answer of `ConfirmSignUp`: the session auto sign-in uses, if any.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ConfirmSignUpResponse {
    pub(super) session: Option<String>,
}

/// The answer of `ResendConfirmationCode`, `ForgotPassword` and
/// `GetUserAttributeVerificationCode`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CodeDeliveryResponse {
    pub(super) code_delivery_details: Option<CodeDeliveryWire>,
}

/// The answer of `UpdateUserAttributes`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UpdateAttributesResponse {
    #[serde(default)]
    pub(super) code_delivery_details_list: Vec<CodeDeliveryWire>,
}

/// One entry of `UserAttributes`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct AttributeWire {
    pub(super) name: String,
    #[serde(default)]
    pub(super) value: String,
}

/// The answer of `GetUser`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct GetUserResponse {
    #[serde(default)]
    pub(super) user_attributes: Vec<AttributeWire>,
}

/// Any answer whose body is not read.
#[derive(Deserialize)]
pub(super) struct Ignored {}

/// `[{"Name": .., "Value": ..}, ..]`.
pub(super) fn attribute_list(attributes: &BTreeMap<String, String>) -> Value {
    Value::Array(
        attributes
            .iter()
            .map(|(name, value)| json!({"Name": name, "Value": value}))
            .collect(),
    )
}

/// A request of the app client (`ClientId`) for `username`, with
/// `SecretHash` when the client has a secret and `ClientMetadata` when
/// there is any.
pub(super) fn client_request(
    session: &Orchestrator,
    username: &str,
    client_metadata: &HashMap<String, String>,
) -> Result<serde_json::Map<String, Value>, AuthError> {
    let client_id = session.client_id()?;
    let mut req = serde_json::Map::new();
    req.insert("ClientId".into(), json!(client_id));
    req.insert("Username".into(), json!(username));
    if let Some(secret) = session.config.client_secret() {
        req.insert(
            "SecretHash".into(),
            json!(secret_hash(secret, username, client_id)),
        );
    }
    if !client_metadata.is_empty() {
        req.insert("ClientMetadata".into(), json!(client_metadata));
    }
    Ok(req)
}

/// A request that acts as the signed-in user: its access token, refreshed
/// first when it is within the margin of expiry. `SignedOut` when nobody is.
pub(super) async fn user_request(
    session: &Orchestrator,
) -> Result<serde_json::Map<String, Value>, AuthError> {
    let tokens = session.current_tokens(false).await?;
    let mut req = serde_json::Map::new();
    req.insert("AccessToken".into(), json!(tokens.access.as_compact_str()));
    Ok(req)
}

/// A non-empty, trimmed `value` for the parameter `name`.
pub(super) fn required<'a>(name: &str, value: &'a str) -> Result<&'a str, AuthError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AuthError::InvalidParameter {
            name: name.into(),
            message: "empty".into(),
        });
    }
    Ok(v)
}
