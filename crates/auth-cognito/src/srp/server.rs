//! The server half of SRP, as Cognito plays it: only for tests, benchmarks
//! and test vectors (feature `test-vectors`), so that both sides of the
//! maths live in one place and the client is checked against a server.

use std::fmt;

use num_bigint::BigUint;

use super::client::{compute_x, scrambling};
use super::group::{K, N, SERVER_PRIVATE_KEY_LEN, parse_hex};
use super::key::AuthenticationKey;
use super::{SrpError, exp, mont, secret_maths};

/// The server half of one SRP exchange (feature `test-vectors`).
#[derive(Clone)]
pub struct SrpServer {
    b: BigUint,
    big_b: BigUint,
    v: BigUint,
}

impl fmt::Debug for SrpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrpServer")
            .field("b", &"[redacted]")
            .field("big_b", &"[redacted]")
            .field("v", &"[redacted]")
            .finish()
    }
}

impl SrpServer {
    /// Starts the server side for a user whose verifier is `verifier_hex`
    /// (see [`compute_verifier`]), with a private value drawn from `rng`.
    ///
    /// # Errors
    ///
    /// [`SrpError::InvalidHex`] for a malformed verifier.
    pub fn new<R: rand::CryptoRng + ?Sized>(
        rng: &mut R,
        verifier_hex: &str,
    ) -> Result<Self, SrpError> {
        let mut bytes = [0u8; SERVER_PRIVATE_KEY_LEN];
        loop {
            rng.fill_bytes(&mut bytes);
            match Self::from_private_key(&bytes, verifier_hex) {
                Err(SrpError::InvalidPrivateKey | SrpError::InvalidServerPublicKey) => {}
                other => return other,
            }
        }
    }

    /// Starts the server side with a fixed private value `b` (big-endian
    /// bytes, reduced mod `N`): `B = k * v + g^b mod N`.
    ///
    /// # Security Warning
    ///
    /// For tests only; a fixed `b` makes the exchange replayable.
    ///
    /// # Errors
    ///
    /// [`SrpError::InvalidHex`] for a malformed verifier,
    /// [`SrpError::InvalidPrivateKey`] if `b mod N` is zero,
    /// [`SrpError::InvalidServerPublicKey`] if `B` happens to be zero.
    pub fn from_private_key(b: &[u8], verifier_hex: &str) -> Result<Self, SrpError> {
        let n = &*N;
        let v = parse_hex("verifier", verifier_hex)? % n;
        let b = BigUint::from_bytes_be(b) % n;
        if b == BigUint::ZERO {
            return Err(SrpError::InvalidPrivateKey);
        }
        let big_b = (&*K * &v + exp::pow_g_public(&b)) % n;
        if big_b == BigUint::ZERO {
            return Err(SrpError::InvalidServerPublicKey);
        }
        Ok(Self { b, big_b, v })
    }

    /// `SRP_B` as Cognito sends it: `B` in lowercase hex, without padding.
    pub fn b_public_hex(&self) -> String {
        self.big_b.to_str_radix(16)
    }

    /// Derives the same key as the client, from the client's `SRP_A`:
    /// `S = (A * v^u)^b mod N`.
    ///
    /// # Errors
    ///
    /// [`SrpError::InvalidHex`] for a malformed `A`,
    /// [`SrpError::InvalidClientPublicKey`] if `A mod N == 0`,
    /// [`SrpError::InvalidScrambling`] if `u == 0`.
    pub fn authentication_key(&self, srp_a_hex: &str) -> Result<AuthenticationKey, SrpError> {
        let n = &*N;
        let big_a = parse_hex("SRP_A", srp_a_hex)?;
        if &big_a % n == BigUint::ZERO {
            return Err(SrpError::InvalidClientPublicKey);
        }
        let u = scrambling(&big_a, &self.big_b)?;
        let s = exp::pow_public(&((big_a % n) * exp::pow_public(&self.v, &u) % n), &self.b);
        Ok(AuthenticationKey::derive(&u, &mont::to_limbs(&s)))
    }
}

/// The password verifier `v = g^x mod N` a server stores for the user, in
/// lowercase hex (feature `test-vectors`; see [`SrpServer`]).
///
/// # Security Warning
///
/// A verifier allows an offline dictionary attack on the password; treat it
/// as a secret.
///
/// # Errors
///
/// [`SrpError::InvalidHex`] for a malformed salt.
pub fn compute_verifier(
    pool_name: &str,
    user_id_for_srp: &str,
    password: &str,
    salt_hex: &str,
) -> Result<String, SrpError> {
    let x_digest = compute_x(pool_name, user_id_for_srp, password, salt_hex)?;
    let x = secret_maths::x_exponent(&x_digest);
    Ok(secret_maths::verifier(&x).to_str_radix(16))
}
