//! In-process test controls of the [`Emulator`]: request counters, fault injection, the
//! emulator clock, the codes it "sent", MFA set-up, and who issued credentials belong to.
//! In-process calls are not counted and never faulted.

use std::collections::BTreeMap;

use super::Emulator;
use crate::Fault;
use crate::error::EmulatorError;
use crate::server::lock;
use crate::user_pool::{lookup, mfa};

impl Emulator {
    /// HTTP requests received for operation `op` (e.g. `"GetId"`) since the last reset.
    pub fn count(&self, op: &str) -> u64 {
        lock(&self.shared).counters.get(op).copied().unwrap_or(0)
    }

    /// All per-operation request counts.
    pub fn counters(&self) -> BTreeMap<String, u64> {
        lock(&self.shared).counters.clone()
    }

    /// Reset every counter to zero.
    pub fn reset_counters(&self) {
        lock(&self.shared).counters.clear();
    }

    /// Apply `fault` to the next `times` HTTP calls of `op`. Faults queue in order.
    pub fn inject_fault(&self, op: &str, fault: Fault, times: usize) {
        lock(&self.shared).push_fault(op, fault, times);
    }

    /// Remove every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.shared).faults.clear();
    }

    /// Shift the emulator clock (used for `iat`, `exp`, and every expiry check) by
    /// `secs` seconds from the system clock.
    pub fn set_clock_offset(&self, secs: i64) {
        lock(&self.shared).clock_offset = secs;
    }

    /// The emulator clock, in unix seconds.
    pub fn now(&self) -> i64 {
        lock(&self.shared).now()
    }

    /// The last sign-up confirmation code sent to a user (`SignUp`,
    /// `ResendConfirmationCode`), used or not. `username` may be an alias.
    pub fn confirmation_code(&self, pool_id: &str, username: &str) -> Option<String> {
        let st = lock(&self.shared);
        let u = lookup::user(&st, pool_id, username).ok()?;
        u.codes.sign_up.as_ref().map(|c| c.value.clone())
    }

    /// The last password-reset code sent to a user (`ForgotPassword`,
    /// `AdminResetUserPassword`), used or not.
    pub fn forgot_password_code(&self, pool_id: &str, username: &str) -> Option<String> {
        let st = lock(&self.shared);
        let u = lookup::user(&st, pool_id, username).ok()?;
        u.codes.forgot_password.as_ref().map(|c| c.value.clone())
    }

    /// The last verification code sent for a user's `attribute` (`email`,
    /// `phone_number`), used or not.
    pub fn attribute_verification_code(
        &self,
        pool_id: &str,
        username: &str,
        attribute: &str,
    ) -> Option<String> {
        let st = lock(&self.shared);
        let u = lookup::user(&st, pool_id, username).ok()?;
        u.codes.attributes.get(attribute).map(|c| c.value.clone())
    }

    /// Confirm every later `SignUp` of the pool at once (`UserConfirmed: true`), as a
    /// pre-sign-up Lambda returning `autoConfirmUser` would.
    pub fn set_auto_confirm_sign_up(
        &self,
        pool_id: &str,
        enabled: bool,
    ) -> Result<(), EmulatorError> {
        let mut st = lock(&self.shared);
        lookup::pool_mut(&mut st, pool_id)?
            .settings
            .auto_confirm_sign_up = enabled;
        Ok(())
    }

    /// The last `SMS_MFA` code "sent" to a user.
    pub fn sms_code(&self, pool_id: &str, username: &str) -> Option<String> {
        let st = lock(&self.shared);
        lookup::user(&st, pool_id, username)
            .ok()?
            .last_sms_code
            .clone()
    }

    /// The last `EMAIL_OTP` code "sent" to a user (a `USER_AUTH` first factor or email
    /// MFA), until it is used.
    pub fn email_otp_code(&self, pool_id: &str, username: &str) -> Option<String> {
        let st = lock(&self.shared);
        let u = lookup::user(&st, pool_id, username).ok()?;
        u.otp.email_otp.as_ref().map(|c| c.code.clone())
    }

    /// The last `SMS_OTP` code "sent" to a user (a `USER_AUTH` first factor), until it is
    /// used.
    pub fn sms_otp_code(&self, pool_id: &str, username: &str) -> Option<String> {
        let st = lock(&self.shared);
        let u = lookup::user(&st, pool_id, username).ok()?;
        u.otp.sms_otp.as_ref().map(|c| c.code.clone())
    }

    /// Give a user a verified TOTP secret (base32) and make `SOFTWARE_TOKEN_MFA` its
    /// enabled, preferred MFA. Compute codes with [`totp_code`](crate::totp_code) and
    /// [`Emulator::now`].
    pub fn set_totp_secret(
        &self,
        pool_id: &str,
        username: &str,
        base32_secret: &str,
    ) -> Result<(), EmulatorError> {
        Ok(mfa::set_totp_secret(
            &mut lock(&self.shared),
            pool_id,
            username,
            base32_secret,
        )?)
    }

    /// Enable and prefer `SMS_MFA` for a user (setting `phone_number` if it has none).
    pub fn enable_sms_mfa(
        &self,
        pool_id: &str,
        username: &str,
        phone_number: Option<&str>,
    ) -> Result<(), EmulatorError> {
        Ok(mfa::enable_sms_mfa(
            &mut lock(&self.shared),
            pool_id,
            username,
            phone_number,
        )?)
    }

    /// The identity id that an issued `AccessKeyId` belongs to.
    pub fn identity_for_access_key(&self, access_key_id: &str) -> Option<String> {
        lock(&self.shared).issued_keys.get(access_key_id).cloned()
    }

    /// The (provider, subject) logins linked to an identity; empty for a guest, `None` if
    /// unknown.
    pub fn identity_logins(&self, identity_id: &str) -> Option<Vec<(String, String)>> {
        lock(&self.shared)
            .identities
            .get(identity_id)
            .map(|i| i.logins.clone())
    }
}
