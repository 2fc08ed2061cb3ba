//! Constant-time modular exponentiation for SRP's secret exponents (`a`,
//! `x`, `a + u·x`), so that the time and the memory accesses of a sign-in
//! reveal nothing about the password or the private value.
//!
//! - An [`Exponent`] carries a public bit length (from the length of its
//!   source: 64 random bytes, a 256-bit hash), and every exponentiation
//!   walks exactly that many bits, whatever their values.
//! - A variable base (`S = (B − k·g^x)^(a + u·x)`) uses fixed windows of
//!   [`WINDOW`] bits: a squaring per bit and a multiplication per window,
//!   including windows of zero bits.
//! - The fixed base `g` uses a Lim–Lee comb: per-process tables of products
//!   of `g^(2^i)` ([`warm_up`]), 42 squarings and one multiplication per
//!   43 bits of exponent.
//! - Every table lookup reads every entry and keeps the wanted one by a
//!   mask ([`select`]), so the addresses touched do not depend on the digit.
//! - Exponents, tables and accumulators are zeroed when dropped.

use std::sync::LazyLock;

use subtle::ConstantTimeEq as _;
use zeroize::{Zeroize as _, Zeroizing};

use super::G;
use super::mont::{FIELD, LIMBS, Limbs};
use super::trace::{self, Op};

/// Bits per window of the variable-base exponentiation.
pub(super) const WINDOW: usize = 5;

/// Limbs of an exponent: room for `a` (up to 3072 bits, from an over-long
/// fixed private value) plus `u·x` (512 bits) and a carry.
const EXP_LIMBS: usize = 50;

/// Teeth of the comb for `g`: each table has `2^TEETH` entries.
const TEETH: usize = 6;
/// Distance in bits between two teeth: the number of comb columns.
const SPACING: usize = 43;
/// Bits one comb table covers.
const BLOCK_BITS: usize = TEETH * SPACING;
/// Comb tables: exponents up to `BLOCKS · BLOCK_BITS` = 1032 bits (`a` has
/// 1024, `x` 256) take the comb; longer ones the variable-base path.
const BLOCKS: usize = 4;

/// A secret exponent with a public bit length. Zeroed on drop.
#[derive(Clone)]
pub(super) struct Exponent {
    limbs: [u64; EXP_LIMBS],
    /// Public upper bound on the bit length: the number of bits walked.
    bits: usize,
}

impl Drop for Exponent {
    fn drop(&mut self) {
        self.limbs.zeroize();
    }
}

impl Exponent {
    /// The exponent `value` (below `2^bits`), walked over `bits` bits.
    pub(super) fn from_limbs(value: &Limbs, bits: usize) -> Self {
        let mut limbs = [0u64; EXP_LIMBS];
        limbs[..LIMBS].copy_from_slice(value);
        Self {
            limbs,
            bits: bits.min(LIMBS * 64),
        }
    }

    /// A big-endian value of at most 32 bytes (a SHA-256 output), walked
    /// over `8 · bytes.len()` bits.
    pub(super) fn from_be_bytes(bytes: &[u8]) -> Self {
        let bytes = &bytes[bytes.len().saturating_sub(32)..];
        let mut limbs = [0u64; EXP_LIMBS];
        for (i, byte) in bytes.iter().rev().enumerate() {
            limbs[i / 8] |= u64::from(*byte) << (8 * (i % 8));
        }
        Self {
            limbs,
            bits: 8 * bytes.len(),
        }
    }

    /// Whether the exponent is zero (reveals that bit only).
    pub(super) fn is_zero(&self) -> bool {
        self.limbs.iter().fold(0, |acc, l| acc | l) == 0
    }

    /// The public bit length.
    pub(super) fn bits(&self) -> usize {
        self.bits
    }

    /// `self + u·x`, for a public `u` and a secret `x` of at most 256 bits
    /// each, walked over `max(bits, 512) + 1` bits.
    pub(super) fn mul_add(&self, u: &[u64; 4], x: &Exponent) -> Exponent {
        let mut limbs = self.limbs;
        for (i, &ui) in u.iter().enumerate() {
            let mut carry = 0u64;
            for j in 0..EXP_LIMBS - i {
                // x above 4 limbs is zero, but every limb is walked.
                let s = u128::from(limbs[i + j])
                    + u128::from(ui) * u128::from(x.limbs[j])
                    + u128::from(carry);
                limbs[i + j] = s as u64;
                carry = (s >> 64) as u64;
            }
        }
        Exponent {
            limbs,
            bits: self.bits.max(512) + 1,
        }
    }

    /// Bit `pos` (a public position).
    fn bit(&self, pos: usize) -> usize {
        self.limbs
            .get(pos / 64)
            .map_or(0, |l| ((l >> (pos % 64)) & 1) as usize)
    }

    /// The `WINDOW` bits from `pos` (a public position) up.
    fn window(&self, pos: usize) -> usize {
        let lo = self.limbs.get(pos / 64).copied().unwrap_or(0);
        let hi = self.limbs.get(pos / 64 + 1).copied().unwrap_or(0);
        let both = (u128::from(hi) << 64) | u128::from(lo);
        ((both >> (pos % 64)) as usize) & ((1 << WINDOW) - 1)
    }
}

/// `table[index]`, reading every entry and keeping one by a mask.
pub(super) fn select(table: &[Limbs], index: usize) -> Limbs {
    let mut out = [0u64; LIMBS];
    for (i, entry) in table.iter().enumerate() {
        trace::record(Op::Read(i));
        let hit = (i as u64).ct_eq(&(index as u64));
        let m = 0u64.wrapping_sub(u64::from(hit.unwrap_u8()));
        for (o, e) in out.iter_mut().zip(entry) {
            *o |= e & m;
        }
    }
    out
}

/// `base^e`, both in Montgomery form: fixed windows, `e.bits()` squarings.
pub(super) fn pow(base: &Limbs, e: &Exponent) -> Zeroizing<Limbs> {
    let f = &*FIELD;
    let mut table = Zeroizing::new([[0u64; LIMBS]; 1 << WINDOW]);
    table[0] = f.one();
    table[1] = *base;
    for i in 2..1 << WINDOW {
        table[i] = if i % 2 == 0 {
            f.sqr(&table[i / 2])
        } else {
            f.mul(&table[i - 1], base)
        };
    }
    let windows = e.bits().div_ceil(WINDOW).max(1);
    let mut d = e.window((windows - 1) * WINDOW);
    let mut acc = Zeroizing::new(select(&table[..], d));
    let mut entry = Zeroizing::new([0u64; LIMBS]);
    for j in (0..windows - 1).rev() {
        for _ in 0..WINDOW {
            *acc = f.sqr(&acc);
        }
        d = e.window(j * WINDOW);
        *entry = select(&table[..], d);
        *acc = f.mul(&acc, &entry);
    }
    d.zeroize();
    acc
}

/// The comb tables: `COMB[b][d] = Π g^(2^(b·BLOCK_BITS + i·SPACING))` over
/// the bits `i` set in `d`, in Montgomery form (96 KiB).
static COMB: LazyLock<Vec<[Limbs; 1 << TEETH]>> = LazyLock::new(|| {
    let f = &*FIELD;
    let mut g = [0u64; LIMBS];
    g[0] = u64::from(G);
    let mut tooth = f.to_mont(&g);
    let mut tables = Vec::with_capacity(BLOCKS);
    for _ in 0..BLOCKS {
        let mut teeth = [[0u64; LIMBS]; TEETH];
        for t in &mut teeth {
            *t = tooth;
            for _ in 0..SPACING {
                tooth = f.sqr(&tooth);
            }
        }
        let mut table = [[0u64; LIMBS]; 1 << TEETH];
        table[0] = f.one();
        for d in 1usize..1 << TEETH {
            let top = usize::BITS - 1 - d.leading_zeros();
            let rest = d & !(1 << top);
            table[d] = if rest == 0 {
                teeth[top as usize]
            } else {
                f.mul(&table[rest], &teeth[top as usize])
            };
        }
        tables.push(table);
    }
    tables
});

/// Builds the comb tables now (about 4 ms) instead of in the first sign-in.
pub(super) fn warm_up() {
    LazyLock::force(&COMB);
}

/// `g^e` in Montgomery form: the comb for up to 1032 bits, else [`pow`].
pub(super) fn pow_g(e: &Exponent) -> Zeroizing<Limbs> {
    let f = &*FIELD;
    if e.bits() > BLOCKS * BLOCK_BITS {
        let mut g = [0u64; LIMBS];
        g[0] = u64::from(G);
        return pow(&f.to_mont(&g), e);
    }
    let blocks = e.bits().div_ceil(BLOCK_BITS).max(1);
    let comb = &*COMB;
    let mut acc = Zeroizing::new(f.one());
    let mut entry = Zeroizing::new([0u64; LIMBS]);
    for col in (0..SPACING).rev() {
        if col != SPACING - 1 {
            *acc = f.sqr(&acc);
        }
        for (b, table) in comb.iter().enumerate().take(blocks) {
            let mut digit = 0;
            for i in 0..TEETH {
                digit |= e.bit(b * BLOCK_BITS + i * SPACING + col) << i;
            }
            *entry = select(&table[..], digit);
            digit.zeroize();
            *acc = f.mul(&acc, &entry);
        }
    }
    acc
}

#[cfg(feature = "test-vectors")]
/// `g^e mod N` for a value whose bit length may show (the test server's
/// `b`): the constant-time comb, walked over `e.bits()` bits.
pub(super) fn pow_g_public(e: &num_bigint::BigUint) -> num_bigint::BigUint {
    let f = &*FIELD;
    let e = big_exponent(e);
    super::mont::from_limbs(&f.out_of_mont(&pow_g(&e)))
}

#[cfg(feature = "test-vectors")]
/// `base^e mod N` for values whose bit lengths may show (the test server's
/// `v^u` and `(A·v^u)^b`).
pub(super) fn pow_public(
    base: &num_bigint::BigUint,
    e: &num_bigint::BigUint,
) -> num_bigint::BigUint {
    let f = &*FIELD;
    let base = f.to_mont(&super::mont::to_limbs(&(base % &*super::N)));
    let e = big_exponent(e);
    super::mont::from_limbs(&f.out_of_mont(&pow(&base, &e)))
}

#[cfg(feature = "test-vectors")]
/// `e` (below `2^3072`: the callers pass `b mod N` and a 256-bit `u`) as
/// an exponent walked over its own bit length.
fn big_exponent(e: &num_bigint::BigUint) -> Exponent {
    let bits = usize::try_from(e.bits()).unwrap_or(LIMBS * 64);
    Exponent::from_limbs(&super::mont::to_limbs(e), bits)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use num_bigint::BigUint;

    use super::super::N;
    use super::super::mont::{from_limbs, to_limbs};
    use super::*;

    fn exp(x: &BigUint, bits: usize) -> Exponent {
        let mut limbs = [0u64; LIMBS];
        for (l, d) in limbs.iter_mut().zip(x.iter_u64_digits()) {
            *l = d;
        }
        Exponent::from_limbs(&limbs, bits)
    }

    fn sample(seed: u8, len: usize) -> BigUint {
        let bytes: Vec<u8> = (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect();
        BigUint::from_bytes_be(&bytes)
    }

    fn plain(x: &Limbs) -> BigUint {
        from_limbs(&FIELD.out_of_mont(x))
    }

    #[test]
    fn pow_matches_num_bigint() {
        let n = &*N;
        let ones: BigUint = (BigUint::from(1u8) << 1025u32) - 1u8;
        for (seed, blen, e, bits) in [
            (1u8, 384, sample(9, 128), 1024),
            (2, 384, ones.clone(), 1025),
            (3, 100, BigUint::from(1u8) << 1024, 1025),
            (4, 384, BigUint::ZERO, 1025),
            (5, 384, sample(3, 32), 256),
            (6, 1, sample(7, 3), 24),
            (7, 384, sample(8, 384) % n, 3072),
        ] {
            let base = sample(seed, blen) % n;
            let m = FIELD.to_mont(&to_limbs(&base));
            assert_eq!(
                plain(&pow(&m, &exp(&e, bits))),
                base.modpow(&e, n),
                "{seed}"
            );
        }
    }

    #[test]
    fn pow_g_matches_num_bigint() {
        let n = &*N;
        let g = BigUint::from(G);
        let all_ones: BigUint = (BigUint::from(1u8) << (BLOCKS * BLOCK_BITS)) - 1u8;
        for (e, bits) in [
            (sample(1, 128), 1024),
            (sample(2, 32), 256),
            (BigUint::ZERO, 1024),
            (BigUint::from(1u8), 8),
            (all_ones.clone(), BLOCKS * BLOCK_BITS),
            (sample(6, 384) % n, 3072),
        ] {
            assert_eq!(plain(&pow_g(&exp(&e, bits))), g.modpow(&e, n), "{bits}");
        }
    }

    #[test]
    fn mul_add_and_bytes() {
        let a = sample(4, 128);
        let x = sample(5, 32);
        let u = sample(6, 32);
        let mut u4 = [0u64; 4];
        for (l, d) in u4.iter_mut().zip(u.iter_u64_digits()) {
            *l = d;
        }
        let xe = Exponent::from_be_bytes(&x.to_bytes_be());
        assert_eq!(xe.bits(), 256);
        let e = exp(&a, 1024).mul_add(&u4, &xe);
        assert_eq!(e.bits(), 1025);
        let mut got = BigUint::ZERO;
        for l in e.limbs.iter().rev() {
            got = (got << 64) + *l;
        }
        assert_eq!(got, &a + &u * &x);
        assert!(exp(&BigUint::ZERO, 1024).is_zero());
        assert!(!xe.is_zero());
    }

    #[test]
    fn select_returns_the_entry() {
        let table: Vec<Limbs> = (0..32u64).map(|i| [i * 3 + 1; LIMBS]).collect();
        for i in 0..32 {
            assert_eq!(select(&table, i), table[i]);
        }
        assert_eq!(select(&table, 99), [0; LIMBS]);
    }
}
