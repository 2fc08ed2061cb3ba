//! The `InitiateAuth` request of each sign-in flow: `USER_SRP_AUTH` (with
//! `SRP_A`), `CUSTOM_WITH_SRP`, and `USER_PASSWORD_AUTH`.
//!
//! Adding a flow is a local change: its parameters here, and, when it
//! opens with a challenge of its own, that challenge in `challenge.rs`.

use std::collections::HashMap;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use auth_core::types::AuthFlowType;
use serde_json::{Value, json};

use crate::idp::secret_hash;
use crate::srp::SrpClient;

/// What a sign-in request needs to know about the app client.
pub(super) struct AppClient<'a> {
    pub(super) client_id: &'a str,
    pub(super) secret: Option<&'a SecretString>,
}

/// The `InitiateAuth` request for `flow`, and the SRP client when the flow
/// answers `PASSWORD_VERIFIER` next.
pub(super) fn initiate_auth_request(
    flow: AuthFlowType,
    username: &str,
    password: &SecretString,
    app: &AppClient<'_>,
    client_metadata: &HashMap<String, String>,
) -> Result<(Value, Option<SrpClient>), AuthError> {
    let mut params = serde_json::Map::new();
    params.insert("USERNAME".into(), json!(username));
    if let Some(s) = app.secret {
        params.insert(
            "SECRET_HASH".into(),
            json!(secret_hash(s, username, app.client_id)),
        );
    }
    let srp_client = match flow {
        AuthFlowType::UserSrpAuth | AuthFlowType::CustomWithSrp => {
            let c = SrpClient::new(&mut rand::rng());
            params.insert("SRP_A".into(), json!(c.a_public_hex()));
            if flow == AuthFlowType::CustomWithSrp {
                params.insert("CHALLENGE_NAME".into(), json!("SRP_A"));
            }
            Some(c)
        }
        AuthFlowType::UserPasswordAuth => {
            params.insert("PASSWORD".into(), json!(password.expose_secret()));
            None
        }
        other => {
            return Err(AuthError::InvalidParameter {
                name: "auth_flow_type".into(),
                message: format!("{other} is not supported by sign_in"),
            });
        }
    };
    let flow_name = match flow {
        AuthFlowType::CustomWithSrp => "CUSTOM_AUTH",
        other => other.as_str(),
    };
    let mut req = json!({
        "AuthFlow": flow_name,
        "ClientId": app.client_id,
        "AuthParameters": Value::Object(params),
    });
    if !client_metadata.is_empty() {
        req["ClientMetadata"] = json!(client_metadata);
    }
    Ok((req, srp_client))
}
