//! Answering sign-in challenges in this process: from the terminal, or from
//! answers a script gave up front (`--code`, `--mfa-type`,
//! `--new-password-stdin`).

use std::io::{BufRead, IsTerminal, Write};

use auth_cognito::{CognitoAuthPlugin, SignInResult, SignInStep};
use auth_core::error::AuthError;
use auth_core::secret::SecretString;

use crate::cli::{Answers, MfaChoice};
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
        SignInStep::ContinueSignInWithMfaSelection { .. } => {
            ("a choice of second factor".into(), "--mfa-type totp|sms")
        }
        _ => ("an answer this tool does not know".into(), "--code <CODE>"),
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
}

impl AnswerSource {
    /// Answers given on the command line, plus the terminal when stdin is one.
    pub(crate) fn new(answers: Answers) -> Self {
        Self {
            tty: std::io::stdin().is_terminal(),
            answers,
        }
    }

    /// The answer to `step`, or exit code 7 when none is available.
    pub(crate) fn answer(&mut self, step: &SignInStep) -> Result<SecretString, CliError> {
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
            SignInStep::ConfirmSignInWithTotpCode | SignInStep::ConfirmSignInWithSmsCode { .. } => {
                self.answers.code.take().map(SecretString::from)
            }
            SignInStep::ContinueSignInWithMfaSelection { .. } => self
                .answers
                .mfa_type
                .take()
                .map(|m| SecretString::new(m.answer())),
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
            SignInStep::ContinueSignInWithMfaSelection { .. } => {
                let a = prompt_visible("Second factor (totp or sms): ")?;
                match a.to_ascii_lowercase().as_str() {
                    "totp" => Ok(SecretString::new(MfaChoice::Totp.answer())),
                    "sms" => Ok(SecretString::new(MfaChoice::Sms.answer())),
                    _ => Err(CliError::bad_input("expected `totp` or `sms`")),
                }
            }
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
