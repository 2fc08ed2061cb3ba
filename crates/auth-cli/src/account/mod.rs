//! The account commands: `sign-up`, `confirm-sign-up [--sign-in]`,
//! `resend-sign-up-code`, `reset-password`, `confirm-reset-password`,
//! `change-password`, `attributes [set|verify|send-code|delete]` and
//! `delete-user --yes`. Their flags are defined here; `cli.rs` lists the
//! subcommands.
//!
//! Passwords come from stdin (one line each, for scripts) or from the
//! terminal with no echo; codes from `--code`. Neither is ever printed.

use auth_cognito::SignInStep;
use clap::{Args, Subcommand};

use crate::cli::{Cli, Command};
use crate::exit::{CHALLENGE_PENDING, CliError};

mod attributes;
mod passwords;
mod sign_up;

/// A code from the command line (`--code`). Its `Debug` is redacted, so the
/// parsed arguments can be debugged without showing it.
#[derive(Clone)]
pub(crate) struct CodeArg(String);

impl CodeArg {
    /// The code, trimmed.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for CodeArg {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.trim().to_owned()))
    }
}

impl std::fmt::Debug for CodeArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// `sign-up`.
#[derive(Debug, Args)]
pub(crate) struct SignUpArgs {
    /// The username (or the e-mail address or phone number, when the pool
    /// signs users in with those).
    #[arg(long, short)]
    pub(crate) username: String,
    /// Read the password from the first line of stdin.
    #[arg(long)]
    pub(crate) password_stdin: bool,
    /// A user attribute, e.g. `--attribute email=alice@example.com`
    /// (repeatable).
    #[arg(long = "attribute", value_name = "NAME=VALUE")]
    pub(crate) attributes: Vec<String>,
}

/// `confirm-sign-up`.
#[derive(Debug, Args)]
pub(crate) struct ConfirmSignUpArgs {
    /// The username.
    #[arg(long, short)]
    pub(crate) username: String,
    /// The confirmation code that was sent.
    #[arg(long, value_name = "CODE")]
    pub(crate) code: CodeArg,
    /// Then sign the user in with auto sign-in (no password needed; the app
    /// client must allow USER_AUTH).
    #[arg(long)]
    pub(crate) sign_in: bool,
}

/// A command that needs only a username.
#[derive(Debug, Args)]
pub(crate) struct UsernameArg {
    /// The username.
    #[arg(long, short)]
    pub(crate) username: String,
}

/// `confirm-reset-password`.
#[derive(Debug, Args)]
pub(crate) struct ConfirmResetArgs {
    /// The username.
    #[arg(long, short)]
    pub(crate) username: String,
    /// The reset code that was sent.
    #[arg(long, value_name = "CODE")]
    pub(crate) code: CodeArg,
    /// Read the new password from the first line of stdin.
    #[arg(long)]
    pub(crate) new_password_stdin: bool,
}

/// `attributes`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct AttributesArgs {
    /// Print JSON (when showing the attributes).
    #[arg(long)]
    pub(crate) json: bool,
    /// What to do; without one, show the attributes.
    #[command(subcommand)]
    pub(crate) action: Option<AttributesAction>,
}

/// `attributes` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum AttributesAction {
    /// Set attributes, e.g. `attributes set email=new@example.com nickname=al`.
    /// A changed e-mail or phone number gets a verification code.
    Set {
        /// `NAME=VALUE` pairs.
        #[arg(required = true, value_name = "NAME=VALUE")]
        pairs: Vec<String>,
    },
    /// Verify an attribute with the code that was sent, e.g.
    /// `attributes verify email --code 123456`.
    Verify {
        /// The attribute (`email` or `phone_number`).
        name: String,
        /// The code.
        #[arg(long, value_name = "CODE")]
        code: CodeArg,
    },
    /// Send a verification code for an attribute (`email` or `phone_number`).
    SendCode {
        /// The attribute.
        name: String,
    },
    /// Delete attributes.
    Delete {
        /// The attribute names.
        #[arg(required = true)]
        names: Vec<String>,
    },
}

/// `delete-user`.
#[derive(Debug, Args)]
pub(crate) struct DeleteUserArgs {
    /// Confirm that the signed-in user's account is to be deleted for good.
    #[arg(long)]
    pub(crate) yes: bool,
}

/// Runs an account command.
pub(crate) async fn run(cli: &Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::SignUp(a) => sign_up::sign_up(cli, a).await,
        Command::ConfirmSignUp(a) => sign_up::confirm_sign_up(cli, a).await,
        Command::ResendSignUpCode(a) => sign_up::resend(cli, a).await,
        Command::ResetPassword(a) => passwords::reset(cli, a).await,
        Command::ConfirmResetPassword(a) => passwords::confirm_reset(cli, a).await,
        Command::ChangePassword => passwords::change(cli).await,
        Command::Attributes(a) => attributes::run(cli, a).await,
        Command::DeleteUser(a) => attributes::delete_user(cli, a).await,
        _ => Err(CliError::other("not an account command")),
    }
}

/// The error for a sign-in step that another command answers: confirming
/// the sign-up, or resetting the password (exit code 7).
pub(crate) fn sign_in_step_error(step: &SignInStep) -> Option<CliError> {
    let next = match step {
        SignInStep::ConfirmSignUp => {
            "the sign-up is not confirmed yet: run `amplify-auth confirm-sign-up --username <NAME> --code <CODE>` \
             with the code that was sent (`amplify-auth resend-sign-up-code --username <NAME>` sends another)"
        }
        SignInStep::ResetPassword => {
            "the password must be reset: run `amplify-auth reset-password --username <NAME>`, then \
             `amplify-auth confirm-reset-password --username <NAME> --code <CODE> --new-password-stdin`"
        }
        _ => return None,
    };
    Some(CliError::new(
        CHALLENGE_PENDING,
        format!("sign-in needs {next}"),
    ))
}

/// Prints to stdout; a closed pipe is not worth a message.
pub(crate) fn say(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Where a code went, for people: `a***@example.com (EMAIL)`.
pub(crate) fn where_sent(details: Option<&auth_cognito::CodeDeliveryDetails>) -> String {
    use auth_cognito::DeliveryMedium;
    let Some(d) = details else {
        return "the user's contact".into();
    };
    let medium = match &d.delivery_medium {
        Some(DeliveryMedium::Email) => " (EMAIL)".to_owned(),
        Some(DeliveryMedium::Sms) => " (SMS)".to_owned(),
        Some(DeliveryMedium::Other(m)) => format!(" ({m})"),
        Some(_) | None => String::new(),
    };
    format!(
        "{}{medium}",
        d.destination.as_deref().unwrap_or("the user's contact")
    )
}

/// A password: the next stdin line with `from_stdin`, else asked twice on
/// the terminal (`what` names it), else bad input naming `flag`.
pub(crate) fn new_password(
    from_stdin: bool,
    what: &str,
    flag: &str,
) -> Result<auth_core::secret::SecretString, CliError> {
    use std::io::IsTerminal as _;
    let password = if from_stdin {
        crate::challenge::read_stdin_line()?
            .map(auth_core::secret::SecretString::from)
            .ok_or_else(|| CliError::bad_input(format!("{flag}: stdin is empty")))?
    } else if std::io::stdin().is_terminal() {
        let first = crate::challenge::prompt_secret(&format!("{what}: "))?;
        let again = crate::challenge::prompt_secret(&format!("{what} (again): "))?;
        // Constant time, as every comparison of secrets.
        let same: bool = subtle::ConstantTimeEq::ct_eq(
            first.expose_secret().as_bytes(),
            again.expose_secret().as_bytes(),
        )
        .into();
        if !same {
            return Err(CliError::bad_input("the passwords do not match"));
        }
        first
    } else {
        return Err(CliError::bad_input(format!(
            "stdin is not a terminal: pass {flag} and the password on stdin"
        )));
    };
    if password.is_empty() {
        return Err(CliError::bad_input("the password is empty"));
    }
    Ok(password)
}

/// `NAME=VALUE` → (`NAME`, `VALUE`).
pub(crate) fn parse_pair(pair: &str) -> Result<(String, String), CliError> {
    match pair.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(CliError::bad_input(format!(
            "`{}` is not NAME=VALUE",
            pair.escape_debug()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_pairs_need_a_name_and_may_hold_equals_signs() {
        assert_eq!(
            parse_pair("email=a@b.c").ok(),
            Some(("email".into(), "a@b.c".into()))
        );
        assert_eq!(
            parse_pair("custom:x=a=b").ok(),
            Some(("custom:x".into(), "a=b".into()))
        );
        assert_eq!(
            parse_pair("nickname=").ok(),
            Some(("nickname".into(), String::new()))
        );
        for bad in ["email", "=x", " =x"] {
            assert_eq!(
                parse_pair(bad).map_err(|e| e.code),
                Err(crate::exit::BAD_INPUT)
            );
        }
    }

    #[test]
    fn codes_on_the_command_line_never_reach_debug() {
        use clap::Parser as _;
        for args in [
            &[
                "amplify-auth",
                "confirm-sign-up",
                "-u",
                "al",
                "--code",
                "246801",
            ][..],
            &[
                "amplify-auth",
                "confirm-reset-password",
                "-u",
                "al",
                "--code",
                "246801",
            ],
            &[
                "amplify-auth",
                "attributes",
                "verify",
                "email",
                "--code",
                " 246801 ",
            ],
        ] {
            let cli = crate::cli::Cli::try_parse_from(args).map_err(|e| e.to_string());
            let text = format!("{cli:?}");
            assert!(text.contains("[redacted]"), "{text}");
            assert!(!text.contains("246801"), "{text}");
        }
        let code: CodeArg = " 135 ".parse().unwrap_or_else(|e| match e {});
        assert_eq!(code.expose(), "135");
    }

    #[test]
    fn steps_that_other_commands_answer_exit_7_and_name_the_command() {
        let e = sign_in_step_error(&SignInStep::ConfirmSignUp)
            .unwrap_or_else(|| CliError::other("none"));
        assert_eq!(e.code, CHALLENGE_PENDING);
        assert!(e.message().contains("confirm-sign-up"));
        let e = sign_in_step_error(&SignInStep::ResetPassword)
            .unwrap_or_else(|| CliError::other("none"));
        assert!(e.message().contains("reset-password"));
        assert!(sign_in_step_error(&SignInStep::ConfirmSignInWithTotpCode).is_none());
    }
}
