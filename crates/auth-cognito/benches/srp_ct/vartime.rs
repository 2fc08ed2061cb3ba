//! The baseline: the variable-time exponentiation auth-cognito used before
//! it became constant-time (`srp/mont.rs` at 6220680), kept here only so
//! that `benches/srp_ct.rs` can time it side by side and show that the
//! dudect test detects it. Never used by the library.
//!
//! The original module docs follow.
//!
//! - Numbers are 48 little-endian `u64` limbs, kept in Montgomery form
//!   (`x·R mod N`, `R = 2^3072`), multiplied with the CIOS method and squared
//!   with a dedicated routine (the cross products once, then doubled).
//! - A variable base (`S = base^(a + u·x)`) uses a sliding window of 5 bits.
//! - The fixed base `g` uses a table of `g^(2^(5j))` built once per process
//!   ([`warm_up`]), and Yao's method: about 270 multiplications for a
//!   1024-bit exponent, where square-and-multiply needs over 1,000 squarings.
//!
//! Like the num-bigint code it replaces, this is not constant-time (see the
//! module docs of [`crate::srp`]).

use std::sync::LazyLock;

use num_bigint::BigUint;

use auth_cognito::srp::G;

static N: LazyLock<BigUint> = LazyLock::new(|| {
    BigUint::parse_bytes(auth_cognito::srp::N_HEX.as_bytes(), 16).unwrap_or_default()
});

/// Limbs of a 3072-bit number.
const LIMBS: usize = 48;
/// Bits per window, for both the sliding window and the fixed-base table.
const WINDOW: usize = 5;
/// Exponent bits the fixed-base table covers (`a` has 1024, `x` 256).
const TABLE_BITS: usize = 1280;

type Limbs = [u64; LIMBS];

struct Field {
    n: Limbs,
    /// `-N^-1 mod 2^64`.
    n0: u64,
    /// `R^2 mod N`, to enter Montgomery form.
    r2: Limbs,
    /// `R mod N`: one, in Montgomery form.
    one: Limbs,
}

static FIELD: LazyLock<Field> = LazyLock::new(|| {
    let n = to_limbs(&N);
    // Newton's iteration for N^-1 mod 2^64 (N is odd).
    let mut inv: u64 = 1;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(n[0].wrapping_mul(inv)));
    }
    let r = BigUint::from(1u8) << (64 * LIMBS);
    Field {
        n,
        n0: inv.wrapping_neg(),
        r2: to_limbs(&((&r * &r) % &*N)),
        one: to_limbs(&(r % &*N)),
    }
});

/// `g^(2^(WINDOW·j))` in Montgomery form, for `j < TABLE_BITS / WINDOW`.
static G_TABLE: LazyLock<Vec<Limbs>> = LazyLock::new(|| {
    let f = &*FIELD;
    let mut cur = f.to_mont(&to_limbs(&BigUint::from(G)));
    let mut table = Vec::with_capacity(TABLE_BITS / WINDOW);
    for _ in 0..TABLE_BITS / WINDOW {
        table.push(cur);
        for _ in 0..WINDOW {
            cur = f.sqr(&cur);
        }
    }
    table
});

/// Builds the constants and the fixed-base table now (about 4 ms), instead
/// of inside the first sign-in.
pub(crate) fn warm_up() {
    LazyLock::force(&G_TABLE);
}

/// `base^exp mod N`.
pub(crate) fn pow_mod(base: &BigUint, exp: &BigUint) -> BigUint {
    let f = &*FIELD;
    let b = f.to_mont(&to_limbs(&(base % &*N)));
    from_limbs(&f.out_of_mont(&f.pow(&b, exp)))
}

/// `g^exp mod N`, with the fixed-base table when `exp` fits in it.
pub(crate) fn pow_g(exp: &BigUint) -> BigUint {
    let f = &*FIELD;
    if exp.bits() > TABLE_BITS as u64 {
        return pow_mod(&BigUint::from(G), exp);
    }
    from_limbs(&f.out_of_mont(&f.pow_fixed(&G_TABLE, exp)))
}

impl Field {
    fn to_mont(&self, x: &Limbs) -> Limbs {
        self.mul(x, &self.r2)
    }

    fn out_of_mont(&self, x: &Limbs) -> Limbs {
        let mut one = [0u64; LIMBS];
        one[0] = 1;
        self.mul(x, &one)
    }

    /// Montgomery product `a·b·R^-1 mod N`: CIOS, with the multiplication
    /// and the reduction fused in one pass per limb of `a` (two independent
    /// carry chains, one load and one store of `t` per step).
    fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let n = &self.n;
        let mut t = [0u64; LIMBS + 1];
        for &ai in a {
            let s = u128::from(t[0]) + u128::from(ai) * u128::from(b[0]);
            let mut c1 = (s >> 64) as u64;
            let lo = s as u64;
            let m = lo.wrapping_mul(self.n0);
            let s2 = u128::from(lo) + u128::from(m) * u128::from(n[0]);
            let mut c2 = (s2 >> 64) as u64;
            for j in 1..LIMBS {
                let s = u128::from(t[j]) + u128::from(ai) * u128::from(b[j]) + u128::from(c1);
                c1 = (s >> 64) as u64;
                let s2 = u128::from(s as u64) + u128::from(m) * u128::from(n[j]) + u128::from(c2);
                c2 = (s2 >> 64) as u64;
                t[j - 1] = s2 as u64;
            }
            let s = u128::from(t[LIMBS]) + u128::from(c1) + u128::from(c2);
            t[LIMBS - 1] = s as u64;
            t[LIMBS] = (s >> 64) as u64;
        }
        let mut out = [0u64; LIMBS];
        out.copy_from_slice(&t[..LIMBS]);
        if t[LIMBS] != 0 || !less_than(&out, n) {
            sub_in_place(&mut out, n);
        }
        out
    }

    /// Montgomery square `a²·R^-1 mod N`: the full square (each cross product
    /// once, doubled, plus the diagonal), then a Montgomery reduction.
    fn sqr(&self, a: &Limbs) -> Limbs {
        let mut t = [0u64; 2 * LIMBS + 1];
        // Cross products a[i]·a[j], i < j.
        for i in 0..LIMBS {
            let ai = a[i];
            let mut c: u64 = 0;
            for j in i + 1..LIMBS {
                let s = u128::from(t[i + j]) + u128::from(ai) * u128::from(a[j]) + u128::from(c);
                t[i + j] = s as u64;
                c = (s >> 64) as u64;
            }
            t[i + LIMBS] = c;
        }
        // Double them.
        let mut carry = 0u64;
        for limb in t.iter_mut().take(2 * LIMBS) {
            let v = *limb;
            *limb = (v << 1) | carry;
            carry = v >> 63;
        }
        // Add the diagonal a[i]².
        let mut c: u64 = 0;
        for i in 0..LIMBS {
            let sq = u128::from(a[i]) * u128::from(a[i]);
            let s = u128::from(t[2 * i]) + (sq & u128::from(u64::MAX)) + u128::from(c);
            t[2 * i] = s as u64;
            let s = u128::from(t[2 * i + 1]) + (sq >> 64) + (s >> 64);
            t[2 * i + 1] = s as u64;
            c = (s >> 64) as u64;
        }
        self.reduce(&mut t)
    }

    /// Montgomery reduction of a 96-limb value `t < N·R`: `t·R^-1 mod N`,
    /// two rows at a time (two independent carry chains, half the passes
    /// over `t`).
    fn reduce(&self, t: &mut [u64; 2 * LIMBS + 1]) -> Limbs {
        let n = &self.n;
        // The carry into t[i + LIMBS] left by the previous pair of rows.
        let mut top: u64 = 0;
        let mut i = 0;
        while i < LIMBS {
            let m0 = t[i].wrapping_mul(self.n0);
            let s = u128::from(t[i]) + u128::from(m0) * u128::from(n[0]);
            let mut c0 = (s >> 64) as u64;
            let s = u128::from(t[i + 1]) + u128::from(m0) * u128::from(n[1]) + u128::from(c0);
            c0 = (s >> 64) as u64;
            let v1 = s as u64;
            let m1 = v1.wrapping_mul(self.n0);
            let s = u128::from(v1) + u128::from(m1) * u128::from(n[0]);
            let mut c1 = (s >> 64) as u64;
            for j in 2..LIMBS {
                let s0 = u128::from(t[i + j]) + u128::from(m0) * u128::from(n[j]) + u128::from(c0);
                c0 = (s0 >> 64) as u64;
                let s1 =
                    u128::from(s0 as u64) + u128::from(m1) * u128::from(n[j - 1]) + u128::from(c1);
                c1 = (s1 >> 64) as u64;
                t[i + j] = s1 as u64;
            }
            let s0 = u128::from(t[i + LIMBS]) + u128::from(c0) + u128::from(top);
            let carry = (s0 >> 64) as u64;
            let s1 =
                u128::from(s0 as u64) + u128::from(m1) * u128::from(n[LIMBS - 1]) + u128::from(c1);
            t[i + LIMBS] = s1 as u64;
            let s2 = u128::from(t[i + LIMBS + 1]) + (s1 >> 64) + u128::from(carry);
            t[i + LIMBS + 1] = s2 as u64;
            top = (s2 >> 64) as u64;
            i += 2;
        }
        let mut out = [0u64; LIMBS];
        out.copy_from_slice(&t[LIMBS..2 * LIMBS]);
        if top != 0 || !less_than(&out, n) {
            sub_in_place(&mut out, n);
        }
        out
    }

    /// `b^exp` for `b` in Montgomery form: left-to-right sliding window.
    fn pow(&self, b: &Limbs, exp: &BigUint) -> Limbs {
        let bits = exp.bits();
        if bits == 0 {
            return self.one;
        }
        // Odd powers b, b^3, .., b^(2^WINDOW - 1).
        let b2 = self.sqr(b);
        let mut odd = Vec::with_capacity(1 << (WINDOW - 1));
        odd.push(*b);
        for i in 1..1 << (WINDOW - 1) {
            let next = self.mul(&odd[i - 1], &b2);
            odd.push(next);
        }
        let mut acc = self.one;
        let mut started = false;
        let mut i = bits; // bits left to read, from the top
        while i > 0 {
            if !exp.bit(i - 1) {
                if started {
                    acc = self.sqr(&acc);
                }
                i -= 1;
                continue;
            }
            // The longest window of at most WINDOW bits that ends in a 1.
            let lo = i.saturating_sub(WINDOW as u64);
            let mut start = lo;
            while !exp.bit(start) {
                start += 1;
            }
            let mut value = 0usize;
            for k in (start..i).rev() {
                value = (value << 1) | usize::from(exp.bit(k));
                if started {
                    acc = self.sqr(&acc);
                }
            }
            if started {
                acc = self.mul(&acc, &odd[value >> 1]);
            } else {
                acc = odd[value >> 1];
                started = true;
            }
            i = start;
        }
        acc
    }

    /// `g^exp` from `table[j] = g^(2^(WINDOW·j))` (Yao's method): for each
    /// digit value d from the largest down, multiply the running product of
    /// the entries whose digit is at least d into the result.
    fn pow_fixed(&self, table: &[Limbs], exp: &BigUint) -> Limbs {
        let digits: Vec<usize> = (0..table.len())
            .map(|j| {
                let mut d = 0usize;
                for k in (0..WINDOW).rev() {
                    d = (d << 1) | usize::from(exp.bit((j * WINDOW + k) as u64));
                }
                d
            })
            .collect();
        let mut result: Option<Limbs> = None;
        let mut running: Option<Limbs> = None;
        for d in (1..1usize << WINDOW).rev() {
            for (j, &digit) in digits.iter().enumerate() {
                if digit == d {
                    running = Some(match running {
                        Some(r) => self.mul(&r, &table[j]),
                        None => table[j],
                    });
                }
            }
            if let Some(r) = &running {
                result = Some(match result {
                    Some(acc) => self.mul(&acc, r),
                    None => *r,
                });
            }
        }
        result.unwrap_or(self.one)
    }
}

fn less_than(a: &Limbs, b: &Limbs) -> bool {
    for i in (0..LIMBS).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

fn sub_in_place(a: &mut Limbs, b: &Limbs) {
    let mut borrow = false;
    for i in 0..LIMBS {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        a[i] = d;
        borrow = b1 || b2;
    }
}

/// `x` (below `2^3072`) as limbs.
fn to_limbs(x: &BigUint) -> Limbs {
    let mut out = [0u64; LIMBS];
    for (limb, digit) in out.iter_mut().zip(x.iter_u64_digits()) {
        *limb = digit;
    }
    out
}

fn from_limbs(x: &Limbs) -> BigUint {
    let mut bytes = Vec::with_capacity(LIMBS * 8);
    for limb in x {
        bytes.extend_from_slice(&limb.to_le_bytes());
    }
    BigUint::from_bytes_le(&bytes)
}
