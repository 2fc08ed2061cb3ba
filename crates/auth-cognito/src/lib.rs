#![doc = include_str!("../README.md")]

mod account;
mod aws_provider;
mod cognito_session;
pub mod config;
mod device_store;
mod devices;
mod expired_flight;
mod flight;
pub mod hosted_ui;
mod identity;
mod idp;
mod mfa;
mod orchestrator;
mod plugin;
mod session;
mod sign_in;
mod sign_out;
pub mod srp;
mod verify;

pub use account::{
    CodeDeliveryDetails, ConfirmSignUpOptions, DeliveryMedium, ResetPasswordResult,
    ResetPasswordStep, SignUpOptions, SignUpResult, SignUpStep, UpdateUserAttributeResult,
    UpdateUserAttributeStep,
};
pub use aws_provider::CognitoCredentialsProvider;
pub use cognito_session::CognitoAuthSession;
pub use config::{CognitoConfig, CognitoConfigBuilder, Tuning};
pub use devices::{AuthDevice, DeviceOutcome};
pub use hosted_ui::{HostedUiProvider, PendingRedirect, SignInWithRedirectOptions};
pub use identity::FederateToIdentityPoolResult;
pub use mfa::{MfaPreference, MfaPreferences, UpdateMfaPreference};
pub use plugin::{CognitoAuthPlugin, CognitoAuthPluginBuilder, PLUGIN_KEY};
pub use sign_in::{
    AuthFactorType, DEFAULT_TOTP_ISSUER, MfaType, SignInOptions, SignInResult, SignInStep,
    TotpSetupDetails,
};
pub use verify::{JwksVerifier, TokenUse, VerifyError, user_pool_issuer};

/// Parses an error answer of the user-pool service (status, the
/// `x-amzn-ErrorType` header and the body) into a typed error, as the
/// client does. For the fuzz targets only (feature `fuzzing`). Never panics;
/// an unparseable body gives a generic service error keyed on the status.
#[cfg(feature = "fuzzing")]
pub fn parse_service_error(
    status: u16,
    header_type: Option<&str>,
    body: &[u8],
) -> auth_core::error::AuthError {
    idp::parse_service_error(status, header_type, body)
}
