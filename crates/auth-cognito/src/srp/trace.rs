//! A log of the operations the SRP arithmetic performs, so that tests can
//! show the sequence does not depend on secret values.
//!
//! The arithmetic calls [`record`] for every Montgomery multiplication and
//! squaring and for every table entry it reads. In test builds the calls
//! append to a per-thread log while [`capture`] runs; in other builds
//! [`record`] is empty and compiles away.

/// One step of the arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// A Montgomery multiplication.
    Mul,
    /// A Montgomery squaring.
    Sqr,
    /// A read of the table entry at this index.
    Read(usize),
}

#[cfg(test)]
thread_local! {
    static LOG: std::cell::RefCell<Option<Vec<Op>>> = const { std::cell::RefCell::new(None) };
}

/// Notes one step (test builds only).
#[cfg(test)]
pub(super) fn record(op: Op) {
    LOG.with(|log| {
        if let Some(ops) = log.borrow_mut().as_mut() {
            ops.push(op);
        }
    });
}

/// Notes one step: nothing outside test builds.
#[cfg(not(test))]
#[inline(always)]
pub(super) fn record(_op: Op) {}

/// Runs `f` and returns what it returned with the steps it performed.
#[cfg(test)]
pub(super) fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<Op>) {
    LOG.with(|log| *log.borrow_mut() = Some(Vec::new()));
    let out = f();
    let ops = LOG.with(|log| log.borrow_mut().take()).unwrap_or_default();
    (out, ops)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::exp::{self, Exponent};
    use super::super::mont::{FIELD, LIMBS, Limbs};
    use super::super::{SrpClient, SrpServer, compute_verifier};
    use super::*;

    /// Exponents of one bit length with very different bits: all ones, a
    /// single top bit then zeros (long runs of zero windows), alternating
    /// bits, and two pseudo-random ones.
    fn exponents(bits: usize) -> Vec<Exponent> {
        let mut patterns: Vec<Limbs> = Vec::new();
        let top = |l: &mut Limbs| {
            // Clear everything at and above `bits`, then set bit bits - 1.
            for (i, limb) in l.iter_mut().enumerate() {
                let lo = i * 64;
                if lo >= bits {
                    *limb = 0;
                } else if lo + 64 > bits {
                    *limb &= (1u64 << (bits - lo)) - 1;
                }
            }
            l[(bits - 1) / 64] |= 1 << ((bits - 1) % 64);
        };
        let mut s = 0x2545_f491_4f6c_dd1du64;
        let mut random = || {
            core::array::from_fn(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s
            })
        };
        patterns.push([u64::MAX; LIMBS]);
        patterns.push([0; LIMBS]);
        patterns.push([0xaaaa_aaaa_aaaa_aaaa; LIMBS]);
        patterns.push(random());
        patterns.push(random());
        patterns
            .into_iter()
            .map(|mut l| {
                top(&mut l);
                Exponent::from_limbs(&l, bits)
            })
            .collect()
    }

    fn assert_all_equal(traces: &[Vec<Op>], what: &str) {
        assert!(!traces[0].is_empty(), "{what}: nothing was traced");
        for (i, t) in traces.iter().enumerate().skip(1) {
            let first_difference = traces[0].iter().zip(t).position(|(a, b)| a != b);
            assert!(
                traces[0] == *t,
                "{what}: exponent {i} gives another trace ({} vs {} steps, first difference at {:?})",
                traces[0].len(),
                t.len(),
                first_difference,
            );
        }
    }

    #[test]
    fn variable_base_pow_has_one_trace_per_bit_length() {
        let base = FIELD.to_mont(&[0x1234_5678_9abc_def1; LIMBS].map(|l| l >> 1));
        for bits in [1025, 256, 24] {
            let traces: Vec<Vec<Op>> = exponents(bits)
                .iter()
                .map(|e| capture(|| exp::pow(&base, e)).1)
                .collect();
            assert_all_equal(&traces, &format!("pow, {bits} bits"));
            let t = &traces[0];
            let sqr = t.iter().filter(|o| **o == Op::Sqr).count();
            let reads = t.iter().filter(|o| matches!(o, Op::Read(_))).count();
            // A squaring per bit after the top window, the 15 table squarings,
            // and every one of the 32 entries read once per window.
            let windows = bits.div_ceil(exp::WINDOW);
            assert_eq!(sqr, (windows - 1) * exp::WINDOW + 15, "{bits}");
            assert_eq!(reads, windows * 32, "{bits}");
        }
    }

    #[test]
    fn fixed_base_pow_has_one_trace_per_bit_length() {
        exp::warm_up();
        // (Longer exponents take the variable-base path, tested above.)
        for bits in [1024, 256] {
            let traces: Vec<Vec<Op>> = exponents(bits)
                .iter()
                .map(|e| capture(|| exp::pow_g(e)).1)
                .collect();
            assert_all_equal(&traces, &format!("pow_g, {bits} bits"));
        }
    }

    #[test]
    fn sign_in_maths_has_one_trace_for_every_secret() {
        // Public constants built on first use would show in the first trace.
        super::super::precompute();
        let salt = "9f1e2d3c4b5a69788796a5b4c3d2e1f0";
        let verifier = compute_verifier("Pool", "alice", "pw", salt).unwrap();
        let server = SrpServer::from_private_key(&[0x33; 128], &verifier).unwrap();
        let b_hex = server.b_public_hex();
        // Different private values (including all-ones and mostly-zero
        // bytes) and different passwords, so a, x and a + u·x all differ.
        let cases: [([u8; 128], &str); 4] = [
            ([0xff; 128], "pw"),
            ([0x01; 128], "a much longer password, with other bits"),
            ([0x80; 128], ""),
            (core::array::from_fn(|i| (i as u8).wrapping_mul(37)), "pw"),
        ];
        let traces: Vec<Vec<Op>> = cases
            .iter()
            .map(|(a, password)| {
                capture(|| {
                    let client = SrpClient::from_private_key(a).unwrap();
                    client
                        .authentication_key("Pool", "alice", password, salt, &b_hex)
                        .unwrap()
                })
                .1
            })
            .collect();
        assert_all_equal(&traces, "SrpClient a, A, x, S");
    }

    #[test]
    fn sign_in_maths_with_the_default_64_byte_a_has_one_trace() {
        super::super::precompute();
        let salt = "9f1e2d3c4b5a69788796a5b4c3d2e1f0";
        let verifier = compute_verifier("Pool", "alice", "pw", salt).unwrap();
        let server = SrpServer::from_private_key(&[0x33; 128], &verifier).unwrap();
        let b_hex = server.b_public_hex();
        let cases: [([u8; super::super::PRIVATE_KEY_LEN], &str); 4] = [
            ([0xff; 64], "pw"),
            ([0x01; 64], "another password"),
            (core::array::from_fn(|i| u8::from(i == 0) << 7), ""),
            (core::array::from_fn(|i| (i as u8).wrapping_mul(91)), "pw"),
        ];
        let traces: Vec<Vec<Op>> = cases
            .iter()
            .map(|(a, password)| {
                capture(|| {
                    let client = SrpClient::from_private_key(a).unwrap();
                    client
                        .authentication_key("Pool", "alice", password, salt, &b_hex)
                        .unwrap()
                })
                .1
            })
            .collect();
        assert_all_equal(&traces, "SrpClient, 64-byte a");
        // Shorter than with 128 bytes: S walks 513 bits, not 1,025.
        let long = capture(|| {
            SrpClient::from_private_key(&[0xff; 128])
                .unwrap()
                .authentication_key("Pool", "alice", "pw", salt, &b_hex)
                .unwrap()
        })
        .1;
        assert!(
            traces[0].len() < long.len(),
            "{} vs {}",
            traces[0].len(),
            long.len()
        );
    }
}
