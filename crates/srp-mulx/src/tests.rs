#![allow(clippy::unwrap_used)]

use num_bigint::BigUint;

use super::*;

fn big(x: &[u64]) -> BigUint {
    let bytes: Vec<u8> = x.iter().flat_map(|l| l.to_le_bytes()).collect();
    BigUint::from_bytes_le(&bytes)
}

fn limbs_of(x: &BigUint) -> [u64; LIMBS] {
    let mut out = [0u64; LIMBS];
    for (l, d) in out.iter_mut().zip(x.iter_u64_digits()) {
        *l = d;
    }
    out
}

/// Limbs from splitmix64, with every third limb all ones and every
/// fifth zero (by seed), so that long carry chains and zero rows occur.
fn limbs(seed: u64) -> [u64; LIMBS] {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let z = (state ^ (state >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut out = [0u64; LIMBS];
    for (i, limb) in out.iter_mut().enumerate() {
        let k = i as u64 + seed;
        *limb = if k.is_multiple_of(3) {
            u64::MAX
        } else if k.is_multiple_of(5) {
            0
        } else {
            next()
        };
    }
    out
}

fn cases() -> Vec<[u64; LIMBS]> {
    let mut cases = vec![[u64::MAX; LIMBS], [0; LIMBS]];
    let mut one = [0; LIMBS];
    one[0] = 1;
    cases.push(one);
    cases.extend((1..30).map(limbs));
    cases
}

/// The 3072-bit MODP prime of RFC 3526 (SRP's group) and a random odd
/// modulus with its top bit set.
fn moduli() -> Vec<[u64; LIMBS]> {
    let modp = BigUint::parse_bytes(
        concat!(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
            "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
            "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
            "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
            "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
            "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
            "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
            "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
            "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
            "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
            "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
            "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
        )
        .as_bytes(),
        16,
    )
    .unwrap();
    let mut other = limbs(77);
    other[0] |= 1;
    other[LIMBS - 1] |= 1 << 63;
    vec![limbs_of(&modp), other]
}

/// `−n⁻¹ mod 2^64` by Newton's iteration.
fn n0(n: u64) -> u64 {
    let mut inv: u64 = 1;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(n.wrapping_mul(inv)));
    }
    inv.wrapping_neg()
}

#[test]
fn products_and_squares_match_num_bigint() {
    let Some(mulx) = Mulx::detect() else {
        eprintln!("skipped: this CPU has no BMI2 + ADX");
        return;
    };
    let cases = cases();
    for a in &cases {
        for b in cases.iter().take(8) {
            let mut out = [0u64; 2 * LIMBS];
            mulx.mul(a, b, &mut out);
            assert_eq!(big(&out), big(a) * big(b));
        }
        let mut sq = [0u64; 2 * LIMBS];
        mulx.sqr(a, &mut sq);
        assert_eq!(big(&sq), big(a) * big(a));
    }
}

#[test]
fn reduction_is_montgomerys() {
    let Some(mulx) = Mulx::detect() else {
        eprintln!("skipped: this CPU has no BMI2 + ADX");
        return;
    };
    let r = BigUint::from(1u8) << (64 * LIMBS);
    for n in moduli() {
        let nb = big(&n);
        let cases: Vec<BigUint> = cases().iter().map(|c| big(c) % &nb).collect();
        for a in &cases {
            for b in cases.iter().take(6) {
                // t = a·b < n·R: the reduction leaves t·R⁻¹ mod n, plus at
                // most one n.
                let t_big = a * b;
                let mut t = [0u64; 2 * LIMBS];
                for (l, d) in t.iter_mut().zip(t_big.iter_u64_digits()) {
                    *l = d;
                }
                let carry = mulx.reduce(&mut t, &n, n0(n[0]));
                assert!(t[..LIMBS].iter().all(|&l| l == 0));
                let left = big(&t[LIMBS..]) + (BigUint::from(carry) << (64 * LIMBS));
                assert!(left < &nb * 2u8);
                assert_eq!((&left * &r) % &nb, t_big % &nb);
            }
        }
    }
}
