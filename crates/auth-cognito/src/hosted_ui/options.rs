//! The options of `sign_in_with_redirect`: which identity provider, which
//! redirect URI, and the optional parameters Amplify JS sends.

/// The identity provider the hosted UI signs in with (Amplify's
/// `provider` of `signInWithRedirect`): the `identity_provider` parameter
/// of `/oauth2/authorize`.
///
/// ```
/// use auth_cognito::hosted_ui::HostedUiProvider;
/// assert_eq!(HostedUiProvider::Google.as_wire_name(), "Google");
/// assert_eq!(HostedUiProvider::from_name("apple"), HostedUiProvider::Apple);
/// assert_eq!(HostedUiProvider::from_name("MyOidc").as_wire_name(), "MyOidc");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HostedUiProvider {
    /// The user pool's own login page (`COGNITO`), the default.
    #[default]
    Cognito,
    /// Google (`Google`).
    Google,
    /// Facebook (`Facebook`).
    Facebook,
    /// Login with Amazon (`LoginWithAmazon`).
    Amazon,
    /// Sign in with Apple (`SignInWithApple`).
    Apple,
    /// A custom OIDC or SAML provider, by the name it was created with
    /// (Amplify's `{ custom: 'Name' }`).
    Custom(String),
}

impl HostedUiProvider {
    /// The `identity_provider` value Cognito expects.
    pub fn as_wire_name(&self) -> &str {
        match self {
            Self::Cognito => "COGNITO",
            Self::Google => "Google",
            Self::Facebook => "Facebook",
            Self::Amazon => "LoginWithAmazon",
            Self::Apple => "SignInWithApple",
            Self::Custom(name) => name,
        }
    }

    /// The provider called `name`: the built-in ones by their wire name or
    /// a short name, in any case (`google`, `LoginWithAmazon`, `amazon`,
    /// `apple`, `cognito`); any other name is a custom provider, kept as
    /// given.
    pub fn from_name(name: &str) -> Self {
        match name.to_ascii_lowercase().as_str() {
            "cognito" => Self::Cognito,
            "google" => Self::Google,
            "facebook" => Self::Facebook,
            "amazon" | "loginwithamazon" | "login_with_amazon" => Self::Amazon,
            "apple" | "signinwithapple" | "sign_in_with_apple" => Self::Apple,
            _ => Self::Custom(name.to_owned()),
        }
    }
}

/// Which page the hosted UI should show (the `prompt` parameter, as
/// Amplify JS sends it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prompt {
    /// Do not show a page: sign in silently with the hosted UI's session or fail.
    None,
    /// Always ask for credentials again.
    Login,
    /// Ask for consent.
    Consent,
    /// Let the user pick an account.
    SelectAccount,
}

impl Prompt {
    /// The wire value: `none`, `login`, `consent` or `select_account`.
    pub fn as_wire_name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Login => "login",
            Self::Consent => "consent",
            Self::SelectAccount => "select_account",
        }
    }
}

/// Options of
/// [`CognitoAuthPlugin::sign_in_with_redirect`](crate::CognitoAuthPlugin::sign_in_with_redirect)
/// (Amplify's `SignInWithRedirectInput`).
///
/// ```
/// use auth_cognito::hosted_ui::{HostedUiProvider, Prompt, SignInWithRedirectOptions};
/// let options = SignInWithRedirectOptions::default()
///     .with_provider(HostedUiProvider::Google)
///     .with_login_hint("ada@example.com")
///     .with_prompt(Prompt::SelectAccount);
/// assert_eq!(options.provider, HostedUiProvider::Google);
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SignInWithRedirectOptions {
    /// The identity provider (default: the hosted UI's own login page).
    pub provider: HostedUiProvider,
    /// The redirect URI; it must be one of `auth.oauth.redirect_sign_in_uri`.
    /// `None`: the first of them (the loopback helper picks the first
    /// loopback one instead).
    pub redirect_uri: Option<String>,
    /// `idp_identifier`: picks a SAML/OIDC provider by one of its identifiers
    /// (for example an email domain) instead of by name.
    pub idp_identifier: Option<String>,
    /// `login_hint`: a username or email to pre-fill.
    pub login_hint: Option<String>,
    /// `lang`: the language of the hosted UI's pages (managed login).
    pub lang: Option<String>,
    /// `nonce`: echoed in the id token's `nonce` claim.
    pub nonce: Option<String>,
    /// `prompt`: which page the hosted UI shows.
    pub prompt: Option<Prompt>,
}

impl SignInWithRedirectOptions {
    /// These options with the identity provider `provider`.
    pub fn with_provider(mut self, provider: HostedUiProvider) -> Self {
        self.provider = provider;
        self
    }
    /// These options with this redirect URI (one of `redirect_sign_in_uri`).
    pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }
    /// These options with an `idp_identifier`.
    pub fn with_idp_identifier(mut self, id: impl Into<String>) -> Self {
        self.idp_identifier = Some(id.into());
        self
    }
    /// These options with a `login_hint`.
    pub fn with_login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }
    /// These options with a `lang`.
    pub fn with_lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = Some(lang.into());
        self
    }
    /// These options with a `nonce`.
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }
    /// These options with a `prompt`.
    pub fn with_prompt(mut self, prompt: Prompt) -> Self {
        self.prompt = Some(prompt);
        self
    }
}
