//! The vocabulary of choice-based sign-in and MFA set-up: [`AuthFactorType`] (the first
//! factors of `USER_AUTH`) and [`TotpSetupDetails`] (the shared secret of a TOTP set-up
//! and its `otpauth://` URI).

use std::fmt;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use subtle::ConstantTimeEq;

/// A first factor of `USER_AUTH` (Amplify's `AuthFactorType`).
///
/// ```
/// use auth_cognito::AuthFactorType;
/// let f: AuthFactorType = "email-otp".parse()?;
/// assert_eq!(f, AuthFactorType::EmailOtp);
/// assert_eq!(f.as_str(), "EMAIL_OTP");
/// # Ok::<(), auth_core::error::AuthError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthFactorType {
    /// `PASSWORD`: the password, sent to Cognito over TLS.
    Password,
    /// `PASSWORD_SRP`: the password, proven by SRP without sending it.
    PasswordSrp,
    /// `EMAIL_OTP`: a one-time code sent by email.
    EmailOtp,
    /// `SMS_OTP`: a one-time code sent by SMS.
    SmsOtp,
    /// `WEB_AUTHN`: a passkey. Not supported yet: choosing it is
    /// [`AuthError::Unsupported`].
    WebAuthn,
}

impl AuthFactorType {
    /// Every factor, in Cognito's order.
    pub const ALL: [Self; 5] = [
        Self::Password,
        Self::PasswordSrp,
        Self::EmailOtp,
        Self::SmsOtp,
        Self::WebAuthn,
    ];

    /// The wire name, for example `EMAIL_OTP`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "PASSWORD",
            Self::PasswordSrp => "PASSWORD_SRP",
            Self::EmailOtp => "EMAIL_OTP",
            Self::SmsOtp => "SMS_OTP",
            Self::WebAuthn => "WEB_AUTHN",
        }
    }

    /// Whether the factor needs the password.
    pub fn needs_password(self) -> bool {
        matches!(self, Self::Password | Self::PasswordSrp)
    }

    /// The factor of a wire name, if this crate knows it.
    pub(crate) fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// [`AuthError::Unsupported`] for `WEB_AUTHN`, `Ok` for the others.
    pub(crate) fn ensure_supported(self) -> Result<Self, AuthError> {
        match self {
            Self::WebAuthn => Err(AuthError::Unsupported {
                feature: "WEB_AUTHN (passkey) sign-in".into(),
            }),
            other => Ok(other),
        }
    }
}

impl fmt::Display for AuthFactorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AuthFactorType {
    type Err = AuthError;

    /// The wire name, in any case, with `-` or `_` (`PASSWORD_SRP`, `password-srp`).
    fn from_str(s: &str) -> Result<Self, AuthError> {
        let wire = s.trim().to_ascii_uppercase().replace('-', "_");
        Self::from_wire(&wire).ok_or_else(|| AuthError::InvalidParameter {
            name: "auth_factor".into(),
            message: "expected PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP or WEB_AUTHN".into(),
        })
    }
}

/// The issuer shown by authenticator apps when none is chosen (Amplify UI's default).
pub const DEFAULT_TOTP_ISSUER: &str = "AWSCognito";

/// A TOTP set-up in progress (Amplify's `totpSetupDetails`): the shared secret to put in
/// an authenticator app, directly or as an `otpauth://` URI (a QR code).
///
/// Both are secrets: `Debug` shows neither, and there is no `Display`.
///
/// ```
/// use auth_cognito::TotpSetupDetails;
/// let d = TotpSetupDetails::new("JBSWY3DPEHPK3PXP", "alice", "My App");
/// assert_eq!(
///     d.setup_uri().expose_secret(),
///     "otpauth://totp/My%20App:alice?secret=JBSWY3DPEHPK3PXP&issuer=My%20App"
/// );
/// assert!(!format!("{d:?}").contains("JBSW"));
/// ```
///
/// At sign-in, in a pool that requires MFA (`MFA_SETUP`):
///
/// ```no_run
/// # use auth_cognito::{CognitoAuthPlugin, SignInOptions, SignInStep};
/// # async fn demo(plugin: CognitoAuthPlugin, code_from_app: impl Fn() -> String)
/// #     -> Result<(), auth_core::error::AuthError> {
/// let options = SignInOptions::default().with_totp_issuer("My App");
/// let r = plugin.sign_in("bob", "correct horse", options).await?;
/// if let SignInStep::ContinueSignInWithTotpSetup { totp_setup_details } = &r.next_step {
///     // Show this to the user only, for example as a QR code.
///     let uri = totp_setup_details.setup_uri();
///     # let _ = uri.expose_secret();
///     // VerifySoftwareToken, then RespondToAuthChallenge MFA_SETUP.
///     let done = plugin.confirm_sign_in(&code_from_app()).await?;
///     assert!(done.is_signed_in);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TotpSetupDetails {
    shared_secret: SecretString,
    username: String,
    issuer: String,
}

impl TotpSetupDetails {
    /// The details of a set-up with `shared_secret` (base32, as Cognito's
    /// `AssociateSoftwareToken` returns it) for `username`, shown under `issuer`.
    pub fn new(
        shared_secret: impl Into<SecretString>,
        username: impl Into<String>,
        issuer: impl Into<String>,
    ) -> Self {
        Self {
            shared_secret: shared_secret.into(),
            username: username.into(),
            issuer: issuer.into(),
        }
    }

    /// The shared secret, base32. **Security warning**: a secret; show it only to the user.
    pub fn shared_secret(&self) -> &SecretString {
        &self.shared_secret
    }

    /// The user the set-up is for.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The issuer the URI names.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `otpauth://totp/<issuer>:<username>?secret=<secret>&issuer=<issuer>`, the label
    /// and issuer percent-encoded. A secret, like the shared secret it carries.
    pub fn setup_uri(&self) -> SecretString {
        self.setup_uri_for(&self.issuer, &self.username)
    }

    /// The URI with another issuer and account name (Amplify's `getSetupUri(appName,
    /// accountName)`).
    pub fn setup_uri_for(&self, issuer: &str, account_name: &str) -> SecretString {
        let issuer = percent_encode(issuer);
        SecretString::from(format!(
            "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}",
            percent_encode(account_name),
            self.shared_secret.expose_secret()
        ))
    }
}

impl fmt::Debug for TotpSetupDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpSetupDetails")
            .field("username", &self.username)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl PartialEq for TotpSetupDetails {
    /// The secrets compare in constant time.
    fn eq(&self, other: &Self) -> bool {
        let same_secret: bool = self
            .shared_secret
            .expose_secret()
            .as_bytes()
            .ct_eq(other.shared_secret.expose_secret().as_bytes())
            .into();
        same_secret && self.username == other.username && self.issuer == other.issuer
    }
}

impl Eq for TotpSetupDetails {}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_parse_in_either_spelling_and_round_trip() {
        for f in AuthFactorType::ALL {
            assert_eq!(AuthFactorType::from_wire(f.as_str()), Some(f));
            let kebab = f.as_str().to_ascii_lowercase().replace('_', "-");
            assert_eq!(kebab.parse::<AuthFactorType>().ok(), Some(f));
        }
        assert!("CARRIER_PIGEON".parse::<AuthFactorType>().is_err());
        assert!(matches!(
            AuthFactorType::WebAuthn.ensure_supported(),
            Err(AuthError::Unsupported { .. })
        ));
    }

    #[test]
    fn setup_uri_encodes_label_and_issuer_and_debug_hides_the_secret() {
        let d = TotpSetupDetails::new("ABCDEFGH", "a b@x.io", "Acme & Co");
        assert_eq!(
            d.setup_uri_for("Acme & Co", "a b@x.io").expose_secret(),
            "otpauth://totp/Acme%20%26%20Co:a%20b%40x.io?secret=ABCDEFGH&issuer=Acme%20%26%20Co"
        );
        let dbg = format!("{d:?}");
        assert!(!dbg.contains("ABCDEFGH"), "{dbg}");
        assert_eq!(d, d.clone());
        assert_ne!(
            d,
            TotpSetupDetails::new("ABCDEFGI", "a b@x.io", "Acme & Co")
        );
    }
}
