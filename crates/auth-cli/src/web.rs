//! `sign-in --web`: the hosted UI in a browser, through the library's loopback
//! listener (RFC 8252), and the hosted UI's sign-out page after `sign-out`.
//!
//! The authorize URL is opened through `$BROWSER` (else the desktop's opener), or
//! printed alone on stdout with `--no-browser`; the command then waits for the one
//! redirect on the loopback redirect URI. Instructions go to stderr.

use std::time::Duration;

use auth_cognito::CognitoAuthPlugin;
use auth_cognito::hosted_ui::{HostedUiProvider, SignInWithRedirectOptions, open_browser};
use auth_core::types::FetchAuthSessionOptions;

use crate::cli::{Cli, WebArgs};
use crate::exit::CliError;
use crate::profile::Profile;

/// Prints one line on stdout and flushes it, so that a script reading the
/// URL sees it at once.
fn line(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
    let _ = stdout.flush();
}

/// `sign-in --web`.
pub(crate) async fn sign_in(cli: &Cli, args: &WebArgs) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.plugin()?;
    let mut options = SignInWithRedirectOptions::default();
    if let Some(name) = &args.provider {
        if name.trim().is_empty() {
            return Err(CliError::bad_input("--provider: the name is empty"));
        }
        options = options.with_provider(HostedUiProvider::from_name(name.trim()));
    }
    let (flow, listener) = plugin.prepare_loopback_sign_in(options).await?;
    if args.no_browser {
        eprintln!("Open this URL in a browser to sign in:");
        line(flow.authorize_url());
    } else if let Err(e) = open_browser(flow.authorize_url()) {
        eprintln!("amplify-auth: {e}");
        eprintln!("Open this URL in a browser to sign in:");
        line(flow.authorize_url());
    } else {
        eprintln!("Opened the browser to sign in; waiting for it to come back...");
    }
    let redirect = listener
        .wait_for_redirect(Duration::from_secs(args.timeout.max(1)))
        .await?;
    flow.complete(redirect.expose_secret()).await?;
    drop(redirect);
    let user = plugin.get_current_user().await?;
    line(&format!("Signed in as {}.", user.username));
    Ok(())
}

/// After `sign-out` of a hosted-UI session: opens the hosted UI's sign-out
/// page, so that its cookie does not sign the user back in, or prints it.
pub(crate) fn finish_sign_out(url: &str, no_browser: bool) {
    if !no_browser && open_browser(url).is_ok() {
        eprintln!("Opened the hosted UI's sign-out page in the browser.");
        return;
    }
    eprintln!("To sign out of the hosted UI too, open:");
    line(url);
}

/// The external provider of a federated user (the id token's `identities`),
/// for `whoami --json`.
pub(crate) async fn federated_provider(plugin: &CognitoAuthPlugin) -> Option<String> {
    let tokens = plugin
        .fetch_user_pool_tokens(FetchAuthSessionOptions::default())
        .await
        .ok()?;
    let id = tokens.id_token?;
    let identities = id.claims().get("identities")?.as_array()?.clone();
    identities
        .iter()
        .find(|i| i.get("primary").and_then(|p| p.as_str()) == Some("true"))
        .or_else(|| identities.first())
        .and_then(|i| i.get("providerName"))
        .and_then(|n| n.as_str())
        .map(str::to_owned)
}
