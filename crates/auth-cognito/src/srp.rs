//! Cognito's SRP-6a client maths, as pure functions, so that `USER_SRP_AUTH`
//! sign-in can answer the `PASSWORD_VERIFIER` challenge without ever sending
//! the password.
//!
//! This module does no I/O, reads no clock and draws no randomness of its
//! own: the random private value comes from an injected RNG (or a fixed byte
//! string, for test vectors), and the challenge timestamp is a string the
//! caller formats with [`format_timestamp`] from an injected clock.
//!
//! # The protocol, as Cognito runs it
//!
//! - Group: the 3072-bit MODP prime `N` of RFC 3526, generator `g = 2`, hash
//!   SHA-256, `k = H(pad(N) | pad(g))`.
//! - The client picks a random `a` (128 random bytes, reduced mod `N`) and
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
//! Known limits: the modular exponentiation (our own 3072-bit Montgomery
//! arithmetic, with a fixed-base table for `g`; see `srp/mont.rs`) is not
//! constant-time, and secret values are not zeroed when dropped.
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
//! let challenge = PasswordVerifierChallenge {
//!     pool_name: "AbCdEfGhI",
//!     user_id_for_srp: "alice",
//!     salt_hex: "9a3c5e7f",
//!     srp_b_hex: "1234abcd",
//!     secret_block_b64: "c2VjcmV0IGJsb2Nr",
//! };
//! let timestamp = format_timestamp(1_762_247_103);
//! assert_eq!(timestamp, "Tue Nov 4 09:05:03 UTC 2025");
//! let claim = client.password_verifier(&challenge, "Password1!", &timestamp)?;
//! // claim.signature_b64() -> PASSWORD_CLAIM_SIGNATURE, claim.timestamp() -> TIMESTAMP
//! # assert_eq!(claim.timestamp(), timestamp);
//! # Ok::<(), auth_cognito::srp::SrpError>(())
//! ```

use std::fmt;
use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{KeyInit as _, Mac as _};
use num_bigint::BigUint;
use sha2::{Digest as _, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

mod mont;

/// The 3072-bit MODP group prime of RFC 3526 (section 4), in hex, as Cognito
/// and every Amplify library use it.
pub const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// The group generator `g`.
pub const G: u32 = 2;

/// The HKDF `info` string Cognito uses for the password authentication key.
pub const HKDF_INFO: &[u8] = b"Caldera Derived Key";

/// The length in bytes of the derived password authentication key.
pub const KEY_LEN: usize = 16;

/// How many random bytes make the private value `a` (as Amplify JS and
/// pycognito do).
pub const PRIVATE_KEY_LEN: usize = 128;

static N: LazyLock<BigUint> = LazyLock::new(|| {
    // N_HEX is a constant made of hex digits only, so this cannot fail.
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default()
});

static K: LazyLock<BigUint> = LazyLock::new(|| {
    let g = BigUint::from(G);
    hash_to_int(&[&padded_bytes(&N), &padded_bytes(&g)])
});

/// Why an SRP computation was refused. No variant carries an input value,
/// so an error can be logged safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SrpError {
    /// The server's public value `B` is a multiple of `N` (including zero);
    /// answering would reveal nothing useful and signals a broken or hostile
    /// server.
    #[error("invalid SRP server public value (B mod N is zero)")]
    InvalidServerPublicKey,
    /// The client's public value `A` is a multiple of `N` (only possible on
    /// the server side of the exchange, or with a broken private value).
    #[error("invalid SRP client public value (A mod N is zero)")]
    InvalidClientPublicKey,
    /// The scrambling parameter `u = H(pad(A) | pad(B))` is zero.
    #[error("invalid SRP scrambling parameter (u is zero)")]
    InvalidScrambling,
    /// A fixed private value reduces to zero mod `N`.
    #[error("invalid SRP private value (zero mod N)")]
    InvalidPrivateKey,
    /// A field that must be a non-empty string of hex digits is not.
    #[error("{field} is not a non-empty hex string")]
    InvalidHex {
        /// Which input was malformed (for example `"SRP_B"`).
        field: &'static str,
    },
    /// A field that must be standard, padded base64 is not.
    #[error("{field} is not valid base64")]
    InvalidBase64 {
        /// Which input was malformed (for example `"SECRET_BLOCK"`).
        field: &'static str,
    },
    /// A user-pool id lacks the `region_` prefix.
    #[error("user pool id is not of the form <region>_<name>")]
    InvalidPoolId,
}

/// The challenge parameters of Cognito's `PASSWORD_VERIFIER` challenge that
/// the signature depends on, plus the pool name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PasswordVerifierChallenge<'a> {
    /// The pool name: the part of the user-pool id after `_` (see
    /// [`pool_name_from_pool_id`]).
    pub pool_name: &'a str,
    /// `USER_ID_FOR_SRP` as sent by Cognito (not necessarily the user name
    /// the user typed).
    pub user_id_for_srp: &'a str,
    /// `SALT`, in hex, exactly as sent (read as a number, see
    /// [`compute_x_hex`]).
    pub salt_hex: &'a str,
    /// `SRP_B`, in hex, exactly as sent.
    pub srp_b_hex: &'a str,
    /// `SECRET_BLOCK`, standard base64, exactly as sent (characters outside
    /// the base64 alphabet are skipped, as pycognito does).
    pub secret_block_b64: &'a str,
}

impl fmt::Debug for PasswordVerifierChallenge<'_> {
    /// Names the pool and the user; the SRP values (salt, B, secret block)
    /// are redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordVerifierChallenge")
            .field("pool_name", &self.pool_name)
            .field("user_id_for_srp", &self.user_id_for_srp)
            .finish_non_exhaustive()
    }
}

/// The client half of one SRP exchange: the private value `a` and the public
/// value `A = g^a mod N`.
///
/// Make one per sign-in attempt; `A` is computed up front, so the expensive
/// half of the maths is done before the password is known or the server has
/// answered.
#[derive(Clone)]
pub struct SrpClient {
    a: BigUint,
    big_a: BigUint,
}

impl fmt::Debug for SrpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrpClient")
            .field("a", &"[redacted]")
            .field("big_a", &"[redacted]")
            .finish()
    }
}

impl SrpClient {
    /// Starts an exchange with a private value drawn from `rng`
    /// ([`PRIVATE_KEY_LEN`] random bytes, reduced mod `N`, drawn again in the
    /// practically impossible case that it reduces to zero).
    pub fn new<R: rand::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = [0u8; PRIVATE_KEY_LEN];
        loop {
            rng.fill_bytes(&mut bytes);
            if let Ok(client) = Self::from_private_key(&bytes) {
                return client;
            }
        }
    }

    /// Starts an exchange with a fixed private value `a` (big-endian bytes,
    /// reduced mod `N`), for test vectors and reproducible tests.
    ///
    /// # Security Warning
    ///
    /// A fixed `a` makes the exchange replayable. Use [`SrpClient::new`] in
    /// production.
    ///
    /// # Errors
    ///
    /// [`SrpError::InvalidPrivateKey`] if `a mod N` is zero.
    pub fn from_private_key(a: &[u8]) -> Result<Self, SrpError> {
        let a = BigUint::from_bytes_be(a) % &*N;
        if a == BigUint::ZERO {
            return Err(SrpError::InvalidPrivateKey);
        }
        let big_a = mont::pow_g(&a);
        if &big_a % &*N == BigUint::ZERO {
            return Err(SrpError::InvalidClientPublicKey);
        }
        Ok(Self { a, big_a })
    }

    /// `SRP_A` as sent to Cognito: `A` in lowercase hex, without padding or
    /// leading zeros.
    pub fn a_public_hex(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// Derives the password authentication key (and keeps the intermediates
    /// `u` and `S`, for tests) from the challenge's `SALT` and `SRP_B`.
    ///
    /// `pool_name` is the part of the pool id after `_`; `salt_hex` and
    /// `srp_b_hex` are taken exactly as Cognito sent them.
    ///
    /// # Errors
    ///
    /// [`SrpError::InvalidHex`] for a malformed salt or `B`,
    /// [`SrpError::InvalidServerPublicKey`] if `B mod N == 0`,
    /// [`SrpError::InvalidScrambling`] if `u == 0`.
    pub fn authentication_key(
        &self,
        pool_name: &str,
        user_id_for_srp: &str,
        password: &str,
        salt_hex: &str,
        srp_b_hex: &str,
    ) -> Result<AuthenticationKey, SrpError> {
        let big_b = parse_hex("SRP_B", srp_b_hex)?;
        if &big_b % &*N == BigUint::ZERO {
            return Err(SrpError::InvalidServerPublicKey);
        }
        let u = scrambling(&self.big_a, &big_b)?;
        let x = compute_x(pool_name, user_id_for_srp, password, salt_hex)?;
        let n = &*N;
        // (B - k * g^x) mod N, kept non-negative.
        let kgx = (&*K * mont::pow_g(&x)) % n;
        let base = ((big_b % n) + n - kgx) % n;
        let exponent = &self.a + &u * &x;
        let s = mont::pow_mod(&base, &exponent);
        Ok(AuthenticationKey::derive(&u, &s))
    }

    /// Answers the `PASSWORD_VERIFIER` challenge: derives the key and signs
    /// the claim for `timestamp` (format it with [`format_timestamp`]).
    ///
    /// # Errors
    ///
    /// As [`SrpClient::authentication_key`], plus
    /// [`SrpError::InvalidBase64`] for a malformed `SECRET_BLOCK`.
    pub fn password_verifier(
        &self,
        challenge: &PasswordVerifierChallenge<'_>,
        password: &str,
        timestamp: &str,
    ) -> Result<PasswordClaim, SrpError> {
        // Decode the secret block first: it is cheap, and a malformed one
        // should not cost two modular exponentiations.
        let secret_block = decode_secret_block(challenge.secret_block_b64)?;
        let key = self.authentication_key(
            challenge.pool_name,
            challenge.user_id_for_srp,
            password,
            challenge.salt_hex,
            challenge.srp_b_hex,
        )?;
        let mac = key.mac(
            challenge.pool_name,
            challenge.user_id_for_srp,
            &secret_block,
            timestamp,
        );
        Ok(PasswordClaim {
            signature_b64: BASE64.encode(mac.finalize().into_bytes()),
            timestamp: timestamp.to_owned(),
        })
    }
}

/// The server half of one SRP exchange, as Cognito plays it: for the
/// in-process emulator and for tests, so that both sides of the maths live
/// in one place.
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
        let mut bytes = [0u8; PRIVATE_KEY_LEN];
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
        let big_b = (&*K * &v + mont::pow_g(&b)) % n;
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
        let s = mont::pow_mod(&((big_a % n) * mont::pow_mod(&self.v, &u) % n), &self.b);
        Ok(AuthenticationKey::derive(&u, &s))
    }
}

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
    u_hex: String,
    s_hex: String,
}

impl fmt::Debug for AuthenticationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticationKey")
            .field("key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl AuthenticationKey {
    fn derive(u: &BigUint, s: &BigUint) -> Self {
        let hkdf = hkdf::Hkdf::<Sha256>::new(Some(&padded_bytes(u)), &padded_bytes(s));
        let mut key = [0u8; KEY_LEN];
        // 16 bytes is far below HKDF-SHA256's 8160-byte limit.
        if hkdf.expand(HKDF_INFO, &mut key).is_err() {
            unreachable!("HKDF-SHA256 can always expand to 16 bytes");
        }
        Self {
            key,
            u_hex: u.to_str_radix(16),
            s_hex: s.to_str_radix(16),
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
    /// Exposed for test vectors only.
    pub fn u_hex(&self) -> &str {
        &self.u_hex
    }

    /// The premaster secret `S`, in lowercase hex without leading zeros.
    ///
    /// # Security Warning
    ///
    /// Secret; exposed for test vectors only.
    pub fn s_hex(&self) -> &str {
        &self.s_hex
    }

    fn mac(
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
    /// does. Returns `Ok(false)` for a wrong signature (including one that is
    /// not valid base64).
    ///
    /// # Errors
    ///
    /// [`SrpError::InvalidBase64`] for a malformed `SECRET_BLOCK`.
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

/// The pool name SRP hashes and signs: the part of a user-pool id such as
/// `us-east-1_AbCdEfGhI` after the first `_` (up to a second `_`, as
/// pycognito and Amplify JS split it).
///
/// # Errors
///
/// [`SrpError::InvalidPoolId`] if there is no `_`.
pub fn pool_name_from_pool_id(pool_id: &str) -> Result<&str, SrpError> {
    pool_id.split('_').nth(1).ok_or(SrpError::InvalidPoolId)
}

/// Pads a hex string the way Cognito's SRP hashes it (Amplify JS and
/// pycognito `padHex`): a `0` in front of an odd-length string, `00` in front
/// of an even-length string whose first digit is `8`-`f` (or `8`-`F`), the
/// string unchanged otherwise. It does not validate its input, and leaves
/// leading zeros alone.
pub fn pad_hex(hex: &str) -> String {
    match hex.as_bytes().first() {
        _ if hex.len() % 2 == 1 => format!("0{hex}"),
        Some(b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F') => format!("00{hex}"),
        _ => hex.to_owned(),
    }
}

/// `x = H(pad(salt) | H(poolName | userId | ":" | password))`, in lowercase
/// hex without leading zeros.
///
/// The salt is read as a number and then padded, as Amplify JS (and the
/// Android and Java helpers) do: `"000f"` hashes as `0x0f`. pycognito pads
/// the string as sent instead, which differs only for a salt with redundant
/// leading zero bytes (`"000f"`, `"0012"`); Cognito's salts have none.
///
/// # Security Warning
///
/// `x` is equivalent to the password for this salt; never log it.
///
/// # Errors
///
/// [`SrpError::InvalidHex`] for a malformed salt.
pub fn compute_x_hex(
    pool_name: &str,
    user_id_for_srp: &str,
    password: &str,
    salt_hex: &str,
) -> Result<String, SrpError> {
    Ok(compute_x(pool_name, user_id_for_srp, password, salt_hex)?.to_str_radix(16))
}

/// The password verifier `v = g^x mod N` a server stores for the user, in
/// lowercase hex (for the emulator; see [`SrpServer`]).
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
    let x = compute_x(pool_name, user_id_for_srp, password, salt_hex)?;
    Ok(mont::pow_g(&x).to_str_radix(16))
}

/// Builds the fixed-base table for `g` (96 KiB, about 4 ms on one core)
/// now rather than inside the first sign-in; later calls return at once.
/// Optional: every function here builds it on first use.
pub fn precompute() {
    mont::warm_up();
}

/// The multiplier `k = H(pad(N) | pad(g))`, in lowercase hex.
pub fn k_hex() -> String {
    K.to_str_radix(16)
}

/// Formats a Unix time (seconds, UTC) as Cognito's `TIMESTAMP`:
/// `"%a %b %-d %H:%M:%S UTC %Y"` with English names and an unpadded day,
/// for example `"Tue Nov 4 09:05:03 UTC 2025"`. Total for every `i64`.
pub fn format_timestamp(unix_secs: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month_name = MONTHS[usize::try_from(month - 1).unwrap_or(0)];
    format!(
        "{weekday} {month_name} {day} {:02}:{:02}:{:02} UTC {year}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31) in the proleptic
/// Gregorian calendar (Howard Hinnant's `civil_from_days`), in i128 so that
/// no i64 input overflows.
fn civil_from_days(days: i64) -> (i128, i64, i64) {
    let z = i128::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i128::from(month <= 2);
    // day and month are small, so the conversions cannot fail.
    (
        year,
        i64::try_from(month).unwrap_or(1),
        i64::try_from(day).unwrap_or(1),
    )
}

fn compute_x(
    pool_name: &str,
    user_id_for_srp: &str,
    password: &str,
    salt_hex: &str,
) -> Result<BigUint, SrpError> {
    let salt = padded_bytes(&parse_hex("SALT", salt_hex)?);
    let inner = Sha256::new()
        .chain_update(pool_name.as_bytes())
        .chain_update(user_id_for_srp.as_bytes())
        .chain_update(b":")
        .chain_update(password.as_bytes())
        .finalize();
    Ok(hash_to_int(&[&salt, &inner]))
}

fn scrambling(big_a: &BigUint, big_b: &BigUint) -> Result<BigUint, SrpError> {
    nonzero_scrambling(hash_to_int(&[&padded_bytes(big_a), &padded_bytes(big_b)]))
}

fn nonzero_scrambling(u: BigUint) -> Result<BigUint, SrpError> {
    if u == BigUint::ZERO {
        return Err(SrpError::InvalidScrambling);
    }
    Ok(u)
}

fn hash_to_int(parts: &[&[u8]]) -> BigUint {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    BigUint::from_bytes_be(&hasher.finalize())
}

fn hmac_sha256(key: &[u8]) -> HmacSha256 {
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

/// The bytes of `pad_hex(hex(value))`: big-endian, with a `0x00` in front
/// when the top bit is set. Zero is one `0x00` byte.
fn padded_bytes(value: &BigUint) -> Vec<u8> {
    let bytes = value.to_bytes_be();
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        let mut padded = Vec::with_capacity(bytes.len() + 1);
        padded.push(0);
        padded.extend_from_slice(&bytes);
        padded
    } else {
        bytes
    }
}

fn check_hex(field: &'static str, hex: &str) -> Result<(), SrpError> {
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SrpError::InvalidHex { field });
    }
    Ok(())
}

fn parse_hex(field: &'static str, hex: &str) -> Result<BigUint, SrpError> {
    check_hex(field, hex)?;
    BigUint::parse_bytes(hex.as_bytes(), 16).ok_or(SrpError::InvalidHex { field })
}

fn decode_secret_block(secret_block_b64: &str) -> Result<Vec<u8>, SrpError> {
    // Like pycognito (Python's non-validating `b64decode`), characters outside
    // the base64 alphabet are skipped: some Cognito implementations (moto)
    // send a UUID as the secret block, and the signature must cover the same
    // bytes the server decodes.
    let cleaned: String = secret_block_b64
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    BASE64.decode(cleaned).map_err(|_| SrpError::InvalidBase64 {
        field: "SECRET_BLOCK",
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn client() -> SrpClient {
        SrpClient::from_private_key(&[0x5a; PRIVATE_KEY_LEN]).unwrap()
    }

    #[test]
    fn pad_hex_follows_cognito_rules() {
        assert_eq!(pad_hex("abc"), "0abc");
        assert_eq!(pad_hex("7"), "07");
        assert_eq!(pad_hex("80"), "0080");
        assert_eq!(pad_hex("F0"), "00F0");
        assert_eq!(pad_hex("7f"), "7f");
        assert_eq!(pad_hex("00ff"), "00ff");
        assert_eq!(pad_hex(""), "");
    }

    #[test]
    fn padded_bytes_matches_pad_hex_of_the_number() {
        for value in [0u64, 1, 0x7f, 0x80, 0xabc, 0xffff, 0x0100, 0x8000_0000] {
            let big = BigUint::from(value);
            let expected = hex::decode(pad_hex(&big.to_str_radix(16))).unwrap();
            assert_eq!(padded_bytes(&big), expected, "{value:#x}");
        }
    }

    #[test]
    fn k_matches_hash_of_padded_n_and_g() {
        let expected = Sha256::digest(hex::decode(format!("00{N_HEX}02")).unwrap());
        assert_eq!(*K, BigUint::from_bytes_be(&expected));
    }

    #[test]
    fn client_and_server_derive_the_same_key() {
        let salt = "9f1e2d3c4b5a69788796a5b4c3d2e1f0";
        let verifier = compute_verifier("Pool", "alice", "pw", salt).unwrap();
        let server = SrpServer::from_private_key(&[0x33; 128], &verifier).unwrap();
        let client = client();
        let client_key = client
            .authentication_key("Pool", "alice", "pw", salt, &server.b_public_hex())
            .unwrap();
        let server_key = server.authentication_key(&client.a_public_hex()).unwrap();
        assert_eq!(client_key.secret(), server_key.secret());
        assert_eq!(client_key.s_hex(), server_key.s_hex());

        let challenge = PasswordVerifierChallenge {
            pool_name: "Pool",
            user_id_for_srp: "alice",
            salt_hex: salt,
            srp_b_hex: &server.b_public_hex(),
            secret_block_b64: "AAECAw==",
        };
        let ts = format_timestamp(1_700_000_000);
        let claim = client.password_verifier(&challenge, "pw", &ts).unwrap();
        assert!(
            server_key
                .verify_signature("Pool", "alice", "AAECAw==", &ts, claim.signature_b64())
                .unwrap()
        );
        assert!(
            !server_key
                .verify_signature("Pool", "alice", "AAECAw==", "other", claim.signature_b64())
                .unwrap()
        );
        let wrong = client.password_verifier(&challenge, "wrong", &ts).unwrap();
        assert!(
            !server_key
                .verify_signature("Pool", "alice", "AAECAw==", &ts, wrong.signature_b64())
                .unwrap()
        );
    }

    #[test]
    fn random_clients_differ_and_have_valid_a() {
        let mut rng = rand::rng();
        let one = SrpClient::new(&mut rng);
        let two = SrpClient::new(&mut rng);
        assert_ne!(one.a_public_hex(), two.a_public_hex());
        assert!(one.big_a < *N && one.big_a > BigUint::from(1u8));
    }

    #[test]
    fn zero_private_key_is_rejected() {
        assert_eq!(
            SrpClient::from_private_key(&[0; 4]).unwrap_err(),
            SrpError::InvalidPrivateKey
        );
        let n = N.to_bytes_be();
        assert_eq!(
            SrpClient::from_private_key(&n).unwrap_err(),
            SrpError::InvalidPrivateKey
        );
    }

    #[test]
    fn zero_scrambling_parameter_is_rejected() {
        // No (A, B) pair with H(pad(A) | pad(B)) == 0 is known, so the guard
        // is checked directly.
        assert_eq!(
            nonzero_scrambling(BigUint::ZERO).unwrap_err(),
            SrpError::InvalidScrambling
        );
        assert!(nonzero_scrambling(BigUint::from(1u8)).is_ok());
    }

    #[test]
    fn malformed_inputs_are_typed_errors() {
        let c = client();
        let ok = PasswordVerifierChallenge {
            pool_name: "Pool",
            user_id_for_srp: "alice",
            salt_hex: "abcd",
            srp_b_hex: "1234",
            secret_block_b64: "AAECAw==",
        };
        assert!(c.password_verifier(&ok, "pw", "t").is_ok());
        let cases = [
            (
                PasswordVerifierChallenge { salt_hex: "", ..ok },
                SrpError::InvalidHex { field: "SALT" },
            ),
            (
                PasswordVerifierChallenge {
                    salt_hex: "xyz",
                    ..ok
                },
                SrpError::InvalidHex { field: "SALT" },
            ),
            (
                PasswordVerifierChallenge {
                    srp_b_hex: "",
                    ..ok
                },
                SrpError::InvalidHex { field: "SRP_B" },
            ),
            (
                PasswordVerifierChallenge {
                    srp_b_hex: "0x12",
                    ..ok
                },
                SrpError::InvalidHex { field: "SRP_B" },
            ),
            (
                PasswordVerifierChallenge {
                    srp_b_hex: "12_34",
                    ..ok
                },
                SrpError::InvalidHex { field: "SRP_B" },
            ),
            (
                PasswordVerifierChallenge {
                    srp_b_hex: "+1234",
                    ..ok
                },
                SrpError::InvalidHex { field: "SRP_B" },
            ),
            (
                PasswordVerifierChallenge {
                    srp_b_hex: "00",
                    ..ok
                },
                SrpError::InvalidServerPublicKey,
            ),
            (
                PasswordVerifierChallenge {
                    secret_block_b64: "not base64!",
                    ..ok
                },
                SrpError::InvalidBase64 {
                    field: "SECRET_BLOCK",
                },
            ),
        ];
        for (challenge, expected) in cases {
            assert_eq!(
                c.password_verifier(&challenge, "pw", "t").unwrap_err(),
                expected
            );
        }
    }

    #[test]
    fn server_rejects_a_multiple_of_n() {
        let server = SrpServer::from_private_key(&[1; 8], "1234").unwrap();
        for a in ["0", N_HEX] {
            assert_eq!(
                server.authentication_key(a).unwrap_err(),
                SrpError::InvalidClientPublicKey
            );
        }
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let c = client();
        let a_hex = c.a_public_hex();
        let debug = format!("{c:?}");
        assert!(debug.contains("[redacted]"));
        assert!(!debug.contains(&a_hex[..16]));

        let key = c
            .authentication_key("Pool", "alice", "hunter2", "abcd", "1234")
            .unwrap();
        let debug = format!("{key:?}");
        assert!(!debug.contains(&hex::encode(key.secret())));
        assert!(!debug.contains(&key.s_hex()[..16]));

        let challenge = PasswordVerifierChallenge {
            pool_name: "Pool",
            user_id_for_srp: "alice",
            salt_hex: "abcd",
            srp_b_hex: "1234",
            secret_block_b64: "AAECAw==",
        };
        let claim = c.password_verifier(&challenge, "hunter2", "t").unwrap();
        let debug = format!("{claim:?}");
        assert!(!debug.contains(claim.signature_b64()));
        assert!(!debug.contains("hunter2"));
    }

    #[test]
    fn errors_carry_no_input_values() {
        let c = client();
        let err = c
            .authentication_key("Pool", "alice", "hunter2", "zz-secret", "1234")
            .unwrap_err();
        assert!(!err.to_string().contains("secret"));
        assert!(!format!("{err:?}").contains("secret"));
    }

    #[test]
    fn timestamp_has_unpadded_day_and_english_names() {
        assert_eq!(format_timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
        assert_eq!(
            format_timestamp(1_762_247_103),
            "Tue Nov 4 09:05:03 UTC 2025"
        );
        assert_eq!(format_timestamp(-1), "Wed Dec 31 23:59:59 UTC 1969");
        assert_eq!(
            format_timestamp(951_782_400),
            "Tue Feb 29 00:00:00 UTC 2000"
        );
        // Total: the extremes do not panic.
        assert!(format_timestamp(i64::MAX).ends_with("UTC 292277026596"));
        assert!(format_timestamp(i64::MIN).contains("UTC -292277022657"));
    }

    #[test]
    fn salt_is_read_as_a_number_like_amplify_js() {
        let x = |salt| compute_x_hex("Pool", "alice", "pw", salt).unwrap();
        assert_eq!(x("000f"), x("f"));
        assert_eq!(x("000f"), x("0f"));
        assert_eq!(x("0080"), x("80"));
        assert_eq!(x("00AB"), x("ab"));
        assert_ne!(x("0f"), x("f0"));
    }

    #[test]
    fn secret_block_skips_characters_outside_base64() {
        // moto sends a UUID as SECRET_BLOCK; pycognito drops the dashes.
        assert_eq!(
            decode_secret_block("0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d").unwrap(),
            BASE64.decode("0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d").unwrap()
        );
    }

    #[test]
    fn pool_name_is_the_part_after_the_underscore() {
        assert_eq!(pool_name_from_pool_id("us-east-1_AbC").unwrap(), "AbC");
        assert_eq!(
            pool_name_from_pool_id("nounderscore").unwrap_err(),
            SrpError::InvalidPoolId
        );
    }
}
