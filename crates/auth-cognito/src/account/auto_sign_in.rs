//! Auto sign-in after sign-up (Amplify's `autoSignIn`): the sign-up that
//! asked for it, then the `Session` that `ConfirmSignUp` returns, which
//! `InitiateAuth` `USER_AUTH` turns into tokens without the password. The
//! session ends like every sign-in, in `Orchestrator::complete_sign_in`
//! (through the sign-in's response handling, so an MFA challenge that
//! follows is answered with `confirm_sign_in` as usual).
//!
//! When Cognito confirmed the user at sign-up already (a pre-sign-up
//! trigger), there is no confirmation session: the password given to
//! `sign_up` is kept in memory, as Amplify does, until `auto_sign_in` signs
//! in with SRP, and never persisted.

use std::fmt;
use std::sync::Mutex;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use auth_core::types::{AuthFlowType, SignInDetails};
use serde_json::{Value, json};

use crate::idp::{AuthResponse, secret_hash};
use crate::orchestrator::Orchestrator;
use crate::sign_in::{self, Pending, SignInOptions, SignInResult};

/// How far an auto sign-in got.
enum Stage {
    /// `sign_up` asked for it; the confirmation has not happened yet.
    Requested,
    /// `ConfirmSignUp` returned this session.
    Session(SecretString),
    /// Confirmed at sign-up: sign in with the sign-up's password.
    Password(SecretString),
}

/// The auto sign-in of one user.
struct Waiting {
    username: String,
    stage: Stage,
}

/// The auto sign-in waiting for `confirm_sign_up` or `auto_sign_in`: one
/// per plugin, in memory only. Boxed, so that an idle plugin keeps a
/// pointer, not a whole `Waiting`.
#[derive(Default)]
pub(crate) struct AutoSignIn(Mutex<Option<Box<Waiting>>>);

impl fmt::Debug for AutoSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = self.0.lock().ok().and_then(|w| {
            w.as_ref().map(|w| match w.stage {
                Stage::Requested => "requested",
                Stage::Session(_) => "session",
                Stage::Password(_) => "password",
            })
        });
        f.debug_struct("AutoSignIn")
            .field("stage", &stage)
            .finish_non_exhaustive()
    }
}

fn poisoned() -> AuthError {
    AuthError::InvalidState("internal lock poisoned".into())
}

impl AutoSignIn {
    fn set(&self, value: Option<Waiting>) -> Result<(), AuthError> {
        *self.0.lock().map_err(|_| poisoned())? = value.map(Box::new);
        Ok(())
    }

    fn put(&self, username: &str, stage: Stage) -> Result<(), AuthError> {
        self.set(Some(Waiting {
            username: username.to_owned(),
            stage,
        }))
    }

    /// Forgets any auto sign-in (a new sign-up, or one that cannot happen).
    pub(super) fn clear(&self) -> Result<(), AuthError> {
        self.set(None)
    }

    /// `sign_up` of `username` asked for auto sign-in.
    pub(super) fn request(&self, username: &str) -> Result<(), AuthError> {
        self.put(username, Stage::Requested)
    }

    /// Whether this plugin's `sign_up` of `username` asked for auto sign-in.
    pub(super) fn requested_for(&self, username: &str) -> Result<bool, AuthError> {
        Ok(self
            .0
            .lock()
            .map_err(|_| poisoned())?
            .as_ref()
            .is_some_and(|w| w.username == username))
    }

    /// `ConfirmSignUp` returned `session`: auto sign-in is ready.
    pub(super) fn ready_with_session(
        &self,
        username: &str,
        session: SecretString,
    ) -> Result<(), AuthError> {
        self.put(username, Stage::Session(session))
    }

    /// The user was confirmed at sign-up: auto sign-in uses the password.
    pub(super) fn ready_with_password(
        &self,
        username: &str,
        password: SecretString,
    ) -> Result<(), AuthError> {
        self.put(username, Stage::Password(password))
    }

    fn take(&self) -> Result<Option<Waiting>, AuthError> {
        Ok(self.0.lock().map_err(|_| poisoned())?.take().map(|w| *w))
    }
}

/// Signs the confirmed user in (see `CognitoAuthPlugin::auto_sign_in`).
pub(crate) async fn auto_sign_in(
    session: &Orchestrator,
    pending: &Pending,
    auto: &AutoSignIn,
) -> Result<SignInResult, AuthError> {
    let waiting = auto.take()?.ok_or_else(|| {
        AuthError::InvalidState(
            "no auto sign-in is waiting: call sign_up with auto_sign_in, then confirm_sign_up"
                .into(),
        )
    })?;
    let username = waiting.username.clone();
    let secret = match &waiting.stage {
        Stage::Requested => {
            auto.set(Some(waiting))?;
            return Err(AuthError::InvalidState(
                "the sign-up is not confirmed yet: call confirm_sign_up first".into(),
            ));
        }
        Stage::Password(password) => {
            let password = password.clone();
            let result = sign_in::sign_in(
                session,
                pending,
                &username,
                password.expose_secret(),
                SignInOptions::default(),
            )
            .await;
            if result.as_ref().is_err_and(AuthError::is_transient) {
                auto.set(Some(waiting))?;
            }
            return result;
        }
        Stage::Session(s) => s.clone(),
    };
    session.ensure_loaded().await?;
    if session.state.load().user.is_some() {
        auto.set(Some(waiting))?;
        return Err(AuthError::AlreadySignedIn);
    }
    let req = user_auth_request(session, &username, &secret)?;
    tracing::debug!("auto sign-in started");
    let response: AuthResponse = match session.idp()?.call("InitiateAuth", &req).await {
        Ok(r) => r,
        Err(e) => {
            // A flaky network keeps the session for a retry; a rejected
            // session (expired, used) is gone: sign in with the password.
            if e.is_transient() {
                auto.set(Some(waiting))?;
            }
            return Err(e);
        }
    };
    drop(secret);
    let details = SignInDetails::new(Some(username.clone()), AuthFlowType::UserAuth);
    sign_in::handle_auth_response(
        session,
        pending,
        "InitiateAuth",
        response,
        sign_in::Started::new(&username, details),
    )
    .await
}

/// `InitiateAuth` `USER_AUTH` with the confirmation's `Session`.
fn user_auth_request(
    session: &Orchestrator,
    username: &str,
    confirmation: &SecretString,
) -> Result<Value, AuthError> {
    let client_id = session.client_id()?;
    let mut params = json!({ "USERNAME": username });
    if let Some(s) = session.config.client_secret() {
        params["SECRET_HASH"] = json!(secret_hash(s, username, client_id));
    }
    Ok(json!({
        "AuthFlow": AuthFlowType::UserAuth.as_str(),
        "ClientId": client_id,
        "AuthParameters": params,
        "Session": confirmation.expose_secret(),
    }))
}
