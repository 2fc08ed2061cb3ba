//! The shapes of the user-pool answers this crate reads (JSON 1.1, PascalCase).

use std::collections::HashMap;

use serde::Deserialize;

/// Tokens as Cognito returns them (`AuthenticationResult`).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AuthenticationResult {
    pub(crate) access_token: Option<String>,
    pub(crate) id_token: Option<String>,
    pub(crate) refresh_token: Option<String>,
    #[allow(dead_code)]
    pub(crate) expires_in: Option<i64>,
    /// A new device to confirm, on pools that track devices.
    pub(crate) new_device_metadata: Option<NewDeviceMetadata>,
}

/// `NewDeviceMetadata`: the key and group key of a device to confirm. The group
/// key is a secret; this type has no `Debug`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NewDeviceMetadata {
    pub(crate) device_key: Option<String>,
    pub(crate) device_group_key: Option<String>,
}

/// The answer of `InitiateAuth` and `RespondToAuthChallenge`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AuthResponse {
    pub(crate) authentication_result: Option<AuthenticationResult>,
    pub(crate) challenge_name: Option<String>,
    #[serde(default)]
    pub(crate) challenge_parameters: HashMap<String, String>,
    pub(crate) session: Option<String>,
    /// `USER_AUTH`'s first factors offered with `SELECT_CHALLENGE`.
    #[serde(default)]
    pub(crate) available_challenges: Vec<String>,
}

/// The answer of `GetTokensFromRefreshToken`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RefreshResponse {
    pub(crate) authentication_result: Option<AuthenticationResult>,
}
