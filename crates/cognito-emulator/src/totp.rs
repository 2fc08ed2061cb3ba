//! RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s steps) and RFC 4648 base32, for
//! `SOFTWARE_TOKEN_MFA`.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 without padding, as Cognito's `SecretCode`.
pub(crate) fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in data {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buf >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decode base32 (case-insensitive, `=` and spaces ignored); `None` if invalid.
pub(crate) fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| *c != b'=' && *c != b' ') {
        let c = c.to_ascii_uppercase();
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        buf = ((buf << 5) | v) & 0xffff;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The 6-digit code for `secret` at unix time `unix_secs`.
pub fn totp_code(secret: &[u8], unix_secs: i64) -> String {
    hotp(secret, (unix_secs.max(0) / 30) as u64)
}

fn hotp(secret: &[u8], counter: u64) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[off] & 0x7f) << 24)
        | (u32::from(h[off + 1]) << 16)
        | (u32::from(h[off + 2]) << 8)
        | u32::from(h[off + 3]);
    format!("{:06}", bin % 1_000_000)
}

/// True when `code` is valid at `unix_secs`, allowing one step either side.
pub(crate) fn verify(secret: &[u8], code: &str, unix_secs: i64) -> bool {
    let step = unix_secs.max(0) / 30;
    (step - 1..=step + 1)
        .filter(|s| *s >= 0)
        .any(|s| crate::srp::ct_eq(&hotp(secret, s as u64), code.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 appendix B, T = 59, SHA1 secret "12345678901234567890": 94287082 (8 digits).
        assert_eq!(totp_code(b"12345678901234567890", 59), "287082");
        assert_eq!(totp_code(b"12345678901234567890", 1_111_111_109), "081804");
    }

    #[test]
    fn base32_round_trips() {
        let data = b"hello world, 20 byte";
        assert_eq!(
            base32_decode(&base32_encode(data)).as_deref(),
            Some(&data[..])
        );
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
    }
}
