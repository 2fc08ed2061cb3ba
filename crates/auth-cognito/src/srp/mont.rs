//! Constant-time arithmetic modulo the 3072-bit group prime `N`, in
//! Montgomery form, for the SRP exponentiations in `exp.rs`.
//!
//! - Numbers are 48 little-endian `u64` limbs, kept as `x·R mod N` with
//!   `R = 2^3072`. A product is a full Karatsuba product or square
//!   (`karatsuba.rs`) followed by a Montgomery reduction made of two more
//!   products: `q = t·(−N⁻¹) mod R`, then `(t + q·N) / R`.
//! - Nothing here branches on, or indexes memory by, a limb value: the final
//!   subtraction of every reduction is computed always and kept or dropped
//!   by a mask, and so are the corrections of [`Field::add`] and
//!   [`Field::sub`].
//!
//! Every value passed in must already be below `N` (the reduction keeps
//! results below `N`), except where a function says otherwise.

use std::sync::LazyLock;

use num_bigint::BigUint;

use super::N;
use super::karatsuba::{low48, mul48, sqr48};
use super::trace::{self, Op};

/// Limbs of a 3072-bit number.
pub(super) const LIMBS: usize = 48;

/// A 3072-bit number, little-endian limbs.
pub(super) type Limbs = [u64; LIMBS];

/// The modulus and the constants of its Montgomery form.
pub(super) struct Field {
    n: Limbs,
    /// `−N⁻¹ mod R`.
    n_prime: Limbs,
    /// `R mod N`: one, in Montgomery form.
    one: Limbs,
    /// `R² mod N`, to enter Montgomery form.
    r2: Limbs,
}

/// The field of the group prime `N` (public constants, built once).
pub(super) static FIELD: LazyLock<Field> = LazyLock::new(|| {
    let n = to_limbs(&N);
    // N < R < 2N (the top bit of N is set), so R mod N = R - N.
    let (one, _) = sub(&[0; LIMBS], &n);
    let r = BigUint::from(1u8) << (64 * LIMBS);
    Field {
        n_prime: neg_inverse(&n),
        one,
        r2: to_limbs(&((&r * &r) % &*N)),
        n,
    }
});

impl Field {
    /// Montgomery product: `a·b·R⁻¹ mod N`.
    pub(super) fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        trace::record(Op::Mul);
        let mut t = [0u64; 2 * LIMBS];
        mul48(a, b, &mut t);
        self.reduce(&t)
    }

    /// Montgomery square: `a²·R⁻¹ mod N`.
    pub(super) fn sqr(&self, a: &Limbs) -> Limbs {
        trace::record(Op::Sqr);
        let mut t = [0u64; 2 * LIMBS];
        sqr48(a, &mut t);
        self.reduce(&t)
    }

    /// One, in Montgomery form.
    pub(super) fn one(&self) -> Limbs {
        self.one
    }

    /// `x·R mod N`, for `x < N`.
    pub(super) fn to_mont(&self, x: &Limbs) -> Limbs {
        self.mul(x, &self.r2)
    }

    /// `x·R⁻¹ mod N`: a Montgomery-form value back to a plain number.
    pub(super) fn out_of_mont(&self, x: &Limbs) -> Limbs {
        let mut t = [0u64; 2 * LIMBS];
        t[..LIMBS].copy_from_slice(x);
        self.reduce(&t)
    }

    /// `(a + b) mod N`.
    pub(super) fn add(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let (sum, carry) = add(a, b);
        self.reduce_once(&sum, u64::from(carry))
    }

    /// `(a − b) mod N`.
    pub(super) fn sub(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let (diff, borrow) = sub(a, b);
        // Add N back when it went below zero.
        let m = mask(borrow);
        let n_masked: Limbs = core::array::from_fn(|i| self.n[i] & m);
        add(&diff, &n_masked).0
    }

    /// `x mod N` for a big-endian number of any length. The time depends on
    /// the length, not on the value.
    pub(super) fn reduce_bytes(&self, bytes: &[u8]) -> Limbs {
        const CHUNK: usize = LIMBS * 8;
        let pad = (CHUNK - bytes.len() % CHUNK) % CHUNK;
        let mut padded = zeroize::Zeroizing::new(vec![0u8; pad + bytes.len()]);
        padded[pad..].copy_from_slice(bytes);
        // Horner over 3072-bit chunks: acc = acc·2^3072 + chunk (mod N),
        // where mul(acc, R²) = acc·R = acc·2^3072 (mod N).
        let mut acc = [0u64; LIMBS];
        for chunk in padded.chunks_exact(CHUNK) {
            let mut c = [0u64; LIMBS];
            for (limb, word) in c.iter_mut().zip(chunk.rchunks_exact(8)) {
                let mut w = [0u8; 8];
                w.copy_from_slice(word);
                *limb = u64::from_be_bytes(w);
            }
            // c < 2^3072 < 2N: one masked subtraction reduces it.
            let c_mod = self.reduce_once(&c, 0);
            acc = self.add(&self.mul(&acc, &self.r2), &c_mod);
            zeroize::Zeroize::zeroize(&mut c);
        }
        acc
    }

    /// Montgomery reduction of `t < N·R`: `t·R⁻¹ mod N`.
    fn reduce(&self, t: &[u64; 2 * LIMBS]) -> Limbs {
        let mut lo = [0u64; LIMBS];
        lo.copy_from_slice(&t[..LIMBS]);
        let mut q = [0u64; LIMBS];
        low48(&lo, &self.n_prime, &mut q);
        let mut qn = [0u64; 2 * LIMBS];
        mul48(&q, &self.n, &mut qn);
        // t + q·N is a multiple of R below 2N·R.
        let mut carry = false;
        for (x, y) in qn.iter_mut().zip(t) {
            let (v, c) = x.carrying_add(*y, carry);
            *x = v;
            carry = c;
        }
        let mut hi = [0u64; LIMBS];
        hi.copy_from_slice(&qn[LIMBS..]);
        self.reduce_once(&hi, u64::from(carry))
    }

    /// `x + top·R` reduced by one masked subtraction of `N`, for values
    /// below `2N`.
    fn reduce_once(&self, x: &Limbs, top: u64) -> Limbs {
        let (d, borrow) = sub(x, &self.n);
        // Keep x only when it is below N: no carry above it and a borrow.
        let keep_x = mask(borrow) & !mask(top != 0);
        core::array::from_fn(|i| (x[i] & keep_x) | (d[i] & !keep_x))
    }
}

/// All ones for `true`, zero for `false`, through an optimisation barrier
/// so that the compiler does not turn the masking back into a branch.
fn mask(bit: bool) -> u64 {
    core::hint::black_box(0u64.wrapping_sub(u64::from(bit)))
}

/// `a + b` and the carry out.
fn add(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut out = [0u64; LIMBS];
    let mut carry = false;
    for i in 0..LIMBS {
        let (v, c) = a[i].carrying_add(b[i], carry);
        out[i] = v;
        carry = c;
    }
    (out, carry)
}

/// `a − b mod R` and the borrow out.
fn sub(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut out = [0u64; LIMBS];
    let mut borrow = false;
    for i in 0..LIMBS {
        let (v, c) = a[i].borrowing_sub(b[i], borrow);
        out[i] = v;
        borrow = c;
    }
    (out, borrow)
}

/// `−n⁻¹ mod R` for odd `n`, by Newton's iteration (each step doubles the
/// number of correct low bits: 64 from the word inverse, then 4096).
fn neg_inverse(n: &Limbs) -> Limbs {
    let mut word: u64 = 1;
    for _ in 0..6 {
        word = word.wrapping_mul(2u64.wrapping_sub(n[0].wrapping_mul(word)));
    }
    let mut x = [0u64; LIMBS];
    x[0] = word;
    let mut two = [0u64; LIMBS];
    two[0] = 2;
    for _ in 0..6 {
        let mut nx = [0u64; LIMBS];
        low48(n, &x, &mut nx);
        let (t, _) = sub(&two, &nx);
        let mut next = [0u64; LIMBS];
        low48(&x, &t, &mut next);
        x = next;
    }
    sub(&[0; LIMBS], &x).0
}

/// A number below `2^3072` as limbs (public values only: this is not
/// constant-time).
pub(super) fn to_limbs(x: &BigUint) -> Limbs {
    let mut out = [0u64; LIMBS];
    for (limb, digit) in out.iter_mut().zip(x.iter_u64_digits()) {
        *limb = digit;
    }
    out
}

/// Limbs as a number (public values only).
pub(super) fn from_limbs(x: &Limbs) -> BigUint {
    let mut bytes = Vec::with_capacity(LIMBS * 8);
    for limb in x {
        bytes.extend_from_slice(&limb.to_le_bytes());
    }
    BigUint::from_bytes_le(&bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn sample(seed: u8, len: usize) -> BigUint {
        let bytes: Vec<u8> = (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect();
        BigUint::from_bytes_be(&bytes) % &*N
    }

    fn mont(x: &BigUint) -> Limbs {
        FIELD.to_mont(&to_limbs(x))
    }

    fn plain(x: &Limbs) -> BigUint {
        from_limbs(&FIELD.out_of_mont(x))
    }

    #[test]
    fn constants_are_consistent() {
        let f = &*FIELD;
        let r = BigUint::from(1u8) << 3072;
        assert_eq!((from_limbs(&f.n_prime) * &*N + 1u8) % &r, BigUint::ZERO);
        assert_eq!(from_limbs(&f.one), &r % &*N);
        assert_eq!(plain(&f.one()), BigUint::from(1u8));
    }

    #[test]
    fn products_match_num_bigint() {
        let n = &*N;
        let f = &*FIELD;
        let mut values: Vec<BigUint> = (0..12u8).map(|s| sample(s, 384)).collect();
        values.extend([
            BigUint::ZERO,
            BigUint::from(1u8),
            n - 1u8,
            n - 2u8,
            sample(3, 7),
        ]);
        for a in &values {
            for b in &values {
                assert_eq!(plain(&f.mul(&mont(a), &mont(b))), a * b % n);
                assert_eq!(plain(&f.add(&mont(a), &mont(b))), (a + b) % n);
                assert_eq!(plain(&f.sub(&mont(a), &mont(b))), (a + n - b) % n);
            }
            assert_eq!(plain(&f.sqr(&mont(a))), a * a % n);
        }
    }

    #[test]
    fn bytes_of_any_length_reduce_mod_n() {
        let n = &*N;
        let f = &*FIELD;
        let mut inputs: Vec<Vec<u8>> = vec![vec![], vec![0], vec![7; 128], vec![0xff; 384]];
        inputs.push(n.to_bytes_be());
        inputs.push((n * 3u8 + 5u8).to_bytes_be());
        inputs.push(vec![0xa5; 1000]);
        for bytes in inputs {
            let expect = BigUint::from_bytes_be(&bytes) % n;
            assert_eq!(
                from_limbs(&f.reduce_bytes(&bytes)),
                expect,
                "{}",
                bytes.len()
            );
        }
    }
}
