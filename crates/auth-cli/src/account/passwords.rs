//! `reset-password`, `confirm-reset-password` and `change-password`.

use std::io::IsTerminal as _;

use auth_cognito::ResetPasswordStep;
use auth_core::secret::SecretString;

use super::{ConfirmResetArgs, UsernameArg, new_password, say, where_sent};
use crate::challenge;
use crate::cli::Cli;
use crate::exit::CliError;
use crate::profile::Profile;

/// `reset-password`: sends the code.
pub(crate) async fn reset(cli: &Cli, args: &UsernameArg) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.plugin()?;
    let r = plugin.reset_password(&args.username).await?;
    let details = match &r.next_step {
        ResetPasswordStep::ConfirmResetPasswordWithCode {
            code_delivery_details,
        } => code_delivery_details.as_ref(),
        _ => None,
    };
    say(&format!(
        "A reset code was sent to {}; run `amplify-auth confirm-reset-password --username {} --code <CODE> --new-password-stdin`.\n",
        where_sent(details),
        args.username
    ));
    Ok(())
}

/// `confirm-reset-password`.
pub(crate) async fn confirm_reset(cli: &Cli, args: &ConfirmResetArgs) -> Result<(), CliError> {
    let password = new_password(
        args.new_password_stdin,
        "New password",
        "--new-password-stdin",
    )?;
    let plugin = Profile::from_cli(cli)?.plugin()?;
    plugin
        .confirm_reset_password(&args.username, args.code.expose(), password.expose_secret())
        .await?;
    say(&format!(
        "The password of {} is reset; sign in with the new one.\n",
        args.username
    ));
    Ok(())
}

/// `change-password`: the current and the new password, one stdin line each
/// (or asked on the terminal).
pub(crate) async fn change(cli: &Cli) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.plugin()?;
    let (old, new) = if std::io::stdin().is_terminal() {
        let old = challenge::prompt_secret("Current password: ")?;
        (old, new_password(false, "New password", "")?)
    } else {
        let line = |which: &str| {
            challenge::read_stdin_line()?
                .filter(|l| !l.is_empty())
                .map(SecretString::from)
                .ok_or_else(|| {
                    CliError::bad_input(format!(
                        "change-password reads two lines from stdin, the current and the new password; the {which} is missing"
                    ))
                })
        };
        (line("current one")?, line("new one")?)
    };
    plugin
        .update_password(old.expose_secret(), new.expose_secret())
        .await?;
    say("Password changed.\n");
    Ok(())
}
