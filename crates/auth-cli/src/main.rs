//! `amplify-auth`: Amplify Auth for Rust from the shell. A thin layer over
//! `auth-cognito` (the Cognito plugin) and `auth-storage` (`FileStorage`).
//!
//! ```text
//! amplify-auth [--outputs FILE] [--profile NAME] [--storage-dir DIR] [--storage-url URL] [--verbose] <command>
//!   sign-in --username U [--password-stdin] [--auth-flow srp|password|user-auth]
//!           [--preferred-challenge password|password-srp|email-otp|sms-otp]
//!           [--code C] [--choice FACTOR] [--mfa-type totp|sms|email] [--new-password-stdin]
//!   confirm-sign-in (--code C | --choice FACTOR | --mfa-type totp|sms|email
//!                    | --password-stdin | --new-password-stdin)
//!   sign-in --web [--provider NAME] [--no-browser] [--timeout SECS]
//!   whoami [--json]
//!   session [--force-refresh] [--json]
//!   token (--id | --access) [--force-refresh]
//!   credentials [--format credential-process|env] [--no-guest] [--force-refresh]
//!   sign-out [--global] [--no-browser]
//!   status
//!   sign-up --username U [--password-stdin] [--attribute NAME=VALUE ...]
//!   confirm-sign-up --username U --code C [--sign-in]
//!   resend-sign-up-code --username U
//!   reset-password --username U
//!   confirm-reset-password --username U --code C [--new-password-stdin]
//!   change-password
//!   attributes [--json] | attributes set NAME=VALUE ... | attributes verify NAME --code C
//!     | attributes send-code NAME | attributes delete NAME ...
//!   delete-user --yes
//!   devices [--json] | devices remember | devices forget [DEVICE_KEY]
//!   mfa status [--json] | setup-totp [--code C] [--issuer NAME] | prefer <totp|sms|email>
//!   completions <bash|zsh|fish|elvish|powershell>
//! ```
//!
//! Sessions are stored per profile in `<storage dir>/<profile>/session.json`
//! (mode 0600), by default under the platform's config directory; with
//! `--storage-url` (or `AMPLIFY_AUTH_STORAGE_URL`) in Redis, shared by every
//! process that uses the same URL, or in the OS keychain (`keychain:`).
//!
//! # Exit codes
//! | code | meaning |
//! |------|---------|
//! | 0 | success |
//! | 1 | any other error (a service error, the session store is corrupt or refused access) |
//! | 2 | bad input: usage, `amplify_outputs.json`, profile name, a parameter; a taken username, a password the pool's policy refuses |
//! | 3 | not signed in (or no guest access, for `credentials`) |
//! | 4 | the session expired: sign in again |
//! | 5 | network error, temporary service failure, or the session store (Redis, keychain) unreachable: retry later |
//! | 6 | sign-in rejected: wrong username, password or code; a hosted-UI sign-in cancelled, denied, timed out or with a forged state |
//! | 7 | sign-in needs an answer (a code, a new password, an MFA choice); a sign-up needs its confirmation code |
//!
//! Errors are one line on stderr, `amplify-auth: <message>`, and never hold
//! a secret. Only `token` and `credentials` print secrets, on stdout, because
//! that is what they are for.

mod account;
mod challenge;
mod cli;
mod commands;
mod devices;
mod exit;
#[cfg(unix)]
mod hold;
mod mfa;
mod profile;
mod render;
mod storage;
mod totp_view;
mod web;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};
use exit::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.verbose {
        init_tracing();
    }
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message().is_empty() {
                eprintln!("amplify-auth: {e}");
            }
            ExitCode::from(e.code)
        }
    }
}

/// Debug logs of this workspace's crates on stderr. Other crates (HTTP, the
/// AWS SDK) stay at `warn`: their lower levels could show request details.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::new(
        "warn,auth_cognito=debug,auth_storage=debug,auth_core=debug,amplify_auth=debug",
    );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(true)
        // The sign-in helper logs to a pipe that closes when `sign-in` exits: a
        // failed write must not turn into an `eprintln!` panic that kills it.
        .log_internal_errors(false)
        .try_init();
}

fn run(cli: &Cli) -> Result<(), CliError> {
    if let Command::Completions(args) = &cli.command {
        // No runtime, no files, no network.
        let mut command = Cli::command();
        clap_complete::generate(
            args.shell,
            &mut command,
            "amplify-auth",
            &mut std::io::stdout(),
        );
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::other(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(dispatch(cli))
}

async fn dispatch(cli: &Cli) -> Result<(), CliError> {
    let result = command(cli).await;
    // Refreshed tokens the store could not take get one more try; the
    // command's own error comes first.
    let saved = storage::save_all().await;
    result.and(saved)
}

async fn command(cli: &Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::SignIn(a) => commands::sign_in(cli, a).await,
        Command::ConfirmSignIn(a) => commands::confirm_sign_in(cli, a).await,
        Command::Whoami(a) => commands::whoami(cli, a).await,
        Command::Session(a) => commands::session(cli, a).await,
        Command::Token(a) => commands::token(cli, a).await,
        Command::Credentials(a) => commands::credentials(cli, a).await,
        Command::SignOut(a) => commands::sign_out(cli, a).await,
        Command::Status => commands::status(cli).await,
        Command::Devices(a) => devices::run(cli, a).await,
        Command::Mfa(c) => mfa::run(cli, c).await,
        Command::Completions(_) => Ok(()),
        Command::SignUp(_)
        | Command::ConfirmSignUp(_)
        | Command::ResendSignUpCode(_)
        | Command::ResetPassword(_)
        | Command::ConfirmResetPassword(_)
        | Command::ChangePassword
        | Command::Attributes(_)
        | Command::DeleteUser(_) => account::run(cli).await,
        Command::HoldSignIn(a) => hold_sign_in(cli, a).await,
    }
}

#[cfg(unix)]
async fn hold_sign_in(cli: &Cli, args: &cli::HoldArgs) -> Result<(), CliError> {
    hold::hold(cli, args).await
}

#[cfg(not(unix))]
async fn hold_sign_in(_cli: &Cli, _args: &cli::HoldArgs) -> Result<(), CliError> {
    Err(CliError::bad_input("__hold-sign-in needs Unix"))
}
