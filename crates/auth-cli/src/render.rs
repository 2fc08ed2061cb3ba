//! Turning sessions into text and JSON. Nothing here prints a raw token or a
//! secret, except [`credential_process_json`] and [`env_lines`], whose whole
//! purpose is to hand AWS credentials to another program.

use auth_core::jwt::JwtToken;
use auth_core::types::{AuthUser, AwsCredentials};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seconds since the epoch, now.
pub(crate) fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// ISO-8601 (RFC 3339) in UTC, e.g. `2026-11-24T21:44:15Z`.
pub(crate) fn iso8601(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| secs.to_string())
}

/// A duration for people: `59m 12s`, `2h 03m`, `3d 4h`.
pub(crate) fn human_duration(secs: i64) -> String {
    if secs < 0 {
        return format!("{} ago", human_duration(-secs));
    }
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

/// A countdown bar of the lifetime left, e.g. `[#########-----------]  45% left`.
pub(crate) fn countdown_bar(issued: i64, expires: i64, now: i64, width: usize) -> String {
    let total = (expires - issued).max(1);
    let left = (expires - now).clamp(0, total);
    // Whole percents and cells: rounding down never shows time that is gone.
    let percent = left * 100 / total;
    let filled = usize::try_from(left).unwrap_or(0) * width / usize::try_from(total).unwrap_or(1);
    format!(
        "[{}{}] {percent:>3}% left",
        "#".repeat(filled),
        "-".repeat(width.saturating_sub(filled))
    )
}

/// A token's expiry and claims, never its compact string.
pub(crate) fn token_json(token: &JwtToken, now: i64) -> Value {
    let exp = token.expires_at();
    json!({
        "expires_at": exp.map(iso8601),
        "expires_in_seconds": exp.map(|e| e - now),
        "issued_at": token.issued_at().map(iso8601),
        "claims": Value::Object(token.claims().as_map().clone()),
    })
}

/// The user as `whoami --json` prints it.
pub(crate) fn user_json(user: &AuthUser) -> Value {
    json!({
        "username": user.username,
        "user_id": user.user_id,
        "sign_in_details": user.sign_in_details.as_ref().map(|d| json!({
            "login_id": d.login_id,
            "auth_flow_type": d.auth_flow_type.as_str(),
        })),
    })
}

/// Credentials without their secrets: the access key id and the expiry.
pub(crate) fn credentials_summary_json(creds: &AwsCredentials, now: i64) -> Value {
    json!({
        "access_key_id": creds.access_key_id,
        "expiration": creds.expiration.map(iso8601),
        "expires_in_seconds": creds.expiration.map(|e| e - now),
    })
}

/// The AWS CLI `credential_process` document (Version 1).
///
/// # Security warning
/// The result holds the secret key and the session token.
pub(crate) fn credential_process_json(creds: &AwsCredentials) -> Value {
    let mut v = json!({
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key.expose_secret(),
    });
    if let Some(t) = &creds.session_token {
        v["SessionToken"] = json!(t.expose_secret());
    }
    if let Some(e) = creds.expiration {
        v["Expiration"] = json!(iso8601(e));
    }
    v
}

/// Quotes a value for POSIX shells.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `export AWS_...=...` lines, for `eval "$(amplify-auth credentials --format env)"`.
///
/// # Security warning
/// The result holds the secret key and the session token.
pub(crate) fn env_lines(creds: &AwsCredentials) -> String {
    let mut out = format!(
        "export AWS_ACCESS_KEY_ID={}\nexport AWS_SECRET_ACCESS_KEY={}\n",
        shell_quote(&creds.access_key_id),
        shell_quote(creds.secret_access_key.expose_secret())
    );
    if let Some(t) = &creds.session_token {
        out.push_str(&format!(
            "export AWS_SESSION_TOKEN={}\n",
            shell_quote(t.expose_secret())
        ));
    }
    if let Some(e) = creds.expiration {
        out.push_str(&format!(
            "export AWS_CREDENTIAL_EXPIRATION={}\n",
            shell_quote(&iso8601(e))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::secret::SecretString;

    fn creds() -> AwsCredentials {
        AwsCredentials::new("ASIAEXAMPLE", SecretString::new("s3cr'et"))
            .with_session_token("tok")
            .with_expiration(1_800_000_000)
    }

    #[test]
    fn iso8601_is_utc_rfc3339() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_800_000_000), "2027-01-15T08:00:00Z");
    }

    #[test]
    fn credential_process_document_has_the_aws_cli_fields() {
        let v = credential_process_json(&creds());
        assert_eq!(v["Version"], 1);
        assert_eq!(v["AccessKeyId"], "ASIAEXAMPLE");
        assert_eq!(v["SecretAccessKey"], "s3cr'et");
        assert_eq!(v["SessionToken"], "tok");
        assert_eq!(v["Expiration"], "2027-01-15T08:00:00Z");
    }

    #[test]
    fn env_lines_are_shell_quoted() {
        let text = env_lines(&creds());
        assert!(text.contains(r"export AWS_SECRET_ACCESS_KEY='s3cr'\''et'"));
        assert!(text.contains("export AWS_SESSION_TOKEN='tok'"));
    }

    #[test]
    fn summaries_hold_no_secret() {
        let v = credentials_summary_json(&creds(), 0).to_string();
        assert!(!v.contains("s3cr") && !v.contains("tok"));
    }

    #[test]
    fn countdown_bar_shows_the_share_left() {
        assert_eq!(countdown_bar(0, 100, 50, 10), "[#####-----]  50% left");
        assert_eq!(countdown_bar(0, 100, 150, 4), "[----]   0% left");
        assert_eq!(countdown_bar(0, 100, 0, 4), "[####] 100% left");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(3552), "59m 12s");
        assert_eq!(human_duration(7380), "2h 03m");
        assert_eq!(human_duration(-5), "5s ago");
    }
}
