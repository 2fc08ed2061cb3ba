//! Challenges that outlive the process that started the sign-in.
//!
//! The library keeps a pending challenge (Cognito's `Session`) in memory
//! only. So when a script signs in (stdin is not a terminal) without giving
//! answers up front, `sign-in` does not sign in itself: it starts a helper,
//! `amplify-auth __hold-sign-in`, hands it the password on a pipe, and
//! reports the helper's first result. On a challenge the helper listens on
//! `<profile dir>/challenge.sock` (mode 0600 in a 0700 directory) for at most
//! [`HOLD_SECS`], the lifetime of Cognito's challenge session, and
//! `confirm-sign-in` sends it the answer. Nothing secret is written to disk:
//! the session and the password stay in the helper's memory.
//!
//! The protocol is one JSON line each way: a request `{"answer": ".."}` or
//! `{"query": true}`, and a reply `{"status": "done", "username": ..}`,
//! `{"status": "challenge", "step": .., "flag": ..}` or
//! `{"status": "error", "code": N, "message": ..}`.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use auth_cognito::{CognitoAuthPlugin, SignInResult, SignInStep};
use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::challenge::describe;
use crate::cli::{Cli, FirstFactor, Flow, HoldArgs};
use crate::exit::{BAD_INPUT, CHALLENGE_PENDING, CliError, OTHER};
use crate::profile::Profile;

/// How long a challenge waits for its answer: Cognito's session lasts 3 minutes.
pub(crate) const HOLD_SECS: u64 = 180;

/// How long `confirm-sign-in` waits for the helper's reply.
const REPLY_TIMEOUT: Duration = Duration::from_secs(60);

fn flow_arg(flow: Flow) -> &'static str {
    match flow {
        Flow::Srp => "srp",
        Flow::Password => "password",
        Flow::UserAuth => "user-auth",
    }
}

/// Reply for a sign-in result.
async fn result_reply(plugin: &CognitoAuthPlugin, result: &SignInResult) -> Value {
    if result.is_signed_in || result.next_step == SignInStep::Done {
        let username = plugin
            .get_current_user()
            .await
            .map(|u| u.username)
            .unwrap_or_default();
        return json!({"status": "done", "username": username});
    }
    if let Some(e) = crate::account::sign_in_step_error(&result.next_step) {
        return error_reply(&e);
    }
    let (step, flag) = describe(&result.next_step);
    let mut reply = json!({"status": "challenge", "step": step, "flag": flag});
    if let Some(uri) = crate::challenge::setup_uri(&result.next_step) {
        // Over the pipe or the 0600 socket to the user's own terminal only.
        reply["setup_uri"] = json!(uri.expose_secret());
    }
    reply
}

fn error_reply(e: &CliError) -> Value {
    json!({"status": "error", "code": e.code, "message": e.message()})
}

/// Turns a reply into this process's outcome.
fn reply_outcome(reply: &Value, command: &str) -> Result<String, CliError> {
    if let Some(uri) = reply["setup_uri"].as_str() {
        crate::totp_view::show(uri);
    }
    match reply["status"].as_str() {
        Some("done") => Ok(reply["username"].as_str().unwrap_or_default().to_owned()),
        Some("challenge") => Err(CliError::new(
            CHALLENGE_PENDING,
            format!(
                "sign-in needs {}; run `amplify-auth confirm-sign-in {}` within 3 minutes",
                reply["step"].as_str().unwrap_or("an answer"),
                reply["flag"].as_str().unwrap_or("--code <CODE>")
            ),
        )),
        Some("error") => Err(CliError::new(
            reply["code"]
                .as_u64()
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(OTHER),
            reply["message"].as_str().unwrap_or("the sign-in failed"),
        )),
        _ => Err(CliError::other(format!(
            "{command}: unexpected answer from the sign-in helper"
        ))),
    }
}

/// `sign-in` in a script without answers: runs the sign-in in a helper that
/// can wait for `confirm-sign-in`. Returns the signed-in username.
pub(crate) async fn sign_in_via_helper(
    cli: &Cli,
    username: &str,
    (flow, preferred): (Flow, Option<FirstFactor>),
    password: SecretString,
) -> Result<String, CliError> {
    let exe = std::env::current_exe()
        .map_err(|e| CliError::other(format!("cannot find this program's path: {e}")))?;
    let mut cmd = tokio::process::Command::new(exe);
    cmd.arg("--outputs")
        .arg(&cli.outputs)
        .arg("--profile")
        .arg(&cli.profile);
    if let Some(dir) = &cli.storage_dir {
        cmd.arg("--storage-dir").arg(dir);
    }
    crate::storage::RawStorageUrl::pass_to(cli.storage_url.as_ref(), &mut cmd);
    if cli.verbose {
        cmd.arg("--verbose");
    }
    cmd.args(["__hold-sign-in", "--username", username])
        .args(["--auth-flow", flow_arg(flow)])
        .args(
            preferred
                .iter()
                .flat_map(|p| ["--preferred-challenge", p.arg()]),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // The helper may outlive us: it must not hold our stderr open. Its
        // logs (with --verbose) are relayed until its first answer.
        .stderr(if cli.verbose {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = cmd
        .spawn()
        .map_err(|e| CliError::other(format!("cannot start the sign-in helper: {e}")))?;
    let relay = child.stderr.take().map(|stderr| {
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("{line}");
            }
        })
    });
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| CliError::other("the sign-in helper has no stdin"))?;
    let line = format!("{}\n", password.expose_secret());
    drop(password);
    stdin
        .write_all(line.as_bytes())
        .await
        .map_err(|e| CliError::other(format!("cannot talk to the sign-in helper: {e}")))?;
    drop(line);
    drop(stdin);
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| CliError::other("the sign-in helper has no stdout"))?;
    let mut reply = String::new();
    BufReader::new(stdout)
        .read_line(&mut reply)
        .await
        .map_err(|e| CliError::other(format!("cannot read the sign-in helper: {e}")))?;
    let reply: Value = serde_json::from_str(reply.trim())
        .map_err(|_| CliError::other("the sign-in helper ended without an answer"))?;
    let outcome = reply_outcome(&reply, "sign-in");
    if outcome.is_ok() || reply["status"] == "error" {
        // The helper is finishing; reap it.
        let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    }
    if let Some(relay) = relay {
        // Give the relay a moment to copy what was logged so far.
        tokio::time::sleep(Duration::from_millis(50)).await;
        relay.abort();
    }
    outcome
}

/// Binds the challenge socket, replacing a stale one, with mode 0600.
fn bind(path: &Path) -> Result<UnixListener, CliError> {
    if path.exists() {
        // A previous helper that still listens is superseded: its challenge
        // belongs to an older sign-in.
        let _ = std::fs::remove_file(path);
    }
    let listener = UnixListener::bind(path)
        .map_err(|e| CliError::other(format!("cannot listen on {}: {e}", path.display())))?;
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| CliError::other(format!("cannot protect {}: {e}", path.display())))?;
    Ok(listener)
}

/// `__hold-sign-in`: signs in with the password on stdin, prints the first
/// result as one JSON line, and on a challenge serves `confirm-sign-in`.
pub(crate) async fn hold(cli: &Cli, args: &HoldArgs) -> Result<(), CliError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(HOLD_SECS);
    let profile = Profile::from_cli(cli)?;
    let mut out = tokio::io::stdout();
    let first = async {
        let password = crate::challenge::read_stdin_line()?
            .ok_or_else(|| CliError::bad_input("no password on stdin"))?;
        let password = SecretString::from(password);
        let plugin = profile.plugin()?;
        let options = crate::commands::sign_in_options(args.auth_flow, args.preferred_challenge);
        let result = plugin
            .sign_in(&args.username, password.expose_secret(), options)
            .await?;
        let result = crate::challenge::with_password(&plugin, result, Some(&password)).await?;
        Ok::<_, CliError>((plugin, result, password))
    }
    .await;
    let (plugin, result, password) = match first {
        Ok(v) => v,
        Err(e) => {
            let _ = out
                .write_all(format!("{}\n", error_reply(&e)).as_bytes())
                .await;
            let _ = out.flush().await;
            return Err(e);
        }
    };
    let reply = result_reply(&plugin, &result).await;
    let socket = profile.challenge_socket();
    let listener = if reply["status"] == "challenge" {
        match bind(&socket) {
            Ok(l) => Some(l),
            Err(e) => {
                let _ = out
                    .write_all(format!("{}\n", error_reply(&e)).as_bytes())
                    .await;
                return Err(e);
            }
        }
    } else {
        None
    };
    let _ = out.write_all(format!("{reply}\n").as_bytes()).await;
    let _ = out.flush().await;
    drop(out);
    let Some(listener) = listener else {
        return Ok(());
    };
    let mut current = reply;
    let served = async {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // Out of file descriptors or similar: do not spin.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            match serve_one(&plugin, stream, &current, &password).await {
                Some(next) => {
                    let finished = next["status"] != "challenge";
                    current = next;
                    if finished {
                        return;
                    }
                }
                None => continue,
            }
        }
    };
    let _ = tokio::time::timeout_at(deadline, served).await;
    let _ = std::fs::remove_file(&socket);
    Ok(())
}

/// Serves one connection. Returns the new state, or `None` when nothing
/// changed (a query, a wrong code, a broken connection).
async fn serve_one(
    plugin: &CognitoAuthPlugin,
    stream: UnixStream,
    current: &Value,
    password: &SecretString,
) -> Option<Value> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let read_ok = tokio::time::timeout(
        Duration::from_secs(10),
        BufReader::new(read).read_line(&mut line),
    )
    .await;
    if !matches!(read_ok, Ok(Ok(n)) if n > 0) {
        return None;
    }
    let request: Value = serde_json::from_str(line.trim()).unwrap_or(Value::Null);
    line.clear();
    let (reply, changed) = match request["answer"].as_str() {
        Some(answer) => {
            let answer = SecretString::new(answer);
            let result = match plugin.confirm_sign_in(answer.expose_secret()).await {
                Ok(r) => crate::challenge::with_password(plugin, r, Some(password)).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(result) => (result_reply(plugin, &result).await, true),
                // The library keeps the challenge after a wrong code.
                Err(e @ AuthError::CodeMismatch { .. }) => (error_reply(&CliError::from(e)), false),
                Err(e) => (error_reply(&CliError::from(e)), true),
            }
        }
        None if request["query"] == true => (current.clone(), false),
        None => (
            error_reply(&CliError::new(BAD_INPUT, "malformed request")),
            false,
        ),
    };
    let _ = write.write_all(format!("{reply}\n").as_bytes()).await;
    let _ = write.flush().await;
    changed.then_some(reply)
}

/// Sends one request to the waiting helper and returns its reply.
async fn request(profile: &Profile, request: Value) -> Result<Value, CliError> {
    let path = profile.challenge_socket();
    let none_waiting = || {
        CliError::bad_input(format!(
            "no sign-in is waiting for confirmation in profile `{}` (a challenge lasts 3 minutes); start again with `amplify-auth sign-in`",
            profile.name
        ))
    };
    if !path.exists() {
        return Err(none_waiting());
    }
    let stream = UnixStream::connect(&path)
        .await
        .map_err(|_| none_waiting())?;
    let (read, mut write) = stream.into_split();
    let io = async {
        write.write_all(format!("{request}\n").as_bytes()).await?;
        write.flush().await?;
        let mut line = String::new();
        BufReader::new(read).read_line(&mut line).await?;
        Ok::<_, std::io::Error>(line)
    };
    let line = tokio::time::timeout(REPLY_TIMEOUT, io)
        .await
        .map_err(|_| CliError::other("the sign-in helper did not answer in time"))?
        .map_err(|e| CliError::other(format!("cannot talk to the sign-in helper: {e}")))?;
    serde_json::from_str(line.trim()).map_err(|_| none_waiting())
}

/// What the waiting helper asks for: `(description, flag)`.
pub(crate) async fn query(profile: &Profile) -> Result<(String, String), CliError> {
    let reply = request(profile, json!({"query": true})).await?;
    Ok((
        reply["step"].as_str().unwrap_or("an answer").to_owned(),
        reply["flag"].as_str().unwrap_or("--code <CODE>").to_owned(),
    ))
}

/// `confirm-sign-in`: sends the answer. Returns the signed-in username.
pub(crate) async fn confirm(profile: &Profile, answer: SecretString) -> Result<String, CliError> {
    let reply = request(profile, json!({"answer": answer.expose_secret()})).await?;
    reply_outcome(&reply, "confirm-sign-in")
}
