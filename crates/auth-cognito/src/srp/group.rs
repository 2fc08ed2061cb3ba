//! The SRP group Cognito uses (RFC 3526's 3072-bit prime, `g = 2`, SHA-256)
//! and the byte encodings its hashes depend on.

use std::sync::LazyLock;

use num_bigint::BigUint;
use sha2::{Digest as _, Sha256};

use super::SrpError;

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

/// How many random bytes make the client's private value `a`: 64 (512
/// bits).
///
/// Amplify JS and pycognito draw 128 bytes. 512 bits is twice the
/// 256-bit exponent RFC 5054 asks for at least, above the 260-400 bits RFC
/// 3526 suggests for this group's 130-200-bit strength, and twice NIST SP
/// 800-56A's minimum for 128-bit security (2 × 128); and it halves the cost
/// of `S`, the one exponentiation whose base depends on the server
/// (`a + u·x` has 513 bits instead of 1,025), so that the client maths of a
/// sign-in takes about 3.2 ms instead of 5.7 ms (BENCHMARKS.md). Cognito
/// accepts any `A = g^a mod N`; the value is not visible to it.
pub const PRIVATE_KEY_LEN: usize = 64;

/// How many random bytes make the test server's private value `b` (as
/// Cognito's own 1,024-bit `b`).
#[cfg(feature = "test-vectors")]
pub(crate) const SERVER_PRIVATE_KEY_LEN: usize = 128;

pub(crate) static N: LazyLock<BigUint> = LazyLock::new(|| {
    // N_HEX is a constant made of hex digits only, so this cannot fail.
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default()
});

/// The multiplier `k = H(pad(N) | pad(g))`.
pub(crate) static K: LazyLock<BigUint> = LazyLock::new(|| {
    let g = BigUint::from(G);
    hash_to_int(&[&padded_bytes(&N), &padded_bytes(&g)])
});

/// The multiplier `k = H(pad(N) | pad(g))`, in lowercase hex.
#[cfg(feature = "test-vectors")]
pub fn k_hex() -> String {
    K.to_str_radix(16)
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

/// SHA-256 of the concatenated `parts`, read as a big-endian number.
pub(crate) fn hash_to_int(parts: &[&[u8]]) -> BigUint {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    BigUint::from_bytes_be(&hasher.finalize())
}

/// The bytes of `pad_hex(hex(value))`: big-endian, with a `0x00` in front
/// when the top bit is set. Zero is one `0x00` byte.
pub(crate) fn padded_bytes(value: &BigUint) -> Vec<u8> {
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

/// A non-empty string of hex digits (no sign, prefix or separator) as a number.
pub(crate) fn parse_hex(field: &'static str, hex: &str) -> Result<BigUint, SrpError> {
    check_hex(field, hex)?;
    BigUint::parse_bytes(hex.as_bytes(), 16).ok_or(SrpError::InvalidHex { field })
}
