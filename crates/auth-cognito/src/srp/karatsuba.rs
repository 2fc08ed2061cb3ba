//! Portable products of 3072-bit numbers (48 limbs) for the Montgomery
//! arithmetic in `mont.rs`: full products, squares and low halves, by
//! Karatsuba's method over 6-limb schoolbook products. `mont.rs` uses them
//! where the `srp-mulx` assembly rows are not available (CPUs without BMI2
//! and ADX, other architectures), and its tests check both.
//!
//! Every function here runs the same instructions on the same memory for any
//! limb values: the loops have fixed bounds, the sign of a Karatsuba
//! difference is applied with a mask, and carries are added, never tested.
//!
//! Why Karatsuba: on the x86-64 baseline the 64×64→128-bit multiplier is the
//! bottleneck (one product every ~0.75 ns here), so trading products for
//! additions pays. Three levels (48 → 24 → 12 → 6 limbs) take a full product
//! from 2,304 limb products to 972, a square from 1,176 to 567 and a low half
//! from 1,176 to 852.

/// One limb product added into a three-limb accumulator `(c0, c1, c2)`.
#[inline(always)]
fn mac(acc: &mut (u64, u64, u64), x: u64, y: u64) {
    let p = u128::from(x) * u128::from(y);
    let (s0, c0) = acc.0.overflowing_add(p as u64);
    // Two adds rather than `carrying_add`, which a debug build calls.
    let (s1, c1) = acc.1.overflowing_add((p >> 64) as u64);
    let (s1, c2) = s1.overflowing_add(u64::from(c0));
    acc.0 = s0;
    acc.1 = s1;
    acc.2 = acc.2.wrapping_add(u64::from(c1 | c2));
}

/// Returns the low limb of the accumulator and shifts it down one limb.
#[inline(always)]
fn shift(acc: &mut (u64, u64, u64)) -> u64 {
    let low = acc.0;
    *acc = (acc.1, acc.2, 0);
    low
}

/// `r[..2H] = a²`: the cross products once, row by row (fixed bounds, so
/// the loops unroll), doubled, plus the squares.
#[inline(always)]
fn sqr_base<const H: usize>(a: &[u64], r: &mut [u64]) {
    let (a, r) = (&a[..H], &mut r[..2 * H]);
    r.fill(0);
    for i in 0..H {
        let mut c = 0u64;
        for j in i + 1..H {
            // Fits: (2^64 - 1) + (2^64 - 1)^2 + (2^64 - 1) = 2^128 - 1.
            let s = u128::from(r[i + j]) + u128::from(a[i]) * u128::from(a[j]) + u128::from(c);
            r[i + j] = s as u64;
            c = (s >> 64) as u64;
        }
        r[i + H] = c;
    }
    let mut top = 0u64;
    for limb in r.iter_mut() {
        let v = *limb;
        *limb = (v << 1) | top;
        top = v >> 63;
    }
    let mut carry = false;
    for i in 0..H {
        let sq = u128::from(a[i]) * u128::from(a[i]);
        let (lo, c) = r[2 * i].carrying_add(sq as u64, carry);
        let (hi, c) = r[2 * i + 1].carrying_add((sq >> 64) as u64, c);
        r[2 * i] = lo;
        r[2 * i + 1] = hi;
        carry = c;
    }
}

/// Column `k` of a product: `acc += Σ a[i]·b[j]` over the listed `(i, j)`
/// (with `i + j = k`), then `r[k]` = its low limb. Written out term by term
/// because loops with conditions cost ten times as much in debug builds,
/// which every test runs.
macro_rules! column {
    ($acc:ident, $a:ident, $b:ident, $r:ident[$k:literal]: $(($i:literal, $j:literal))*) => {
        $(mac(&mut $acc, $a[$i], $b[$j]);)*
        $r[$k] = shift(&mut $acc);
    };
}

/// `r[..12] = a · b` for 6-limb `a` and `b`, column by column.
#[inline(never)]
fn mul6(a: &[u64], b: &[u64], r: &mut [u64]) {
    let (a, b, r) = (&a[..6], &b[..6], &mut r[..12]);
    let mut acc = (0, 0, 0);
    column!(acc, a, b, r[0]: (0, 0));
    column!(acc, a, b, r[1]: (0, 1) (1, 0));
    column!(acc, a, b, r[2]: (0, 2) (1, 1) (2, 0));
    column!(acc, a, b, r[3]: (0, 3) (1, 2) (2, 1) (3, 0));
    column!(acc, a, b, r[4]: (0, 4) (1, 3) (2, 2) (3, 1) (4, 0));
    column!(acc, a, b, r[5]: (0, 5) (1, 4) (2, 3) (3, 2) (4, 1) (5, 0));
    column!(acc, a, b, r[6]: (1, 5) (2, 4) (3, 3) (4, 2) (5, 1));
    column!(acc, a, b, r[7]: (2, 5) (3, 4) (4, 3) (5, 2));
    column!(acc, a, b, r[8]: (3, 5) (4, 4) (5, 3));
    column!(acc, a, b, r[9]: (4, 5) (5, 4));
    column!(acc, a, b, r[10]: (5, 5));
    r[11] = acc.0;
}

#[inline(never)]
fn sqr6(a: &[u64], r: &mut [u64]) {
    sqr_base::<6>(a, r);
}

/// `r[..6] = a · b mod 2^384`.
#[inline(never)]
fn low6(a: &[u64], b: &[u64], r: &mut [u64]) {
    let (a, b, r) = (&a[..6], &b[..6], &mut r[..6]);
    let mut acc = (0, 0, 0);
    column!(acc, a, b, r[0]: (0, 0));
    column!(acc, a, b, r[1]: (0, 1) (1, 0));
    column!(acc, a, b, r[2]: (0, 2) (1, 1) (2, 0));
    column!(acc, a, b, r[3]: (0, 3) (1, 2) (2, 1) (3, 0));
    column!(acc, a, b, r[4]: (0, 4) (1, 3) (2, 2) (3, 1) (4, 0));
    column!(acc, a, b, r[5]: (0, 5) (1, 4) (2, 3) (3, 2) (4, 1) (5, 0));
}

/// `r = |x - y|` over `H` limbs; returns all ones when `x < y`, else zero.
#[inline(always)]
fn abs_diff<const H: usize>(x: &[u64], y: &[u64], r: &mut [u64; H]) -> u64 {
    let (x, y) = (&x[..H], &y[..H]);
    let mut borrow = false;
    for i in 0..H {
        let (d, b) = x[i].borrowing_sub(y[i], borrow);
        r[i] = d;
        borrow = b;
    }
    // Negate when it went below zero: r = (r ^ m) + (m & 1).
    let m = 0u64.wrapping_sub(u64::from(borrow));
    let mut carry = borrow;
    for limb in r.iter_mut() {
        let (v, c) = (*limb ^ m).carrying_add(0, carry);
        *limb = v;
        carry = c;
    }
    m
}

/// The last step of a Karatsuba product: `out` holds `z0` (low `2H` limbs)
/// and `z2` (high `2H` limbs); this adds `(z0 + z2 + s·z1)·2^(64H)`, where
/// `s` is −1 when `m` is all ones and +1 when it is zero. The true middle
/// term is non-negative, so the sum is exact.
#[inline(always)]
fn combine<const H: usize>(out: &mut [u64], z1: &[u64], m: u64) {
    let (out, z1) = (&mut out[..4 * H], &z1[..2 * H]);
    // t = z0_high + z2_low, needed at both H and 2H: out is overwritten.
    let mut t = [0u64; H];
    let mut ct = false;
    for i in 0..H {
        let (v, c) = out[H + i].carrying_add(out[2 * H + i], ct);
        t[i] = v;
        ct = c;
    }
    let ct = u64::from(ct);
    // -z1 is (!z1 + 1) with all-ones limbs above it: chain b carries the
    // +1 in and adds the sign limbs `m` over the top block.
    let (mut ca, mut cb, mut cc) = (false, m & 1 != 0, false);
    for i in 0..H {
        let (v, c) = t[i].carrying_add(out[i], ca);
        ca = c;
        let (v, c) = v.carrying_add(z1[i] ^ m, cb);
        cb = c;
        out[H + i] = v;
    }
    for i in 0..H {
        let (v, c) = t[i].carrying_add(out[3 * H + i], ca);
        ca = c;
        let (v, c) = v.carrying_add(z1[H + i] ^ m, cb);
        cb = c;
        let (v, c) = v.carrying_add(if i == 0 { ct } else { 0 }, cc);
        cc = c;
        out[2 * H + i] = v;
    }
    for i in 0..H {
        let (v, c) = out[3 * H + i].carrying_add(if i == 0 { ct } else { 0 }, ca);
        ca = c;
        let (v, c) = v.carrying_add(m, cb);
        cb = c;
        let (v, c) = v.carrying_add(0, cc);
        cc = c;
        out[3 * H + i] = v;
    }
}

/// One Karatsuba level: `$n`-limb product, square and low half from three
/// (square: three, low half: one product and two low halves) of half size.
/// `$inline` is `always` for the 12-limb level (inlined into the 24-limb
/// one, about 5 % faster here) and `never` above it (more code, slower).
macro_rules! karatsuba_level {
    ($mul:ident, $sqr:ident, $low:ident, $n:literal, $h:literal, $mulh:ident, $sqrh:ident, $lowh:ident, $inline:ident) => {
        /// `out[..2n] = a · b`.
        #[inline($inline)]
        fn $mul(a: &[u64], b: &[u64], out: &mut [u64]) {
            const H: usize = $h;
            let (a, b, out) = (&a[..$n], &b[..$n], &mut out[..2 * $n]);
            let (a0, a1) = a.split_at(H);
            let (b0, b1) = b.split_at(H);
            let (z0, z2) = out.split_at_mut($n);
            $mulh(a0, b0, z0);
            $mulh(a1, b1, z2);
            let mut da = [0u64; H];
            let mut db = [0u64; H];
            let sa = abs_diff(a0, a1, &mut da);
            let sb = abs_diff(b1, b0, &mut db);
            let mut z1 = [0u64; $n];
            $mulh(&da, &db, &mut z1);
            // (a0 - a1)(b1 - b0) = a0·b1 + a1·b0 - z0 - z2, of sign sa ^ sb.
            combine::<H>(out, &z1, sa ^ sb);
        }

        /// `out[..2n] = a²`.
        #[inline($inline)]
        fn $sqr(a: &[u64], out: &mut [u64]) {
            const H: usize = $h;
            let (a, out) = (&a[..$n], &mut out[..2 * $n]);
            let (a0, a1) = a.split_at(H);
            let (z0, z2) = out.split_at_mut($n);
            $sqrh(a0, z0);
            $sqrh(a1, z2);
            let mut d = [0u64; H];
            abs_diff(a0, a1, &mut d);
            let mut z1 = [0u64; $n];
            $sqrh(&d, &mut z1);
            // 2·a0·a1 = z0 + z2 - (a0 - a1)².
            combine::<H>(out, &z1, u64::MAX);
        }

        /// `out[..n] = a · b mod 2^(64n)`.
        #[inline($inline)]
        fn $low(a: &[u64], b: &[u64], out: &mut [u64]) {
            const H: usize = $h;
            let (a, b, out) = (&a[..$n], &b[..$n], &mut out[..$n]);
            $mulh(&a[..H], &b[..H], out);
            let mut t = [0u64; H];
            let mut u = [0u64; H];
            $lowh(&a[..H], &b[H..], &mut t);
            $lowh(&a[H..], &b[..H], &mut u);
            let (mut c1, mut c2) = (false, false);
            for i in 0..H {
                let (v, c) = t[i].carrying_add(u[i], c1);
                c1 = c;
                let (v, c) = out[H + i].carrying_add(v, c2);
                c2 = c;
                out[H + i] = v;
            }
        }
    };
}

karatsuba_level!(mul12, sqr12, low12, 12, 6, mul6, sqr6, low6, always);
karatsuba_level!(mul24, sqr24, low24, 24, 12, mul12, sqr12, low12, never);
karatsuba_level!(mul48_, sqr48_, low48_, 48, 24, mul24, sqr24, low24, never);

/// `a · b` (96 limbs).
pub(super) fn mul48(a: &[u64; 48], b: &[u64; 48], out: &mut [u64; 96]) {
    mul48_(a, b, out);
}

/// `a²` (96 limbs).
pub(super) fn sqr48(a: &[u64; 48], out: &mut [u64; 96]) {
    sqr48_(a, out);
}

/// `a · b mod 2^3072`.
pub(super) fn low48(a: &[u64; 48], b: &[u64; 48], out: &mut [u64; 48]) {
    low48_(a, b, out);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use num_bigint::BigUint;

    use super::*;

    fn big(x: &[u64]) -> BigUint {
        let mut bytes = Vec::new();
        for limb in x {
            bytes.extend_from_slice(&limb.to_le_bytes());
        }
        BigUint::from_bytes_le(&bytes)
    }

    /// Limbs from a simple generator, with runs of all-ones and zero limbs so
    /// that every carry and the sign of every difference get exercised.
    fn limbs(seed: u64) -> [u64; 48] {
        let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        core::array::from_fn(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            match (seed + i as u64) % 7 {
                0 => u64::MAX,
                1 => 0,
                _ => s,
            }
        })
    }

    #[test]
    fn products_match_num_bigint() {
        let mut cases = vec![[u64::MAX; 48], [0u64; 48]];
        let mut one = [0u64; 48];
        one[0] = 1;
        cases.push(one);
        cases.extend((1..40).map(limbs));
        let r = BigUint::from(1u8) << 3072;
        for a in &cases {
            for b in cases.iter().take(6) {
                let expect = big(a) * big(b);
                let mut out = [0u64; 96];
                mul48(a, b, &mut out);
                assert_eq!(big(&out), expect);
                let mut low = [0u64; 48];
                low48(a, b, &mut low);
                assert_eq!(big(&low), &expect % &r);
            }
            let mut sq = [0u64; 96];
            sqr48(a, &mut sq);
            assert_eq!(big(&sq), big(a) * big(a));
        }
    }
}
