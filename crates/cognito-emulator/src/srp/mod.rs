//! Server-side SRP-6a exactly as Cognito's `USER_SRP_AUTH` does it, written
//! independently of any client so that a client bug is not masked.
//!
//! Per exchange the server computes `g^b` (for `B`), `v^u` and `(A·v^u)^b`,
//! each with a 256-bit exponent. The powers of `g` and, from a user's
//! second exchange on, of `v` come from fixed-base tables
//! ([`fixed_base`]); `(A·v^u)^b` is one `modpow`, started on its own thread
//! when `InitiateAuth` has made `B` ([`early`]).

mod early;
mod fixed_base;

pub(crate) use early::EarlyPremaster;
use fixed_base::FixedBase;
pub(crate) use fixed_base::PowCache;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use num_bigint::BigUint;
use rand::RngExt as _;
use sha2::{Digest, Sha256};

/// RFC 5054 3072-bit group prime, as Cognito uses it.
const N_HEX: &str = concat!(
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
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
);

/// The group parameters (N, g, k).
pub(crate) struct Group {
    pub(crate) n: BigUint,
    pub(crate) g: BigUint,
    pub(crate) k: BigUint,
}

pub(crate) fn group() -> &'static Group {
    static G: std::sync::OnceLock<Group> = std::sync::OnceLock::new();
    G.get_or_init(|| {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default();
        let g = BigUint::from(2u32);
        let k = hash_to_int(&[&pad(&n), &pad(&g)]);
        Group { n, g, k }
    })
}

/// `g^e mod N` from the process-wide table of `g`, built at first use.
fn g_pow(e: &BigUint) -> BigUint {
    static T: std::sync::OnceLock<FixedBase> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let gr = group();
        FixedBase::new(&gr.g, &gr.n)
    })
    .pow(e)
}

/// Cognito's padding: the big-endian bytes of the hex form, with a leading
/// zero byte when the first nibble is >= 8 (a "0" nibble is prepended to
/// odd-length hex first).
pub(crate) fn pad(v: &BigUint) -> Vec<u8> {
    let mut hex = v.to_str_radix(16);
    if hex.len() % 2 == 1 {
        hex.insert(0, '0');
    } else if hex
        .as_bytes()
        .first()
        .is_some_and(|c| b"89abcdef".contains(c))
    {
        hex.insert_str(0, "00");
    }
    hex::decode(hex).unwrap_or_default()
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

fn hash_to_int(parts: &[&[u8]]) -> BigUint {
    BigUint::from_bytes_be(&sha256(parts))
}

/// The pool name used by SRP: the part of the pool id after `_`.
pub(crate) fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, n)| n)
}

/// x = H(pad(salt) | H(poolName | userId | ":" | password)).
fn private_x(pool_id: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    let inner = sha256(&[
        pool_name(pool_id).as_bytes(),
        user_id.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    hash_to_int(&[&pad(salt), &inner])
}

/// A stored password: salt and verifier v = g^x mod N. The password itself is not kept.
#[derive(Clone)]
pub(crate) struct Verifier {
    pub(crate) salt: BigUint,
    pub(crate) v: BigUint,
    /// `v^u` of this verifier's exchanges.
    pub(crate) powers: PowCache,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier([redacted])")
    }
}

impl Verifier {
    /// Make a new salt and verifier for `password`.
    pub(crate) fn new(pool_id: &str, user_id: &str, password: &str) -> Self {
        let mut salt_bytes = [0u8; 16];
        rand::rng().fill(&mut salt_bytes[..]);
        salt_bytes[0] |= 1;
        let salt = BigUint::from_bytes_be(&salt_bytes);
        let x = private_x(pool_id, user_id, password, &salt);
        let v = g_pow(&x);
        Self {
            salt,
            v,
            powers: PowCache::default(),
        }
    }

    /// True when `password` is the one this verifier was made from.
    pub(crate) fn matches(&self, pool_id: &str, user_id: &str, password: &str) -> bool {
        let x = private_x(pool_id, user_id, password, &self.salt);
        g_pow(&x) == self.v
    }
}

/// The server's half of one SRP exchange.
#[derive(Clone)]
pub(crate) struct ServerEphemeral {
    b: BigUint,
    pub(crate) big_b: BigUint,
}

impl std::fmt::Debug for ServerEphemeral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerEphemeral([redacted])")
    }
}

/// B = (k*v + g^b) mod N with a fresh random b.
pub(crate) fn server_ephemeral(v: &BigUint) -> ServerEphemeral {
    let gr = group();
    loop {
        let mut bytes = [0u8; 32];
        rand::rng().fill(&mut bytes[..]);
        let b = BigUint::from_bytes_be(&bytes);
        let big_b = (&gr.k * v + g_pow(&b)) % &gr.n;
        if big_b != BigUint::ZERO {
            return ServerEphemeral { b, big_b };
        }
    }
}

/// Parse a client's SRP_A (hex); `None` when it is not hex or A mod N == 0.
pub(crate) fn parse_a(hex_a: &str) -> Option<BigUint> {
    let a = BigUint::parse_bytes(hex_a.as_bytes(), 16)?;
    if &a % &group().n == BigUint::ZERO {
        None
    } else {
        Some(a)
    }
}

/// Everything needed to check a `PASSWORD_CLAIM_SIGNATURE`.
pub(crate) struct ClaimCheck<'a> {
    /// The name hashed and signed in place of a user's pool name: `pool_name(pool_id)`
    /// for a user, the device group key for a device.
    pub(crate) pool_name: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) verifier: &'a BigUint,
    /// The user's [`Verifier::powers`]; `None` for a device (one `modpow`).
    pub(crate) verifier_powers: Option<&'a PowCache>,
    pub(crate) a: &'a BigUint,
    pub(crate) eph: &'a ServerEphemeral,
    /// `S`, when `InitiateAuth` started it ([`EarlyPremaster`]).
    pub(crate) early: Option<EarlyPremaster>,
    pub(crate) secret_block: &'a [u8],
    pub(crate) timestamp: &'a str,
}

/// `u = H(pad(A) | pad(B))`.
fn scrambler(a: &BigUint, eph: &ServerEphemeral) -> BigUint {
    hash_to_int(&[&pad(a), &pad(&eph.big_b)])
}

/// The premaster secret `S = (A * v^u)^b mod N`; `None` when `u` is 0.
fn premaster(
    a: &BigUint,
    v: &BigUint,
    powers: Option<&PowCache>,
    eph: &ServerEphemeral,
) -> Option<BigUint> {
    let gr = group();
    let u = scrambler(a, eph);
    if u == BigUint::ZERO {
        return None;
    }
    let v_u = match powers {
        Some(p) => p.pow(v, &u, &gr.n),
        None => v.modpow(&u, &gr.n),
    };
    Some((a * v_u % &gr.n).modpow(&eph.b, &gr.n))
}

/// The signature the client must have sent, base64-encoded.
pub(crate) fn expected_signature(c: ClaimCheck<'_>) -> Option<String> {
    let u = scrambler(c.a, c.eph);
    let s = match c.early.and_then(|e| e.take(c.verifier)) {
        Some(s) => s,
        None => premaster(c.a, c.verifier, c.verifier_powers, c.eph)?,
    };
    let hk = Hkdf::<Sha256>::new(Some(&pad(&u)), &pad(&s));
    let mut key = [0u8; 16];
    hk.expand(b"Caldera Derived Key", &mut key).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(c.pool_name.as_bytes());
    mac.update(c.user_id.as_bytes());
    mac.update(c.secret_block);
    mac.update(c.timestamp.as_bytes());
    Some(B64.encode(mac.finalize().into_bytes()))
}

/// Constant-time comparison of two strings.
pub(crate) fn ct_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_follows_cognito_hex_rule() {
        assert_eq!(pad(&BigUint::from(2u32)), vec![2]);
        assert_eq!(pad(&BigUint::from(0x80u32)), vec![0, 0x80]);
        assert_eq!(pad(&BigUint::from(0x7fu32)), vec![0x7f]);
        assert_eq!(pad(&BigUint::from(0x123u32)), vec![0x01, 0x23]);
    }

    #[test]
    fn the_tables_give_the_modpow_results() {
        let gr = group();
        let v = Verifier::new("us-east-1_abc", "alice", "pw1");
        let x = private_x("us-east-1_abc", "alice", "pw1", &v.salt);
        assert_eq!(v.v, gr.g.modpow(&x, &gr.n));
        let eph = server_ephemeral(&v.v);
        assert_eq!(
            eph.big_b,
            (&gr.k * &v.v + gr.g.modpow(&eph.b, &gr.n)) % &gr.n
        );
    }

    #[test]
    fn verifier_matches_only_its_password() {
        let v = Verifier::new("us-east-1_abc", "alice", "pw1");
        assert!(v.matches("us-east-1_abc", "alice", "pw1"));
        assert!(!v.matches("us-east-1_abc", "alice", "pw2"));
    }
}
