//! Codes the emulator "sends" (sign-up confirmation, SMS MFA): a fresh 6-digit code and
//! the masked destination Cognito reports (`a***@example.com`, `+*******1234`). Nothing
//! is delivered; tests read the codes through the test controls.

use crate::state::random_chars;

/// A fresh 6-digit code.
pub(crate) fn new_code() -> String {
    random_chars(b"0123456789", 6)
}

/// An e-mail address or phone number, masked as in `CodeDeliveryDetails.Destination`.
pub(crate) fn mask(s: &str) -> String {
    let first: String = s.chars().take(1).collect();
    match s.split_once('@') {
        Some((_, domain)) => format!("{first}***@{domain}"),
        None => {
            let n = s.chars().count();
            let tail: String = s.chars().skip(n.saturating_sub(4)).collect();
            format!("+*******{tail}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_emails_and_phone_numbers_like_cognito() {
        assert_eq!(mask("alice@example.com"), "a***@example.com");
        assert_eq!(mask("+15550001234"), "+*******1234");
        assert_eq!(new_code().len(), 6);
        assert!(new_code().bytes().all(|b| b.is_ascii_digit()));
    }
}
