//! One sign-in's SRP client maths (`a`, `A`, `x`, `S`, HKDF, the signature)
//! done three ways, so that the benchmark can time them side by side and
//! check that they agree: this crate's constant-time code, the earlier
//! variable-time code (`vartime.rs`), and crypto-bigint's constant-time
//! `BoxedMontyForm::pow`.

use std::sync::LazyLock;

use auth_cognito::srp::{
    self, N_HEX, PasswordVerifierChallenge, SrpClient, SrpServer, compute_x_hex, k_hex, pad_hex,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use hmac::{KeyInit as _, Mac as _};
use num_bigint::BigUint;
use sha2::{Digest as _, Sha256};

use super::vartime;

/// Fixed server values for one exchange, as a benchmark replays them.
pub(crate) struct Inputs {
    pub(crate) pool: &'static str,
    pub(crate) user: &'static str,
    pub(crate) password: String,
    pub(crate) salt: &'static str,
    pub(crate) b_hex: String,
    pub(crate) secret_block: &'static str,
    pub(crate) timestamp: String,
}

impl Inputs {
    /// A verifier for `password` and a server `B` made from it.
    pub(crate) fn new(password: &str) -> Inputs {
        let salt = "9f1e2d3c4b5a69788796a5b4c3d2e1f0";
        let verifier = srp::compute_verifier("AbCdEfGhI", "alice", password, salt).unwrap();
        let server = SrpServer::from_private_key(&[0x33; 128], &verifier).unwrap();
        Inputs {
            pool: "AbCdEfGhI",
            user: "alice",
            password: password.to_owned(),
            salt,
            b_hex: server.b_public_hex(),
            secret_block: "c2VjcmV0IGJsb2Nr",
            timestamp: srp::format_timestamp(1_762_247_103),
        }
    }

    /// The same exchange answered with another password (another `x`).
    pub(crate) fn with_password(&self, password: &str) -> Inputs {
        Inputs {
            password: password.to_owned(),
            b_hex: self.b_hex.clone(),
            timestamp: self.timestamp.clone(),
            ..*self
        }
    }

    fn challenge(&self) -> PasswordVerifierChallenge<'_> {
        PasswordVerifierChallenge::new(self.pool, self.user)
            .with_salt_hex(self.salt)
            .with_srp_b_hex(&self.b_hex)
            .with_secret_block_b64(self.secret_block)
    }
}

static N: LazyLock<BigUint> = LazyLock::new(|| BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap());
static K: LazyLock<BigUint> =
    LazyLock::new(|| BigUint::parse_bytes(k_hex().as_bytes(), 16).unwrap());

/// This crate: `SrpClient` (constant-time).
pub(crate) fn constant_time(inputs: &Inputs, a: &[u8]) -> String {
    let client = SrpClient::from_private_key(a).unwrap();
    constant_time_claim(inputs, &client)
}

/// The half after the password is known, for a client made beforehand.
pub(crate) fn constant_time_claim(inputs: &Inputs, client: &SrpClient) -> String {
    client
        .password_verifier(&inputs.challenge(), &inputs.password, &inputs.timestamp)
        .unwrap()
        .signature_b64()
        .to_owned()
}

/// The earlier variable-time code.
pub(crate) fn variable_time(inputs: &Inputs, a: &[u8]) -> String {
    let n = &*N;
    let a = BigUint::from_bytes_be(a) % n;
    let big_a = vartime::pow_g(&a);
    let (u, x, big_b) = public_parts(inputs, &big_a);
    let kgx = (&*K * vartime::pow_g(&x)) % n;
    let base = ((&big_b % n) + n - kgx) % n;
    let s = vartime::pow_mod(&base, &(&a + &u * &x));
    signature(inputs, &u, &s)
}

static PARAMS: LazyLock<BoxedMontyParams> =
    LazyLock::new(|| BoxedMontyParams::new(Odd::new(boxed(&N, 3072)).unwrap()));

fn boxed(x: &BigUint, bits: u32) -> BoxedUint {
    BoxedUint::from_be_slice(&x.to_bytes_be(), bits).unwrap()
}

fn unboxed(x: &BoxedUint) -> BigUint {
    BigUint::from_bytes_be(&x.to_be_bytes())
}

/// crypto-bigint's `BoxedMontyForm::pow_bounded_exp` (constant-time; the
/// small steps between the exponentiations are num-bigint).
pub(crate) fn crypto_bigint(inputs: &Inputs, a: &[u8]) -> String {
    let params = &*PARAMS;
    let g = BoxedMontyForm::new(boxed(&BigUint::from(srp::G), 3072), params);
    let a = BigUint::from_bytes_be(a) % &*N;
    let big_a = unboxed(&g.pow_bounded_exp(&boxed(&a, 1024), 1024).retrieve());
    let (u, x, big_b) = public_parts(inputs, &big_a);
    let v = g.pow_bounded_exp(&boxed(&x, 256), 256);
    let kv = BoxedMontyForm::new(boxed(&K, 3072), params) * &v;
    let b = BoxedMontyForm::new(boxed(&(&big_b % &*N), 3072), params);
    let base = b - kv;
    let e = &a + &u * &x;
    let s = unboxed(&base.pow_bounded_exp(&boxed(&e, 1088), 1025).retrieve());
    signature(inputs, &u, &s)
}

/// `u`, `x` and `B` for a client that sent `A`.
fn public_parts(inputs: &Inputs, big_a: &BigUint) -> (BigUint, BigUint, BigUint) {
    let big_b = BigUint::parse_bytes(inputs.b_hex.as_bytes(), 16).unwrap();
    let u = hash(&[&pad(big_a), &pad(&big_b)]);
    let x_hex = compute_x_hex(inputs.pool, inputs.user, &inputs.password, inputs.salt).unwrap();
    let x = BigUint::parse_bytes(x_hex.as_bytes(), 16).unwrap();
    (u, x, big_b)
}

fn pad(x: &BigUint) -> Vec<u8> {
    hex::decode(pad_hex(&x.to_str_radix(16))).unwrap()
}

fn hash(parts: &[&[u8]]) -> BigUint {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    BigUint::from_bytes_be(&h.finalize())
}

fn signature(inputs: &Inputs, u: &BigUint, s: &BigUint) -> String {
    let hk = hkdf::Hkdf::<Sha256>::new(Some(&pad(u)), &pad(s));
    let mut key = [0u8; 16];
    hk.expand(srp::HKDF_INFO, &mut key).unwrap();
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(inputs.pool.as_bytes());
    mac.update(inputs.user.as_bytes());
    mac.update(&BASE64.decode(inputs.secret_block).unwrap());
    mac.update(inputs.timestamp.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}
