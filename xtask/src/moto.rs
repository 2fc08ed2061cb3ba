//! moto server (`moto[server]` from PyPI): an independent Cognito
//! implementation on a loopback port, for the moto integration tests.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::Stdio;

use crate::cmd::cmd;
use crate::error::{Context, Result};
use crate::project;
use crate::server::{self, ServerGuard};
use crate::venv::{self, Venv};

/// Starts moto and stops it when its parent goes away.
const RUN_MOTO: &str = "interop/run_moto.py";

/// A running moto server; dropping it stops the server.
#[derive(Debug)]
pub(crate) struct MotoGuard {
    /// `http://127.0.0.1:<port>`.
    pub(crate) endpoint: String,
    guard: ServerGuard,
}

/// Starts moto on 127.0.0.1 (on `port`, or a free one) and waits until it
/// answers HTTP. Its request log goes to `target/xtask/moto-<port>.log`.
pub(crate) fn start_moto(venv: &Venv, port: Option<u16>) -> Result<MotoGuard> {
    let port = match port {
        Some(p) => p,
        None => server::free_port()?,
    };
    let scratch = project::scratch_dir();
    std::fs::create_dir_all(&scratch)?;
    let log_path = scratch.join(format!("moto-{port}.log"));
    let log =
        File::create(&log_path).context(format_args!("cannot create {}", log_path.display()))?;
    let port_arg = port.to_string();
    // interop/run_moto.py runs moto.server's main and exits when its stdin
    // closes, so moto dies with xtask however xtask ends. The pipe stays
    // open as long as the guard holds the child.
    let child = cmd(
        venv.python(),
        [RUN_MOTO, "-H", "127.0.0.1", "-p", &port_arg],
    )
    .spawn(
        Stdio::piped(),
        Stdio::from(log.try_clone()?),
        Stdio::from(log),
    )?;
    let mut guard = ServerGuard::new("moto", child, Some(log_path));
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    server::wait_until_http_ready(&mut guard, addr)?;
    let endpoint = format!("http://{addr}");
    println!("moto is ready at {endpoint}");
    Ok(MotoGuard { endpoint, guard })
}

/// `cargo xtask moto [--port P]`: runs moto until Ctrl-C (which the
/// terminal delivers to moto too, as it shares our process group).
pub(crate) fn run_until_interrupted(port: Option<u16>) -> Result<()> {
    let venv = venv::ensure()?;
    let mut moto = start_moto(&venv, port)?;
    println!("MOTO_ENDPOINT={}", moto.endpoint);
    println!("moto is running; press Ctrl-C to stop it");
    moto.guard.wait()
}
