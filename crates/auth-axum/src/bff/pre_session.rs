//! Sign-in with the hosted UI, server side: `/auth/sign-in` starts a flow
//! and keeps it (state and PKCE verifier) in a 10-minute pre-session tied to
//! its own cookie; `/auth/callback` takes the pre-session once (under the
//! store's lock, then deletes it), lets the plugin check the returned
//! `state` in constant time and exchange the code, and creates the session.

use std::sync::Arc;

use auth_cognito::hosted_ui::{HostedUiProvider, SignInWithRedirectOptions};
use auth_core::error::AuthError;
use auth_core::storage::KeyValueStorage;
use auth_storage::MemoryStorage;

use super::BffSessions;
use super::PRE_SESSION_TTL;
use super::manager::log_name;
use super::rejection::BffRejection;
use super::session_id::SessionId;
use super::store::{
    PRE_SESSION_RECORD, PreSessionRecord, SESSION_MARKER, SessionMarker, pre_session_namespace,
    session_namespace,
};

/// The longest `return_to` kept (longer ones are replaced by `/`).
const MAX_RETURN_TO: usize = 2048;

/// Where the browser goes after the callback: a local path (`/...`, not
/// `//...` or with a backslash, which browsers treat as another host) of at
/// most [`MAX_RETURN_TO`] bytes, else `/`.
pub(crate) fn safe_return_to(wanted: Option<&str>) -> String {
    match wanted {
        Some(p)
            if p.len() <= MAX_RETURN_TO
                && p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(char::is_control) =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Whether `name` can be an identity provider's name.
fn is_provider_name(name: &str) -> bool {
    name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

const fn invalid(description: &'static str) -> BffRejection {
    BffRejection::InvalidCallback { description }
}

impl BffSessions {
    /// Starts a hosted-UI sign-in: the pre-session's id (for its cookie) and
    /// the authorize URL to redirect the browser to.
    pub(crate) async fn start_sign_in(
        &self,
        provider: Option<&str>,
        return_to: Option<&str>,
    ) -> Result<(SessionId, String), BffRejection> {
        // A plugin of its own, on an empty store: it only builds the flow.
        let plugin = self
            .plugin_on(Arc::new(MemoryStorage::new()))
            .map_err(|e| BffRejection::from_session_error(&e))?;
        let mut options =
            SignInWithRedirectOptions::default().with_redirect_uri(self.callback_url());
        if let Some(p) = provider.filter(|p| !p.is_empty()) {
            if !is_provider_name(p) {
                return Err(invalid(
                    "the provider is not a provider name (letters, digits, '_', '-', '.'; at most 128)",
                ));
            }
            options = options.with_provider(HostedUiProvider::from_name(p));
        }
        let flow = plugin
            .sign_in_with_redirect(options)
            .await
            .map_err(|e| match e {
                AuthError::InvalidConfig { .. } => BffRejection::NotConfigured {
                    description: "the hosted UI is not configured for this app client",
                },
                other => BffRejection::from_session_error(&other),
            })?;
        let id = SessionId::generate();
        let key = id.store_key();
        let record = PreSessionRecord::new(
            self.now_ms(),
            safe_return_to(return_to),
            &flow.export_secret(),
        );
        let namespace = pre_session_namespace(&key);
        let storage = self
            .inner
            .store
            .namespace(&namespace, PRE_SESSION_TTL)
            .map_err(|e| BffRejection::from_storage(&e))?;
        let ttl = i64::try_from(PRE_SESSION_TTL.as_millis()).unwrap_or(i64::MAX);
        self.inner
            .store
            .pre_session_created(&namespace, self.now_ms(), ttl);
        storage
            .set(PRE_SESSION_RECORD, record.to_secret_json().expose_secret())
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "could not store a BFF pre-session");
                BffRejection::Unavailable
            })?;
        tracing::debug!(
            pre_session = log_name(&key),
            provider = flow.provider(),
            "BFF sign-in started"
        );
        Ok((id, flow.authorize_url().to_owned()))
    }

    /// Takes a pre-session once: reads it and deletes it under its lock, so
    /// that two callbacks with the same cookie cannot both use it.
    async fn take_pre_session(&self, id: &SessionId) -> Result<PreSessionRecord, BffRejection> {
        let key = id.store_key();
        let namespace = pre_session_namespace(&key);
        let store = &self.inner.store;
        let storage = store
            .existing(&namespace, PRE_SESSION_TTL)
            .map_err(|e| BffRejection::from_storage(&e))?
            .ok_or(invalid(
                "no sign-in is in progress for this browser (unknown, used or expired pre-session)",
            ))?;
        let unavailable = |e: auth_core::storage::StorageError| {
            tracing::warn!(error = %e, "the BFF pre-session store failed");
            BffRejection::Unavailable
        };
        let lock = storage.lock().await.map_err(unavailable)?;
        let raw = storage.get(PRE_SESSION_RECORD).await;
        let deleted = match &raw {
            Ok(Some(_)) => store.delete(&namespace, PRE_SESSION_TTL).await,
            _ => Ok(()),
        };
        if let Err(e) = lock.release().await {
            tracing::debug!(error = %e, "the pre-session lock ends with its lease");
        }
        let raw = raw.map_err(unavailable)?;
        deleted.map_err(unavailable)?;
        let raw = raw.ok_or(invalid(
            "no sign-in is in progress for this browser (unknown, used or expired pre-session)",
        ))?;
        let record = PreSessionRecord::parse(&raw).map_err(|e| {
            tracing::warn!(pre_session = log_name(&key), error = %e, "a BFF pre-session record is corrupt");
            invalid("the sign-in in progress could not be read; start again")
        })?;
        let ttl = i64::try_from(PRE_SESSION_TTL.as_millis()).unwrap_or(i64::MAX);
        if self.now_ms() - record.created_at_ms > ttl {
            return Err(invalid(
                "the sign-in took more than 10 minutes; start again",
            ));
        }
        Ok(record)
    }

    /// Completes a sign-in with the callback's query string: the new
    /// session's id (for its cookie) and where to send the browser.
    pub(crate) async fn complete_sign_in(
        &self,
        pre: Option<SessionId>,
        query: &str,
        previous: Option<SessionId>,
    ) -> Result<(SessionId, String), BffRejection> {
        let pre = pre.ok_or(invalid(
            "no sign-in is in progress for this browser (no pre-session cookie)",
        ))?;
        let record = self.take_pre_session(&pre).await?;
        let id = SessionId::generate();
        let key = id.store_key();
        let namespace = session_namespace(&key);
        let storage = self
            .inner
            .store
            .namespace(&namespace, self.inner.session_idle_ttl)
            .map_err(|e| BffRejection::from_storage(&e))?;
        let plugin = self
            .plugin_on(storage.clone())
            .map_err(|e| BffRejection::from_session_error(&e))?;
        let flow = plugin
            .resume_sign_in_with_redirect(record.flow())
            .map_err(|_| invalid("the sign-in in progress belongs to another app client"))?;
        let redirected_to = format!("{}?{query}", self.callback_url());
        if let Err(e) = flow.complete(&redirected_to).await {
            let _ = self
                .inner
                .store
                .delete(&namespace, self.inner.session_idle_ttl)
                .await;
            return Err(callback_error(&e));
        }
        let marker = SessionMarker::new(self.now_ms());
        if let Err(e) = storage.set(SESSION_MARKER, &marker.to_json()).await {
            tracing::warn!(error = %e, "could not store a new BFF session");
            let _ = self
                .inner
                .store
                .delete(&namespace, self.inner.session_idle_ttl)
                .await;
            return Err(BffRejection::Unavailable);
        }
        self.adopt(&key, plugin, storage as Arc<dyn KeyValueStorage>);
        if let Some(old) = previous.filter(|p| p.store_key() != key) {
            // The browser signed in anew: its previous session ends.
            let _ = self.delete_session(&old.store_key()).await;
        }
        tracing::info!(session = log_name(&key), "BFF session created");
        Ok((id, record.return_to))
    }
}

/// The rejection of a failed callback.
fn callback_error(e: &AuthError) -> BffRejection {
    match e {
        AuthError::StateMismatch => {
            invalid("the callback's state does not match this browser's sign-in")
        }
        AuthError::SignInCancelled { .. } => invalid("the sign-in was cancelled"),
        _ if e.is_transient() => BffRejection::Unavailable,
        _ => invalid("the hosted UI's answer could not be completed (no code, or a refused code)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_return_to(Some("/me?x=1")), "/me?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "me",
            "/a\nb",
        ] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_return_to(None), "/");
        assert_eq!(safe_return_to(Some(&format!("/{}", "a".repeat(3000)))), "/");
        assert!(is_provider_name("Google") && is_provider_name("my-saml.idp_1"));
        assert!(!is_provider_name("a b") && !is_provider_name("x&state=y"));
    }

    #[test]
    fn a_forged_state_is_a_400_and_a_network_fault_a_503() {
        assert_eq!(
            callback_error(&AuthError::StateMismatch).status().as_u16(),
            400
        );
        let net = AuthError::Network {
            kind: auth_core::error::NetworkErrorKind::Connect,
            message: "down".into(),
        };
        assert_eq!(callback_error(&net), BffRejection::Unavailable);
    }
}
