//! Constant-time products and Montgomery reduction of 3072-bit numbers (48
//! little-endian `u64` limbs) on x86-64's BMI2 and ADX instructions, for
//! the SRP maths of `auth-cognito`.
//!
//! - Each product is built from rows `r += a·d` written in assembly: `mulx`
//!   multiplies without touching the flags, so two carry chains (`adcx` on
//!   the carry flag, `adox` on the overflow flag) run side by side. That is
//!   about three instructions per limb product, where the portable code
//!   needs a multiply and three dependent additions.
//! - Nothing branches on, or indexes memory by, a limb value: every row has
//!   a fixed length, every loop a fixed bound, and carries are added, never
//!   tested.
//! - [`Mulx::detect`] checks the CPU once; the token it returns is the
//!   proof that the instructions exist, which is what makes the methods
//!   safe to call. On other CPUs and other architectures it returns `None`
//!   and the caller keeps its portable arithmetic.
//!
//! This is the only crate of the workspace with `unsafe` code: the `asm!`
//! blocks of `rows.rs`.
//!
//! ```
//! if let Some(mulx) = srp_mulx::Mulx::detect() {
//!     let mut a = [0u64; 48];
//!     a[0] = 3;
//!     let mut out = [0u64; 96];
//!     mulx.sqr(&a, &mut out);
//!     assert_eq!(out[0], 9);
//! }
//! ```

#[cfg(target_arch = "x86_64")]
mod rows;
#[cfg(not(target_arch = "x86_64"))]
#[path = "absent.rs"]
mod rows;

/// Limbs of a 3072-bit number.
pub const LIMBS: usize = 48;

/// Proof that the CPU has BMI2 (`mulx`) and ADX (`adcx`, `adox`).
///
/// Only [`Mulx::detect`] makes one. It is a zero-sized `Copy` value.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Mulx {
    _proof: Proof,
}

#[cfg(target_arch = "x86_64")]
type Proof = ();
#[cfg(not(target_arch = "x86_64"))]
type Proof = core::convert::Infallible;

impl Mulx {
    /// `Some` when this CPU has BMI2 and ADX (the standard library caches
    /// the answer, so later calls are cheap).
    #[must_use]
    pub fn detect() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("bmi2") && std::arch::is_x86_feature_detected!("adx")
        {
            return Some(Self { _proof: () });
        }
        None
    }

    /// `out = a · b`.
    pub fn mul(self, a: &[u64; LIMBS], b: &[u64; LIMBS], out: &mut [u64; 2 * LIMBS]) {
        rows::mul48(self, a, b, out);
    }

    /// `out = a²` (about 60 % of the limb products of [`Mulx::mul`]).
    pub fn sqr(self, a: &[u64; LIMBS], out: &mut [u64; 2 * LIMBS]) {
        rows::sqr48(self, a, out);
    }

    /// Montgomery reduction, word by word: adds to `t` the multiple of `n`
    /// that clears its low 48 limbs, so that `t[48..]`, plus the returned
    /// carry (0 or 1) times `2^3072`, is `t·2^-3072 mod n` up to one `n`.
    ///
    /// `n` must be odd and `n0 = −n⁻¹ mod 2^64`. For `t < n·2^3072` the
    /// value left is below `2n`; the caller subtracts `n` once, by a mask.
    pub fn reduce(self, t: &mut [u64; 2 * LIMBS], n: &[u64; LIMBS], n0: u64) -> u64 {
        rows::reduce48(self, t, n, n0)
    }
}

#[cfg(test)]
mod tests;
