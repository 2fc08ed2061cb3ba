//! `SECRET_HASH`: the proof of the app client's secret that every user-pool
//! request of a client created with one carries (sign-in, challenges and
//! `REFRESH_TOKEN_AUTH`).

use auth_core::secret::SecretString;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// `SECRET_HASH` = base64(HMAC-SHA256(key = client secret, username + client id)).
pub(crate) fn secret_hash(secret: &SecretString, username: &str, client_id: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable_hmac());
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cold]
fn unreachable_hmac() -> Hmac<Sha256> {
    // Keys of any length are valid for HMAC; keep a total function anyway.
    <Hmac<Sha256> as KeyInit>::new_from_slice(&[0u8; 32]).unwrap_or_else(|_| unreachable_hmac())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_matches_the_documented_construction() {
        // HMAC-SHA256(key="secret", "alice" + "client") computed independently
        // with Python: base64.b64encode(hmac.new(b"secret", b"aliceclient", hashlib.sha256).digest())
        let h = secret_hash(&SecretString::new("secret"), "alice", "client");
        assert_eq!(h, "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0=");
    }
}
