//! PKCE (RFC 7636) with `S256`, and the `state` of a sign-in: random values
//! from the thread's CSPRNG, and the constant-time check of a returned state.

use auth_core::secret::SecretString;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use rand::Rng as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

/// The characters of a code verifier: RFC 7636's `unreserved`.
const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// The length of our code verifiers: within RFC 7636's 43 to 128, with
/// 64 × log2(66) ≈ 386 bits of entropy.
pub(super) const VERIFIER_LEN: usize = 64;

/// A fresh code verifier: [`VERIFIER_LEN`] characters of [`UNRESERVED`],
/// drawn without modulo bias from the CSPRNG.
pub(super) fn new_verifier() -> SecretString {
    let mut rng = rand::rng();
    let mut out = String::with_capacity(VERIFIER_LEN);
    // 66 symbols: a byte of 198 (256 - 256 % 66) or above is drawn again,
    // so that every symbol is equally likely.
    let limit = 256 - 256 % UNRESERVED.len();
    while out.len() < VERIFIER_LEN {
        let mut byte = [0u8; 1];
        rng.fill_bytes(&mut byte);
        let b = usize::from(byte[0]);
        if b < limit {
            out.push(char::from(UNRESERVED[b % UNRESERVED.len()]));
        }
    }
    SecretString::from(out)
}

/// The `code_challenge` of a verifier: `BASE64URL(SHA256(verifier))`.
pub(super) fn challenge_s256(verifier: &str) -> String {
    B64URL.encode(Sha256::digest(verifier.as_bytes()))
}

/// A fresh `state`: 32 random bytes (256 bits), base64url (43 characters).
pub(super) fn new_state() -> SecretString {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(B64URL.encode(bytes))
}

/// Whether a returned `state` is the expected one, in constant time (for
/// equal lengths; the length of a state is not secret).
pub(super) fn state_matches(expected: &SecretString, returned: &str) -> bool {
    let (a, b) = (expected.expose_secret().as_bytes(), returned.as_bytes());
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Whether `v` is a well-formed code verifier (RFC 7636 §4.1), for imported
/// flows.
pub(super) fn is_valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len()) && v.bytes().all(|b| UNRESERVED.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s256_challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_long_random_and_of_the_unreserved_alphabet() {
        let a = new_verifier();
        let b = new_verifier();
        assert_eq!(a.len(), VERIFIER_LEN);
        assert!(is_valid_verifier(a.expose_secret()));
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(!is_valid_verifier("short"));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(50))));
    }

    #[test]
    fn states_carry_256_bits_and_compare_exactly() {
        let s = new_state();
        assert_eq!(s.len(), 43);
        assert_ne!(s.expose_secret(), new_state().expose_secret());
        assert!(state_matches(&s, s.expose_secret()));
        let mut other = s.expose_secret().to_owned();
        other.pop();
        assert!(!state_matches(&s, &other));
        other.push('x');
        assert!(!state_matches(&s, &other) || s.expose_secret().ends_with('x'));
        assert!(!state_matches(&s, ""));
    }
}
