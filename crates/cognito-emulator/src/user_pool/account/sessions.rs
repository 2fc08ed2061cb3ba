//! The sign-in sessions of confirmed sign-ups: `ConfirmSignUp` returns one when the app
//! client allows `USER_AUTH`, and `InitiateAuth` `USER_AUTH` with it signs the user in
//! without a password (Amplify's auto sign-in). Each is single use, for its client and
//! user, and lasts the client's authentication session (3 minutes).

use std::collections::HashMap;

use crate::state::{AppClient, SESSION_TTL_SECS, random_token};

/// One confirmed sign-up's session.
#[derive(Debug, Clone)]
pub(crate) struct SignUpSession {
    pub(crate) client_id: String,
    pub(crate) username: String,
    expires_at: i64,
}

/// The account state that is not a user's: the sign-up sessions.
#[derive(Debug, Default)]
pub(crate) struct AccountState {
    sign_up_sessions: HashMap<String, SignUpSession>,
}

/// Whether the app client allows `USER_AUTH` (`ALLOW_USER_AUTH`).
pub(crate) fn allows_user_auth(c: &AppClient) -> bool {
    c.explicit_auth_flows.iter().any(|f| f == "ALLOW_USER_AUTH")
}

impl AccountState {
    /// A new session for `username`, who just confirmed sign-up through `c`.
    pub(crate) fn issue(&mut self, c: &AppClient, username: &str, now: i64) -> String {
        let id = random_token(96);
        self.sign_up_sessions.insert(
            id.clone(),
            SignUpSession {
                client_id: c.id.clone(),
                username: username.to_owned(),
                expires_at: now + SESSION_TTL_SECS,
            },
        );
        id
    }

    /// Uses up the session `id`: it is returned when it is still valid.
    pub(crate) fn take(&mut self, id: &str, now: i64) -> Option<SignUpSession> {
        self.sign_up_sessions
            .remove(id)
            .filter(|s| s.expires_at > now)
    }

    /// Drops expired sessions.
    pub(crate) fn sweep(&mut self, now: i64) {
        self.sign_up_sessions.retain(|_, s| s.expires_at > now);
    }
}
