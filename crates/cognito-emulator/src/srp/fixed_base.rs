//! Fixed-base exponentiation for the server's SRP: `base^e mod N` from a
//! table of `base^(d·16^i)`, so that an exponent of up to [`EXP_BITS`] bits
//! costs one modular multiplication per non-zero hex digit (at most 64)
//! instead of about 300 inside `modpow`.
//!
//! The emulator uses it for the powers of `g` (`g^b` in `B`, `g^x` for a
//! password check or a new verifier), whose table is built once per
//! process, and for `v^u` of a user who signs in more than once
//! ([`PowCache`]). The `(A·v^u)^b` of each exchange has a new base and
//! still goes through `modpow`.
//!
//! Like the rest of the emulator's SRP this is variable-time: the emulator
//! is a test server, not a security boundary. The client's constant-time
//! code lives in `auth-cognito`; this one stays independent of it so that a
//! client bug is not masked.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use num_bigint::BigUint;

/// Bits per table row (one hex digit of the exponent).
const WINDOW: usize = 4;

/// The largest exponent the table covers: the 256-bit `b`, `u` and `x`.
/// A longer one falls back to `modpow`.
pub(crate) const EXP_BITS: usize = 256;

/// `rows[i][d - 1] = base^(d · 16^i) mod n` for `d` in `1..16`.
pub(crate) struct FixedBase {
    rows: Vec<Vec<BigUint>>,
    base: BigUint,
    n: BigUint,
}

impl FixedBase {
    /// The table of `base` modulo `n`: 64 rows of 15 values (about 360 KiB
    /// for the 3072-bit group), 1,024 modular multiplications to build.
    pub(crate) fn new(base: &BigUint, n: &BigUint) -> Self {
        let count = EXP_BITS.div_ceil(WINDOW);
        let mut rows = Vec::with_capacity(count);
        // base^(16^i)
        let mut step = base % n;
        for _ in 0..count {
            let mut row = Vec::with_capacity((1 << WINDOW) - 1);
            let mut cur = step.clone();
            for _ in 1..(1 << WINDOW) {
                row.push(cur.clone());
                cur = &cur * &step % n;
            }
            // `cur` is now step^16.
            step = cur;
            rows.push(row);
        }
        Self {
            rows,
            base: base.clone(),
            n: n.clone(),
        }
    }

    /// `base^e mod n`.
    pub(crate) fn pow(&self, e: &BigUint) -> BigUint {
        if e.bits() > EXP_BITS as u64 {
            return self.base.modpow(e, &self.n);
        }
        let mut acc: Option<BigUint> = None;
        for (i, byte) in e.to_bytes_le().into_iter().enumerate() {
            for (half, digit) in [(0, byte & 0x0f), (1, byte >> 4)] {
                let Some(entry) = (digit as usize)
                    .checked_sub(1)
                    .and_then(|d| self.rows.get(2 * i + half)?.get(d))
                else {
                    continue;
                };
                acc = Some(match acc {
                    None => entry.clone(),
                    Some(a) => a * entry % &self.n,
                });
            }
        }
        acc.unwrap_or_else(|| BigUint::from(1u32) % &self.n)
    }
}

/// A verifier's `v^u`: `modpow` at its first SRP exchange, then from a
/// [`FixedBase`] table of `v` built at the second and kept while the
/// verifier is (a new password makes a new verifier and a new cache). The
/// table costs about 360 KiB per user who signs in more than once, and its
/// building about three `modpow`s, once.
#[derive(Clone, Default)]
pub(crate) struct PowCache(Arc<Inner>);

#[derive(Default)]
struct Inner {
    exchanges: AtomicU32,
    table: OnceLock<FixedBase>,
}

impl PowCache {
    /// `v^e mod n`.
    pub(crate) fn pow(&self, v: &BigUint, e: &BigUint, n: &BigUint) -> BigUint {
        if let Some(t) = self.0.table.get() {
            return t.pow(e);
        }
        if self.0.exchanges.fetch_add(1, Ordering::Relaxed) == 0 {
            return v.modpow(e, n);
        }
        self.0.table.get_or_init(|| FixedBase::new(v, n)).pow(e)
    }
}

impl std::fmt::Debug for PowCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PowCache")
            .field("built", &self.0.table.get().is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srp::group;
    use rand::RngExt as _;

    fn random(bytes: usize) -> BigUint {
        let mut b = vec![0u8; bytes];
        rand::rng().fill(&mut b[..]);
        BigUint::from_bytes_be(&b)
    }

    #[test]
    fn matches_modpow_for_the_exponents_srp_uses() {
        let gr = group();
        let base = random(384) % &gr.n;
        let t = FixedBase::new(&base, &gr.n);
        let max = (BigUint::from(1u32) << EXP_BITS) - 1u32;
        let mut exps = vec![
            BigUint::ZERO,
            BigUint::from(1u32),
            BigUint::from(16u32),
            BigUint::from(0xf0f0u32),
            max,
            BigUint::from(1u32) << (EXP_BITS - 1),
            // longer than the table: the modpow fallback
            random(64),
        ];
        exps.extend((0..8).map(|_| random(32)));
        for e in &exps {
            assert_eq!(t.pow(e), base.modpow(e, &gr.n), "exponent {e:x}");
        }
    }

    #[test]
    fn the_cache_gives_modpow_results_before_and_after_its_table() {
        let gr = group();
        let v = random(384) % &gr.n;
        let cache = PowCache::default();
        for round in 0..3 {
            let u = random(32);
            assert_eq!(cache.pow(&v, &u, &gr.n), v.modpow(&u, &gr.n));
            assert_eq!(cache.0.table.get().is_some(), round >= 1);
        }
        // A clone shares the table (the user record is cloned, the verifier kept).
        assert!(cache.clone().0.table.get().is_some());
    }
}
