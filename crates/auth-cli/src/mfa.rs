//! `amplify-auth mfa`: the signed-in user's second factors (status, TOTP
//! set-up, preference), over the library's MFA API.

use std::io::IsTerminal;

use auth_cognito::{MfaPreference, MfaPreferences, MfaType, UpdateMfaPreference};
use serde_json::json;

use crate::challenge;
use crate::cli::{Cli, MfaChoice, MfaCommand, PreferArgs, SetupTotpArgs};
use crate::exit::{CHALLENGE_PENDING, CliError};
use crate::profile::Profile;

/// `mfa <command>`.
pub(crate) async fn run(cli: &Cli, command: &MfaCommand) -> Result<(), CliError> {
    match command {
        MfaCommand::Status(a) => status(cli, a.json).await,
        MfaCommand::SetupTotp(a) => setup_totp(cli, a).await,
        MfaCommand::Prefer(a) => prefer(cli, a).await,
    }
}

/// The short name of a factor (`totp`, `sms`, `email`).
fn short(m: MfaType) -> &'static str {
    match m {
        MfaType::Totp => "totp",
        MfaType::Sms => "sms",
        MfaType::Email => "email",
        _ => "other",
    }
}

/// The human lines of `mfa status`.
fn status_text(p: &MfaPreferences) -> String {
    let enabled = if p.enabled.is_empty() {
        "none".to_owned()
    } else {
        p.enabled
            .iter()
            .map(|m| short(*m))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let preferred = p.preferred.map(short).unwrap_or("none");
    format!("MFA enabled: {enabled}\nMFA preferred: {preferred}\n")
}

async fn status(cli: &Cli, as_json: bool) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.user_pool_plugin()?;
    let p = plugin.fetch_mfa_preference().await?;
    if as_json {
        let v = json!({
            "enabled": p.enabled.iter().map(|m| short(*m)).collect::<Vec<_>>(),
            "preferred": p.preferred.map(short),
        });
        let text = serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string());
        print(&format!("{text}\n"));
    } else {
        print(&status_text(&p));
    }
    Ok(())
}

/// `mfa setup-totp`: without `--code`, a new secret (shown once), then on a
/// terminal the code is asked for; in a script it exits 7 and a later
/// `mfa setup-totp --code` verifies it (Cognito keeps the pending secret).
async fn setup_totp(cli: &Cli, args: &SetupTotpArgs) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.user_pool_plugin()?;
    let code = match &args.code {
        Some(code) => code.trim().to_owned(),
        None => {
            let details = plugin.setup_totp().await?;
            let uri = details.setup_uri_for(&args.issuer, details.username());
            crate::totp_view::show(uri.expose_secret());
            drop(uri);
            if !std::io::stdin().is_terminal() {
                return Err(CliError::new(
                    CHALLENGE_PENDING,
                    "the TOTP set-up needs a code from the authenticator app; run `amplify-auth mfa setup-totp --code <CODE>`",
                ));
            }
            eprint!("Enter a code from the authenticator app: ");
            challenge::read_stdin_line()?
                .unwrap_or_default()
                .trim()
                .to_owned()
        }
    };
    plugin.verify_totp_setup(&code).await?;
    drop(code);
    print("TOTP is set up. Run `amplify-auth mfa prefer totp` to use it at sign-in.\n");
    Ok(())
}

/// The change that makes `factor` the preferred one.
fn preference(factor: MfaChoice) -> UpdateMfaPreference {
    let change = UpdateMfaPreference::new();
    match factor {
        MfaChoice::Totp => change.totp(MfaPreference::Preferred),
        MfaChoice::Sms => change.sms(MfaPreference::Preferred),
        MfaChoice::Email => change.email(MfaPreference::Preferred),
    }
}

async fn prefer(cli: &Cli, args: &PreferArgs) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.user_pool_plugin()?;
    plugin
        .update_mfa_preference(preference(args.factor))
        .await?;
    let p = plugin.fetch_mfa_preference().await?;
    print(&status_text(&p));
    Ok(())
}

fn print(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferring_a_factor_changes_only_that_factor() {
        let c = preference(MfaChoice::Email);
        assert_eq!(c.email, Some(MfaPreference::Preferred));
        assert_eq!((c.totp, c.sms), (None, None));
        assert_eq!(
            preference(MfaChoice::Totp).totp,
            Some(MfaPreference::Preferred)
        );
    }
}
