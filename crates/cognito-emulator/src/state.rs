//! The emulator's whole mutable state: pools, users, tokens, identities, counters, faults.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use rand::RngExt as _;

use crate::Fault;
use crate::srp::{ServerEphemeral, Verifier};
use crate::user_pool::account::{AccountSettings, AccountState, UserCodes};
use crate::user_pool::pool_auth::PoolAuth;

/// How long a challenge `Session` (and an SRP `SECRET_BLOCK`) stays valid: Cognito's default 3 min.
pub(crate) const SESSION_TTL_SECS: i64 = 180;

/// Configuration fixed at start-up.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) region: String,
    /// Issuer prefix; the pool id is appended after a `/`. `None`: the real-looking
    /// `https://cognito-idp.<region>.amazonaws.com`.
    pub(crate) issuer_base: Option<String>,
    pub(crate) issuer_is_endpoint: bool,
    pub(crate) credentials_ttl: Duration,
}

/// One user pool.
#[derive(Debug)]
pub(crate) struct UserPool {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) created: i64,
    pub(crate) users: HashMap<String, User>,
    /// Password policy, username attributes and aliases, auto-verified attributes.
    pub(crate) settings: AccountSettings,
    /// First factors (`SignInPolicy`) and MFA configuration.
    pub(crate) auth: PoolAuth,
}

/// `UNCONFIRMED`, `CONFIRMED`, `FORCE_CHANGE_PASSWORD`, `RESET_REQUIRED`, `EXTERNAL_PROVIDER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserStatus {
    Unconfirmed,
    Confirmed,
    ForceChangePassword,
    ResetRequired,
    /// A federated user, made by a sign-in through an external identity provider.
    ExternalProvider,
}

impl UserStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Unconfirmed => "UNCONFIRMED",
            Self::Confirmed => "CONFIRMED",
            Self::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            Self::ResetRequired => "RESET_REQUIRED",
            Self::ExternalProvider => "EXTERNAL_PROVIDER",
        }
    }
}

/// An MFA kind a user can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MfaKind {
    Sms,
    Totp,
    Email,
}

/// A one-time code the emulator "sent" (`EMAIL_OTP`, `SMS_OTP`): valid until
/// `expires_at`, used up by the first right answer.
#[derive(Debug, Clone)]
pub(crate) struct SentCode {
    pub(crate) code: String,
    pub(crate) expires_at: i64,
}

/// The codes of `USER_AUTH` and email MFA a user was last sent, and the last TOTP step
/// accepted (a TOTP code is not accepted twice).
#[derive(Debug, Clone, Default)]
pub(crate) struct OtpCodes {
    /// The last `EMAIL_OTP` code (first factor or email MFA).
    pub(crate) email_otp: Option<SentCode>,
    /// The last `SMS_OTP` code (first factor).
    pub(crate) sms_otp: Option<SentCode>,
    /// The 30-second step of the last accepted TOTP code.
    pub(crate) totp_last_step: Option<i64>,
}

/// One user.
#[derive(Debug)]
pub(crate) struct User {
    pub(crate) username: String,
    pub(crate) sub: String,
    pub(crate) attributes: BTreeMap<String, String>,
    pub(crate) status: UserStatus,
    pub(crate) enabled: bool,
    pub(crate) verifier: Verifier,
    pub(crate) created: i64,
    pub(crate) modified: i64,
    /// The codes sent to the user: sign-up, password reset, attribute verification.
    pub(crate) codes: UserCodes,
    /// Verified TOTP secret (raw bytes).
    pub(crate) totp_secret: Option<Vec<u8>>,
    /// Secret from AssociateSoftwareToken, not yet verified.
    pub(crate) pending_totp_secret: Option<Vec<u8>>,
    pub(crate) totp_enabled: bool,
    pub(crate) sms_enabled: bool,
    pub(crate) preferred_mfa: Option<MfaKind>,
    pub(crate) last_sms_code: Option<String>,
    /// Email MFA (`EMAIL_OTP` after the password) is enabled.
    pub(crate) email_mfa_enabled: bool,
    /// Codes sent for `USER_AUTH` and email MFA, and TOTP replay protection.
    pub(crate) otp: OtpCodes,
}

/// One app client.
#[derive(Debug, Clone)]
pub(crate) struct AppClient {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) pool_id: String,
    pub(crate) secret: Option<String>,
    pub(crate) access_ttl: i64,
    pub(crate) id_ttl: i64,
    pub(crate) refresh_ttl: i64,
    /// The units as given (echoed by DescribeUserPoolClient).
    pub(crate) units: [String; 3],
    pub(crate) raw_validity: [i64; 3],
    pub(crate) enable_token_revocation: bool,
    /// `Some(grace seconds)` when refresh-token rotation is enabled.
    pub(crate) rotation_grace: Option<i64>,
    pub(crate) prevent_user_existence_errors: bool,
    pub(crate) explicit_auth_flows: Vec<String>,
    /// The hosted UI settings (`AllowedOAuthFlows`, `CallbackURLs`, ...).
    pub(crate) oauth: crate::hosted_ui::OAuthClient,
    pub(crate) created: i64,
    /// `AuthSessionValidity` in minutes (3 to 15): the lifetime of challenge sessions.
    pub(crate) auth_session_validity_mins: i64,
}

/// One refresh token.
#[derive(Debug, Clone)]
pub(crate) struct RefreshRecord {
    pub(crate) pool_id: String,
    pub(crate) client_id: String,
    pub(crate) username: String,
    pub(crate) origin_jti: String,
    pub(crate) auth_time: i64,
    pub(crate) expires_at: i64,
    /// Set when rotation replaced this token: it stops working after this instant.
    pub(crate) invalid_after: Option<i64>,
    /// The OAuth scopes of a hosted-UI sign-in, kept by its refreshes.
    pub(crate) scope: Option<String>,
}

/// An SRP exchange between InitiateAuth and RespondToAuthChallenge, keyed by SECRET_BLOCK.
#[derive(Debug)]
pub(crate) struct SrpSession {
    pub(crate) pool_id: String,
    pub(crate) client_id: String,
    pub(crate) username: String,
    pub(crate) a: num_bigint::BigUint,
    pub(crate) eph: ServerEphemeral,
    /// `S`, started at `InitiateAuth` (`None`: computed when the answer comes).
    pub(crate) early: Option<crate::srp::EarlyPremaster>,
    pub(crate) expires_at: i64,
}

/// A pending challenge.
#[derive(Debug, Clone)]
pub(crate) struct ChallengeSession {
    /// The `ChallengeName` it waits for (a challenge of `user_pool::sign_in`'s table).
    pub(crate) challenge: &'static str,
    pub(crate) pool_id: String,
    pub(crate) client_id: String,
    pub(crate) username: String,
    pub(crate) expires_at: i64,
}

/// One identity pool.
#[derive(Debug, Clone)]
pub(crate) struct IdentityPool {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) allow_unauthenticated: bool,
    /// (provider name `cognito-idp.<region>.amazonaws.com/<poolId>`, client id).
    pub(crate) cognito_providers: Vec<(String, String)>,
    /// External providers, e.g. `accounts.google.com` → app id.
    pub(crate) supported_login_providers: BTreeMap<String, String>,
}

/// One identity.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) pool_id: String,
    /// (provider, subject) pairs linked to this identity; empty for a guest.
    pub(crate) logins: Vec<(String, String)>,
}

/// Faults queued for one operation.
#[derive(Debug, Clone)]
pub(crate) struct QueuedFault {
    pub(crate) fault: Fault,
    pub(crate) remaining: usize,
}

/// The whole state behind the emulator's mutex.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) config: Config,
    pub(crate) endpoint: String,
    pub(crate) clock_offset: i64,
    pub(crate) pools: HashMap<String, UserPool>,
    pub(crate) clients: HashMap<String, AppClient>,
    pub(crate) identity_pools: HashMap<String, IdentityPool>,
    pub(crate) identities: HashMap<String, Identity>,
    /// (identity pool id, provider, subject) → identity id.
    pub(crate) login_index: HashMap<(String, String, String), String>,
    /// Access key id → identity id, for every credential ever issued.
    pub(crate) issued_keys: HashMap<String, String>,
    pub(crate) srp_sessions: HashMap<String, SrpSession>,
    pub(crate) challenges: HashMap<String, ChallengeSession>,
    pub(crate) refresh_tokens: HashMap<String, RefreshRecord>,
    pub(crate) revoked_origins: HashSet<String>,
    /// The sign-in sessions of confirmed sign-ups (auto sign-in).
    pub(crate) accounts: AccountState,
    pub(crate) counters: BTreeMap<String, u64>,
    pub(crate) faults: HashMap<String, VecDeque<QueuedFault>>,
    /// User-pool groups and their members.
    pub(crate) groups: crate::user_pool::groups::Groups,
    /// Remembered devices (`user_pool::devices`).
    pub(crate) devices: crate::user_pool::devices::Devices,
    /// Domains, identity providers, authorization codes, hosted-UI sessions.
    pub(crate) hosted_ui: crate::hosted_ui::HostedUiState,
}

impl State {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            config,
            endpoint: String::new(),
            clock_offset: 0,
            pools: HashMap::new(),
            clients: HashMap::new(),
            identity_pools: HashMap::new(),
            identities: HashMap::new(),
            login_index: HashMap::new(),
            issued_keys: HashMap::new(),
            srp_sessions: HashMap::new(),
            challenges: HashMap::new(),
            refresh_tokens: HashMap::new(),
            revoked_origins: HashSet::new(),
            accounts: AccountState::default(),
            counters: BTreeMap::new(),
            faults: HashMap::new(),
            groups: Default::default(),
            devices: Default::default(),
            hosted_ui: Default::default(),
        }
    }

    /// Emulator time in unix seconds: the system clock plus the test offset.
    pub(crate) fn now(&self) -> i64 {
        let sys = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        sys + self.clock_offset
    }

    /// The `iss` of tokens of `pool_id`.
    pub(crate) fn issuer(&self, pool_id: &str) -> String {
        let base = if self.config.issuer_is_endpoint {
            self.endpoint.clone()
        } else {
            self.config.issuer_base.clone().unwrap_or_else(|| {
                format!("https://cognito-idp.{}.amazonaws.com", self.config.region)
            })
        };
        format!("{}/{pool_id}", base.trim_end_matches('/'))
    }

    /// Drop expired challenge and SRP sessions.
    pub(crate) fn sweep(&mut self) {
        let now = self.now();
        self.srp_sessions.retain(|_, s| s.expires_at > now);
        self.challenges.retain(|_, s| s.expires_at > now);
        self.accounts.sweep(now);
        self.hosted_ui.sweep(now);
    }

    /// Queue `fault` for the next `times` calls of `op`, after those already queued.
    pub(crate) fn push_fault(&mut self, op: &str, fault: Fault, times: usize) {
        if times == 0 {
            return;
        }
        self.faults
            .entry(op.to_owned())
            .or_default()
            .push_back(QueuedFault {
                fault,
                remaining: times,
            });
    }

    /// Take the next queued fault for `op`, if any.
    pub(crate) fn take_fault(&mut self, op: &str) -> Option<Fault> {
        let queue = self.faults.get_mut(op)?;
        let front = queue.front_mut()?;
        let fault = front.fault.clone();
        front.remaining = front.remaining.saturating_sub(1);
        if front.remaining == 0 {
            queue.pop_front();
        }
        Some(fault)
    }
}

/// `n` random bytes, base64url.
pub(crate) fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill(&mut bytes[..]);
    B64URL.encode(bytes)
}

/// `n` random characters of `alphabet`.
pub(crate) fn random_chars(alphabet: &[u8], n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// Lower- and upper-case letters and digits.
pub(crate) const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Upper-case letters and digits.
pub(crate) const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// Lower-case letters and digits.
pub(crate) const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
