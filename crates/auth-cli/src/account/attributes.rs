//! `attributes [--json]`, `attributes set|verify|send-code|delete`, and `delete-user`.

use std::collections::BTreeMap;

use auth_cognito::UpdateUserAttributeStep;

use super::{AttributesAction, AttributesArgs, DeleteUserArgs, parse_pair, say, where_sent};
use crate::cli::Cli;
use crate::exit::CliError;
use crate::profile::Profile;

/// `attributes`.
pub(crate) async fn run(cli: &Cli, args: &AttributesArgs) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.plugin()?;
    match &args.action {
        None => {
            let attributes = plugin.fetch_user_attributes().await?;
            if args.json {
                let text = serde_json::to_string_pretty(&attributes)
                    .map_err(|e| CliError::other(e.to_string()))?;
                say(&format!("{text}\n"));
            } else {
                let width = attributes.keys().map(String::len).max().unwrap_or(0);
                let text: String = attributes
                    .iter()
                    .map(|(k, v)| format!("{k:<width$}  {v}\n"))
                    .collect();
                say(&text);
            }
        }
        Some(AttributesAction::Set { pairs }) => {
            let mut changes = BTreeMap::new();
            for pair in pairs {
                let (name, value) = parse_pair(pair)?;
                changes.insert(name, value);
            }
            let results = plugin.update_user_attributes(changes).await?;
            let mut text = String::new();
            for (name, r) in &results {
                match &r.next_step {
                    UpdateUserAttributeStep::ConfirmAttributeWithCode {
                        code_delivery_details,
                    } => text.push_str(&format!(
                        "{name}: updated; a verification code was sent to {}; run `amplify-auth attributes verify {name} --code <CODE>`\n",
                        where_sent(Some(code_delivery_details))
                    )),
                    _ => text.push_str(&format!("{name}: updated\n")),
                }
            }
            say(&text);
        }
        Some(AttributesAction::Verify { name, code }) => {
            plugin.confirm_user_attribute(name, code.expose()).await?;
            say(&format!("{name}: verified\n"));
        }
        Some(AttributesAction::SendCode { name }) => {
            let details = plugin.send_user_attribute_verification_code(name).await?;
            say(&format!(
                "{name}: a verification code was sent to {}\n",
                where_sent(Some(&details))
            ));
        }
        Some(AttributesAction::Delete { names }) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            plugin.delete_user_attributes(&names).await?;
            say(&format!("deleted: {}\n", names.join(", ")));
        }
    }
    Ok(())
}

/// `delete-user --yes`.
pub(crate) async fn delete_user(cli: &Cli, args: &DeleteUserArgs) -> Result<(), CliError> {
    if !args.yes {
        return Err(CliError::bad_input(
            "delete-user deletes the signed-in user's account for good; pass --yes to confirm",
        ));
    }
    let plugin = Profile::from_cli(cli)?.plugin()?;
    let username = plugin.get_current_user().await?.username;
    plugin.delete_user().await?;
    say(&format!(
        "Deleted the account of {username} and signed out.\n"
    ));
    Ok(())
}
