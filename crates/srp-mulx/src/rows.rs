//! The assembly rows and the products, squares and reductions built from
//! them. Every function needs BMI2 and ADX (`#[target_feature]`); the
//! entry points take a [`Mulx`], the proof that the CPU has them.

#![allow(unsafe_code)]

use crate::Mulx;

/// `r[..n] += a[..n] · d`, returning the limb carried out, as a safe
/// function over slices of at least `n` limbs.
///
/// The assembly walks the limbs with two carry chains: `adcx` adds the high
/// half of the previous product (carry flag), `adox` adds the old `r` limb
/// (overflow flag). `xor` clears both flags first; `mulx` and `mov` leave
/// them alone. The last high half takes both carries: `r + a·d` is below
/// `2^(64(n+1))`, so it cannot overflow.
macro_rules! row {
    ($name:ident, $n:literal, $last:literal, $(($odd:literal $even:literal))*) => {
        #[doc = concat!("`r[..", stringify!($n), "] += a[..", stringify!($n), "] · d`; returns the carry limb.")]
        #[target_feature(enable = "bmi2,adx")]
        #[inline]
        fn $name(r: &mut [u64], a: &[u64], d: u64) -> u64 {
            assert!(r.len() >= $n && a.len() >= $n);
            let carry: u64;
            // SAFETY: `r` and `a` hold at least `n` limbs (checked above),
            // the offsets stop at limb `n − 1`, and the target feature
            // guarantees the instructions. The block touches no stack.
            unsafe {
                core::arch::asm!(
                    "xor {z:e}, {z:e}",
                    "mulx {h0}, {lo}, qword ptr [{a}]",
                    "adox {lo}, qword ptr [{r}]",
                    "mov qword ptr [{r}], {lo}",
                    $(
                        concat!("mulx {h1}, {lo}, qword ptr [{a} + ", stringify!($odd), "]"),
                        "adcx {lo}, {h0}",
                        concat!("adox {lo}, qword ptr [{r} + ", stringify!($odd), "]"),
                        concat!("mov qword ptr [{r} + ", stringify!($odd), "], {lo}"),
                        concat!("mulx {h0}, {lo}, qword ptr [{a} + ", stringify!($even), "]"),
                        "adcx {lo}, {h1}",
                        concat!("adox {lo}, qword ptr [{r} + ", stringify!($even), "]"),
                        concat!("mov qword ptr [{r} + ", stringify!($even), "], {lo}"),
                    )*
                    concat!("mulx {h1}, {lo}, qword ptr [{a} + ", stringify!($last), "]"),
                    "adcx {lo}, {h0}",
                    concat!("adox {lo}, qword ptr [{r} + ", stringify!($last), "]"),
                    concat!("mov qword ptr [{r} + ", stringify!($last), "], {lo}"),
                    "adcx {h1}, {z}",
                    "adox {h1}, {z}",
                    r = in(reg) r.as_mut_ptr(),
                    a = in(reg) a.as_ptr(),
                    in("rdx") d,
                    z = out(reg) _,
                    h0 = out(reg) _,
                    h1 = out(reg) carry,
                    lo = out(reg) _,
                    options(nostack),
                );
            }
            carry
        }
    };
}

// Byte offsets of limbs 1..n−1 in pairs (the two high-half registers take
// turns), then that of the last limb.
row!(addmul12, 12, 88, (8 16) (24 32) (40 48) (56 64) (72 80));
row!(addmul24, 24, 184,
    (8 16) (24 32) (40 48) (56 64) (72 80) (88 96) (104 112) (120 128) (136 144) (152 160)
    (168 176));
row!(addmul48, 48, 376,
    (8 16) (24 32) (40 48) (56 64) (72 80) (88 96) (104 112) (120 128) (136 144) (152 160)
    (168 176) (184 192) (200 208) (216 224) (232 240) (248 256) (264 272) (280 288) (296 304)
    (312 320) (328 336) (344 352) (360 368));

/// `out[..2n] = a[..n] · b[..n]`, one row per limb of `b`.
macro_rules! schoolbook {
    ($name:ident, $row:ident, $n:literal) => {
        #[doc = concat!("`out[..", stringify!($n), " · 2] = a · b` for ", stringify!($n), "-limb `a` and `b`.")]
        #[target_feature(enable = "bmi2,adx")]
        fn $name(a: &[u64], b: &[u64], out: &mut [u64]) {
            let (a, b, out) = (&a[..$n], &b[..$n], &mut out[..2 * $n]);
            out.fill(0);
            for (i, &d) in b.iter().enumerate() {
                // Row i ends below limb i + n, which no row has written yet.
                out[i + $n] = $row(&mut out[i..], a, d);
            }
        }
    };
}

schoolbook!(mul12, addmul12, 12);
schoolbook!(mul24, addmul24, 24);
schoolbook!(mul48_, addmul48, 48);

/// `out[..] += 2·c` with the carry run to the end of `out`.
#[target_feature(enable = "bmi2,adx")]
fn add_twice(out: &mut [u64], c: &[u64]) {
    let mut carry = false;
    let mut top = 0u64;
    let (head, tail) = out.split_at_mut(c.len());
    for (o, &x) in head.iter_mut().zip(c) {
        let doubled = (x << 1) | top;
        top = x >> 63;
        let (v, cc) = o.carrying_add(doubled, carry);
        *o = v;
        carry = cc;
    }
    for o in tail {
        let (v, cc) = o.carrying_add(top, carry);
        *o = v;
        carry = cc;
        top = 0;
    }
}

/// `a²` from the halves: `a0² + 2·a0·a1·2^(64h) + a1²·2^(128h)`, which
/// takes about half the limb products of `a·a`.
macro_rules! square {
    ($name:ident, $n:literal, $half_sqr:ident, $half_mul:ident) => {
        #[doc = concat!("`out[..", stringify!($n), " · 2] = a²` for a ", stringify!($n), "-limb `a`.")]
        #[target_feature(enable = "bmi2,adx")]
        fn $name(a: &[u64], out: &mut [u64]) {
            const H: usize = $n / 2;
            let (a, out) = (&a[..$n], &mut out[..2 * $n]);
            let (a0, a1) = a.split_at(H);
            let (low, high) = out.split_at_mut($n);
            $half_sqr(a0, low);
            $half_sqr(a1, high);
            let mut cross = [0u64; $n];
            $half_mul(a0, a1, &mut cross);
            add_twice(&mut out[H..], &cross);
        }
    };
}

/// `out[..24] = a²` for a 12-limb `a`, as a product.
#[target_feature(enable = "bmi2,adx")]
fn sqr12(a: &[u64], out: &mut [u64]) {
    mul12(a, a, out);
}

square!(sqr24, 24, sqr12, mul12);
square!(sqr48_, 48, sqr24, mul24);

/// `out = a · b`.
pub(crate) fn mul48(_cpu: Mulx, a: &[u64; 48], b: &[u64; 48], out: &mut [u64; 96]) {
    // SAFETY: a `Mulx` exists only when `Mulx::detect` found BMI2 and ADX.
    unsafe { mul48_(a, b, out) }
}

/// `out = a²`.
pub(crate) fn sqr48(_cpu: Mulx, a: &[u64; 48], out: &mut [u64; 96]) {
    // SAFETY: as in `mul48`.
    unsafe { sqr48_(a, out) }
}

/// Word-by-word Montgomery reduction of `t` (see `Mulx::reduce`).
pub(crate) fn reduce48(_cpu: Mulx, t: &mut [u64; 96], n: &[u64; 48], n0: u64) -> u64 {
    // SAFETY: as in `mul48`.
    unsafe { reduce48_(t, n, n0) }
}

#[target_feature(enable = "bmi2,adx")]
fn reduce48_(t: &mut [u64; 96], n: &[u64; 48], n0: u64) -> u64 {
    let mut carry = false;
    for i in 0..48 {
        // m makes limb i zero: t[i] + m·n[0] ≡ 0 (mod 2^64).
        let m = t[i].wrapping_mul(n0);
        let high = addmul48(&mut t[i..], n, m);
        let (v, c) = t[i + 48].carrying_add(high, carry);
        t[i + 48] = v;
        carry = c;
    }
    u64::from(carry)
}
