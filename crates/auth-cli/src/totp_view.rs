//! Shows a TOTP set-up to the user: the `otpauth://` URI (which carries the
//! shared secret) on stdout, and on a terminal the same URI as a QR code to
//! scan with an authenticator app. The URI is shown only here, never in an
//! error, a log line or a file.

use std::io::IsTerminal;

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

/// The URI as a QR code in Unicode half blocks (dark on light, with a quiet
/// zone), or `None` when it is too long for a QR code.
pub(crate) fn qr_text(uri: &str) -> Option<String> {
    let code = QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

/// What to print for a set-up: the URI, and the QR code when `qr`.
pub(crate) fn render(uri: &str, qr: bool) -> String {
    let mut text = String::from(
        "Set up an authenticator app with this URI (it holds the secret: keep it private):\n",
    );
    text.push_str(uri);
    text.push('\n');
    if let Some(code) = qr.then(|| qr_text(uri)).flatten() {
        text.push_str(&code);
        text.push('\n');
    }
    text
}

/// Prints the set-up on stdout, with a QR code when stdout is a terminal.
pub(crate) fn show(uri: &str) {
    use std::io::Write as _;
    let text = render(uri, std::io::stdout().is_terminal());
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uri_is_printed_and_the_qr_code_only_when_asked() {
        let uri = "otpauth://totp/AWSCognito:demo?secret=JBSWY3DPEHPK3PXP&issuer=AWSCognito";
        let plain = render(uri, false);
        assert!(plain.contains(uri));
        assert!(!plain.contains('\u{2588}') && !plain.contains('\u{2580}'));
        let with_qr = render(uri, true);
        assert!(with_qr.starts_with(&plain));
        let qr = qr_text(uri).expect("fits a QR code");
        // A square of half blocks: rows of equal width, twice as many modules tall.
        let rows: Vec<&str> = qr.lines().collect();
        assert!(rows.len() > 10);
        let width = rows[0].chars().count();
        assert!(rows.iter().all(|r| r.chars().count() == width));
        assert!(with_qr.contains(&qr));
    }
}
