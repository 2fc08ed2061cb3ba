//! The client half of Cognito's SRP-6a: `A`, then the password claim that
//! answers `PASSWORD_VERIFIER`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::Mac as _;
use num_bigint::BigUint;
use sha2::{Digest as _, Sha256};

use super::group::{N, PRIVATE_KEY_LEN, hash_to_int, padded_bytes, parse_hex};
use super::key::{AuthenticationKey, PasswordClaim};
use super::{SrpError, exp, secret_maths};

/// The challenge parameters of Cognito's `PASSWORD_VERIFIER` challenge that
/// the signature depends on, plus the pool name.
///
/// ```
/// use auth_cognito::srp::PasswordVerifierChallenge;
/// let challenge = PasswordVerifierChallenge::new("AbCdEfGhI", "alice")
///     .with_salt_hex("9a3c5e7f")
///     .with_srp_b_hex("1234abcd")
///     .with_secret_block_b64("c2VjcmV0IGJsb2Nr");
/// assert_eq!(challenge.salt_hex, "9a3c5e7f");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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

impl<'a> PasswordVerifierChallenge<'a> {
    /// The challenge for `user_id_for_srp` (`USER_ID_FOR_SRP`) in the pool
    /// named `pool_name`. Set the values Cognito sent with the `with_*`
    /// methods; one left empty is refused by the maths with a typed error.
    pub fn new(pool_name: &'a str, user_id_for_srp: &'a str) -> Self {
        Self {
            pool_name,
            user_id_for_srp,
            salt_hex: "",
            srp_b_hex: "",
            secret_block_b64: "",
        }
    }

    /// `SALT`, in hex, exactly as sent.
    pub fn with_salt_hex(mut self, salt_hex: &'a str) -> Self {
        self.salt_hex = salt_hex;
        self
    }

    /// `SRP_B`, in hex, exactly as sent.
    pub fn with_srp_b_hex(mut self, srp_b_hex: &'a str) -> Self {
        self.srp_b_hex = srp_b_hex;
        self
    }

    /// `SECRET_BLOCK`, standard base64, exactly as sent.
    pub fn with_secret_block_b64(mut self, secret_block_b64: &'a str) -> Self {
        self.secret_block_b64 = secret_block_b64;
        self
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
    pub(super) a: exp::Exponent,
    pub(super) big_a: BigUint,
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
    /// The exponentiations walk `8 * a.len()` bits (at most 3,072), whatever
    /// the bytes hold: the length is public, the value is not.
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
        let (a, big_a) = secret_maths::private_value(a)?;
        Ok(Self { a, big_a })
    }

    /// `SRP_A` as sent to Cognito: `A` in lowercase hex, without padding or
    /// leading zeros.
    pub fn a_public_hex(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// Derives the password authentication key from the challenge's `SALT`
    /// and `SRP_B`.
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
        let x_digest = compute_x(pool_name, user_id_for_srp, password, salt_hex)?;
        let x = secret_maths::x_exponent(&x_digest);
        let s = secret_maths::premaster_secret(&self.a, &x, &u, &big_b);
        Ok(AuthenticationKey::derive(&u, &s))
    }

    /// Answers the `PASSWORD_VERIFIER` challenge: derives the key and signs
    /// the claim for `timestamp` (format it with
    /// [`format_timestamp`](super::format_timestamp)).
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
        Ok(PasswordClaim::new(
            BASE64.encode(mac.finalize().into_bytes()),
            timestamp.to_owned(),
        ))
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
    let x = compute_x(pool_name, user_id_for_srp, password, salt_hex)?;
    Ok(BigUint::from_bytes_be(&x[..]).to_str_radix(16))
}

/// The digest `x` (as a number, see [`compute_x_hex`]), in zeroizing
/// storage.
pub(super) fn compute_x(
    pool_name: &str,
    user_id_for_srp: &str,
    password: &str,
    salt_hex: &str,
) -> Result<zeroize::Zeroizing<[u8; 32]>, SrpError> {
    let salt = padded_bytes(&parse_hex("SALT", salt_hex)?);
    let inner: zeroize::Zeroizing<[u8; 32]> = zeroize::Zeroizing::new(
        Sha256::new()
            .chain_update(pool_name.as_bytes())
            .chain_update(user_id_for_srp.as_bytes())
            .chain_update(b":")
            .chain_update(password.as_bytes())
            .finalize()
            .into(),
    );
    Ok(zeroize::Zeroizing::new(
        Sha256::new()
            .chain_update(&salt)
            .chain_update(&inner[..])
            .finalize()
            .into(),
    ))
}

/// `u = H(pad(A) | pad(B))`, refused when zero.
pub(super) fn scrambling(big_a: &BigUint, big_b: &BigUint) -> Result<BigUint, SrpError> {
    nonzero_scrambling(hash_to_int(&[&padded_bytes(big_a), &padded_bytes(big_b)]))
}

pub(super) fn nonzero_scrambling(u: BigUint) -> Result<BigUint, SrpError> {
    if u == BigUint::ZERO {
        return Err(SrpError::InvalidScrambling);
    }
    Ok(u)
}

/// The bytes of `SECRET_BLOCK`.
pub(super) fn decode_secret_block(secret_block_b64: &str) -> Result<Vec<u8>, SrpError> {
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
