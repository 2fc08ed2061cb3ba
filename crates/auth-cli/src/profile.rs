//! Where a profile's session lives, and the plugin that uses it.
//!
//! Layout: `<storage dir>/<profile>/session.json` (a `FileStorage`: mode
//! 0600 in a 0700 directory, atomic writes, a cross-process lock), and, while
//! a scripted sign-in waits for its challenge answer,
//! `<storage dir>/<profile>/challenge.sock`. With `--storage-url` the
//! session lives in Redis or the OS keychain instead (`storage.rs`).

use std::path::{Path, PathBuf};

use auth_cognito::{CognitoAuthPlugin, CognitoConfig};

use crate::cli::Cli;
use crate::exit::CliError;
use crate::storage::{self, StorageUrl};

/// A resolved profile: its name and directory, and the outputs file.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    /// The profile name.
    pub(crate) name: String,
    /// `<storage dir>/<profile>`.
    pub(crate) dir: PathBuf,
    /// The `amplify_outputs.json` path.
    pub(crate) outputs: PathBuf,
    /// `--storage-url`: where the session is stored instead of `dir`.
    pub(crate) storage_url: Option<StorageUrl>,
}

/// Checks a profile name: 1 to 64 of `A-Z a-z 0-9 . _ -`, not starting
/// with a dot, so that it is a safe single path component.
pub(crate) fn validate_profile_name(name: &str) -> Result<(), CliError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(CliError::bad_input(format!(
            "invalid profile name `{}`: use 1 to 64 letters, digits, `.`, `_` or `-`, not starting with `.`",
            name.escape_debug()
        )))
    }
}

/// The default storage directory: the platform's config directory.
fn default_storage_dir() -> Result<PathBuf, CliError> {
    directories::ProjectDirs::from("", "", "amplify-auth")
        .map(|d| d.config_dir().to_path_buf())
        .ok_or_else(|| {
            CliError::bad_input(
                "cannot find the home directory for the default storage location; pass --storage-dir",
            )
        })
}

impl Profile {
    /// Resolves the global options.
    pub(crate) fn from_cli(cli: &Cli) -> Result<Self, CliError> {
        validate_profile_name(&cli.profile)?;
        let base = match &cli.storage_dir {
            Some(d) => d.clone(),
            None => default_storage_dir()?,
        };
        Ok(Self {
            name: cli.profile.clone(),
            dir: base.join(&cli.profile),
            outputs: cli.outputs.clone(),
            storage_url: cli
                .storage_url
                .as_ref()
                .map(StorageUrl::parse)
                .transpose()?,
        })
    }

    /// The session file.
    pub(crate) fn session_file(&self) -> PathBuf {
        self.dir.join("session.json")
    }

    /// The socket of a sign-in waiting for its challenge answer.
    pub(crate) fn challenge_socket(&self) -> PathBuf {
        self.dir.join("challenge.sock")
    }

    /// Reads the outputs file and opens the session store.
    pub(crate) fn plugin(&self) -> Result<CognitoAuthPlugin, CliError> {
        self.build(load_config(&self.outputs, false)?)
    }

    /// A plugin that knows only the user pool, for commands that need only
    /// tokens (`token`): `fetch_cognito_session` would otherwise also call
    /// `GetCredentialsForIdentity` in every process, since credentials are
    /// not persisted. Safe to mix with full plugins on one store: a stored
    /// identity id is only reused by the principal that owns it.
    pub(crate) fn user_pool_plugin(&self) -> Result<CognitoAuthPlugin, CliError> {
        self.build(load_config(&self.outputs, true)?)
    }

    fn build(&self, config: CognitoConfig) -> Result<CognitoAuthPlugin, CliError> {
        let storage = storage::open(
            self.storage_url.as_ref(),
            self,
            config.user_pool_client_id(),
        )?;
        let plugin = CognitoAuthPlugin::builder(config)
            .storage(storage)
            .build()?;
        storage::track(&plugin);
        Ok(plugin)
    }
}

fn load_config(path: &Path, user_pool_only: bool) -> Result<CognitoConfig, CliError> {
    if !path.exists() {
        return Err(CliError::bad_input(format!(
            "{} does not exist; pass --outputs <amplify_outputs.json>",
            path.display()
        )));
    }
    if !user_pool_only {
        return Ok(CognitoConfig::from_amplify_outputs_file(path)?);
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::bad_input(format!("cannot read {}: {e}", path.display())))?;
    let mut json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        // Let the library report the position of the syntax error.
        Err(_) => return Ok(CognitoConfig::from_amplify_outputs(&text)?),
    };
    if let Some(auth) = json.get_mut("auth").and_then(|a| a.as_object_mut()) {
        auth.remove("identity_pool_id");
        auth.remove("unauthenticated_identities_enabled");
    }
    Ok(CognitoConfig::from_amplify_outputs(&json.to_string())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_are_single_safe_path_components() {
        for ok in ["default", "work-2", "a.b_c", "X"] {
            assert!(validate_profile_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "a/b",
            "a b",
            ".hidden",
            &"x".repeat(65),
        ] {
            assert!(validate_profile_name(bad).is_err(), "{bad}");
        }
    }
}
