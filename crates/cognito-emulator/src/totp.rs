//! RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s steps) and RFC 4648 base32, for
//! `SOFTWARE_TOKEN_MFA`.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Base32 without padding (RFC 4648), as Cognito's `SecretCode`.
pub(crate) fn base32_encode(data: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(data)
}

/// Decode base32 leniently, as people paste TOTP secrets: case-insensitive, `=` and
/// spaces ignored, unused trailing bits allowed; `None` if invalid.
pub(crate) fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    spec.translate.from.push_str("abcdefghijklmnopqrstuvwxyz");
    spec.translate.to.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    spec.ignore.push_str("= ");
    spec.check_trailing_bits = false;
    spec.encoding().ok()?.decode(s.as_bytes()).ok()
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

    #[test]
    fn base32_decode_is_lenient_about_case_padding_and_spaces() {
        let want = Some(b"foobar".to_vec());
        assert_eq!(base32_decode("MZXW6YTBOI"), want);
        assert_eq!(base32_decode("mzxw6ytboi"), want);
        assert_eq!(base32_decode("MZXW 6YTB OI======"), want);
        // Unused trailing bits are not checked ("MZXW6YTBOJ" differs only in them).
        assert_eq!(base32_decode("MZXW6YTBOJ"), want);
        assert_eq!(base32_decode("MZXW6YTBO1"), None);
        assert_eq!(base32_decode(""), Some(Vec::new()));
    }
}
