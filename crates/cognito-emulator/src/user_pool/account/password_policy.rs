//! The pool's password policy (`Policies.PasswordPolicy`), enforced wherever a password
//! is set: `SignUp`, `AdminCreateUser`, `AdminSetUserPassword`, `ChangePassword`,
//! `ConfirmForgotPassword` and `NEW_PASSWORD_REQUIRED`. The messages are Cognito's.

use serde_json::{Value, json};

use crate::error::ApiError;

/// The symbols that count for `RequireSymbols`, as Cognito lists them (and the space).
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/// `PasswordPolicy`. Without one, Cognito's default: 8 characters, upper- and lower-case
/// letters, digits and symbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PasswordPolicy {
    pub(crate) minimum_length: usize,
    pub(crate) require_uppercase: bool,
    pub(crate) require_lowercase: bool,
    pub(crate) require_numbers: bool,
    pub(crate) require_symbols: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
        }
    }
}

fn policy_error(rule: &str) -> ApiError {
    ApiError::new(
        "InvalidPasswordException",
        format!("Password did not conform with policy: {rule}"),
    )
}

impl PasswordPolicy {
    /// The policy of a `CreateUserPool` request's `Policies.PasswordPolicy`.
    pub(crate) fn from_request(req: &Value) -> Result<Self, ApiError> {
        let Some(p) = req.get("Policies").and_then(|p| p.get("PasswordPolicy")) else {
            return Ok(Self::default());
        };
        let flag = |k: &str| p.get(k).and_then(Value::as_bool).unwrap_or(false);
        let minimum_length = match p.get("MinimumLength").and_then(Value::as_u64) {
            None => 8,
            Some(n @ 6..=99) => n as usize,
            Some(_) => {
                return Err(ApiError::invalid_parameter(
                    "MinimumLength must be between 6 and 99",
                ));
            }
        };
        Ok(Self {
            minimum_length,
            require_uppercase: flag("RequireUppercase"),
            require_lowercase: flag("RequireLowercase"),
            require_numbers: flag("RequireNumbers"),
            require_symbols: flag("RequireSymbols"),
        })
    }

    /// `PasswordPolicy` as `DescribeUserPool` shows it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "MinimumLength": self.minimum_length,
            "RequireUppercase": self.require_uppercase,
            "RequireLowercase": self.require_lowercase,
            "RequireNumbers": self.require_numbers,
            "RequireSymbols": self.require_symbols,
            "TemporaryPasswordValidityDays": 7,
        })
    }

    /// `Ok` when `password` meets the policy, else the first rule it breaks as
    /// `InvalidPasswordException`. The message never contains the password.
    pub(crate) fn check(&self, password: &str) -> Result<(), ApiError> {
        if password.chars().count() < self.minimum_length {
            return Err(policy_error("Password not long enough"));
        }
        let has = |f: fn(char) -> bool| password.chars().any(f);
        if self.require_uppercase && !has(|c| c.is_uppercase()) {
            return Err(policy_error("Password must have uppercase characters"));
        }
        if self.require_lowercase && !has(|c| c.is_lowercase()) {
            return Err(policy_error("Password must have lowercase characters"));
        }
        if self.require_numbers && !has(|c| c.is_ascii_digit()) {
            return Err(policy_error("Password must have numeric characters"));
        }
        if self.require_symbols && !has(|c| SYMBOLS.contains(c)) {
            return Err(policy_error("Password must have symbol characters"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn rule(policy: &PasswordPolicy, pw: &str) -> Option<String> {
        policy.check(pw).err().map(|e| e.message)
    }

    #[test]
    fn the_default_policy_names_the_first_rule_a_password_breaks() {
        let p = PasswordPolicy::default();
        assert_eq!(rule(&p, "Passw0rd!"), None);
        assert_eq!(
            rule(&p, "Pa0!").as_deref(),
            Some("Password did not conform with policy: Password not long enough")
        );
        assert!(
            rule(&p, "passw0rd!")
                .unwrap()
                .ends_with("uppercase characters")
        );
        assert!(
            rule(&p, "PASSW0RD!")
                .unwrap()
                .ends_with("lowercase characters")
        );
        assert!(
            rule(&p, "Password!")
                .unwrap()
                .ends_with("numeric characters")
        );
        assert!(
            rule(&p, "Passw0rdd")
                .unwrap()
                .ends_with("symbol characters")
        );
        let e = p.check("passw0rd!").unwrap_err();
        assert_eq!(e.type_, "InvalidPasswordException");
        assert!(!e.message.contains("passw0rd"));
    }

    #[test]
    fn a_pool_policy_is_read_from_the_request() {
        let req =
            json!({"Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireNumbers": true}}});
        let p = PasswordPolicy::from_request(&req).unwrap();
        assert_eq!(rule(&p, "alllowercaseletters1"), None);
        assert!(rule(&p, "short1").unwrap().ends_with("not long enough"));
        assert!(
            rule(&p, "nodigitsatallhere")
                .unwrap()
                .ends_with("numeric characters")
        );
        let bad = json!({"Policies": {"PasswordPolicy": {"MinimumLength": 3}}});
        assert!(PasswordPolicy::from_request(&bad).is_err());
        assert_eq!(
            PasswordPolicy::from_request(&json!({})).unwrap(),
            PasswordPolicy::default()
        );
    }
}
