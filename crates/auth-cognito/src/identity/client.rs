//! The identity-pool client: `GetId` and `GetCredentialsForIdentity` through
//! `aws-sdk-cognitoidentity` (both unsigned, so no AWS credentials are
//! needed), with the SDK's own retries disabled: retrying is this crate's
//! decision. No SDK type leaves this file.
//!
//! The SDK's own tracing is silenced for these calls: at TRACE level it
//! prints the request (with the logins map, which holds the id token) and the
//! response (whose session token it does not redact). This file logs a
//! redacted summary of each call instead.

use std::collections::HashMap;
use std::fmt;

use auth_core::error::{AuthError, NetworkErrorKind};
use auth_core::secret::SecretString;
use auth_core::types::AwsCredentials;
use aws_sdk_cognitoidentity::config::retry::RetryConfig;
use aws_sdk_cognitoidentity::config::timeout::TimeoutConfig;
use aws_sdk_cognitoidentity::config::{BehaviorVersion, Region};
use aws_sdk_cognitoidentity::error::{ProvideErrorMetadata, SdkError};
use tracing::instrument::WithSubscriber as _;
use tracing::subscriber::NoSubscriber;

use crate::config::{CognitoConfig, Tuning};
use crate::idp::service_error;

/// What a shared SDK client is made for: region, endpoint, timeouts.
type Key = (String, String, std::time::Duration, std::time::Duration);

/// The identity-pool client. The SDK client (its HTTP connector and TLS
/// roots, read from the system's certificate directory) is made at the
/// first call, not with the plugin: a process served from stored
/// credentials (`credential_process`) never makes one.
#[derive(Clone)]
pub(crate) struct IdentityClient {
    client: std::sync::Arc<std::sync::OnceLock<aws_sdk_cognitoidentity::Client>>,
    /// The pool id, region, endpoint and timeouts are read from the shared
    /// config when needed: a plugin (one per session in a server) holds no
    /// copy of them.
    config: CognitoConfig,
}

impl fmt::Debug for IdentityClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityClient")
            .field("pool_id", &self.pool_id())
            .finish_non_exhaustive()
    }
}

/// One SDK client (HTTP connector, TLS roots) per process and `key`,
/// shared by every plugin.
fn shared_client(key: &Key) -> aws_sdk_cognitoidentity::Client {
    static SHARED: std::sync::LazyLock<
        std::sync::Mutex<HashMap<Key, aws_sdk_cognitoidentity::Client>>,
    > = std::sync::LazyLock::new(Default::default);
    let mut shared = SHARED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(client) = shared.get(key) {
        return client.clone();
    }
    let (region, endpoint, connect_timeout, request_timeout) = key;
    let conf = aws_sdk_cognitoidentity::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.clone()))
        .endpoint_url(endpoint)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(*connect_timeout)
                .operation_timeout(*request_timeout)
                .build(),
        )
        .build();
    let client = aws_sdk_cognitoidentity::Client::from_conf(conf);
    shared.insert(key.clone(), client.clone());
    client
}

fn sdk_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    operation: &str,
    e: SdkError<E, aws_sdk_cognitoidentity::config::http::HttpResponse>,
) -> AuthError {
    match e {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let err = se.err();
            let code = err.code().unwrap_or("UnknownError").to_owned();
            let message = err
                .message()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            service_error(&code, message, status)
        }
        SdkError::TimeoutError(_) => AuthError::Network {
            kind: NetworkErrorKind::Timeout,
            message: format!("{operation} timed out"),
        },
        SdkError::DispatchFailure(d) => AuthError::Network {
            kind: if d.is_timeout() {
                NetworkErrorKind::Timeout
            } else if d.is_io() {
                NetworkErrorKind::Connect
            } else {
                NetworkErrorKind::Other
            },
            message: format!("{operation} could not be sent"),
        },
        SdkError::ResponseError(_) => AuthError::InvalidResponse {
            operation: operation.into(),
            message: "the response could not be parsed".into(),
        },
        _ => AuthError::InvalidResponse {
            operation: operation.into(),
            message: "the request failed".into(),
        },
    }
}

impl IdentityClient {
    /// The client of `config`'s identity pool.
    pub(crate) fn new(config: &CognitoConfig) -> Self {
        Self {
            client: std::sync::Arc::default(),
            config: config.clone(),
        }
    }

    /// The SDK client, made at the first call.
    fn client(&self) -> &aws_sdk_cognitoidentity::Client {
        self.client.get_or_init(|| {
            let tuning: &Tuning = self.config.tuning();
            shared_client(&(
                self.config.region().to_owned(),
                self.config.identity_pool_endpoint(),
                tuning.connect_timeout,
                tuning.request_timeout,
            ))
        })
    }

    pub(crate) fn pool_id(&self) -> &str {
        self.config.identity_pool_id().unwrap_or_default()
    }

    /// The identity-pool logins key of the user pool (empty without one).
    pub(crate) fn user_pool_provider(&self) -> String {
        self.config.user_pool_provider_name().unwrap_or_default()
    }

    fn logins_map(logins: &[(String, SecretString)]) -> Option<HashMap<String, String>> {
        if logins.is_empty() {
            None
        } else {
            Some(
                logins
                    .iter()
                    .map(|(k, v)| (k.clone(), v.expose_secret().to_owned()))
                    .collect(),
            )
        }
    }

    pub(super) async fn get_id(
        &self,
        logins: &[(String, SecretString)],
    ) -> Result<String, AuthError> {
        let out = self
            .client()
            .get_id()
            .identity_pool_id(self.pool_id())
            .set_logins(Self::logins_map(logins))
            .send()
            .with_subscriber(NoSubscriber::default())
            .await
            .map_err(|e| sdk_error("GetId", e))?;
        tracing::debug!("GetId ok");
        out.identity_id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError::InvalidResponse {
                operation: "GetId".into(),
                message: "no IdentityId".into(),
            })
    }

    pub(super) async fn get_credentials(
        &self,
        identity_id: &str,
        logins: &[(String, SecretString)],
    ) -> Result<(String, AwsCredentials), AuthError> {
        let out = self
            .client()
            .get_credentials_for_identity()
            .identity_id(identity_id)
            .set_logins(Self::logins_map(logins))
            .send()
            .with_subscriber(NoSubscriber::default())
            .await
            .map_err(|e| sdk_error("GetCredentialsForIdentity", e))?;
        tracing::debug!("GetCredentialsForIdentity ok");
        let bad = |m: &str| AuthError::InvalidResponse {
            operation: "GetCredentialsForIdentity".into(),
            message: m.into(),
        };
        let c = out.credentials.ok_or_else(|| bad("no Credentials"))?;
        let access_key_id = c
            .access_key_id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("no AccessKeyId"))?;
        let secret_access_key = c
            .secret_key
            .filter(|s| !s.is_empty())
            .map(SecretString::from)
            .ok_or_else(|| bad("no SecretKey"))?;
        let mut creds = AwsCredentials::new(access_key_id, secret_access_key);
        if let Some(token) = c.session_token {
            creds = creds.with_session_token(token);
        }
        if let Some(expiration) = c.expiration {
            creds = creds.with_expiration(expiration.secs());
        }
        let id = out
            .identity_id
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| identity_id.to_owned());
        Ok((id, creds))
    }
}
