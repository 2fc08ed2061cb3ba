//! One function per subcommand: each calls the library and prints the result.

use std::io::IsTerminal;

use auth_cognito::{AuthFactorType, CognitoAuthPlugin, CognitoAuthSession, SignInOptions};
use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use auth_core::types::{AuthFlowType, FetchAuthSessionOptions, SignOutOptions};
use serde_json::json;

use crate::challenge::{self, AnswerSource};
use crate::cli::{
    Cli, ConfirmArgs, CredentialsArgs, CredentialsFormat, FirstFactor, Flow, JsonArg, SessionArgs,
    SignInArgs, SignOutArgs, TokenArgs,
};
use crate::exit::{self, CliError};
use crate::profile::Profile;
use crate::render;

/// The library options for a flow (and the first factor of `user-auth`).
pub(crate) fn sign_in_options(flow: Flow, preferred: Option<FirstFactor>) -> SignInOptions {
    match flow {
        Flow::Srp => SignInOptions::with_flow(AuthFlowType::UserSrpAuth),
        Flow::Password => SignInOptions::with_flow(AuthFlowType::UserPasswordAuth),
        Flow::UserAuth => SignInOptions::user_auth(preferred.map(FirstFactor::factor)),
    }
}

/// Whether the sign-in needs the password before its first call: every flow
/// but `user-auth` starting with a code or a choice (which asks for the
/// password only if one is chosen). Without `--preferred-challenge`, the
/// outputs' `auth.passwordless.preferred_challenge` decides.
fn password_up_front(args: &SignInArgs, configured: Option<AuthFactorType>) -> bool {
    args.auth_flow != Flow::UserAuth
        || args
            .preferred_challenge
            .map(FirstFactor::factor)
            .or(configured)
            .is_some_and(AuthFactorType::needs_password)
}

fn fetch_options(force_refresh: bool) -> FetchAuthSessionOptions {
    FetchAuthSessionOptions::default().with_force_refresh(force_refresh)
}

/// Prints to stdout; a closed pipe (`| head`) is not an error worth a message.
pub(crate) fn out(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

pub(crate) fn print_json(v: &serde_json::Value) {
    let text = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    out(&format!("{text}\n"));
}

/// `sign-in`.
pub(crate) async fn sign_in(cli: &Cli, args: &SignInArgs) -> Result<(), CliError> {
    if args.web.enabled {
        return crate::web::sign_in(cli, &args.web).await;
    }
    let username = args
        .username
        .as_deref()
        .ok_or_else(|| CliError::bad_input("--username is required (or --web)"))?;
    let profile = Profile::from_cli(cli)?;
    let tty = std::io::stdin().is_terminal();
    if args.preferred_challenge.is_some() && args.auth_flow != Flow::UserAuth {
        return Err(CliError::bad_input(
            "--preferred-challenge needs --auth-flow user-auth",
        ));
    }
    let configured = profile
        .plugin()?
        .config()
        .passwordless()
        .and_then(|p| p.preferred_challenge);
    let up_front = password_up_front(args, configured);
    let password = if args.password_stdin {
        challenge::read_stdin_line()?
            .map(SecretString::from)
            .ok_or_else(|| CliError::bad_input("--password-stdin: stdin is empty"))?
    } else if !up_front {
        // A code or a choice comes first; a chosen password is asked for then.
        SecretString::new("")
    } else if tty {
        challenge::prompt_secret(&format!("Password for {username}: "))?
    } else {
        return Err(CliError::bad_input(
            "stdin is not a terminal: pass --password-stdin and the password on stdin",
        ));
    };
    if up_front && password.is_empty() {
        return Err(CliError::bad_input("the password is empty"));
    }
    let username = if !tty && !args.answers.any() && cfg!(unix) {
        // A script with no answers given: a challenge must stay answerable
        // by a later `confirm-sign-in` process.
        sign_in_held(cli, username, args, password).await?
    } else {
        let plugin = profile.plugin()?;
        let result = plugin
            .sign_in(
                username,
                password.expose_secret(),
                sign_in_options(args.auth_flow, args.preferred_challenge),
            )
            .await?;
        let mut source = AnswerSource::new(args.answers.clone()).with_password(Some(password));
        challenge::drive(&plugin, result, &mut source).await?;
        plugin.get_current_user().await?.username
    };
    out(&format!("Signed in as {username}.\n"));
    Ok(())
}

#[cfg(unix)]
async fn sign_in_held(
    cli: &Cli,
    username: &str,
    args: &SignInArgs,
    password: SecretString,
) -> Result<String, CliError> {
    crate::hold::sign_in_via_helper(
        cli,
        username,
        (args.auth_flow, args.preferred_challenge),
        password,
    )
    .await
}

#[cfg(not(unix))]
async fn sign_in_held(
    _cli: &Cli,
    _username: &str,
    _args: &SignInArgs,
    _password: SecretString,
) -> Result<String, CliError> {
    Err(CliError::bad_input(
        "unreachable: held sign-ins are only used on Unix",
    ))
}

/// `confirm-sign-in`.
#[cfg(unix)]
pub(crate) async fn confirm_sign_in(cli: &Cli, args: &ConfirmArgs) -> Result<(), CliError> {
    let profile = Profile::from_cli(cli)?;
    let a = &args.answers;
    let answer = if let Some(code) = &a.code {
        SecretString::new(code.trim())
    } else if let Some(c) = a.choice {
        SecretString::new(c.factor().as_str())
    } else if let Some(m) = a.mfa_type {
        SecretString::new(m.answer())
    } else if args.password_stdin {
        challenge::read_stdin_line()?
            .map(SecretString::from)
            .ok_or_else(|| CliError::bad_input("--password-stdin: stdin is empty"))?
    } else if a.new_password_stdin {
        challenge::read_stdin_line()?
            .map(SecretString::from)
            .ok_or_else(|| CliError::bad_input("--new-password-stdin: stdin is empty"))?
    } else if std::io::stdin().is_terminal() {
        let (what, flag) = crate::hold::query(&profile).await?;
        if flag.starts_with("--new-password") {
            challenge::prompt_secret("New password: ")?
        } else if flag.starts_with("--password") {
            challenge::prompt_secret("Password: ")?
        } else {
            eprint!("Enter {what}: ");
            SecretString::from(
                challenge::read_stdin_line()?
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            )
        }
    } else {
        return Err(CliError::bad_input(
            "give the answer: --code <CODE>, --choice <FACTOR>, --mfa-type totp|sms|email, --password-stdin or --new-password-stdin",
        ));
    };
    let username = crate::hold::confirm(&profile, answer).await?;
    out(&format!("Signed in as {username}.\n"));
    Ok(())
}

/// `confirm-sign-in` where challenges cannot outlive a process.
#[cfg(not(unix))]
pub(crate) async fn confirm_sign_in(_cli: &Cli, _args: &ConfirmArgs) -> Result<(), CliError> {
    Err(CliError::bad_input(
        "confirm-sign-in across processes needs Unix; pass --code, --mfa-type or --new-password-stdin to sign-in instead",
    ))
}

/// `whoami`.
pub(crate) async fn whoami(cli: &Cli, args: &JsonArg) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.plugin()?;
    let user = plugin.get_current_user().await?;
    if args.json {
        let provider = crate::web::federated_provider(&plugin).await;
        let mut v = render::user_json(&user);
        v["provider"] = json!(provider);
        print_json(&v);
    } else {
        let mut text = format!("{} (user id {})\n", user.username, user.user_id);
        if let Some(d) = &user.sign_in_details {
            text.push_str(&format!(
                "signed in with {} as {}\n",
                d.auth_flow_type,
                d.login_id.as_deref().unwrap_or("?")
            ));
        }
        out(&text);
    }
    Ok(())
}

/// The session, failing as `fetch_auth_session` does.
async fn fetch(plugin: &CognitoAuthPlugin, force: bool) -> Result<CognitoAuthSession, CliError> {
    let session = plugin.fetch_cognito_session(fetch_options(force)).await;
    // The portable view decides failure: a field that should exist and could
    // not be obtained, or the session ending during this call.
    session.clone().into_auth_session()?;
    Ok(session)
}

/// `session`.
pub(crate) async fn session(cli: &Cli, args: &SessionArgs) -> Result<(), CliError> {
    let profile = Profile::from_cli(cli)?;
    let plugin = profile.plugin()?;
    let s = fetch(&plugin, args.force_refresh).await?;
    let now = render::now_secs();
    let tokens = s.user_pool_tokens_result.as_ref().ok();
    let creds = s.aws_credentials_result.as_ref().ok();
    if args.json {
        print_json(&json!({
            "profile": profile.name,
            "is_signed_in": s.is_signed_in,
            "user_sub": s.user_sub_result.as_ref().ok(),
            "identity_id": s.identity_id_result.as_ref().ok(),
            "tokens": tokens.map(|t| json!({
                "access_token": render::token_json(&t.access_token, now),
                "id_token": t.id_token.as_ref().map(|i| render::token_json(i, now)),
            })),
            "credentials": creds.map(|c| render::credentials_summary_json(c, now)),
        }));
        return Ok(());
    }
    let mut text = format!("profile:      {}\n", profile.name);
    text.push_str(&format!(
        "signed in:    {}\n",
        if s.is_signed_in { "yes" } else { "no" }
    ));
    if let Ok(sub) = &s.user_sub_result {
        text.push_str(&format!("user sub:     {sub}\n"));
    }
    if let Ok(id) = &s.identity_id_result {
        text.push_str(&format!("identity id:  {id}\n"));
    }
    if let Some(t) = tokens {
        if let Some(exp) = t.access_token.expires_at() {
            text.push_str(&format!(
                "access token: expires {} (in {})\n",
                render::iso8601(exp),
                render::human_duration(exp - now)
            ));
        }
        if let Some(exp) = t.id_token.as_ref().and_then(|i| i.expires_at()) {
            text.push_str(&format!(
                "id token:     expires {} (in {})\n",
                render::iso8601(exp),
                render::human_duration(exp - now)
            ));
        }
    }
    if let Some(c) = creds {
        text.push_str(&format!("credentials:  {}", c.access_key_id));
        if let Some(exp) = c.expiration {
            text.push_str(&format!(
                ", expire {} (in {})",
                render::iso8601(exp),
                render::human_duration(exp - now)
            ));
        }
        text.push('\n');
    }
    out(&text);
    Ok(())
}

/// `token`.
pub(crate) async fn token(cli: &Cli, args: &TokenArgs) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.user_pool_plugin()?;
    let s = plugin
        .fetch_cognito_session(fetch_options(args.force_refresh))
        .await;
    let tokens = s.user_pool_tokens_result?;
    let raw = if args.id {
        tokens
            .id_token
            .ok_or_else(|| CliError::other("the session has no id token"))?
    } else {
        tokens.access_token
    };
    out(&format!("{}\n", raw.as_compact_str()));
    Ok(())
}

/// `credentials`.
pub(crate) async fn credentials(cli: &Cli, args: &CredentialsArgs) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.plugin()?;
    let s = fetch(&plugin, args.force_refresh).await?;
    if args.no_guest && !s.is_signed_in {
        return Err(CliError::new(
            exit::NOT_SIGNED_IN,
            "no user is signed in and --no-guest was given; run `amplify-auth sign-in --username <name>`",
        ));
    }
    let creds = s.aws_credentials_result?;
    match args.format {
        CredentialsFormat::CredentialProcess => {
            out(&format!("{}\n", render::credential_process_json(&creds)));
        }
        CredentialsFormat::Env => out(&render::env_lines(&creds)),
    }
    Ok(())
}

/// `sign-out`.
pub(crate) async fn sign_out(cli: &Cli, args: &SignOutArgs) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.plugin()?;
    let result = plugin
        .sign_out(SignOutOptions::default().with_global(args.global))
        .await?;
    if let Some(url) = &result.sign_out_url {
        crate::web::finish_sign_out(url, args.no_browser);
    }
    match result.remote_error {
        Some(e) if args.global => {
            let e = CliError::from(e);
            Err(CliError::new(
                e.code,
                format!(
                    "signed out locally, but the global sign-out failed: {}",
                    e.message()
                ),
            ))
        }
        Some(e) => {
            eprintln!("warning: signed out locally; revoking the refresh token failed: {e}");
            out("Signed out.\n");
            Ok(())
        }
        None => {
            out(if args.global {
                "Signed out everywhere.\n"
            } else {
                "Signed out.\n"
            });
            Ok(())
        }
    }
}

/// `status`: a summary for people. Exit code 0 when a user is signed in,
/// 3 when not (guests included), 4 when the session expired, 5 on a network
/// failure.
pub(crate) async fn status(cli: &Cli) -> Result<(), CliError> {
    let profile = Profile::from_cli(cli)?;
    let plugin = profile.plugin()?;
    let s = plugin
        .fetch_cognito_session(FetchAuthSessionOptions::default())
        .await;
    let now = render::now_secs();
    let mut text = format!("Profile {}", profile.name);
    text.push_str(&format!(" ({})\n", profile.outputs.display()));
    let outcome = match &s.user_pool_tokens_result {
        Ok(t) => {
            let user = plugin.get_current_user().await.ok();
            let name = user
                .as_ref()
                .map(|u| u.username.clone())
                .unwrap_or_default();
            text.push_str(&format!("Signed in as {name}"));
            if let Some(d) = user.as_ref().and_then(|u| u.sign_in_details.as_ref()) {
                text.push_str(&format!(" ({})", d.auth_flow_type));
            }
            text.push('\n');
            let issued = t.access_token.issued_at().unwrap_or(now);
            if let Some(exp) = t.access_token.expires_at() {
                text.push_str(&format!(
                    "  tokens       {} valid until {} (in {})\n",
                    render::countdown_bar(issued, exp, now, 24),
                    render::iso8601(exp),
                    render::human_duration(exp - now)
                ));
            }
            Ok(())
        }
        Err(e @ (AuthError::SignedOut | AuthError::SessionExpired { .. })) => {
            text.push_str(&format!("Not signed in: {e}\n"));
            Err(CliError::silent(exit::code_for(e)))
        }
        Err(e) => {
            text.push_str(&format!("Session unavailable: {e}\n"));
            Err(CliError::silent(exit::code_for(e)))
        }
    };
    match (&s.identity_id_result, &s.aws_credentials_result) {
        (Ok(id), Ok(c)) => {
            let who = if s.is_signed_in { "user" } else { "guest" };
            text.push_str(&format!("  identity     {id} ({who})\n"));
            if let Some(exp) = c.expiration {
                // Credentials carry no issue time; identity-pool credentials
                // last one hour.
                let issued = exp - 3600;
                text.push_str(&format!(
                    "  credentials  {} valid until {} (in {})\n",
                    render::countdown_bar(issued.min(now), exp, now, 24),
                    render::iso8601(exp),
                    render::human_duration(exp - now)
                ));
            }
        }
        (_, Err(e)) => text.push_str(&format!("  AWS credentials unavailable: {e}\n")),
        (Err(e), _) => text.push_str(&format!("  identity unavailable: {e}\n")),
    }
    out(&text);
    outcome
}
