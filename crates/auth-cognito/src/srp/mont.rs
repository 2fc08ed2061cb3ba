//! Constant-time arithmetic modulo the 3072-bit group prime `N`, in
//! Montgomery form, for the SRP exponentiations in `exp.rs`.
//!
//! - Numbers are 48 little-endian `u64` limbs, kept as `x·R mod N` with
//!   `R = 2^3072`.
//! - On x86-64 CPUs with BMI2 and ADX (checked once, by `srp_mulx`), a
//!   product or square and its Montgomery reduction are rows of `mulx`,
//!   `adcx` and `adox` in assembly: the reduction adds `t[i]·N·2^(64i)` for
//!   each low limb (`N ≡ −1 mod 2^64`, so each row's multiplier is the limb
//!   itself). That is about twice as fast as the portable code.
//! - Elsewhere a product is a full Karatsuba product or square
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
use srp_mulx::Mulx;

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
    /// The assembly rows, when this CPU has them.
    mulx: Option<Mulx>,
}

/// The field of the group prime `N` (public constants, built once), on the
/// fastest arithmetic this CPU has.
pub(super) static FIELD: LazyLock<Field> = LazyLock::new(|| Field::new(Mulx::detect()));

/// Set by [`use_portable_products`].
#[cfg(feature = "test-vectors")]
static PORTABLE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes every product take the portable code even where the CPU has the
/// assembly rows (or takes that back), so that a benchmark can time both
/// on one machine. Test builds only (feature `test-vectors`).
#[cfg(feature = "test-vectors")]
pub(super) fn use_portable_products(portable: bool) {
    PORTABLE.store(portable, std::sync::atomic::Ordering::Relaxed);
}

impl Field {
    /// The field, on the assembly rows (`Some`) or the portable code.
    fn new(mulx: Option<Mulx>) -> Field {
        let n = to_limbs(&N);
        // N < R < 2N (the top bit of N is set), so R mod N = R - N.
        let (one, _) = sub(&[0; LIMBS], &n);
        let r = BigUint::from(1u8) << (64 * LIMBS);
        Field {
            n_prime: neg_inverse(&n),
            one,
            r2: to_limbs(&((&r * &r) % &*N)),
            n,
            mulx,
        }
    }

    /// The assembly rows, unless this CPU lacks them (or, in test builds,
    /// a benchmark asked for the portable code).
    fn rows(&self) -> Option<Mulx> {
        #[cfg(feature = "test-vectors")]
        if PORTABLE.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        self.mulx
    }

    /// Montgomery product: `a·b·R⁻¹ mod N`.
    pub(super) fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        trace::record(Op::Mul);
        let mut t = [0u64; 2 * LIMBS];
        match self.rows() {
            Some(cpu) => cpu.mul(a, b, &mut t),
            None => mul48(a, b, &mut t),
        }
        self.reduce(&mut t)
    }

    /// Montgomery square: `a²·R⁻¹ mod N`.
    pub(super) fn sqr(&self, a: &Limbs) -> Limbs {
        trace::record(Op::Sqr);
        let mut t = [0u64; 2 * LIMBS];
        match self.rows() {
            Some(cpu) => cpu.sqr(a, &mut t),
            None => sqr48(a, &mut t),
        }
        self.reduce(&mut t)
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
        self.reduce(&mut t)
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

    /// Montgomery reduction of `t < N·R`: `t·R⁻¹ mod N` (`t` is spent).
    fn reduce(&self, t: &mut [u64; 2 * LIMBS]) -> Limbs {
        let Some(cpu) = self.rows() else {
            return self.reduce_portable(t);
        };
        let top = cpu.reduce(t, &self.n, self.n_prime[0]);
        let mut hi = [0u64; LIMBS];
        hi.copy_from_slice(&t[LIMBS..]);
        self.reduce_once(&hi, top)
    }

    /// [`Field::reduce`] by two products: `q = t·(−N⁻¹) mod R`, then
    /// `(t + q·N) / R`.
    fn reduce_portable(&self, t: &[u64; 2 * LIMBS]) -> Limbs {
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

    fn mont(f: &Field, x: &BigUint) -> Limbs {
        f.to_mont(&to_limbs(x))
    }

    fn plain(f: &Field, x: &Limbs) -> BigUint {
        from_limbs(&f.out_of_mont(x))
    }

    /// The portable field and the one on the assembly rows (portable twice
    /// on a CPU without BMI2 and ADX, which the second line says).
    fn fields() -> [Field; 2] {
        let mulx = Mulx::detect();
        if mulx.is_none() {
            eprintln!("this CPU has no BMI2 + ADX: the portable field only");
        }
        [Field::new(None), Field::new(mulx)]
    }

    #[test]
    fn constants_are_consistent() {
        let f = &*FIELD;
        let r = BigUint::from(1u8) << 3072;
        assert_eq!((from_limbs(&f.n_prime) * &*N + 1u8) % &r, BigUint::ZERO);
        assert_eq!(from_limbs(&f.one), &r % &*N);
        assert_eq!(plain(f, &f.one()), BigUint::from(1u8));
    }

    #[test]
    fn products_match_num_bigint() {
        let n = &*N;
        let mut values: Vec<BigUint> = (0..12u8).map(|s| sample(s, 384)).collect();
        values.extend([
            BigUint::ZERO,
            BigUint::from(1u8),
            n - 1u8,
            n - 2u8,
            sample(3, 7),
        ]);
        for f in &fields() {
            for a in &values {
                for b in &values {
                    let (ma, mb) = (mont(f, a), mont(f, b));
                    assert_eq!(plain(f, &f.mul(&ma, &mb)), a * b % n);
                    assert_eq!(plain(f, &f.add(&ma, &mb)), (a + b) % n);
                    assert_eq!(plain(f, &f.sub(&ma, &mb)), (a + n - b) % n);
                }
                assert_eq!(plain(f, &f.sqr(&mont(f, a))), a * a % n);
            }
        }
    }

    #[test]
    fn bytes_of_any_length_reduce_mod_n() {
        let n = &*N;
        let mut inputs: Vec<Vec<u8>> = vec![vec![], vec![0], vec![7; 128], vec![0xff; 384]];
        inputs.push(n.to_bytes_be());
        inputs.push((n * 3u8 + 5u8).to_bytes_be());
        inputs.push(vec![0xa5; 1000]);
        for f in &fields() {
            for bytes in &inputs {
                let expect = BigUint::from_bytes_be(bytes) % n;
                assert_eq!(
                    from_limbs(&f.reduce_bytes(bytes)),
                    expect,
                    "{}",
                    bytes.len()
                );
            }
        }
    }
}
