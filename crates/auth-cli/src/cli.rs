//! The command line: global options, subcommands and their flags (clap).

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;
use crate::storage::RawStorageUrl;

/// Sign in to Amazon Cognito and use the session from the shell: tokens for
/// `curl`, AWS credentials for the AWS CLI and SDKs (`credential_process`).
#[derive(Debug, Parser)]
#[command(
    name = "amplify-auth",
    version,
    after_help = EXIT_CODES_HELP,
    after_long_help = EXIT_CODES_HELP
)]
pub(crate) struct Cli {
    /// The Amplify outputs file with the user pool and identity pool.
    #[arg(
        long,
        global = true,
        env = "AMPLIFY_AUTH_OUTPUTS",
        default_value = "./amplify_outputs.json",
        value_name = "FILE"
    )]
    pub(crate) outputs: PathBuf,

    /// The session profile: each profile keeps its own signed-in user.
    #[arg(
        long,
        global = true,
        env = "AMPLIFY_AUTH_PROFILE",
        default_value = "default",
        value_name = "NAME"
    )]
    pub(crate) profile: String,

    /// Where sessions are stored [default: the platform's config directory,
    /// e.g. ~/.config/amplify-auth on Linux].
    #[arg(
        long,
        global = true,
        env = "AMPLIFY_AUTH_STORAGE_DIR",
        value_name = "DIR"
    )]
    pub(crate) storage_dir: Option<PathBuf>,

    /// Store sessions elsewhere than in --storage-dir: in Redis
    /// (redis://[user:password@]host:port[/db], rediss://...,
    /// redis+cluster://host:port,host:port,...), shared by every process
    /// that uses the same URL; or in the OS keychain (keychain:). Prefer the
    /// environment variable when the URL holds a password.
    #[arg(
        long,
        global = true,
        env = "AMPLIFY_AUTH_STORAGE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub(crate) storage_url: Option<RawStorageUrl>,

    /// Log what happens to stderr (tokens and secrets stay redacted).
    #[arg(long, short, global = true)]
    pub(crate) verbose: bool,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Sign in. The password is read with no echo from the terminal, or as
    /// the first line of stdin with --password-stdin.
    SignIn(SignInArgs),
    /// Answer the challenge of a sign-in started by `sign-in` in a script
    /// (it waits 3 minutes for the answer).
    ConfirmSignIn(ConfirmArgs),
    /// Show the signed-in user.
    Whoami(JsonArg),
    /// Show the session: who, identity id, token claims and expiry times (never raw tokens).
    Session(SessionArgs),
    /// Print a raw JWT (and only that), refreshed first if needed, e.g.
    /// curl -H "Authorization: Bearer $(amplify-auth token --id)".
    Token(TokenArgs),
    /// Print AWS credentials of the signed-in user, or of a guest when no one
    /// is signed in and the identity pool allows guests.
    Credentials(CredentialsArgs),
    /// Sign out of this profile (and, with --global, of every device).
    SignOut(SignOutArgs),
    /// A human summary: who is signed in, until when.
    Status,
    /// The signed-in user's remembered devices: list them (the default),
    /// `remember` this machine's, `forget` one.
    Devices(DevicesArgs),
    /// Print a shell completion script, e.g. `amplify-auth completions bash`.
    Completions(CompletionsArgs),
    /// Create an account. The password is read with no echo, or from stdin
    /// with --password-stdin. Exit code 7 while a confirmation code is needed.
    SignUp(crate::account::SignUpArgs),
    /// Confirm a sign-up with the code that was sent; with --sign-in, also
    /// sign in (auto sign-in, no password).
    ConfirmSignUp(crate::account::ConfirmSignUpArgs),
    /// Send a new sign-up confirmation code.
    ResendSignUpCode(crate::account::UsernameArg),
    /// Send a code to reset a forgotten password.
    ResetPassword(crate::account::UsernameArg),
    /// Set a new password with the reset code (--new-password-stdin, or asked).
    ConfirmResetPassword(crate::account::ConfirmResetArgs),
    /// Change the signed-in user's password: the current and the new one on
    /// stdin, one line each (or asked on the terminal).
    ChangePassword,
    /// Show the signed-in user's attributes, or set, verify or delete them.
    Attributes(crate::account::AttributesArgs),
    /// Delete the signed-in user's account (needs --yes), then sign out.
    DeleteUser(crate::account::DeleteUserArgs),
    /// Multi-factor authentication of the signed-in user: status, TOTP set-up, preference.
    #[command(subcommand)]
    Mfa(MfaCommand),
    /// Internal: holds a sign-in challenge for `confirm-sign-in`.
    #[command(hide = true, name = "__hold-sign-in")]
    HoldSignIn(HoldArgs),
}

/// How to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Flow {
    /// USER_SRP_AUTH: the password never leaves this machine.
    Srp,
    /// USER_PASSWORD_AUTH: the password is sent to Cognito over TLS.
    Password,
    /// USER_AUTH: choice-based sign-in (a password, or a code by email or SMS);
    /// see --preferred-challenge.
    UserAuth,
}

/// A first factor of `--auth-flow user-auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FirstFactor {
    /// The password, sent to Cognito over TLS.
    Password,
    /// The password, proven by SRP.
    PasswordSrp,
    /// A one-time code sent by email.
    EmailOtp,
    /// A one-time code sent by SMS.
    SmsOtp,
}

impl FirstFactor {
    /// The library's factor.
    pub(crate) fn factor(self) -> auth_cognito::AuthFactorType {
        use auth_cognito::AuthFactorType as F;
        match self {
            Self::Password => F::Password,
            Self::PasswordSrp => F::PasswordSrp,
            Self::EmailOtp => F::EmailOtp,
            Self::SmsOtp => F::SmsOtp,
        }
    }

    /// The command-line spelling (`password-srp`).
    pub(crate) fn arg(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::PasswordSrp => "password-srp",
            Self::EmailOtp => "email-otp",
            Self::SmsOtp => "sms-otp",
        }
    }
}

/// A second factor to choose when Cognito offers several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MfaChoice {
    /// An authenticator app.
    Totp,
    /// A code by SMS.
    Sms,
    /// A code by email.
    Email,
}

impl MfaChoice {
    /// The answer `confirm_sign_in` expects.
    pub(crate) fn answer(self) -> &'static str {
        match self {
            Self::Totp => "SOFTWARE_TOKEN_MFA",
            Self::Sms => "SMS_MFA",
            Self::Email => "EMAIL_OTP",
        }
    }
}

/// Answers to challenges given up front, for scripts.
#[derive(Clone, Default, Args)]
pub(crate) struct Answers {
    /// A code (TOTP, SMS or email), for when Cognito asks for one.
    #[arg(long, value_name = "CODE")]
    pub(crate) code: Option<String>,
    /// The first factor to pick when `--auth-flow user-auth` offers a choice.
    #[arg(long, value_enum, value_name = "FACTOR")]
    pub(crate) choice: Option<FirstFactor>,
    /// The second factor to pick when Cognito offers a choice.
    #[arg(long, value_enum, value_name = "TYPE")]
    pub(crate) mfa_type: Option<MfaChoice>,
    /// Read a new password from stdin (after the password, with
    /// --password-stdin), for when Cognito requires one.
    #[arg(long)]
    pub(crate) new_password_stdin: bool,
}

impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answers")
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("choice", &self.choice)
            .field("mfa_type", &self.mfa_type)
            .field("new_password_stdin", &self.new_password_stdin)
            .finish()
    }
}

impl Answers {
    /// Whether any answer was given.
    pub(crate) fn any(&self) -> bool {
        self.code.is_some()
            || self.choice.is_some()
            || self.mfa_type.is_some()
            || self.new_password_stdin
    }
}

/// `sign-in`.
#[derive(Debug, Args)]
pub(crate) struct SignInArgs {
    /// The username (or email / phone number, as the pool allows).
    #[arg(long, short, required_unless_present = "web")]
    pub(crate) username: Option<String>,
    /// Read the password from the first line of stdin.
    #[arg(long, conflicts_with = "web")]
    pub(crate) password_stdin: bool,
    /// Sign in with the hosted UI in a browser (OAuth code flow with PKCE),
    /// through a loopback redirect URI of `auth.oauth.redirect_sign_in_uri`.
    #[command(flatten)]
    pub(crate) web: WebArgs,
    /// The sign-in flow.
    #[arg(long, value_enum, default_value_t = Flow::Srp)]
    pub(crate) auth_flow: Flow,
    /// With `--auth-flow user-auth`: the first factor to start with [default: the
    /// outputs' auth.passwordless.preferred_challenge, else a choice].
    #[arg(long, value_enum, value_name = "FACTOR")]
    pub(crate) preferred_challenge: Option<FirstFactor>,
    /// Answers to challenges.
    #[command(flatten)]
    pub(crate) answers: Answers,
}

/// The hosted-UI options of `sign-in`.
#[derive(Debug, Clone, Args)]
pub(crate) struct WebArgs {
    /// Sign in with the hosted UI in a browser (opened through $BROWSER when
    /// set), then wait for its redirect on the loopback redirect URI.
    #[arg(long = "web", id = "web")]
    pub(crate) enabled: bool,
    /// The identity provider: Google, Facebook, Amazon, Apple, or a custom
    /// OIDC/SAML provider's name (default: the hosted UI's own login page).
    #[arg(long, value_name = "NAME", requires = "web")]
    pub(crate) provider: Option<String>,
    /// Print the sign-in URL instead of opening a browser.
    #[arg(long, requires = "web")]
    pub(crate) no_browser: bool,
    /// How long to wait for the browser's redirect, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300, requires = "web")]
    pub(crate) timeout: u64,
}

/// `confirm-sign-in`.
#[derive(Debug, Args)]
pub(crate) struct ConfirmArgs {
    /// Answers to the waiting challenge.
    #[command(flatten)]
    pub(crate) answers: Answers,
    /// Read the password from the first line of stdin, for when the first
    /// factor chosen (`--choice password|password-srp`) needs it.
    #[arg(long, conflicts_with = "new_password_stdin")]
    pub(crate) password_stdin: bool,
}

/// `--json`.
#[derive(Debug, Args)]
pub(crate) struct JsonArg {
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `session`.
#[derive(Debug, Args)]
pub(crate) struct SessionArgs {
    /// Refresh the tokens and credentials even when they are valid.
    #[arg(long)]
    pub(crate) force_refresh: bool,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `token`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["id", "access"])))]
pub(crate) struct TokenArgs {
    /// The id token.
    #[arg(long)]
    pub(crate) id: bool,
    /// The access token.
    #[arg(long)]
    pub(crate) access: bool,
    /// Refresh the tokens even when they are valid.
    #[arg(long)]
    pub(crate) force_refresh: bool,
}

/// Output formats of `credentials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CredentialsFormat {
    /// The AWS CLI `credential_process` JSON (Version 1).
    CredentialProcess,
    /// `export AWS_ACCESS_KEY_ID=...` lines for `eval`.
    Env,
}

/// `credentials`.
#[derive(Debug, Args)]
pub(crate) struct CredentialsArgs {
    /// The output format.
    #[arg(long, value_enum, default_value_t = CredentialsFormat::CredentialProcess)]
    pub(crate) format: CredentialsFormat,
    /// Fail (exit code 3) instead of returning guest credentials when no one is signed in.
    #[arg(long)]
    pub(crate) no_guest: bool,
    /// Refresh the tokens and the credentials even when they are valid.
    #[arg(long)]
    pub(crate) force_refresh: bool,
}

/// `sign-out`.
#[derive(Debug, Args)]
pub(crate) struct SignOutArgs {
    /// Also invalidate the user's tokens on the server, on every device.
    #[arg(long)]
    pub(crate) global: bool,
    /// For a hosted-UI session: print the hosted UI's sign-out URL instead
    /// of opening it in a browser.
    #[arg(long)]
    pub(crate) no_browser: bool,
}

/// `devices`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct DevicesArgs {
    /// What to do with the devices (default: list them).
    #[command(subcommand)]
    pub(crate) action: Option<DevicesAction>,
    /// Print the list as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `devices remember` and `devices forget`.
#[derive(Debug, Subcommand)]
pub(crate) enum DevicesAction {
    /// Remember this machine's device (on pools that remember devices only
    /// when the user says so).
    Remember,
    /// Forget a device: this machine's, or the one with DEVICE_KEY (from
    /// `devices`). Forgetting this machine's makes the next sign-in a new device.
    Forget {
        /// The device key; default: this machine's device.
        device_key: Option<String>,
    },
}

/// `completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// `__hold-sign-in` (internal).
#[derive(Debug, Args)]
pub(crate) struct HoldArgs {
    /// The username.
    #[arg(long)]
    pub(crate) username: String,
    /// The flow.
    #[arg(long, value_enum)]
    pub(crate) auth_flow: Flow,
    /// The preferred first factor of `user-auth`.
    #[arg(long, value_enum)]
    pub(crate) preferred_challenge: Option<FirstFactor>,
}

/// `mfa` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum MfaCommand {
    /// Show the enabled and preferred second factors.
    Status(JsonArg),
    /// Set up an authenticator app: prints the otpauth:// URI (and a QR code on a
    /// terminal), then verifies a code it shows (asked on a terminal, or
    /// `mfa setup-totp --code <CODE>` in a later run).
    SetupTotp(SetupTotpArgs),
    /// Make a second factor the preferred one (enabling it).
    Prefer(PreferArgs),
}

/// `mfa setup-totp`.
#[derive(Clone, Args)]
pub(crate) struct SetupTotpArgs {
    /// Verify the set-up started by an earlier `mfa setup-totp` with this code.
    #[arg(long, value_name = "CODE")]
    pub(crate) code: Option<String>,
    /// The issuer the authenticator app shows.
    #[arg(long, default_value = auth_cognito::DEFAULT_TOTP_ISSUER)]
    pub(crate) issuer: String,
}

impl std::fmt::Debug for SetupTotpArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupTotpArgs")
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("issuer", &self.issuer)
            .finish()
    }
}

/// `mfa prefer`.
#[derive(Debug, Args)]
pub(crate) struct PreferArgs {
    /// The factor.
    #[arg(value_enum)]
    pub(crate) factor: MfaChoice,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
