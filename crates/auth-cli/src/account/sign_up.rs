//! `sign-up`, `confirm-sign-up [--sign-in]` and `resend-sign-up-code`.

use auth_cognito::{ConfirmSignUpOptions, SignUpOptions, SignUpStep};

use super::{
    ConfirmSignUpArgs, SignUpArgs, UsernameArg, new_password, parse_pair, say, where_sent,
};
use crate::challenge::{self, AnswerSource};
use crate::cli::{Answers, Cli};
use crate::exit::{CHALLENGE_PENDING, CliError};
use crate::profile::Profile;

/// `sign-up`: exit code 7 while a code must confirm it.
pub(crate) async fn sign_up(cli: &Cli, args: &SignUpArgs) -> Result<(), CliError> {
    let mut options = SignUpOptions::default();
    for pair in &args.attributes {
        let (name, value) = parse_pair(pair)?;
        options = options.with_attribute(name, value);
    }
    let password = new_password(args.password_stdin, "Password", "--password-stdin")?;
    let plugin = Profile::from_cli(cli)?.plugin()?;
    let r = plugin
        .sign_up(&args.username, password.expose_secret(), options)
        .await?;
    drop(password);
    let id = r
        .user_id
        .as_deref()
        .map(|id| format!(" (user id {id})"))
        .unwrap_or_default();
    match &r.next_step {
        SignUpStep::ConfirmSignUp {
            code_delivery_details,
        } => {
            say(&format!("Signed up {}{id}.\n", args.username));
            let next = match code_delivery_details {
                Some(d) => format!(
                    "the code sent to {}; run `amplify-auth confirm-sign-up --username {} --code <CODE>` \
                     (add --sign-in to sign in too)",
                    where_sent(Some(d)),
                    args.username
                ),
                None => "an administrator's confirmation: the pool sent no code".to_owned(),
            };
            Err(CliError::new(
                CHALLENGE_PENDING,
                format!("the sign-up needs {next}"),
            ))
        }
        _ => {
            say(&format!(
                "Signed up {}{id}; the account is confirmed.\n",
                args.username
            ));
            Ok(())
        }
    }
}

/// `confirm-sign-up`: with `--sign-in`, auto sign-in follows.
pub(crate) async fn confirm_sign_up(cli: &Cli, args: &ConfirmSignUpArgs) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.plugin()?;
    let options = ConfirmSignUpOptions::default().with_auto_sign_in(args.sign_in);
    let r = plugin
        .confirm_sign_up(&args.username, args.code.expose(), options)
        .await?;
    say(&format!("Confirmed {}.\n", args.username));
    if !args.sign_in {
        return Ok(());
    }
    if r.next_step != SignUpStep::CompleteAutoSignIn {
        let why = r
            .auto_sign_in_unavailable
            .unwrap_or_else(|| "the service did not offer it".into());
        return Err(CliError::new(
            CHALLENGE_PENDING,
            format!(
                "auto sign-in is unavailable ({why}); run `amplify-auth sign-in --username {}`",
                args.username
            ),
        ));
    }
    let result = plugin.auto_sign_in().await?;
    let mut source = AnswerSource::new(Answers::default());
    challenge::drive(&plugin, result, &mut source)
        .await
        .map_err(|e| match e.code {
            // A challenge (MFA) after auto sign-in that no terminal can answer: the
            // challenge is not held for `confirm-sign-in`, so a sign-in is the way on.
            CHALLENGE_PENDING if !source.interactive() => CliError::new(
                CHALLENGE_PENDING,
                format!(
                    "the sign-up is confirmed, and auto sign-in stopped at a challenge ({}); \
                     run `amplify-auth sign-in --username {}`",
                    e.message(),
                    args.username
                ),
            ),
            _ => e,
        })?;
    let user = plugin.get_current_user().await?;
    say(&format!("Signed in as {}.\n", user.username));
    Ok(())
}

/// `resend-sign-up-code`.
pub(crate) async fn resend(cli: &Cli, args: &UsernameArg) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.plugin()?;
    let details = plugin.resend_sign_up_code(&args.username).await?;
    say(&format!(
        "A new confirmation code was sent to {}.\n",
        where_sent(details.as_ref())
    ));
    Ok(())
}
