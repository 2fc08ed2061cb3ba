//! The emulator a report run talks to (an external one named by the
//! environment, or one in process), its counters, and plugins built from
//! its configuration, parsed once.

use std::collections::BTreeMap;
use std::sync::Arc;

use auth_cognito::{CognitoAuthPlugin, CognitoConfig, SignInOptions};
use auth_core::prelude::*;
use cognito_emulator::Emulator;
use serde_json::Value;

/// The emulator this run talks to.
pub(crate) struct Bed {
    /// The configuration, parsed from `amplify_outputs.json` once: building a plugin
    /// clones it, so no measured loop parses JSON.
    config: CognitoConfig,
    endpoint: String,
    pub(crate) username: String,
    pub(crate) password: String,
    /// In-process emulator, when no external one was given.
    pub(crate) emu: Option<Emulator>,
    http: reqwest::Client,
}

impl Bed {
    pub(crate) async fn start() -> Bed {
        let http = reqwest::Client::new();
        if let Ok(path) = std::env::var("AMPLIFY_AUTH_BENCH_OUTPUTS") {
            let outputs = std::fs::read_to_string(&path).expect("read AMPLIFY_AUTH_BENCH_OUTPUTS");
            let v: Value = serde_json::from_str(&outputs).expect("outputs json");
            let endpoint = v["auth"]["user_pool_endpoint"]
                .as_str()
                .expect("auth.user_pool_endpoint")
                .trim_end_matches('/')
                .to_owned();
            let username = std::env::var("AMPLIFY_AUTH_BENCH_USERNAME").unwrap_or("demo".into());
            let password = std::env::var("AMPLIFY_AUTH_PASSWORD").expect("AMPLIFY_AUTH_PASSWORD");
            return Bed {
                config: parse_config(&outputs),
                endpoint,
                username,
                password,
                emu: None,
                http,
            };
        }
        let (emu, demo) = Emulator::start_demo().await.expect("emulator");
        let outputs = demo.amplify_outputs_json();
        Bed {
            config: parse_config(&outputs),
            endpoint: demo.endpoint.clone(),
            username: demo.username.clone(),
            password: demo.password.clone(),
            emu: Some(emu),
            http,
        }
    }

    /// The parsed configuration (a clone: no JSON is parsed here).
    pub(crate) fn config(&self) -> CognitoConfig {
        self.config.clone()
    }

    pub(crate) async fn counters(&self) -> BTreeMap<String, u64> {
        if let Some(emu) = &self.emu {
            return emu.counters();
        }
        let v: Value = self
            .http
            .get(format!("{}/_emulator/counters", self.endpoint))
            .send()
            .await
            .expect("GET counters")
            .json()
            .await
            .expect("counters json");
        let v = v.get("counters").cloned().unwrap_or(v);
        v.as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn plugin(&self, storage: Arc<dyn KeyValueStorage>) -> CognitoAuthPlugin {
        CognitoAuthPlugin::builder(self.config())
            .storage(storage)
            .build()
            .expect("plugin")
    }

    pub(crate) async fn signed_in(&self, storage: Arc<dyn KeyValueStorage>) -> CognitoAuthPlugin {
        let plugin = self.plugin(storage);
        plugin
            .sign_in(&self.username, &self.password, SignInOptions::default())
            .await
            .expect("sign in");
        plugin
    }
}

/// The bench's configuration from `amplify_outputs.json`. Under valgrind
/// (`--callgrind`) the in-process emulator's SRP runs tens of times slower:
/// a sign-in must not hit the 15 s default request timeout. No row times a
/// timeout, so this changes no figure.
fn parse_config(outputs: &str) -> CognitoConfig {
    let config = CognitoConfig::from_amplify_outputs(outputs).expect("config");
    let tuning = config
        .tuning()
        .clone()
        .with_request_timeout(std::time::Duration::from_secs(300));
    config.with_tuning(tuning)
}
