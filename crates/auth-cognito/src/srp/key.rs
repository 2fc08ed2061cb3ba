//! What one SRP exchange yields: the password authentication key, and the
//! signed claim that proves the password to Cognito.

use std::fmt;

#[cfg(feature = "test-vectors")]
use base64::Engine as _;
#[cfg(feature = "test-vectors")]
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{KeyInit as _, Mac as _};
use num_bigint::BigUint;
use sha2::Sha256;

use super::group::{HKDF_INFO, KEY_LEN, padded_bytes};
use super::mont::Limbs;
use super::secret_maths;
#[cfg(feature = "test-vectors")]
use super::{SrpError, client::decode_secret_block};

pub(super) type HmacSha256 = hmac::Hmac<Sha256>;

/// The 16-byte password authentication key of one exchange, with the
/// intermediates it came from.
///
/// # Security Warning
///
/// Everything in here is secret: whoever holds the key can sign password
/// claims for this exchange. `Debug` prints `[redacted]`.
#[derive(Clone)]
pub struct AuthenticationKey {
    key: [u8; KEY_LEN],
    #[cfg(feature = "test-vectors")]
    u_hex: String,
    #[cfg(feature = "test-vectors")]
    s_hex: String,
}

impl Drop for AuthenticationKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
        #[cfg(feature = "test-vectors")]
        zeroize::Zeroize::zeroize(&mut self.s_hex);
    }
}

impl fmt::Debug for AuthenticationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticationKey")
            .field("key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl AuthenticationKey {
    /// `HKDF-SHA256(ikm = pad(S), salt = pad(u), info)`, cut to 16 bytes.
    pub(super) fn derive(u: &BigUint, s: &Limbs) -> Self {
        let padded_s = secret_maths::padded_secret(s);
        let hkdf = hkdf::Hkdf::<Sha256>::new(Some(&padded_bytes(u)), &padded_s);
        let mut key = [0u8; KEY_LEN];
        // 16 bytes is far below HKDF-SHA256's 8160-byte limit.
        if hkdf.expand(HKDF_INFO, &mut key).is_err() {
            unreachable!("HKDF-SHA256 can always expand to 16 bytes");
        }
        Self {
            key,
            #[cfg(feature = "test-vectors")]
            u_hex: u.to_str_radix(16),
            #[cfg(feature = "test-vectors")]
            s_hex: secret_maths::secret_hex(s).to_string(),
        }
    }

    /// The 16-byte key.
    ///
    /// # Security Warning
    ///
    /// Secret; never log it.
    pub fn secret(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// The scrambling parameter `u`, in lowercase hex without leading zeros.
    ///
    /// # Security Warning
    ///
    /// Exposed for test vectors only (feature `test-vectors`).
    #[cfg(feature = "test-vectors")]
    pub fn u_hex(&self) -> &str {
        &self.u_hex
    }

    /// The premaster secret `S`, in lowercase hex without leading zeros.
    ///
    /// # Security Warning
    ///
    /// Secret; exposed for test vectors only (feature `test-vectors`).
    #[cfg(feature = "test-vectors")]
    pub fn s_hex(&self) -> &str {
        &self.s_hex
    }

    /// The HMAC that `PASSWORD_CLAIM_SIGNATURE` is, before finalizing.
    pub(super) fn mac(
        &self,
        pool_name: &str,
        user_id_for_srp: &str,
        secret_block: &[u8],
        timestamp: &str,
    ) -> HmacSha256 {
        let mut mac = hmac_sha256(&self.key);
        mac.update(pool_name.as_bytes());
        mac.update(user_id_for_srp.as_bytes());
        mac.update(secret_block);
        mac.update(timestamp.as_bytes());
        mac
    }

    /// Checks a `PASSWORD_CLAIM_SIGNATURE` in constant time, as the server
    /// does (feature `test-vectors`). Returns `Ok(false)` for a wrong
    /// signature (including one that is not valid base64).
    ///
    /// # Errors
    ///
    /// [`SrpError::InvalidBase64`] for a malformed `SECRET_BLOCK`.
    #[cfg(feature = "test-vectors")]
    pub fn verify_signature(
        &self,
        pool_name: &str,
        user_id_for_srp: &str,
        secret_block_b64: &str,
        timestamp: &str,
        signature_b64: &str,
    ) -> Result<bool, SrpError> {
        let secret_block = decode_secret_block(secret_block_b64)?;
        let Ok(signature) = BASE64.decode(signature_b64) else {
            return Ok(false);
        };
        Ok(self
            .mac(pool_name, user_id_for_srp, &secret_block, timestamp)
            .verify_slice(&signature)
            .is_ok())
    }
}

fn hmac_sha256(key: &[u8]) -> HmacSha256 {
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

/// The answer to a `PASSWORD_VERIFIER` challenge: `PASSWORD_CLAIM_SIGNATURE`
/// and the `TIMESTAMP` it signs.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordClaim {
    signature_b64: String,
    timestamp: String,
}

impl fmt::Debug for PasswordClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordClaim")
            .field("signature_b64", &"[redacted]")
            .field("timestamp", &self.timestamp)
            .finish()
    }
}

impl PasswordClaim {
    pub(super) fn new(signature_b64: String, timestamp: String) -> Self {
        Self {
            signature_b64,
            timestamp,
        }
    }

    /// `PASSWORD_CLAIM_SIGNATURE`: standard base64 of the HMAC-SHA256.
    ///
    /// # Security Warning
    ///
    /// Proof of the password for this exchange; never log it.
    pub fn signature_b64(&self) -> &str {
        &self.signature_b64
    }

    /// `TIMESTAMP`, exactly as signed.
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }
}
