//! A pool's account settings from `CreateUserPool`: the password policy, what users sign
//! in with (`UsernameAttributes`, `AliasAttributes`), which attributes get verification
//! codes (`AutoVerifiedAttributes`), and the emulator's stand-in for a pre-sign-up
//! trigger that confirms every sign-up.

use serde_json::{Map, Value, json};

use super::password_policy::PasswordPolicy;
use crate::error::ApiError;

/// The settings of one pool.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccountSettings {
    pub(crate) password_policy: PasswordPolicy,
    /// `email` and/or `phone_number`: users sign up and in with these instead of a
    /// username (the username is then a generated UUID).
    pub(crate) username_attributes: Vec<String>,
    /// `email`, `phone_number`, `preferred_username`: extra names to sign in with,
    /// e-mail and phone number once verified.
    pub(crate) alias_attributes: Vec<String>,
    /// `email` and/or `phone_number`: a code is sent to them at sign-up and when they
    /// change, and confirming it verifies them.
    pub(crate) auto_verified_attributes: Vec<String>,
    /// Confirm every sign-up at once, as a pre-sign-up Lambda returning
    /// `autoConfirmUser` would (a test control; Cognito has no such setting).
    pub(crate) auto_confirm_sign_up: bool,
}

fn names(req: &Value, key: &str, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
    let Some(list) = req.get(key) else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| ApiError::invalid_parameter(format!("{key} must be a list")))?;
    list.iter()
        .map(|v| match v.as_str() {
            Some(s) if allowed.contains(&s) => Ok(s.to_owned()),
            _ => Err(ApiError::invalid_parameter(format!(
                "Invalid {key} value: {v}; expected one of {}",
                allowed.join(", ")
            ))),
        })
        .collect()
}

impl AccountSettings {
    /// The settings of a `CreateUserPool` request.
    pub(crate) fn from_request(req: &Value) -> Result<Self, ApiError> {
        let username_attributes = names(req, "UsernameAttributes", &["email", "phone_number"])?;
        let alias_attributes = names(
            req,
            "AliasAttributes",
            &["email", "phone_number", "preferred_username"],
        )?;
        if !username_attributes.is_empty() && !alias_attributes.is_empty() {
            return Err(ApiError::invalid_parameter(
                "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool",
            ));
        }
        Ok(Self {
            password_policy: PasswordPolicy::from_request(req)?,
            username_attributes,
            alias_attributes,
            auto_verified_attributes: names(
                req,
                "AutoVerifiedAttributes",
                &["email", "phone_number"],
            )?,
            auto_confirm_sign_up: false,
        })
    }

    /// Adds the settings to a `DescribeUserPool` answer.
    pub(crate) fn describe(&self, pool: &mut Map<String, Value>) {
        pool.insert(
            "Policies".into(),
            json!({"PasswordPolicy": self.password_policy.to_json()}),
        );
        for (key, list) in [
            ("UsernameAttributes", &self.username_attributes),
            ("AliasAttributes", &self.alias_attributes),
            ("AutoVerifiedAttributes", &self.auto_verified_attributes),
        ] {
            if !list.is_empty() {
                pool.insert(key.into(), json!(list));
            }
        }
    }

    /// Whether users can sign in with `attribute` when it is verified (`verified`) or not.
    pub(crate) fn signs_in_with(&self, attribute: &str, verified: bool) -> bool {
        self.username_attributes.iter().any(|a| a == attribute)
            || (self.alias_attributes.iter().any(|a| a == attribute)
                && (verified || attribute == "preferred_username"))
    }

    /// Whether `attribute` is a name to sign in with, so that two accounts cannot share it.
    pub(crate) fn is_login_attribute(&self, attribute: &str) -> bool {
        self.signs_in_with(attribute, true)
    }

    /// Whether changing `attribute` sends a code.
    pub(crate) fn auto_verifies(&self, attribute: &str) -> bool {
        self.auto_verified_attributes.iter().any(|a| a == attribute)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn usernames_and_aliases_exclude_each_other_and_unknown_names_are_refused() {
        let both = json!({"UsernameAttributes": ["email"], "AliasAttributes": ["email"]});
        assert!(AccountSettings::from_request(&both).is_err());
        let bad = json!({"AliasAttributes": ["nickname"]});
        assert!(AccountSettings::from_request(&bad).is_err());
        let alias = AccountSettings::from_request(
            &json!({"AliasAttributes": ["email", "preferred_username"]}),
        )
        .unwrap();
        assert!(!alias.signs_in_with("email", false));
        assert!(alias.signs_in_with("email", true));
        assert!(alias.signs_in_with("preferred_username", false));
        assert!(!alias.signs_in_with("phone_number", true));
        let username =
            AccountSettings::from_request(&json!({"UsernameAttributes": ["email"]})).unwrap();
        assert!(username.signs_in_with("email", false));
    }
}
