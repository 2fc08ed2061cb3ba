//! The codes the emulator "sends" for accounts: sign-up confirmation, password reset and
//! attribute verification. Each is single use, expires (24 h for sign-up and attributes,
//! 1 h for a password reset, as in Cognito), and dies after 5 wrong attempts with
//! `LimitExceededException`. A new code of the same kind replaces the last one. Used
//! codes are kept (marked used) so that the test controls can report every code sent.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::srp;
use crate::state::User;
use crate::user_pool::delivery;

/// How long a sign-up or attribute code lives.
pub(crate) const DAY_SECS: i64 = 86_400;
/// How long a password-reset code lives.
pub(crate) const HOUR_SECS: i64 = 3_600;
/// Wrong attempts after which a code stops working.
const MAX_FAILED_ATTEMPTS: u32 = 5;

/// One code sent to one attribute of a user.
#[derive(Debug, Clone)]
pub(crate) struct Code {
    /// The six digits.
    pub(crate) value: String,
    /// The attribute it went to (`email`, `phone_number`).
    pub(crate) attribute: String,
    expires_at: i64,
    used: bool,
    failed_attempts: u32,
}

/// The codes of one user.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserCodes {
    /// The sign-up confirmation code.
    pub(crate) sign_up: Option<Code>,
    /// The password-reset code.
    pub(crate) forgot_password: Option<Code>,
    /// Attribute verification codes, by attribute name.
    pub(crate) attributes: BTreeMap<String, Code>,
    /// The attribute of the last verification code sent.
    pub(crate) last_attribute: Option<String>,
}

impl UserCodes {
    /// The last attribute verification code sent, if any.
    pub(crate) fn last_attribute_code(&self) -> Option<&Code> {
        self.attributes.get(self.last_attribute.as_deref()?)
    }
}

fn mismatch() -> ApiError {
    ApiError::new(
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    )
}

fn expired() -> ApiError {
    ApiError::new(
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    )
}

impl Code {
    /// A fresh code to `attribute`, valid for `ttl` seconds from `now`.
    pub(crate) fn new(attribute: &str, now: i64, ttl: i64) -> Self {
        Self {
            value: delivery::new_code(),
            attribute: attribute.to_owned(),
            expires_at: now + ttl,
            used: false,
            failed_attempts: 0,
        }
    }

    /// Checks `given` (in constant time) without using the code up: wrong codes count
    /// towards the limit. Call [`Code::consume`] once the operation succeeds.
    pub(crate) fn verify(&mut self, given: &str, now: i64) -> Result<(), ApiError> {
        if self.failed_attempts >= MAX_FAILED_ATTEMPTS {
            return Err(ApiError::new(
                "LimitExceededException",
                "Attempt limit exceeded, please try after some time.",
            ));
        }
        if self.used || now >= self.expires_at {
            return Err(expired());
        }
        if !srp::ct_eq(&self.value, given) {
            self.failed_attempts += 1;
            return Err(mismatch());
        }
        Ok(())
    }

    /// Uses the code up.
    pub(crate) fn consume(&mut self) {
        self.used = true;
    }
}

/// [`Code::verify`] of a code that may never have been sent.
pub(crate) fn verify(code: Option<&mut Code>, given: &str, now: i64) -> Result<(), ApiError> {
    match code {
        Some(c) => c.verify(given, now),
        None => Err(mismatch()),
    }
}

/// `CodeDeliveryDetails` of a code sent to `attribute` of `user`.
pub(crate) fn delivery_json(user: &User, attribute: &str) -> Value {
    let value = user
        .attributes
        .get(attribute)
        .map(String::as_str)
        .unwrap_or("");
    json!({
        "Destination": delivery::mask(value),
        "DeliveryMedium": if attribute == "phone_number" { "SMS" } else { "EMAIL" },
        "AttributeName": attribute,
    })
}

/// The attribute a code for `user` goes to: the first of `e-mail, phone number` that it
/// has and that `eligible` accepts.
pub(crate) fn destination(user: &User, eligible: impl Fn(&str) -> bool) -> Option<&'static str> {
    ["email", "phone_number"]
        .into_iter()
        .find(|a| user.attributes.get(*a).is_some_and(|v| !v.is_empty()) && eligible(a))
}

/// Adds the account codes last sent to `user` to the test controls' `codes` answer:
/// `forgot_password_code`, `attribute_verification_code` (the last one of any
/// attribute) and `attribute_verification_codes` (by attribute). Used codes are
/// reported too: they were sent.
pub(crate) fn report(user: &User, out: &mut Value) {
    let attributes: BTreeMap<&str, &str> = user
        .codes
        .attributes
        .iter()
        .map(|(k, c)| (k.as_str(), c.value.as_str()))
        .collect();
    if let Some(o) = out.as_object_mut() {
        o.insert(
            "forgot_password_code".into(),
            json!(user.codes.forgot_password.as_ref().map(|c| &c.value)),
        );
        o.insert(
            "attribute_verification_code".into(),
            json!(user.codes.last_attribute_code().map(|c| &c.value)),
        );
        o.insert("attribute_verification_codes".into(), json!(attributes));
    }
}

/// Whether `attribute` of `user` is verified (`<attribute>_verified` is `true`).
pub(crate) fn is_verified(user: &User, attribute: &str) -> bool {
    user.attributes
        .get(&format!("{attribute}_verified"))
        .is_some_and(|v| v == "true")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn wrong(good: &str) -> &'static str {
        if good == "000000" { "111111" } else { "000000" }
    }

    #[test]
    fn codes_are_single_use_expire_and_die_after_five_wrong_attempts() {
        let mut c = Code::new("email", 1_000, HOUR_SECS);
        let good = c.value.clone();
        let wrong = wrong(&good);
        assert_eq!(
            c.verify(wrong, 1_000).unwrap_err().type_,
            "CodeMismatchException"
        );
        c.verify(&good, 1_000).unwrap();
        c.consume();
        assert_eq!(
            c.verify(&good, 1_000).unwrap_err().type_,
            "ExpiredCodeException"
        );

        let mut c = Code::new("email", 1_000, HOUR_SECS);
        let good = c.value.clone();
        assert_eq!(
            c.verify(&good, 1_000 + HOUR_SECS).unwrap_err().type_,
            "ExpiredCodeException"
        );

        let mut c = Code::new("email", 1_000, HOUR_SECS);
        let good = c.value.clone();
        let wrong = super::tests::wrong(&good);
        for _ in 0..5 {
            assert_eq!(
                c.verify(wrong, 1_000).unwrap_err().type_,
                "CodeMismatchException"
            );
        }
        assert_eq!(
            c.verify(&good, 1_000).unwrap_err().type_,
            "LimitExceededException"
        );
        assert_eq!(
            verify(None, &good, 1_000).unwrap_err().type_,
            "CodeMismatchException"
        );
    }
}
