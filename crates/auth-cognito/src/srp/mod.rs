//! Cognito's SRP-6a client maths, as pure functions, so that `USER_SRP_AUTH`
//! sign-in can answer the `PASSWORD_VERIFIER` challenge without ever sending
//! the password.
//!
//! This module does no I/O, reads no clock and draws no randomness of its
//! own: the random private value comes from an injected RNG (or a fixed byte
//! string, for test vectors), and the challenge timestamp is a string the
//! caller formats with [`format_timestamp`] from an injected clock.
//!
//! | file           | what it holds                                                  |
//! |----------------|----------------------------------------------------------------|
//! | `group.rs`     | `N`, `g`, `k`, the padding and hashing of numbers             |
//! | `client.rs`    | [`SrpClient`], [`PasswordVerifierChallenge`], `x`, `u`         |
//! | `key.rs`       | [`AuthenticationKey`] (HKDF) and [`PasswordClaim`] (the HMAC)  |
//! | `device.rs`    | [`DeviceVerifier`]: the verifier of a new remembered device    |
//! | `timestamp.rs` | [`format_timestamp`]                                           |
//! | `secret_maths.rs` | `a`, `A`, `g^x` and `S` on zeroizing storage, in constant time |
//! | `exp.rs`       | constant-time exponentiation: fixed windows, the comb for `g`  |
//! | `mont.rs`      | constant-time 3072-bit Montgomery arithmetic                    |
//! | `karatsuba.rs` | its portable products (the `srp-mulx` crate's assembly rows where the CPU has BMI2 and ADX) |
//! | `trace.rs`     | the operation log the constant-time tests compare              |
//! | `server.rs`    | `SrpServer` and `compute_verifier`, feature `test-vectors` only |
//!
//! # The protocol, as Cognito runs it
//!
//! - Group: the 3072-bit MODP prime `N` of RFC 3526, generator `g = 2`, hash
//!   SHA-256, `k = H(pad(N) | pad(g))`.
//! - The client picks a random `a` ([`PRIVATE_KEY_LEN`] = 64 random bytes,
//!   reduced mod `N`; Amplify JS and pycognito draw 128, see below) and
//!   sends `SRP_A = hex(g^a mod N)` in `InitiateAuth`.
//! - Cognito answers with `SALT`, `SRP_B`, `SECRET_BLOCK` and
//!   `USER_ID_FOR_SRP`. The client computes
//!   - `u = H(pad(A) | pad(B))`,
//!   - `x = H(pad(salt) | H(poolName | userIdForSrp | ":" | password))`
//!     (the salt read as a number, as Amplify JS does),
//!   - `S = (B - k * g^x) ^ (a + u * x) mod N`,
//!   - `key = HKDF-SHA256(ikm = pad(S), salt = pad(u), info = "Caldera Derived Key")[..16]`,
//!   - `PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(key, poolName | userIdForSrp | secretBlock | timestamp))`.
//!
//! `pad` is the byte form of [`pad_hex`]: the big-endian bytes of the number,
//! with one `0x00` byte in front when the top bit of the first byte is set
//! (so that the value reads as non-negative in two's complement). Getting it
//! wrong fails roughly one sign-in in two, which is why every intermediate is
//! checked byte for byte against pycognito in `tests/srp_vectors.rs`.
//!
//! `poolName` is the part of the user-pool id after the `_` (see
//! [`pool_name_from_pool_id`]).
//!
//! # Security
//!
//! [`SrpClient`], [`AuthenticationKey`] and [`PasswordClaim`] hold secrets;
//! their `Debug` output prints `[redacted]`, and no [`SrpError`] carries an
//! input value. A server value `B` with `B mod N == 0` and a scrambling
//! parameter `u == 0` are rejected, as SRP-6a requires.
//!
//! Every exponentiation with a secret exponent (`g^a`, `g^x`,
//! `(B - k * g^x)^(a + u * x)`) runs in constant time: a fixed sequence of
//! Montgomery products over the exponent's public bit length, table lookups
//! that read every entry, and no branch on a secret (see `srp/exp.rs`). The
//! products are branch-free on both of their implementations: the portable
//! Karatsuba code and the fixed-length assembly rows of `srp-mulx`.
//! `a`, `x` and the intermediate values are zeroed when dropped.
//!
//! `a` has 512 bits (64 random bytes), where Amplify JS and pycognito use
//! 1,024: still twice the 256-bit minimum of RFC 5054 and of NIST SP
//! 800-56A for 128-bit security, more than RFC 3526 suggests for this
//! group, and about 2.5 ms cheaper per sign-in, since `S` walks the 513
//! bits of `a + u·x` instead of 1,025. The pycognito vectors (checked by
//! Amplify JS's SRP helpers too) include 64-byte values of `a`. A caller
//! that wants the reference clients' length can draw 128 bytes itself and
//! pass them to [`SrpClient::from_private_key`].
//!
//! # Test-only items
//!
//! The server side (`SrpServer`, `compute_verifier`,
//! `AuthenticationKey::verify_signature`) and the intermediates of the test
//! vectors (`k_hex`, `AuthenticationKey::u_hex` and `s_hex`) exist only with
//! the `test-vectors` cargo feature, which this crate's own tests and
//! benchmarks enable.
//!
//! # Example
//!
//! ```
//! use auth_cognito::srp::{SrpClient, PasswordVerifierChallenge, format_timestamp};
//!
//! // In production: `SrpClient::new(&mut rand::rng())`.
//! let client = SrpClient::from_private_key(&[7u8; 128])?;
//! let srp_a = client.a_public_hex(); // goes into AuthParameters.SRP_A
//! # assert!(!srp_a.is_empty());
//!
//! // ... InitiateAuth returns the PASSWORD_VERIFIER challenge parameters ...
//! let challenge = PasswordVerifierChallenge::new("AbCdEfGhI", "alice")
//!     .with_salt_hex("9a3c5e7f")
//!     .with_srp_b_hex("1234abcd")
//!     .with_secret_block_b64("c2VjcmV0IGJsb2Nr");
//! let timestamp = format_timestamp(1_762_247_103);
//! assert_eq!(timestamp, "Tue Nov 4 09:05:03 UTC 2025");
//! let claim = client.password_verifier(&challenge, "Password1!", &timestamp)?;
//! // claim.signature_b64() -> PASSWORD_CLAIM_SIGNATURE, claim.timestamp() -> TIMESTAMP
//! # assert_eq!(claim.timestamp(), timestamp);
//! # Ok::<(), auth_cognito::srp::SrpError>(())
//! ```

mod client;
mod device;
mod error;
mod exp;
mod group;
mod karatsuba;
mod key;
mod mont;
mod secret_maths;
#[cfg(feature = "test-vectors")]
mod server;
mod timestamp;
mod trace;

#[cfg(test)]
mod tests;

pub use client::{PasswordVerifierChallenge, SrpClient, compute_x_hex, pool_name_from_pool_id};
pub use device::{DEVICE_PASSWORD_LEN, DEVICE_SALT_LEN, DeviceVerifier};
pub use error::SrpError;
#[cfg(feature = "test-vectors")]
pub use group::k_hex;
pub use group::{G, HKDF_INFO, KEY_LEN, N_HEX, PRIVATE_KEY_LEN, pad_hex};
pub use key::{AuthenticationKey, PasswordClaim};
#[cfg(feature = "test-vectors")]
pub use server::{SrpServer, compute_verifier};
pub use timestamp::format_timestamp;

// `mont.rs`, `exp.rs` and `secret_maths.rs` read the group from here.
use group::{K, N};

/// Makes the SRP maths use its portable products even on a CPU with BMI2
/// and ADX (`true`), or the assembly rows again (`false`), so that a
/// benchmark can time both in one run. Feature `test-vectors` only.
#[cfg(feature = "test-vectors")]
pub fn use_portable_products(portable: bool) {
    mont::use_portable_products(portable);
}

/// Builds the comb tables for `g` (96 KiB, about 4 ms on one core) and the
/// other public constants now rather than inside the first sign-in; later
/// calls return at once. Optional: every function here builds them on
/// first use.
pub fn precompute() {
    secret_maths::warm_up();
}
