//! The client's SRP maths on secret values, in constant time: the private
//! value `a` and `A = g^a`, the verifier `g^x`, and the premaster secret
//! `S = (B − k·g^x)^(a + u·x)`. Every secret (`a`, `x`, `g^x`, `k·g^x`, the
//! base, `a + u·x`, `S`) lives in zeroizing storage.
//!
//! What stays variable-time, because it is public: `A`, `B`, `u`, `k`, and
//! the lengths of the exponents (fixed by the protocol: 1024 bits for `a`
//! from [`super::SrpClient::new`], 256 for `x`). What the protocol itself
//! leaks: `pad(S)` is hashed without its leading zero bytes, as every
//! Cognito client does, so the hash input is shorter for the rare `S`
//! below `2^3064`.

use std::sync::LazyLock;

use num_bigint::BigUint;
use zeroize::Zeroizing;

use super::exp::{self, Exponent};
use super::mont::{FIELD, LIMBS, Limbs, from_limbs, to_limbs};
use super::{K, N, SrpError};

/// `k` in Montgomery form.
static K_MONT: LazyLock<Limbs> = LazyLock::new(|| FIELD.to_mont(&to_limbs(&K)));

/// Builds the public tables and constants now (the comb for `g`, about
/// 4 ms, and `k` in Montgomery form) instead of in the first sign-in.
pub(super) fn warm_up() {
    exp::warm_up();
    LazyLock::force(&K_MONT);
}

/// `a = bytes mod N` (big-endian bytes of any length) and `A = g^a mod N`.
///
/// `a` is walked over `8 · bytes.len()` bits (at most 3072).
pub(super) fn private_value(bytes: &[u8]) -> Result<(Exponent, BigUint), SrpError> {
    let a = Zeroizing::new(FIELD.reduce_bytes(bytes));
    let a = Exponent::from_limbs(&a, bytes.len().saturating_mul(8));
    if a.is_zero() {
        return Err(SrpError::InvalidPrivateKey);
    }
    let big_a = from_limbs(&FIELD.out_of_mont(&exp::pow_g(&a)));
    // g^a is never a multiple of N; kept as the protocol's check.
    if big_a == BigUint::ZERO {
        return Err(SrpError::InvalidClientPublicKey);
    }
    Ok((a, big_a))
}

/// The exponent `x` from its 32-byte digest, walked over 256 bits.
pub(super) fn x_exponent(digest: &[u8; 32]) -> Exponent {
    Exponent::from_be_bytes(digest)
}

/// The verifier `v = g^x mod N`, as a number (for a new device's verifier, and
/// `compute_verifier`, feature `test-vectors`).
pub(super) fn verifier(x: &Exponent) -> BigUint {
    let v = Zeroizing::new(FIELD.out_of_mont(&exp::pow_g(x)));
    from_limbs(&v)
}

/// The premaster secret `S = (B − k·g^x)^(a + u·x) mod N`, for a public `u`
/// below `2^256` and a public `B` (any size; reduced mod `N`).
pub(super) fn premaster_secret(
    a: &Exponent,
    x: &Exponent,
    u: &BigUint,
    big_b: &BigUint,
) -> Zeroizing<Limbs> {
    let f = &*FIELD;
    let v = exp::pow_g(x);
    let kv = Zeroizing::new(f.mul(&K_MONT, &v));
    let b = f.to_mont(&to_limbs(&(big_b % &*N)));
    let base = Zeroizing::new(f.sub(&b, &kv));
    let mut u_limbs = [0u64; 4];
    for (limb, digit) in u_limbs.iter_mut().zip(u.iter_u64_digits()) {
        *limb = digit;
    }
    let e = a.mul_add(&u_limbs, x);
    let s = exp::pow(&base, &e);
    Zeroizing::new(f.out_of_mont(&s))
}

/// The bytes of `pad(S)`: big-endian without leading zero bytes (one `0x00`
/// for zero), with a `0x00` in front when the top bit is set.
pub(super) fn padded_secret(s: &Limbs) -> Zeroizing<Vec<u8>> {
    let mut be = Zeroizing::new(Vec::with_capacity(LIMBS * 8 + 1));
    be.push(0);
    for limb in s.iter().rev() {
        be.extend_from_slice(&limb.to_be_bytes());
    }
    // The first non-zero byte; for zero, the last byte (a zero).
    let start = match be[1..].iter().position(|b| *b != 0) {
        None => LIMBS * 8,
        // be[i + 1] is that byte; be[i] is a zero to keep before a set top bit.
        Some(i) if be[i + 1] & 0x80 != 0 => i,
        Some(i) => i + 1,
    };
    Zeroizing::new(be[start..].to_vec())
}

/// `S` in lowercase hex without leading zeros (`"0"` for zero), for the
/// test vectors.
#[cfg(feature = "test-vectors")]
pub(super) fn secret_hex(s: &Limbs) -> Zeroizing<String> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let padded = padded_secret(s);
    let mut hex = Zeroizing::new(String::with_capacity(2 * padded.len()));
    for byte in padded.iter() {
        for nibble in [byte >> 4, byte & 0xf] {
            // Leading zero digits are dropped (as BigUint::to_str_radix does).
            if !hex.is_empty() || nibble != 0 {
                hex.push(char::from(DIGITS[usize::from(nibble)]));
            }
        }
    }
    if hex.is_empty() {
        hex.push('0');
    }
    hex
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn padding_matches_the_number_rules() {
        let mut s = [0u64; LIMBS];
        assert_eq!(&padded_secret(&s)[..], &[0u8][..]);
        assert_eq!(&secret_hex(&s)[..], "0");
        s[0] = 0x7f;
        assert_eq!(&padded_secret(&s)[..], &[0x7fu8][..]);
        s[0] = 0x80;
        assert_eq!(&padded_secret(&s)[..], &[0u8, 0x80][..]);
        assert_eq!(&secret_hex(&s)[..], "80");
        s[0] = 0xabc;
        assert_eq!(&padded_secret(&s)[..], &[0x0au8, 0xbc][..]);
        assert_eq!(&secret_hex(&s)[..], "abc");
        s[1] = 0x0102;
        assert_eq!(&secret_hex(&s)[..], "1020000000000000abc");
        s[LIMBS - 1] = 1 << 63;
        let p = padded_secret(&s);
        assert_eq!(p.len(), LIMBS * 8 + 1);
        assert_eq!(&p[..2], &[0u8, 0x80][..]);
    }

    #[test]
    fn private_value_rejects_zero_mod_n() {
        assert!(matches!(
            private_value(&[0; 16]),
            Err(SrpError::InvalidPrivateKey)
        ));
        assert!(matches!(
            private_value(&N.to_bytes_be()),
            Err(SrpError::InvalidPrivateKey)
        ));
        let (a, big_a) = private_value(&[1]).unwrap();
        assert_eq!(a.bits(), 8);
        assert_eq!(big_a, BigUint::from(2u8));
    }
}
