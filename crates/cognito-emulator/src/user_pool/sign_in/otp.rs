//! The one-time codes of sign-in: `EMAIL_OTP` (a `USER_AUTH` first factor, and email MFA
//! after the password) and `SMS_OTP` (a `USER_AUTH` first factor). A code lasts
//! [`CODE_TTL_SECS`], a new one replaces the last, and the first right answer uses it up.
//! Nothing is delivered: tests read the codes through the test controls.

use serde_json::{Value, json};

use super::challenge::{self, Answer, Challenge, Responder};
use super::mfa::signed_in_at;
use crate::error::ApiError;
use crate::srp;
use crate::state::{AppClient, SentCode, State};
use crate::user_pool::delivery;
use crate::user_pool::lookup::user_mut;

/// How long a sent code is valid: 3 minutes.
pub(crate) const CODE_TTL_SECS: i64 = 180;

/// `EMAIL_OTP`: the emailed code in `EMAIL_OTP_CODE`.
pub(crate) const EMAIL_OTP: Challenge = Challenge {
    name: "EMAIL_OTP",
    respond: Responder::Session(respond_email),
};

/// `SMS_OTP`: the texted code in `SMS_OTP_CODE`.
pub(crate) const SMS_OTP: Challenge = Challenge {
    name: "SMS_OTP",
    respond: Responder::Session(respond_sms),
};

/// Which channel a code goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Medium {
    Email,
    Sms,
}

impl Medium {
    fn attribute(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "phone_number",
        }
    }
}

/// "Sends" a fresh code to the user's email and stops the sign-in at `EMAIL_OTP`.
pub(crate) fn issue_email(
    st: &mut State,
    c: &AppClient,
    username: &str,
) -> Result<Value, ApiError> {
    issue(st, c, username, Medium::Email)
}

/// "Sends" a fresh code to the user's phone and stops the sign-in at `SMS_OTP`.
pub(crate) fn issue_sms(st: &mut State, c: &AppClient, username: &str) -> Result<Value, ApiError> {
    issue(st, c, username, Medium::Sms)
}

fn issue(st: &mut State, c: &AppClient, username: &str, medium: Medium) -> Result<Value, ApiError> {
    let now = st.now();
    let u = user_mut(st, &c.pool_id, username)?;
    let destination = u
        .attributes
        .get(medium.attribute())
        .cloned()
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "The user has no {} to send a code to",
                medium.attribute()
            ))
        })?;
    let sent = Some(SentCode {
        code: delivery::new_code(),
        expires_at: now + CODE_TTL_SECS,
    });
    let (which, wire_medium) = match medium {
        Medium::Email => {
            u.otp.email_otp = sent;
            (&EMAIL_OTP, "EMAIL")
        }
        Medium::Sms => {
            u.otp.sms_otp = sent;
            (&SMS_OTP, "SMS")
        }
    };
    let params = json!({
        "CODE_DELIVERY_DELIVERY_MEDIUM": wire_medium,
        "CODE_DELIVERY_DESTINATION": delivery::mask(&destination),
        "USERNAME": username,
    });
    Ok(challenge::issue(st, c, username, which, params))
}

fn respond_email(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
    respond(st, answer, Medium::Email)
}

fn respond_sms(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
    respond(st, answer, Medium::Sms)
}

/// A wrong (or already used) code is `CodeMismatchException` and leaves the challenge
/// answerable; the right code after its lifetime is `ExpiredCodeException`.
fn respond(st: &mut State, answer: &Answer<'_>, medium: Medium) -> Result<Value, ApiError> {
    let key = match medium {
        Medium::Email => "EMAIL_OTP_CODE",
        Medium::Sms => "SMS_OTP_CODE",
    };
    let given = answer.get(key).unwrap_or("").trim();
    let u = user_mut(st, &answer.session.pool_id, answer.username())?;
    let slot = match medium {
        Medium::Email => &mut u.otp.email_otp,
        Medium::Sms => &mut u.otp.sms_otp,
    };
    match slot {
        Some(sent) if srp::ct_eq(&sent.code, given) => {
            if sent.expires_at <= answer.now {
                return Err(ApiError::new(
                    "ExpiredCodeException",
                    "Invalid code provided, please request a code again.",
                ));
            }
            *slot = None;
        }
        _ => {
            return Err(ApiError::new(
                "CodeMismatchException",
                "Invalid code or auth state for the user.",
            ));
        }
    }
    signed_in_at(st, answer)
}
