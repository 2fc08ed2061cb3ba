//! Answering sign-in challenges in this process: from the terminal, or from
//! answers a script gave up front (`--code`, `--choice`, `--mfa-type`,
//! `--new-password-stdin`, and the password of `--password-stdin` when a
//! `USER_AUTH` choice asks for it).

use std::io::{BufRead, IsTerminal, Write};

use auth_cognito::{AuthFactorType, CognitoAuthPlugin, MfaType, SignInResult, SignInStep};
use auth_core::error::AuthError;
use auth_core::secret::SecretString;

use clap::ValueEnum;

use crate::cli::{Answers, FirstFactor, MfaChoice};
use crate::exit::{CHALLENGE_PENDING, CliError};

/// What a step asks for, and the flag that answers it in a script.
pub(crate) fn describe(step: &SignInStep) -> (String, &'static str) {
    match step {
        SignInStep::ConfirmSignInWithNewPassword { .. } => {
            ("a new password".into(), "--new-password-stdin")
        }
        SignInStep::ConfirmSignInWithTotpCode => (
            "a TOTP code from the authenticator app".into(),
            "--code <CODE>",
        ),
        SignInStep::ConfirmSignInWithSmsCode { destination } => (
            match destination {
                Some(d) => format!("the code sent by SMS to {d}"),
                None => "the code sent by SMS".into(),
            },
            "--code <CODE>",
        ),
        SignInStep::ContinueSignInWithMfaSelection { allowed } => (
            format!("a choice of second factor ({})", mfa_names(allowed)),
            "--mfa-type totp|sms|email",
        ),
        SignInStep::ConfirmSignInWithEmailCode { destination } => (
            match destination {
                Some(d) => format!("the code sent by email to {d}"),
                None => "the code sent by email".into(),
            },
            "--code <CODE>",
        ),
        SignInStep::ContinueSignInWithFirstFactorSelection { available } => (
            format!(
                "a choice of first factor ({})",
                available
                    .iter()
                    .filter_map(|f| first_factor(*f).map(FirstFactor::arg))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "--choice <FACTOR>",
        ),
        SignInStep::ConfirmSignInWithPassword => ("the password".into(), "--password-stdin"),
        SignInStep::ContinueSignInWithTotpSetup { .. } => (
            "a code from the authenticator app set up with the otpauth:// URI printed above".into(),
            "--code <CODE>",
        ),
        SignInStep::ContinueSignInWithMfaSetupSelection { allowed } => (
            format!(
                "a choice of second factor to set up ({})",
                mfa_names(allowed)
            ),
            "--mfa-type totp|email",
        ),
        SignInStep::ContinueSignInWithEmailSetup => (
            "the email address to receive MFA codes at".into(),
            "--code <EMAIL ADDRESS>",
        ),
        _ => ("an answer this tool does not know".into(), "--code <CODE>"),
    }
}

/// The command-line name of a first factor (`None`: not supported here).
pub(crate) fn first_factor(f: AuthFactorType) -> Option<FirstFactor> {
    match f {
        AuthFactorType::Password => Some(FirstFactor::Password),
        AuthFactorType::PasswordSrp => Some(FirstFactor::PasswordSrp),
        AuthFactorType::EmailOtp => Some(FirstFactor::EmailOtp),
        AuthFactorType::SmsOtp => Some(FirstFactor::SmsOtp),
        _ => None,
    }
}

/// `totp, sms, email` for second factors.
fn mfa_names(allowed: &[MfaType]) -> String {
    allowed
        .iter()
        .map(|m| match m {
            MfaType::Totp => "totp",
            MfaType::Sms => "sms",
            MfaType::Email => "email",
            _ => "other",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `otpauth://` URI of a TOTP set-up step (a secret: shown to the user only).
pub(crate) fn setup_uri(step: &SignInStep) -> Option<SecretString> {
    match step {
        SignInStep::ContinueSignInWithTotpSetup { totp_setup_details } => {
            Some(totp_setup_details.setup_uri())
        }
        _ => None,
    }
}

/// After a `USER_AUTH` choice of `PASSWORD` or `PASSWORD_SRP`, answers with the
/// password already given (`--password-stdin`), if any.
pub(crate) async fn with_password(
    plugin: &CognitoAuthPlugin,
    result: SignInResult,
    password: Option<&SecretString>,
) -> Result<SignInResult, AuthError> {
    match password {
        Some(p) if !p.is_empty() && result.next_step == SignInStep::ConfirmSignInWithPassword => {
            plugin.confirm_sign_in(p.expose_secret()).await
        }
        _ => Ok(result),
    }
}

/// Reads one line from stdin, without its line ending. `None` at the end.
pub(crate) fn read_stdin_line() -> Result<Option<String>, CliError> {
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::bad_input(format!("cannot read stdin: {e}")))?;
    if n == 0 {
        return Ok(None);
    }
    while line.ends_with(['\n', '\r']) {
        line.pop();
    }
    Ok(Some(line))
}

/// Asks on the terminal (stderr), reading the answer with echo.
fn prompt_visible(question: &str) -> Result<String, CliError> {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    read_stdin_line()?
        .map(|s| s.trim().to_owned())
        .ok_or_else(|| CliError::bad_input("no answer: stdin was closed"))
}

/// Asks on the terminal with no echo.
pub(crate) fn prompt_secret(question: &str) -> Result<SecretString, CliError> {
    rpassword::prompt_password(question)
        .map(SecretString::from)
        .map_err(|e| CliError::bad_input(format!("cannot read from the terminal: {e}")))
}

/// Where answers come from.
#[derive(Debug)]
pub(crate) struct AnswerSource {
    tty: bool,
    answers: Answers,
    /// The password given up front, for a `USER_AUTH` choice that needs it.
    password: Option<SecretString>,
    /// Whether the TOTP set-up URI was shown already.
    shown_setup: bool,
}

impl AnswerSource {
    /// Answers given on the command line, plus the terminal when stdin is one.
    pub(crate) fn new(answers: Answers) -> Self {
        Self {
            tty: std::io::stdin().is_terminal(),
            answers,
            password: None,
            shown_setup: false,
        }
    }

    /// Also answers a password step with `password`.
    pub(crate) fn with_password(mut self, password: Option<SecretString>) -> Self {
        self.password = password.filter(|p| !p.is_empty());
        self
    }

    /// The answer to `step`, or exit code 7 when none is available.
    pub(crate) fn answer(&mut self, step: &SignInStep) -> Result<SecretString, CliError> {
        if let Some(uri) = setup_uri(step).filter(|_| !self.shown_setup) {
            crate::totp_view::show(uri.expose_secret());
            self.shown_setup = true;
        }
        let given = match step {
            SignInStep::ConfirmSignInWithNewPassword { .. } => {
                if self.answers.new_password_stdin {
                    self.answers.new_password_stdin = false;
                    Some(read_stdin_line()?.map(SecretString::from).ok_or_else(|| {
                        CliError::bad_input("--new-password-stdin: stdin has no more lines")
                    })?)
                } else {
                    None
                }
            }
            SignInStep::ConfirmSignInWithTotpCode
            | SignInStep::ConfirmSignInWithSmsCode { .. }
            | SignInStep::ConfirmSignInWithEmailCode { .. }
            | SignInStep::ContinueSignInWithTotpSetup { .. }
            | SignInStep::ContinueSignInWithEmailSetup => {
                self.answers.code.take().map(SecretString::from)
            }
            SignInStep::ContinueSignInWithMfaSelection { .. }
            | SignInStep::ContinueSignInWithMfaSetupSelection { .. } => self
                .answers
                .mfa_type
                .take()
                .map(|m| SecretString::new(m.answer())),
            SignInStep::ContinueSignInWithFirstFactorSelection { .. } => self
                .answers
                .choice
                .take()
                .map(|c| SecretString::new(c.factor().as_str())),
            SignInStep::ConfirmSignInWithPassword => self.password.take(),
            _ => None,
        };
        if let Some(a) = given {
            return Ok(a);
        }
        if self.tty {
            return self.ask(step);
        }
        let (what, flag) = describe(step);
        Err(CliError::new(
            CHALLENGE_PENDING,
            format!("sign-in needs {what}; pass {flag}"),
        ))
    }

    fn ask(&self, step: &SignInStep) -> Result<SecretString, CliError> {
        match step {
            SignInStep::ConfirmSignInWithNewPassword {
                required_attributes,
            } => {
                if !required_attributes.is_empty() {
                    eprintln!(
                        "note: the pool also requires the attributes {}, which this tool cannot set",
                        required_attributes.join(", ")
                    );
                }
                let first = prompt_secret("New password: ")?;
                let second = prompt_secret("New password (again): ")?;
                if first.expose_secret() != second.expose_secret() {
                    return Err(CliError::bad_input("the new passwords do not match"));
                }
                Ok(first)
            }
            SignInStep::ContinueSignInWithMfaSelection { .. }
            | SignInStep::ContinueSignInWithMfaSetupSelection { .. } => {
                let (what, _) = describe(step);
                let a = prompt_visible(&format!("Enter {what}: "))?;
                MfaChoice::from_str(&a, true)
                    .map(|m| SecretString::new(m.answer()))
                    .map_err(|_| CliError::bad_input("expected `totp`, `sms` or `email`"))
            }
            SignInStep::ContinueSignInWithFirstFactorSelection { .. } => {
                let (what, _) = describe(step);
                let a = prompt_visible(&format!("Enter {what}: "))?;
                FirstFactor::from_str(&a, true)
                    .map(|f| SecretString::new(f.factor().as_str()))
                    .map_err(|_| {
                        CliError::bad_input(
                            "expected `password`, `password-srp`, `email-otp` or `sms-otp`",
                        )
                    })
            }
            SignInStep::ConfirmSignInWithPassword => prompt_secret("Password: "),
            other => {
                let (what, _) = describe(other);
                prompt_visible(&format!("Enter {what}: ")).map(SecretString::from)
            }
        }
    }

    /// Whether a person is there to retry a mistyped code.
    pub(crate) fn interactive(&self) -> bool {
        self.tty
    }
}

/// Answers challenges until the sign-in is done or an answer is missing.
pub(crate) async fn drive(
    plugin: &CognitoAuthPlugin,
    mut result: SignInResult,
    source: &mut AnswerSource,
) -> Result<(), CliError> {
    let mut retries = 0;
    loop {
        if result.is_signed_in || result.next_step == SignInStep::Done {
            return Ok(());
        }
        if let Some(e) = crate::account::sign_in_step_error(&result.next_step) {
            return Err(e);
        }
        let answer = source.answer(&result.next_step)?;
        match plugin.confirm_sign_in(answer.expose_secret()).await {
            Ok(next) => result = next,
            Err(e @ AuthError::CodeMismatch { .. }) if source.interactive() && retries < 2 => {
                retries += 1;
                eprintln!("{e}; try again");
            }
            Err(e) => return Err(e.into()),
        }
    }
}
