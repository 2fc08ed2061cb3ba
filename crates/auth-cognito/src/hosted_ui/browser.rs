//! Opening the system browser on a URL, as the `webbrowser` crate does on
//! Linux: `$BROWSER` first (a `:`-separated list of commands, `%s` standing
//! for the URL, else the URL appended), then the desktop's opener
//! (`xdg-open`; `open` on macOS; the URL handler on Windows). The URL is
//! one argument of a process started directly, never through a shell.

use std::process::{Command, Stdio};

use auth_core::error::AuthError;

/// The commands to try for `url`, from `$BROWSER` and the platform.
fn candidates(browser_env: Option<&str>, url: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for entry in browser_env.unwrap_or("").split(':') {
        let words: Vec<&str> = entry.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let mut argv: Vec<String> = words.iter().map(|w| w.replace("%s", url)).collect();
        if !entry.contains("%s") {
            argv.push(url.to_owned());
        }
        out.push(argv);
    }
    let platform: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["rundll32", "url.dll,FileProtocolHandler"]
    } else {
        &["xdg-open"]
    };
    let mut argv: Vec<String> = platform.iter().map(|s| (*s).to_owned()).collect();
    argv.push(url.to_owned());
    out.push(argv);
    out
}

/// Opens `url` in the user's browser: `$BROWSER` when set, else the
/// platform's opener. Returns once a command has started (it is reaped in
/// the background); fails when none could be started, with a message that
/// does not contain the URL.
pub fn open_browser(url: &str) -> Result<(), AuthError> {
    let env = std::env::var("BROWSER").ok();
    let mut tried = Vec::new();
    for argv in candidates(env.as_deref(), url) {
        let Some((program, args)) = argv.split_first() else {
            continue;
        };
        let started = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match started {
            Ok(mut child) => {
                tracing::debug!(program = %program, "opened the browser");
                std::thread::spawn(move || {
                    let _ = child.wait();
                });
                return Ok(());
            }
            Err(e) => tried.push(format!("{program}: {e}")),
        }
    }
    Err(AuthError::InvalidState(format!(
        "cannot open a browser ({}); set $BROWSER or open the URL yourself",
        tried.join("; ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_env_comes_first_with_percent_s_or_the_url_appended() {
        let url = "http://h/a?b=c&d=e";
        let c = candidates(Some("my-browser --new %s:other"), url);
        assert_eq!(c[0], ["my-browser", "--new", url]);
        assert_eq!(c[1], ["other", url]);
        assert_eq!(
            c.last().and_then(|l| l.last()).map(String::as_str),
            Some(url)
        );
        let c = candidates(None, url);
        assert_eq!(c.len(), 1, "only the platform opener");
        let c = candidates(Some(" : "), url);
        assert_eq!(c.len(), 1, "empty entries are skipped");
    }
}
