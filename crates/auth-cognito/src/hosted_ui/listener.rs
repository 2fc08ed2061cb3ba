//! The loopback listener of RFC 8252 for desktop apps and CLIs: it binds
//! the exact loopback address and port of a registered redirect URI,
//! accepts exactly one request on its path, answers it with a short page
//! that carries nothing from the request, and gives up after a timeout.
//! Requests to other paths get a 404 and are otherwise ignored.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// The default time to wait for the redirect: 5 minutes.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The longest request head read, in bytes.
const MAX_HEAD: usize = 16 * 1024;

/// How long one connection may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// The page the browser shows after the redirect. It is static: nothing of
/// the request (the code, the state, an error text) is echoed.
const DONE_PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Sign-in received</title></head>\n<body style=\"font-family:sans-serif;margin:3em\">\
<h1>Sign-in received</h1>\n<p>You can close this window and return to the application.</p>\
</body></html>\n";

/// Whether `uri` is a loopback redirect URI this listener can serve:
/// `http://127.0.0.1:PORT/...`, `http://localhost:PORT/...` or
/// `http://[::1]:PORT/...`, with an explicit port.
pub fn is_loopback_redirect_uri(uri: &str) -> bool {
    loopback_target(uri).is_ok()
}

/// The first loopback URI of `uris` (the config's `redirect_sign_in_uri`).
pub fn first_loopback_uri(uris: &[String]) -> Option<&str> {
    uris.iter()
        .map(String::as_str)
        .find(|u| is_loopback_redirect_uri(u))
}

/// The address to bind and the path to wait on for a loopback URI.
fn loopback_target(uri: &str) -> Result<(SocketAddr, String), String> {
    let url = url::Url::parse(uri).map_err(|_| "is not an absolute URI".to_owned())?;
    if url.scheme() != "http" {
        return Err("is not an http:// URI".into());
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => IpAddr::V6(ip),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        }
        _ => return Err("is not on a loopback host (127.0.0.1, localhost or [::1])".into()),
    };
    let port = url
        .port()
        .ok_or_else(|| "has no explicit port (Cognito matches the port exactly)".to_owned())?;
    Ok((SocketAddr::new(ip, port), url.path().to_owned()))
}

/// A listener bound to a loopback redirect URI, waiting for the one
/// redirect of a sign-in.
///
/// Bind it **before** opening the authorize URL, so that the redirect
/// cannot arrive before anyone listens:
///
/// ```no_run
/// # use std::time::Duration;
/// # use auth_cognito::CognitoAuthPlugin;
/// # use auth_cognito::hosted_ui::{LoopbackListener, SignInWithRedirectOptions, open_browser};
/// # async fn demo(plugin: CognitoAuthPlugin) -> Result<(), auth_core::error::AuthError> {
/// let uri = "http://127.0.0.1:8765/callback"; // one of redirect_sign_in_uri
/// let listener = LoopbackListener::bind(uri).await?;
/// let flow = plugin
///     .sign_in_with_redirect(SignInWithRedirectOptions::default().with_redirect_uri(uri))
///     .await?;
/// open_browser(flow.authorize_url())?;
/// let redirect = listener.wait_for_redirect(Duration::from_secs(300)).await?;
/// flow.complete(redirect.expose_secret()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LoopbackListener {
    listener: TcpListener,
    /// The redirect URI's scheme, host and port, to rebuild the full URL.
    origin: String,
    path: String,
}

impl LoopbackListener {
    /// Binds the address and port of `redirect_uri`, which must be a
    /// loopback URI with an explicit port ([`is_loopback_redirect_uri`]).
    /// The socket is bound to the loopback interface only.
    pub async fn bind(redirect_uri: &str) -> Result<Self, AuthError> {
        let (addr, path) =
            loopback_target(redirect_uri).map_err(|why| AuthError::InvalidParameter {
                name: "redirect_uri".into(),
                message: format!("`{}` {why}", redirect_uri.escape_debug()),
            })?;
        let listener = TcpListener::bind(addr).await.map_err(|e| AuthError::InvalidState(format!(
            "cannot listen on {addr} for the sign-in redirect ({e}); is another sign-in running?"
        )))?;
        let origin = match addr.ip() {
            IpAddr::V6(ip) if ip == Ipv6Addr::LOCALHOST => format!("http://[::1]:{}", addr.port()),
            _ => {
                let url = url::Url::parse(redirect_uri)
                    .map_err(|_| AuthError::InvalidState("redirect URI".into()))?;
                format!(
                    "http://{}:{}",
                    url.host_str().unwrap_or("127.0.0.1"),
                    addr.port()
                )
            }
        };
        Ok(Self {
            listener,
            origin,
            path,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Waits for the one request on the redirect URI's path, answers it with
    /// a "you can close this window" page, and returns the full URL the
    /// browser was sent to, for [`PendingRedirect::complete`](super::PendingRedirect::complete).
    /// Other paths get a 404 and do not end the wait. After `timeout`
    /// without a redirect: [`AuthError::RedirectTimeout`]. The listener
    /// closes when this returns.
    ///
    /// # Security warning
    ///
    /// The URL carries the authorization code and the state.
    pub async fn wait_for_redirect(self, timeout: Duration) -> Result<SecretString, AuthError> {
        let (tx, mut rx) = mpsc::channel::<(String, TcpStream)>(4);
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = &mut deadline => {
                    return Err(AuthError::RedirectTimeout { waited_secs: timeout.as_secs() });
                }
                Some((target, mut stream)) = rx.recv() => {
                    respond(&mut stream, "200 OK", DONE_PAGE).await;
                    tracing::debug!("the sign-in redirect arrived at the loopback listener");
                    return Ok(SecretString::from(format!("{}{target}", self.origin)));
                }
                accepted = self.listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let tx = tx.clone();
                    let path = self.path.clone();
                    tokio::spawn(async move { triage(stream, &path, tx).await });
                }
            }
        }
    }
}

/// Reads one request head; a `GET` on `path` is handed over, anything else
/// gets an answer here and is dropped.
async fn triage(mut stream: TcpStream, path: &str, tx: mpsc::Sender<(String, TcpStream)>) {
    let Ok(Some(head)) = tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await else {
        return;
    };
    let mut parts = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let target_path = target.split(['?', '#']).next().unwrap_or("");
    if target_path != path {
        respond(&mut stream, "404 Not Found", "not found\n").await;
        return;
    }
    if method != "GET" {
        respond(
            &mut stream,
            "405 Method Not Allowed",
            "method not allowed\n",
        )
        .await;
        return;
    }
    let _ = tx.send((target.to_owned(), stream)).await;
}

/// The request head, up to the blank line; `None` when the peer closes
/// first or sends more than [`MAX_HEAD`] bytes.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            buf.truncate(end);
            return String::from_utf8(buf).ok();
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
    }
}

/// Writes a small HTML answer that cannot be cached or leak a referrer.
async fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: SocketAddr, target: &str) -> String {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).await.expect("read");
        out
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port")
    }

    #[test]
    fn only_loopback_uris_with_a_port_qualify() {
        for ok in [
            "http://127.0.0.1:8765/callback",
            "http://localhost:1234/",
            "http://[::1]:5000/cb",
        ] {
            assert!(is_loopback_redirect_uri(ok), "{ok}");
        }
        for bad in [
            "https://127.0.0.1:8765/callback",
            "http://127.0.0.1/callback",
            "http://192.168.1.2:8765/cb",
            "http://example.com:80/cb",
            "myapp://callback",
            "not a uri",
        ] {
            assert!(!is_loopback_redirect_uri(bad), "{bad}");
        }
        let uris = vec!["myapp://cb".to_owned(), "http://localhost:9/x".to_owned()];
        assert_eq!(first_loopback_uri(&uris), Some("http://localhost:9/x"));
        assert_eq!(first_loopback_uri(&uris[..1]), None);
    }

    #[tokio::test]
    async fn other_paths_are_ignored_and_the_callback_gets_a_page_without_secrets() {
        let port = free_port();
        let uri = format!("http://127.0.0.1:{port}/callback");
        let listener = LoopbackListener::bind(&uri).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        assert!(addr.ip().is_loopback());
        assert_eq!(addr.port(), port, "the exact registered port");
        let waiter = tokio::spawn(listener.wait_for_redirect(Duration::from_secs(30)));
        let other = get(addr, "/favicon.ico").await;
        assert!(other.starts_with("HTTP/1.1 404"), "{other}");
        let prefix = get(addr, "/callbackx?code=1").await;
        assert!(prefix.starts_with("HTTP/1.1 404"), "{prefix}");
        let page = get(addr, "/callback?code=SECRET-CODE&state=SECRET-STATE").await;
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("You can close this window"));
        assert!(!page.contains("SECRET"), "the page echoes nothing");
        assert!(
            page.to_ascii_lowercase()
                .contains("cache-control: no-store")
        );
        let url = waiter.await.expect("join").expect("redirect");
        assert_eq!(
            url.expose_secret(),
            format!("http://127.0.0.1:{port}/callback?code=SECRET-CODE&state=SECRET-STATE")
        );
        // Exactly one request: the listener is closed now.
        assert!(TcpStream::connect(addr).await.is_err());
    }

    #[tokio::test]
    async fn it_times_out_when_no_redirect_arrives() {
        let uri = format!("http://localhost:{}/cb", free_port());
        let listener = LoopbackListener::bind(&uri).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let waiter = tokio::spawn(listener.wait_for_redirect(Duration::from_secs(2)));
        // A request elsewhere does not end the wait.
        assert!(get(addr, "/elsewhere").await.starts_with("HTTP/1.1 404"));
        match waiter.await.expect("join") {
            Err(AuthError::RedirectTimeout { .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_uri_that_is_not_loopback_is_refused_before_binding() {
        let err = LoopbackListener::bind("http://0.0.0.0:8765/cb")
            .await
            .expect_err("refused");
        assert!(matches!(err, AuthError::InvalidParameter { .. }), "{err:?}");
    }
}
