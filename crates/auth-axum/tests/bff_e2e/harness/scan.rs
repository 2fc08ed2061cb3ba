//! Finding JWTs in text: three base64url segments, the first starting with
//! `eyJ` (the encoding of `{"`), as every compact JWS and JWE does.

/// Every JWT-looking run in `text` (its first 16 characters, so a failure
/// message does not print a whole token).
pub fn jwts(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(at) = text[i..].find("eyJ") {
        let start = i + at;
        let mut j = start;
        let mut segments = 1;
        let mut len = 0;
        while j < bytes.len() {
            if is_b64(bytes[j]) {
                len += 1;
            } else if bytes[j] == b'.' && len > 0 {
                segments += 1;
                len = 0;
            } else {
                break;
            }
            j += 1;
        }
        if segments >= 3 && len > 0 {
            found.push(text[start..(start + 16).min(j)].to_owned());
        }
        i = start + 3;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::jwts;

    #[test]
    fn finds_compact_jwts_and_nothing_else() {
        assert_eq!(
            jwts("token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln; Path=/").len(),
            1
        );
        assert!(jwts("amplify_session=Zm9vYmFy; HttpOnly").is_empty());
        assert!(jwts("eyJhbGciOiJSUzI1NiJ9 alone").is_empty());
        assert!(jwts("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.").is_empty());
    }
}
