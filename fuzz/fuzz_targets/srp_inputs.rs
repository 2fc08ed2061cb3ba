//! Cognito SRP client maths on arbitrary challenge values: `pad_hex`, and
//! `password_verifier` with fuzzed salt, B, secret block, names, password
//! and timestamp. A fixed small private value keeps each run fast.
//! Properties: `pad_hex` of ASCII hex is even-length, ends with its input
//! and starts with 0-7; the verifier errors or signs, never panics.

#![no_main]

use std::sync::OnceLock;

use auth_cognito::srp::{PasswordVerifierChallenge, SrpClient, pad_hex};
use libfuzzer_sys::fuzz_target;

fn client() -> &'static SrpClient {
    static CLIENT: OnceLock<SrpClient> = OnceLock::new();
    CLIENT.get_or_init(|| SrpClient::from_private_key(&[0x2a]).expect("a = 42"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut fields = text.split('\n');
    let mut next = || fields.next().unwrap_or("");
    let (salt, b, block) = (next(), next(), next());
    let (pool, user, password, timestamp) = (next(), next(), next(), next());

    for hex in [salt, b] {
        let padded = pad_hex(hex);
        if !hex.is_empty() && hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            assert_eq!(padded.len() % 2, 0);
            assert!(padded.ends_with(hex));
            assert!(matches!(padded.as_bytes()[0], b'0'..=b'7'));
        }
    }
    let challenge = PasswordVerifierChallenge::new(pool, user)
        .with_salt_hex(salt)
        .with_srp_b_hex(b)
        .with_secret_block_b64(block);
    if let Ok(claim) = client().password_verifier(&challenge, password, timestamp) {
        assert_eq!(claim.timestamp(), timestamp);
        assert_eq!(claim.signature_b64().len(), 44);
    }
});
