#![doc = include_str!("../docs/crate.md")]

mod emulator;
mod error;
mod fault;
mod hosted_ui;
mod identity;
mod jwt;
mod server;
mod srp;
mod state;
mod totp;
mod user_pool;
mod wire;

pub use emulator::{
    Client, ClientOptions, DemoSetup, DeviceConfiguration, Emulator, EmulatorBuilder,
    HostedUiClient,
};
pub use error::EmulatorError;
pub use fault::Fault;
pub use totp::totp_code;
pub use user_pool::secret::secret_hash;
