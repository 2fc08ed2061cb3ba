//! `cognito-emulator`: run the local Cognito emulator until Ctrl-C.
//!
//! ```text
//! cognito-emulator [--port N] [--bind IP] [--region R] [--issuer-from-endpoint] [--seed-demo]
//! ```
//! It prints `listening on http://IP:PORT`, and with `--seed-demo` an `amplify_outputs.json`
//! for the demo pool, client, user (`demo` / printed on stderr) and identity pool.

use std::net::IpAddr;
use std::process::ExitCode;

use cognito_emulator::Emulator;

const USAGE: &str = "usage: cognito-emulator [--port N (default 0)] [--bind IP (default 127.0.0.1)] [--region R] [--issuer-from-endpoint] [--seed-demo]";

#[tokio::main]
async fn main() -> ExitCode {
    let mut builder = Emulator::builder();
    let mut seed = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let parsed = match a.as_str() {
            "--port" => args.next().and_then(|v| v.parse::<u16>().ok()).map(|p| {
                builder = builder.clone().port(p);
            }),
            "--bind" => args
                .next()
                .and_then(|v| v.parse::<IpAddr>().ok())
                .map(|ip| {
                    builder = builder.clone().bind(ip);
                }),
            "--region" => args.next().map(|r| {
                builder = builder.clone().region(r);
            }),
            "--issuer-from-endpoint" => {
                builder = builder.clone().issuer_from_endpoint();
                Some(())
            }
            "--seed-demo" => {
                seed = true;
                Some(())
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => None,
        };
        if parsed.is_none() {
            eprintln!("bad argument: {a}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let emu = match builder.start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cognito-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", emu.endpoint());
    if seed {
        match emu.seed_demo() {
            Ok(setup) => {
                eprintln!(
                    "demo user: {} / {}  (identity pool {})",
                    setup.username, setup.password, setup.identity_pool_id
                );
                println!("{}", setup.amplify_outputs_json());
            }
            Err(e) => {
                eprintln!("cognito-emulator: seeding failed: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    emu.shutdown().await;
    ExitCode::SUCCESS
}
