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

/// The 30-second step whose code `code` is, when valid at `unix_secs` (one step either
/// side allowed), so that a caller can refuse a code used before.
pub(crate) fn verify_step(secret: &[u8], code: &str, unix_secs: i64) -> Option<i64> {
    let step = unix_secs.max(0) / 30;
    (step - 1..=step + 1)
        .filter(|s| *s >= 0)
        .find(|s| crate::srp::ct_eq(&hotp(secret, *s as u64), code.trim()))
}

/// How a TOTP code was judged, with replay protection: a code whose step is not after
/// `last_used` was used before (RFC 6238 section 5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TotpCheck {
    /// Valid and fresh: the step to record as used.
    Fresh(i64),
    /// Valid, but its step (or a later one) was already used.
    Reused,
    /// Not a valid code now.
    Wrong,
}

/// Checks `code` against `secret` at `unix_secs`, given the last step used.
pub(crate) fn check(
    secret: &[u8],
    code: &str,
    unix_secs: i64,
    last_used: Option<i64>,
) -> TotpCheck {
    match verify_step(secret, code, unix_secs) {
        None => TotpCheck::Wrong,
        Some(step) if last_used.is_some_and(|l| step <= l) => TotpCheck::Reused,
        Some(step) => TotpCheck::Fresh(step),
    }
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
    fn a_code_is_accepted_once_and_a_later_one_after_it() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_109;
        let code = totp_code(secret, now);
        let TotpCheck::Fresh(step) = check(secret, &code, now, None) else {
            panic!("a fresh code is accepted");
        };
        assert_eq!(check(secret, &code, now, Some(step)), TotpCheck::Reused);
        // The previous window's code is valid but older than the one used.
        let earlier = totp_code(secret, now - 30);
        assert_eq!(check(secret, &earlier, now, Some(step)), TotpCheck::Reused);
        let next = totp_code(secret, now + 30);
        assert_eq!(
            check(secret, &next, now + 30, Some(step)),
            TotpCheck::Fresh(step + 1)
        );
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(check(secret, wrong, now + 300, None), TotpCheck::Wrong);
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
