//! The device half of Cognito's SRP: the verifier `ConfirmDevice` registers for a
//! new device, made from a random device password.
//!
//! A device authenticates like a user, with the device group key in place of the
//! pool name, the device key in place of the user id, and the random password:
//!
//! - `x = H(pad(salt) | H(deviceGroupKey | deviceKey | ":" | password))`,
//! - `v = g^x mod N`,
//! - `DeviceSecretVerifierConfig = { Salt: base64(pad(salt)), PasswordVerifier: base64(pad(v)) }`.
//!
//! The answer to `DEVICE_PASSWORD_VERIFIER` is then the ordinary password claim of
//! [`SrpClient::password_verifier`](super::SrpClient::password_verifier) for
//! `PasswordVerifierChallenge::new(device_group_key, device_key)`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use zeroize::Zeroizing;

use super::client::compute_x;
use super::group::padded_bytes;
use super::{SrpError, secret_maths};

/// How many random bytes make a device password (base64-encoded), as Amplify does.
pub const DEVICE_PASSWORD_LEN: usize = 40;

/// How many random bytes make a device verifier's salt, as Amplify does.
pub const DEVICE_SALT_LEN: usize = 16;

/// A device's `DeviceSecretVerifierConfig`, with the password it was made from.
///
/// ```
/// use auth_cognito::srp::DeviceVerifier;
/// let v = DeviceVerifier::from_parts("-AbCdEfGhI", "us-east-1_0123", "cGFzc3dvcmQ=", &[7u8; 16])?;
/// assert_eq!(v.salt_b64(), "BwcHBwcHBwcHBwcHBwcHBw==");
/// assert!(!v.password_verifier_b64().is_empty());
/// assert_eq!(format!("{v:?}"), "DeviceVerifier { .. }");
/// # Ok::<(), auth_cognito::srp::SrpError>(())
/// ```
#[derive(Clone)]
pub struct DeviceVerifier {
    password: Zeroizing<String>,
    salt_b64: String,
    verifier_b64: String,
}

impl fmt::Debug for DeviceVerifier {
    /// Everything is redacted: the password, and the verifier and salt derived from it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceVerifier").finish_non_exhaustive()
    }
}

impl DeviceVerifier {
    /// A verifier for the device `device_key` of the group `device_group_key`, with a
    /// new random password ([`DEVICE_PASSWORD_LEN`] bytes, base64) and salt
    /// ([`DEVICE_SALT_LEN`] bytes), both drawn from `rng`.
    pub fn generate<R: rand::CryptoRng + ?Sized>(
        rng: &mut R,
        device_group_key: &str,
        device_key: &str,
    ) -> Result<Self, SrpError> {
        let mut password = Zeroizing::new([0u8; DEVICE_PASSWORD_LEN]);
        rng.fill_bytes(&mut password[..]);
        let mut salt = [0u8; DEVICE_SALT_LEN];
        rng.fill_bytes(&mut salt);
        Self::from_parts(
            device_group_key,
            device_key,
            &Zeroizing::new(BASE64.encode(&password[..])),
            &salt,
        )
    }

    /// The verifier for a given `password` and `salt` (big-endian bytes, read as a
    /// number), for test vectors and reproducible tests.
    ///
    /// # Security Warning
    ///
    /// A fixed password or salt makes the device's secret guessable. Use
    /// [`DeviceVerifier::generate`] in production.
    ///
    /// # Errors
    ///
    /// [`SrpError::InvalidHex`] for an empty salt.
    pub fn from_parts(
        device_group_key: &str,
        device_key: &str,
        password: &str,
        salt: &[u8],
    ) -> Result<Self, SrpError> {
        if salt.is_empty() {
            return Err(SrpError::InvalidHex { field: "SALT" });
        }
        let salt_hex: String = salt.iter().map(|b| format!("{b:02x}")).collect();
        // x and g^x are secrets: the constant-time exponentiation on zeroizing
        // storage, as for the user's verifier.
        let x_digest = compute_x(device_group_key, device_key, password, &salt_hex)?;
        let x = secret_maths::x_exponent(&x_digest);
        let v = secret_maths::verifier(&x);
        let salt_num = num_bigint::BigUint::from_bytes_be(salt);
        Ok(Self {
            password: Zeroizing::new(password.to_owned()),
            salt_b64: BASE64.encode(padded_bytes(&salt_num)),
            verifier_b64: BASE64.encode(padded_bytes(&v)),
        })
    }

    /// The device password (Amplify's `randomPasswordKey`).
    ///
    /// # Security Warning
    ///
    /// It proves the device in every later sign-in: store it as a secret, never log it.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// `DeviceSecretVerifierConfig.Salt`: base64 of the padded salt.
    pub fn salt_b64(&self) -> &str {
        &self.salt_b64
    }

    /// `DeviceSecretVerifierConfig.PasswordVerifier`: base64 of the padded `v`.
    pub fn password_verifier_b64(&self) -> &str {
        &self.verifier_b64
    }
}
