//! `JwtToken::parse` on arbitrary strings, and on well-shaped tokens whose
//! payload is the fuzz input (so the JSON and claim-type paths get explored).
//! Property: a parsed token's `Debug` never shows the compact string.

#![no_main]

use auth_core::jwt::JwtToken;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;

fn check(compact: &str) {
    if let Ok(token) = JwtToken::parse(compact) {
        let _ = token.expires_at();
        let _ = token.issued_at();
        let _ = token.claims().sub();
        let debug = format!("{token:?}");
        if compact.len() >= 24 {
            assert!(!debug.contains(compact), "Debug shows the compact token");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        check(s);
    }
    let wrapped = format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", URL_SAFE_NO_PAD.encode(data));
    check(&wrapped);
});
