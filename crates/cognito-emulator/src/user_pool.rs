//! User-pool operations (`AWSCognitoIdentityProviderService.*`): pools, clients, users,
//! sign-in (SRP, password, challenges), token refresh, sign-out and revocation.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::error::ApiError;
use crate::srp::{self, ClaimCheck, Verifier};
use crate::state::{
    ALNUM, AppClient, ChallengeKind, ChallengeSession, LOWER_ALNUM, MfaKind, RefreshRecord,
    SESSION_TTL_SECS, SrpSession, State, User, UserPool, UserStatus, random_chars, random_token,
};
use crate::tokens;
use crate::totp;

/// Run user-pool operation `op`; `None` when the operation is unknown.
pub(crate) fn dispatch(st: &mut State, op: &str, req: &Value) -> Option<Result<Value, ApiError>> {
    st.sweep();
    Some(match op {
        "CreateUserPool" => create_user_pool(st, req),
        "DescribeUserPool" => describe_user_pool(st, req),
        "CreateUserPoolClient" => create_user_pool_client(st, req),
        "DescribeUserPoolClient" => describe_user_pool_client(st, req),
        "AdminCreateUser" => admin_create_user(st, req),
        "AdminSetUserPassword" => admin_set_user_password(st, req),
        "AdminDeleteUser" => admin_user(st, req, AdminAction::Delete),
        "AdminDisableUser" => admin_user(st, req, AdminAction::Disable),
        "AdminEnableUser" => admin_user(st, req, AdminAction::Enable),
        "AdminUserGlobalSignOut" => admin_user(st, req, AdminAction::GlobalSignOut),
        "AdminConfirmSignUp" => admin_user(st, req, AdminAction::Confirm),
        "AdminGetUser" => admin_get_user(st, req),
        "AdminSetUserMFAPreference" => admin_set_mfa_preference(st, req),
        "SignUp" => sign_up(st, req),
        "ConfirmSignUp" => confirm_sign_up(st, req),
        "InitiateAuth" => initiate_auth(st, req, false),
        "AdminInitiateAuth" => initiate_auth(st, req, true),
        "RespondToAuthChallenge" => respond_to_auth_challenge(st, req, false),
        "AdminRespondToAuthChallenge" => respond_to_auth_challenge(st, req, true),
        "GetTokensFromRefreshToken" => get_tokens_from_refresh_token(st, req),
        "GetUser" => get_user(st, req),
        "GlobalSignOut" => global_sign_out(st, req),
        "RevokeToken" => revoke_token(st, req),
        "ChangePassword" => change_password(st, req),
        "AssociateSoftwareToken" => associate_software_token(st, req),
        "VerifySoftwareToken" => verify_software_token(st, req),
        "SetUserMFAPreference" => set_mfa_preference(st, req),
        _ => return None,
    })
}

// ---------------------------------------------------------------- request helpers

pub(crate) fn opt_str<'a>(req: &'a Value, key: &str) -> Option<&'a str> {
    req.get(key).and_then(Value::as_str)
}

pub(crate) fn req_str<'a>(req: &'a Value, key: &str) -> Result<&'a str, ApiError> {
    match opt_str(req, key) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(key)
        ))),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn str_map(req: &Value, key: &str) -> BTreeMap<String, String> {
    req.get(key)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn attribute_list(req: &Value, key: &str) -> BTreeMap<String, String> {
    req.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    Some((
                        e.get("Name")?.as_str()?.to_owned(),
                        e.get("Value")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn attributes_json(user: &User) -> Value {
    let mut list = vec![json!({"Name": "sub", "Value": user.sub})];
    list.extend(
        user.attributes
            .iter()
            .map(|(k, v)| json!({"Name": k, "Value": v})),
    );
    Value::Array(list)
}

// ---------------------------------------------------------------- lookups

fn pool<'a>(st: &'a State, pool_id: &str) -> Result<&'a UserPool, ApiError> {
    st.pools
        .get(pool_id)
        .ok_or_else(|| ApiError::resource_not_found(format!("User pool {pool_id} does not exist.")))
}

fn pool_mut<'a>(st: &'a mut State, pool_id: &str) -> Result<&'a mut UserPool, ApiError> {
    st.pools
        .get_mut(pool_id)
        .ok_or_else(|| ApiError::resource_not_found(format!("User pool {pool_id} does not exist.")))
}

pub(crate) fn client(st: &State, client_id: &str) -> Result<AppClient, ApiError> {
    st.clients.get(client_id).cloned().ok_or_else(|| {
        ApiError::resource_not_found(format!("User pool client {client_id} does not exist."))
    })
}

pub(crate) fn user<'a>(st: &'a State, pool_id: &str, username: &str) -> Result<&'a User, ApiError> {
    pool(st, pool_id)?
        .users
        .get(username)
        .ok_or_else(ApiError::user_not_found)
}

pub(crate) fn user_mut<'a>(
    st: &'a mut State,
    pool_id: &str,
    username: &str,
) -> Result<&'a mut User, ApiError> {
    pool_mut(st, pool_id)?
        .users
        .get_mut(username)
        .ok_or_else(ApiError::user_not_found)
}

/// Unknown user during sign-in: `UserNotFoundException` (LEGACY) or, when the client has
/// `PreventUserExistenceErrors: ENABLED`, the same error as a wrong password.
fn unknown_user(c: &AppClient) -> ApiError {
    if c.prevent_user_existence_errors {
        incorrect_password()
    } else {
        ApiError::user_not_found()
    }
}

fn incorrect_password() -> ApiError {
    ApiError::not_authorized("Incorrect username or password.")
}

// ---------------------------------------------------------------- secret hash

/// `SECRET_HASH` as Cognito defines it: base64(HMAC-SHA256(key = client secret,
/// msg = username + client id)).
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()) else {
        return String::new();
    };
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

/// Check SECRET_HASH for any of `usernames` when the client has a secret.
fn check_secret_hash(
    c: &AppClient,
    usernames: &[&str],
    provided: Option<&str>,
) -> Result<(), ApiError> {
    let Some(secret) = &c.secret else {
        return Ok(());
    };
    let Some(provided) = provided else {
        return Err(ApiError::not_authorized(format!(
            "Client {} is configured with secret but SECRET_HASH was not received",
            c.id
        )));
    };
    if usernames
        .iter()
        .any(|u| srp::ct_eq(&secret_hash(secret, u, &c.id), provided))
    {
        Ok(())
    } else {
        Err(ApiError::not_authorized(format!(
            "Unable to verify secret hash for client {}",
            c.id
        )))
    }
}

fn check_client_secret(c: &AppClient, provided: Option<&str>) -> Result<(), ApiError> {
    match (&c.secret, provided) {
        (None, _) => Ok(()),
        (Some(s), Some(p)) if srp::ct_eq(s, p) => Ok(()),
        (Some(_), None) => Err(ApiError::not_authorized(format!(
            "Client {} is configured with secret but ClientSecret was not received",
            c.id
        ))),
        (Some(_), Some(_)) => Err(ApiError::not_authorized(format!(
            "Unable to verify secret for client {}",
            c.id
        ))),
    }
}

// ---------------------------------------------------------------- pools and clients

pub(crate) fn create_user_pool(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let name = req_str(req, "PoolName")?.to_owned();
    let id = format!("{}_{}", st.config.region, random_chars(ALNUM, 9));
    let now = st.now();
    st.pools.insert(
        id.clone(),
        UserPool {
            id: id.clone(),
            name,
            created: now,
            users: Default::default(),
        },
    );
    Ok(json!({ "UserPool": pool_json(st, &id)? }))
}

fn pool_json(st: &State, id: &str) -> Result<Value, ApiError> {
    let p = pool(st, id)?;
    Ok(json!({
        "Id": p.id,
        "Name": p.name,
        "Arn": format!("arn:aws:cognito-idp:{}:000000000000:userpool/{}", st.config.region, p.id),
        "CreationDate": p.created,
        "LastModifiedDate": p.created,
        "MfaConfiguration": "OPTIONAL",
        "EstimatedNumberOfUsers": p.users.len(),
        "UsernameConfiguration": {"CaseSensitive": true},
    }))
}

fn describe_user_pool(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    Ok(json!({ "UserPool": pool_json(st, req_str(req, "UserPoolId")?)? }))
}

/// A validity value converted to seconds. `TokenValidityUnits` may be "seconds" (also an
/// emulator extension: no minimums are enforced), "minutes", "hours" or "days".
fn validity_secs(value: i64, unit: &str) -> Result<i64, ApiError> {
    let mult = match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        "days" => 86_400,
        other => {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid TokenValidityUnits value: {other}"
            )));
        }
    };
    if value <= 0 {
        return Err(ApiError::invalid_parameter(
            "Token validity must be positive",
        ));
    }
    Ok(value.saturating_mul(mult))
}

pub(crate) fn create_user_pool_client(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    pool(st, &pool_id)?;
    let name = opt_str(req, "ClientName").unwrap_or("client").to_owned();
    let units = req.get("TokenValidityUnits");
    let unit = |k: &str, d: &str| {
        units
            .and_then(|u| u.get(k))
            .and_then(Value::as_str)
            .unwrap_or(d)
            .to_owned()
    };
    let units = [
        unit("AccessToken", "hours"),
        unit("IdToken", "hours"),
        unit("RefreshToken", "days"),
    ];
    let raw = [
        req.get("AccessTokenValidity")
            .and_then(Value::as_i64)
            .unwrap_or(1),
        req.get("IdTokenValidity")
            .and_then(Value::as_i64)
            .unwrap_or(1),
        req.get("RefreshTokenValidity")
            .and_then(Value::as_i64)
            .unwrap_or(30),
    ];
    let rotation = req.get("RefreshTokenRotation");
    let rotation_grace = match rotation
        .and_then(|r| r.get("Feature"))
        .and_then(Value::as_str)
    {
        Some("ENABLED") => Some(
            rotation
                .and_then(|r| r.get("RetryGracePeriodSeconds"))
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .clamp(0, 60),
        ),
        _ => None,
    };
    let c = AppClient {
        id: random_chars(LOWER_ALNUM, 26),
        name,
        pool_id,
        secret: req
            .get("GenerateSecret")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            .then(|| random_chars(LOWER_ALNUM, 51)),
        access_ttl: validity_secs(raw[0], &units[0])?,
        id_ttl: validity_secs(raw[1], &units[1])?,
        refresh_ttl: validity_secs(raw[2], &units[2])?,
        units,
        raw_validity: raw,
        enable_token_revocation: req
            .get("EnableTokenRevocation")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        rotation_grace,
        prevent_user_existence_errors: opt_str(req, "PreventUserExistenceErrors")
            == Some("ENABLED"),
        explicit_auth_flows: req
            .get("ExplicitAuthFlows")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_else(|| {
                vec![
                    "ALLOW_USER_SRP_AUTH".to_owned(),
                    "ALLOW_REFRESH_TOKEN_AUTH".to_owned(),
                    "ALLOW_CUSTOM_AUTH".to_owned(),
                ]
            }),
        created: st.now(),
    };
    let out = client_json(&c);
    st.clients.insert(c.id.clone(), c);
    Ok(json!({ "UserPoolClient": out }))
}

fn client_json(c: &AppClient) -> Value {
    let mut v = json!({
        "UserPoolId": c.pool_id,
        "ClientName": c.name,
        "ClientId": c.id,
        "CreationDate": c.created,
        "LastModifiedDate": c.created,
        "AccessTokenValidity": c.raw_validity[0],
        "IdTokenValidity": c.raw_validity[1],
        "RefreshTokenValidity": c.raw_validity[2],
        "TokenValidityUnits": {
            "AccessToken": c.units[0],
            "IdToken": c.units[1],
            "RefreshToken": c.units[2],
        },
        "ExplicitAuthFlows": c.explicit_auth_flows,
        "EnableTokenRevocation": c.enable_token_revocation,
        "PreventUserExistenceErrors": if c.prevent_user_existence_errors { "ENABLED" } else { "LEGACY" },
        "AuthSessionValidity": 3,
        "RefreshTokenRotation": match c.rotation_grace {
            Some(g) => json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": g}),
            None => json!({"Feature": "DISABLED"}),
        },
    });
    if let (Some(secret), Some(obj)) = (&c.secret, v.as_object_mut()) {
        obj.insert("ClientSecret".into(), json!(secret));
    }
    v
}

fn describe_user_pool_client(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    Ok(json!({ "UserPoolClient": client_json(&c) }))
}

// ---------------------------------------------------------------- users

/// Create a user in an existing pool.
pub(crate) fn insert_user(
    st: &mut State,
    pool_id: &str,
    username: &str,
    password: &str,
    attributes: BTreeMap<String, String>,
    status: UserStatus,
) -> Result<Value, ApiError> {
    if password.is_empty() {
        return Err(ApiError::new(
            "InvalidPasswordException",
            "Password did not conform with policy: Password not long enough",
        ));
    }
    let now = st.now();
    let p = pool_mut(st, pool_id)?;
    if p.users.contains_key(username) {
        return Err(ApiError::new(
            "UsernameExistsException",
            "User account already exists",
        ));
    }
    let mut attributes = attributes;
    attributes.remove("sub");
    let u = User {
        username: username.to_owned(),
        sub: uuid::Uuid::new_v4().to_string(),
        attributes,
        status,
        enabled: true,
        verifier: Verifier::new(pool_id, username, password),
        created: now,
        modified: now,
        confirmation_code: None,
        totp_secret: None,
        pending_totp_secret: None,
        totp_enabled: false,
        sms_enabled: false,
        preferred_mfa: None,
        last_sms_code: None,
    };
    let out = user_json(&u);
    p.users.insert(username.to_owned(), u);
    Ok(out)
}

fn user_json(u: &User) -> Value {
    json!({
        "Username": u.username,
        "Attributes": attributes_json(u),
        "UserCreateDate": u.created,
        "UserLastModifiedDate": u.modified,
        "Enabled": u.enabled,
        "UserStatus": u.status.as_str(),
    })
}

fn admin_create_user(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let username = req_str(req, "Username")?.to_owned();
    let password = opt_str(req, "TemporaryPassword")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("Tmp{}!1", random_chars(ALNUM, 12)));
    let attrs = attribute_list(req, "UserAttributes");
    let u = insert_user(
        st,
        &pool_id,
        &username,
        &password,
        attrs,
        UserStatus::ForceChangePassword,
    )?;
    Ok(json!({ "User": u }))
}

pub(crate) fn admin_set_user_password(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let username = req_str(req, "Username")?.to_owned();
    let password = req_str(req, "Password")?;
    let permanent = req
        .get("Permanent")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let now = st.now();
    let u = user_mut(st, &pool_id, &username)?;
    u.verifier = Verifier::new(&pool_id, &username, password);
    u.status = if permanent {
        UserStatus::Confirmed
    } else {
        UserStatus::ForceChangePassword
    };
    u.modified = now;
    Ok(json!({}))
}

#[derive(Clone, Copy)]
enum AdminAction {
    Delete,
    Disable,
    Enable,
    GlobalSignOut,
    Confirm,
}

fn admin_user(st: &mut State, req: &Value, action: AdminAction) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let username = req_str(req, "Username")?.to_owned();
    user(st, &pool_id, &username)?;
    match action {
        AdminAction::Delete => {
            sign_out_user(st, &pool_id, &username);
            pool_mut(st, &pool_id)?.users.remove(&username);
        }
        AdminAction::Disable => user_mut(st, &pool_id, &username)?.enabled = false,
        AdminAction::Enable => user_mut(st, &pool_id, &username)?.enabled = true,
        AdminAction::GlobalSignOut => sign_out_user(st, &pool_id, &username),
        AdminAction::Confirm => {
            let u = user_mut(st, &pool_id, &username)?;
            if u.status == UserStatus::Unconfirmed {
                u.status = UserStatus::Confirmed;
            }
        }
    }
    Ok(json!({}))
}

/// Revoke every sign-in (origin_jti) of a user: its refresh tokens and access tokens.
pub(crate) fn sign_out_user(st: &mut State, pool_id: &str, username: &str) {
    let origins: Vec<String> = st
        .refresh_tokens
        .values()
        .filter(|r| r.pool_id == pool_id && r.username == username)
        .map(|r| r.origin_jti.clone())
        .collect();
    st.revoked_origins.extend(origins);
}

fn mfa_json(u: &User, out: &mut Map<String, Value>) {
    let mut list = Vec::new();
    if u.sms_enabled {
        list.push("SMS_MFA");
    }
    if u.totp_enabled {
        list.push("SOFTWARE_TOKEN_MFA");
    }
    if !list.is_empty() {
        out.insert("UserMFASettingList".into(), json!(list));
    }
    match u.preferred_mfa {
        Some(MfaKind::Sms) => {
            out.insert("PreferredMfaSetting".into(), json!("SMS_MFA"));
        }
        Some(MfaKind::Totp) => {
            out.insert("PreferredMfaSetting".into(), json!("SOFTWARE_TOKEN_MFA"));
        }
        None => {}
    }
}

fn admin_get_user(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let u = user(st, req_str(req, "UserPoolId")?, req_str(req, "Username")?)?;
    let mut out = Map::new();
    out.insert("Username".into(), json!(u.username));
    out.insert("UserAttributes".into(), attributes_json(u));
    out.insert("UserCreateDate".into(), json!(u.created));
    out.insert("UserLastModifiedDate".into(), json!(u.modified));
    out.insert("Enabled".into(), json!(u.enabled));
    out.insert("UserStatus".into(), json!(u.status.as_str()));
    mfa_json(u, &mut out);
    Ok(Value::Object(out))
}

fn apply_mfa_preference(u: &mut User, req: &Value) -> Result<(), ApiError> {
    if let Some(s) = req.get("SoftwareTokenMfaSettings") {
        if let Some(en) = s.get("Enabled").and_then(Value::as_bool) {
            if en && u.totp_secret.is_none() {
                return Err(ApiError::invalid_parameter(
                    "User has not verified software token mfa",
                ));
            }
            u.totp_enabled = en;
            if !en && u.preferred_mfa == Some(MfaKind::Totp) {
                u.preferred_mfa = None;
            }
        }
        match s.get("PreferredMfa").and_then(Value::as_bool) {
            Some(true) => u.preferred_mfa = Some(MfaKind::Totp),
            Some(false) if u.preferred_mfa == Some(MfaKind::Totp) => u.preferred_mfa = None,
            _ => {}
        }
    }
    if let Some(s) = req.get("SMSMfaSettings") {
        if let Some(en) = s.get("Enabled").and_then(Value::as_bool) {
            u.sms_enabled = en;
            if !en && u.preferred_mfa == Some(MfaKind::Sms) {
                u.preferred_mfa = None;
            }
        }
        match s.get("PreferredMfa").and_then(Value::as_bool) {
            Some(true) => u.preferred_mfa = Some(MfaKind::Sms),
            Some(false) if u.preferred_mfa == Some(MfaKind::Sms) => u.preferred_mfa = None,
            _ => {}
        }
    }
    Ok(())
}

fn admin_set_mfa_preference(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let username = req_str(req, "Username")?.to_owned();
    apply_mfa_preference(user_mut(st, &pool_id, &username)?, req)?;
    Ok(json!({}))
}

fn sign_up(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    let username = req_str(req, "Username")?.to_owned();
    let password = req_str(req, "Password")?.to_owned();
    check_secret_hash(&c, &[&username], opt_str(req, "SecretHash"))?;
    let attrs = attribute_list(req, "UserAttributes");
    let email = attrs.get("email").cloned();
    insert_user(
        st,
        &c.pool_id,
        &username,
        &password,
        attrs,
        UserStatus::Unconfirmed,
    )?;
    let code = random_chars(b"0123456789", 6);
    let u = user_mut(st, &c.pool_id, &username)?;
    u.confirmation_code = Some(code);
    let sub = u.sub.clone();
    Ok(json!({
        "UserConfirmed": false,
        "UserSub": sub,
        "CodeDeliveryDetails": {
            "Destination": email.as_deref().map(mask).unwrap_or_default(),
            "DeliveryMedium": "EMAIL",
            "AttributeName": "email",
        },
    }))
}

fn mask(s: &str) -> String {
    let first: String = s.chars().take(1).collect();
    match s.split_once('@') {
        Some((_, domain)) => format!("{first}***@{domain}"),
        None => {
            let n = s.chars().count();
            let tail: String = s.chars().skip(n.saturating_sub(4)).collect();
            format!("+*******{tail}")
        }
    }
}

fn confirm_sign_up(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    let username = req_str(req, "Username")?.to_owned();
    let code = req_str(req, "ConfirmationCode")?.to_owned();
    check_secret_hash(&c, &[&username], opt_str(req, "SecretHash"))?;
    let u = user_mut(st, &c.pool_id, &username)?;
    if u.status != UserStatus::Unconfirmed {
        return Err(ApiError::not_authorized(
            "User cannot be confirmed. Current status is CONFIRMED",
        ));
    }
    match &u.confirmation_code {
        Some(expected) if srp::ct_eq(expected, &code) => {
            u.status = UserStatus::Confirmed;
            u.confirmation_code = None;
            Ok(json!({}))
        }
        _ => Err(ApiError::new(
            "CodeMismatchException",
            "Invalid verification code provided, please try again.",
        )),
    }
}

// ---------------------------------------------------------------- sign-in

fn initiate_auth(st: &mut State, req: &Value, admin: bool) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    if admin && opt_str(req, "UserPoolId").is_some_and(|p| p != c.pool_id) {
        return Err(ApiError::resource_not_found(
            "User pool client does not exist in this pool.",
        ));
    }
    let flow = req_str(req, "AuthFlow")?;
    let params = str_map(req, "AuthParameters");
    match flow {
        "USER_SRP_AUTH" => start_srp(st, &c, &params),
        "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            let username = params.get("USERNAME").map(String::as_str).unwrap_or("");
            let password = params.get("PASSWORD").map(String::as_str).unwrap_or("");
            if username.is_empty() || password.is_empty() {
                return Err(ApiError::invalid_parameter(
                    "Missing required parameter USERNAME or PASSWORD",
                ));
            }
            check_secret_hash(
                &c,
                &[username],
                params.get("SECRET_HASH").map(String::as_str),
            )?;
            let u = user(st, &c.pool_id, username).map_err(|_| unknown_user(&c))?;
            if !u.enabled {
                return Err(ApiError::not_authorized("User is disabled."));
            }
            if !u.verifier.matches(&c.pool_id, username, password) {
                return Err(incorrect_password());
            }
            let username = username.to_owned();
            after_password(st, &c, &username)
        }
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
            let token = params.get("REFRESH_TOKEN").ok_or_else(|| {
                ApiError::invalid_parameter("Missing required parameter REFRESH_TOKEN")
            })?;
            if c.rotation_grace.is_some() {
                return Err(ApiError::not_authorized(
                    "Refresh token rotation is enabled for this client: use GetTokensFromRefreshToken.",
                ));
            }
            if c.secret.is_some() {
                // Cognito computes this SECRET_HASH over the username or the sub.
                let (rec_user, sub) = match st.refresh_tokens.get(token) {
                    Some(rec) => (
                        rec.username.clone(),
                        user(st, &rec.pool_id, &rec.username)
                            .map(|u| u.sub.clone())
                            .unwrap_or_default(),
                    ),
                    None => (String::new(), String::new()),
                };
                let given = params.get("USERNAME").map(String::as_str).unwrap_or("");
                check_secret_hash(
                    &c,
                    &[&rec_user, &sub, given],
                    params.get("SECRET_HASH").map(String::as_str),
                )?;
            }
            let token = token.clone();
            let result = refresh(st, &c, &token, false)?;
            Ok(json!({ "ChallengeParameters": {}, "AuthenticationResult": result }))
        }
        other => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set"
        ))),
    }
}

fn start_srp(
    st: &mut State,
    c: &AppClient,
    params: &BTreeMap<String, String>,
) -> Result<Value, ApiError> {
    let username = params.get("USERNAME").map(String::as_str).unwrap_or("");
    let srp_a = params.get("SRP_A").map(String::as_str).unwrap_or("");
    if username.is_empty() || srp_a.is_empty() {
        return Err(ApiError::invalid_parameter(
            "Missing required parameter USERNAME or SRP_A",
        ));
    }
    check_secret_hash(
        c,
        &[username],
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    let a = srp::parse_a(srp_a).ok_or_else(|| ApiError::invalid_parameter("Invalid SRP_A"))?;
    let u = user(st, &c.pool_id, username).map_err(|_| unknown_user(c))?;
    if !u.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let eph = srp::server_ephemeral(&u.verifier.v);
    let salt_hex = u.verifier.salt.to_str_radix(16);
    let b_hex = eph.big_b.to_str_radix(16);
    // The secret block is opaque to clients: random bytes that key the SRP session.
    let secret_block = {
        let mut block = [0u8; 64];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut block);
        B64.encode(block)
    };
    let expires_at = st.now() + SESSION_TTL_SECS;
    st.srp_sessions.insert(
        secret_block.clone(),
        SrpSession {
            pool_id: c.pool_id.clone(),
            client_id: c.id.clone(),
            username: username.to_owned(),
            a,
            eph,
            expires_at,
        },
    );
    Ok(json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": salt_hex,
            "SRP_B": b_hex,
            "SECRET_BLOCK": secret_block,
            "USER_ID_FOR_SRP": username,
            "USERNAME": username,
        },
    }))
}

/// The password is right: check status, then the next challenge or the tokens.
fn after_password(st: &mut State, c: &AppClient, username: &str) -> Result<Value, ApiError> {
    let u = user(st, &c.pool_id, username)?;
    match u.status {
        UserStatus::Unconfirmed => {
            return Err(ApiError::new(
                "UserNotConfirmedException",
                "User is not confirmed.",
            ));
        }
        UserStatus::ForceChangePassword => {
            let attrs: Map<String, Value> = u
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            let params = json!({
                "USER_ID_FOR_SRP": username,
                "requiredAttributes": "[]",
                "userAttributes": Value::Object(attrs).to_string(),
            });
            return Ok(challenge(
                st,
                c,
                username,
                ChallengeKind::NewPasswordRequired,
                params,
            ));
        }
        UserStatus::Confirmed => {}
    }
    mfa_or_tokens(st, c, username)
}

fn mfa_or_tokens(st: &mut State, c: &AppClient, username: &str) -> Result<Value, ApiError> {
    let u = user(st, &c.pool_id, username)?;
    let totp = u.totp_enabled && u.totp_secret.is_some();
    let sms = u.sms_enabled;
    let kind = match (totp, sms, u.preferred_mfa) {
        (true, true, Some(MfaKind::Sms)) | (false, true, _) => Some(ChallengeKind::SmsMfa),
        (true, true, Some(MfaKind::Totp)) | (true, false, _) => {
            Some(ChallengeKind::SoftwareTokenMfa)
        }
        (true, true, None) => Some(ChallengeKind::SelectMfaType),
        (false, false, _) => None,
    };
    match kind {
        None => {
            let now = st.now();
            let result = issue_tokens(st, c, username, now, None)?;
            Ok(json!({ "ChallengeParameters": {}, "AuthenticationResult": result }))
        }
        Some(kind) => Ok(mfa_challenge(st, c, username, kind)),
    }
}

fn mfa_challenge(st: &mut State, c: &AppClient, username: &str, kind: ChallengeKind) -> Value {
    let params = match kind {
        ChallengeKind::SmsMfa => {
            let code = random_chars(b"0123456789", 6);
            let phone = st
                .pools
                .get_mut(&c.pool_id)
                .and_then(|p| p.users.get_mut(username))
                .map(|u| {
                    u.last_sms_code = Some(code);
                    u.attributes
                        .get("phone_number")
                        .cloned()
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            json!({
                "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                "CODE_DELIVERY_DESTINATION": mask(&phone),
                "USER_ID_FOR_SRP": username,
            })
        }
        ChallengeKind::SelectMfaType => json!({
            "MFAS_CAN_CHOOSE": "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]",
            "USER_ID_FOR_SRP": username,
        }),
        _ => json!({ "USER_ID_FOR_SRP": username }),
    };
    challenge(st, c, username, kind, params)
}

fn challenge(
    st: &mut State,
    c: &AppClient,
    username: &str,
    kind: ChallengeKind,
    params: Value,
) -> Value {
    let session = random_token(96);
    let expires_at = st.now() + SESSION_TTL_SECS;
    st.challenges.insert(
        session.clone(),
        ChallengeSession {
            kind,
            pool_id: c.pool_id.clone(),
            client_id: c.id.clone(),
            username: username.to_owned(),
            expires_at,
        },
    );
    json!({
        "ChallengeName": kind.name(),
        "Session": session,
        "ChallengeParameters": params,
    })
}

fn expired_session() -> ApiError {
    ApiError::not_authorized("Invalid session for the user, session is expired.")
}

fn respond_to_auth_challenge(st: &mut State, req: &Value, admin: bool) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    if admin && opt_str(req, "UserPoolId").is_some_and(|p| p != c.pool_id) {
        return Err(ApiError::resource_not_found(
            "User pool client does not exist in this pool.",
        ));
    }
    let name = req_str(req, "ChallengeName")?;
    let resp = str_map(req, "ChallengeResponses");
    let get = |k: &str| resp.get(k).map(String::as_str);
    let username = get("USERNAME").unwrap_or("").to_owned();
    check_secret_hash(&c, &[&username], get("SECRET_HASH"))?;
    if name == "PASSWORD_VERIFIER" {
        return password_verifier(st, &c, &resp);
    }
    let session_id = req_str(req, "Session").map_err(|_| expired_session())?;
    let now = st.now();
    let session = match st.challenges.get(session_id) {
        Some(s) if s.expires_at > now && s.client_id == c.id => s.clone(),
        _ => return Err(expired_session()),
    };
    if session.kind.name() != name {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid challenge name: expected {}",
            session.kind.name()
        )));
    }
    if !username.is_empty() && username != session.username {
        return Err(incorrect_password());
    }
    let username = session.username.clone();
    let u = user(st, &session.pool_id, &username)?;
    if !u.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let code_mismatch = || ApiError::new("CodeMismatchException", "Invalid code received for user");
    match session.kind {
        ChallengeKind::NewPasswordRequired => {
            let pw = get("NEW_PASSWORD")
                .filter(|p| !p.is_empty())
                .ok_or_else(|| {
                    ApiError::invalid_parameter("Missing required parameter NEW_PASSWORD")
                })?
                .to_owned();
            let extra: Vec<(String, String)> = resp
                .iter()
                .filter_map(|(k, v)| {
                    Some((k.strip_prefix("userAttributes.")?.to_owned(), v.clone()))
                })
                .collect();
            st.challenges.remove(session_id);
            let pool_id = session.pool_id.clone();
            let u = user_mut(st, &pool_id, &username)?;
            u.verifier = Verifier::new(&pool_id, &username, &pw);
            u.status = UserStatus::Confirmed;
            u.modified = now;
            u.attributes.extend(extra);
            mfa_or_tokens(st, &c, &username)
        }
        ChallengeKind::SoftwareTokenMfa => {
            let code = get("SOFTWARE_TOKEN_MFA_CODE").unwrap_or("");
            let ok = u
                .totp_secret
                .as_ref()
                .is_some_and(|s| totp::verify(s, code, now));
            if !ok {
                return Err(code_mismatch());
            }
            st.challenges.remove(session_id);
            let result = issue_tokens(st, &c, &username, now, None)?;
            Ok(json!({ "ChallengeParameters": {}, "AuthenticationResult": result }))
        }
        ChallengeKind::SmsMfa => {
            let code = get("SMS_MFA_CODE").unwrap_or("");
            let ok = u
                .last_sms_code
                .as_deref()
                .is_some_and(|c| srp::ct_eq(c, code));
            if !ok {
                return Err(code_mismatch());
            }
            st.challenges.remove(session_id);
            let result = issue_tokens(st, &c, &username, now, None)?;
            Ok(json!({ "ChallengeParameters": {}, "AuthenticationResult": result }))
        }
        ChallengeKind::SelectMfaType => {
            let kind = match get("ANSWER") {
                Some("SMS_MFA") => ChallengeKind::SmsMfa,
                Some("SOFTWARE_TOKEN_MFA") => ChallengeKind::SoftwareTokenMfa,
                _ => {
                    return Err(ApiError::invalid_parameter(
                        "Invalid ANSWER for SELECT_MFA_TYPE",
                    ));
                }
            };
            st.challenges.remove(session_id);
            Ok(mfa_challenge(st, &c, &username, kind))
        }
    }
}

fn password_verifier(
    st: &mut State,
    c: &AppClient,
    resp: &BTreeMap<String, String>,
) -> Result<Value, ApiError> {
    let get = |k: &str| resp.get(k).map(String::as_str).unwrap_or("");
    let block_b64 = get("PASSWORD_CLAIM_SECRET_BLOCK");
    let now = st.now();
    let Some(session) = st.srp_sessions.remove(block_b64) else {
        return Err(expired_session());
    };
    if session.expires_at <= now || session.client_id != c.id {
        return Err(expired_session());
    }
    if get("USERNAME") != session.username {
        return Err(incorrect_password());
    }
    let u = user(st, &session.pool_id, &session.username).map_err(|_| unknown_user(c))?;
    if !u.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let block = B64
        .decode(block_b64)
        .map_err(|_| ApiError::invalid_parameter("Invalid PASSWORD_CLAIM_SECRET_BLOCK"))?;
    let expected = srp::expected_signature(&ClaimCheck {
        pool_id: &session.pool_id,
        user_id: &session.username,
        verifier: &u.verifier.v,
        a: &session.a,
        eph: &session.eph,
        secret_block: &block,
        timestamp: get("TIMESTAMP"),
    })
    .ok_or_else(incorrect_password)?;
    if !srp::ct_eq(&expected, get("PASSWORD_CLAIM_SIGNATURE")) {
        return Err(incorrect_password());
    }
    let username = session.username.clone();
    after_password(st, c, &username)
}

// ---------------------------------------------------------------- tokens

/// Sign a new id + access token. `origin` is `None` for a fresh sign-in (new origin_jti and
/// refresh token), or `Some((origin_jti, rotate))` for a refresh, where `rotate` asks for
/// a new refresh token of the same family.
fn issue_tokens(
    st: &mut State,
    c: &AppClient,
    username: &str,
    auth_time: i64,
    origin: Option<(String, bool)>,
) -> Result<Value, ApiError> {
    let now = st.now();
    let iss = st.issuer(&c.pool_id);
    let u = user(st, &c.pool_id, username)?;
    let (origin_jti, new_refresh) = match origin {
        None => (uuid::Uuid::new_v4().to_string(), true),
        Some((o, rotate)) => (o, rotate),
    };
    let event_id = uuid::Uuid::new_v4().to_string();
    let mut id = Map::new();
    id.insert("sub".into(), json!(u.sub));
    for (k, v) in &u.attributes {
        let val = match (k.as_str(), v.as_str()) {
            ("email_verified" | "phone_number_verified", "true") => json!(true),
            ("email_verified" | "phone_number_verified", "false") => json!(false),
            _ => json!(v),
        };
        id.insert(k.clone(), val);
    }
    id.insert("aud".into(), json!(c.id));
    id.insert("cognito:username".into(), json!(u.username));
    id.insert("token_use".into(), json!("id"));
    id.insert("auth_time".into(), json!(auth_time));
    id.insert("iat".into(), json!(now));
    id.insert("exp".into(), json!(now + c.id_ttl));
    id.insert("iss".into(), json!(iss));
    id.insert("origin_jti".into(), json!(origin_jti));
    id.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
    id.insert("event_id".into(), json!(event_id));
    let access = json!({
        "sub": u.sub,
        "client_id": c.id,
        "username": u.username,
        "scope": "aws.cognito.signin.user.admin",
        "token_use": "access",
        "auth_time": auth_time,
        "iat": now,
        "exp": now + c.access_ttl,
        "iss": iss,
        "origin_jti": origin_jti,
        "jti": uuid::Uuid::new_v4().to_string(),
        "event_id": event_id,
    });
    let id_token = tokens::sign(&Value::Object(id)).map_err(ApiError::internal)?;
    let access_token = tokens::sign(&access).map_err(ApiError::internal)?;
    let mut out = json!({
        "AccessToken": access_token,
        "ExpiresIn": c.access_ttl,
        "TokenType": "Bearer",
        "IdToken": id_token,
    });
    if new_refresh {
        let rt = random_token(96);
        st.refresh_tokens.insert(
            rt.clone(),
            RefreshRecord {
                pool_id: c.pool_id.clone(),
                client_id: c.id.clone(),
                username: username.to_owned(),
                origin_jti,
                auth_time,
                expires_at: now + c.refresh_ttl,
                invalid_after: None,
            },
        );
        if let Some(o) = out.as_object_mut() {
            o.insert("RefreshToken".into(), json!(rt));
        }
    }
    Ok(out)
}

fn invalid_refresh() -> ApiError {
    ApiError::not_authorized("Invalid Refresh Token")
}

/// New tokens from a refresh token. With `rotate` (GetTokensFromRefreshToken on a client
/// with rotation) a new refresh token is issued and the old one dies after the grace period.
fn refresh(st: &mut State, c: &AppClient, token: &str, rotate: bool) -> Result<Value, ApiError> {
    let now = st.now();
    let rec = st
        .refresh_tokens
        .get(token)
        .cloned()
        .ok_or_else(invalid_refresh)?;
    if rec.client_id != c.id {
        return Err(invalid_refresh());
    }
    if st.revoked_origins.contains(&rec.origin_jti) {
        return Err(ApiError::not_authorized("Refresh Token has been revoked"));
    }
    if rec.expires_at <= now {
        return Err(ApiError::not_authorized("Refresh Token has expired"));
    }
    if rec.invalid_after.is_some_and(|t| now > t) {
        return Err(ApiError::new(
            "RefreshTokenReuseException",
            "Refresh token has already been used and was replaced by rotation.",
        ));
    }
    let u = user(st, &rec.pool_id, &rec.username)?;
    if !u.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let rotating = rotate && c.rotation_grace.is_some();
    if rotating && rec.invalid_after.is_none() {
        let grace = c.rotation_grace.unwrap_or(0);
        // Grace 0: the old token dies at once (any later use is a reuse).
        let until = if grace == 0 { i64::MIN } else { now + grace };
        if let Some(r) = st.refresh_tokens.get_mut(token) {
            r.invalid_after = Some(until);
        }
    }
    let username = rec.username.clone();
    issue_tokens(
        st,
        c,
        &username,
        rec.auth_time,
        Some((rec.origin_jti, rotating)),
    )
}

fn get_tokens_from_refresh_token(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    check_client_secret(&c, opt_str(req, "ClientSecret"))?;
    let token = req_str(req, "RefreshToken")?.to_owned();
    let result = refresh(st, &c, &token, true)?;
    Ok(json!({ "AuthenticationResult": result }))
}

/// Validate an access token against signature, clock, revocation and user state; returns
/// (pool id, username, claims).
fn access_user(st: &State, token: &str) -> Result<(String, String, Value), ApiError> {
    let claims =
        tokens::verify(token).ok_or_else(|| ApiError::not_authorized("Invalid Access Token"))?;
    if claims.get("token_use").and_then(Value::as_str) != Some("access") {
        return Err(ApiError::not_authorized("Invalid Access Token"));
    }
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp <= st.now() {
        return Err(ApiError::not_authorized("Access Token has expired"));
    }
    let origin = claims
        .get("origin_jti")
        .and_then(Value::as_str)
        .unwrap_or("");
    if st.revoked_origins.contains(origin) {
        return Err(ApiError::not_authorized("Access Token has been revoked"));
    }
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
    let pool_id = iss.rsplit('/').next().unwrap_or("").to_owned();
    let username = claims
        .get("username")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let u = user(st, &pool_id, &username)
        .map_err(|_| ApiError::not_authorized("User does not exist."))?;
    if !u.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    Ok((pool_id, username, claims))
}

fn get_user(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (pool_id, username, _) = access_user(st, req_str(req, "AccessToken")?)?;
    let u = user(st, &pool_id, &username)?;
    let mut out = Map::new();
    out.insert("Username".into(), json!(u.username));
    out.insert("UserAttributes".into(), attributes_json(u));
    mfa_json(u, &mut out);
    Ok(Value::Object(out))
}

fn global_sign_out(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (pool_id, username, claims) = access_user(st, req_str(req, "AccessToken")?)?;
    sign_out_user(st, &pool_id, &username);
    if let Some(o) = claims.get("origin_jti").and_then(Value::as_str) {
        st.revoked_origins.insert(o.to_owned());
    }
    Ok(json!({}))
}

fn revoke_token(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    let token = req_str(req, "Token")?.to_owned();
    match (&c.secret, opt_str(req, "ClientSecret")) {
        (None, _) => {}
        (Some(s), Some(p)) if srp::ct_eq(s, p) => {}
        _ => {
            return Err(ApiError::new(
                "UnauthorizedException",
                "Invalid client secret",
            ));
        }
    }
    if !c.enable_token_revocation {
        return Err(ApiError::new(
            "UnsupportedOperationException",
            "Token revocation is not enabled for this client",
        ));
    }
    if token.split('.').count() == 3 {
        return Err(ApiError::new(
            "UnsupportedTokenTypeException",
            "Only refresh tokens can be revoked",
        ));
    }
    // Unknown tokens are accepted silently (RFC 7009 behaviour).
    if let Some(rec) = st.refresh_tokens.get(&token) {
        if rec.client_id != c.id {
            return Err(ApiError::new(
                "UnauthorizedException",
                "Token was not issued to this client",
            ));
        }
        let origin = rec.origin_jti.clone();
        st.revoked_origins.insert(origin);
    }
    Ok(json!({}))
}

fn change_password(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (pool_id, username, _) = access_user(st, req_str(req, "AccessToken")?)?;
    let prev = req_str(req, "PreviousPassword")?;
    let proposed = req_str(req, "ProposedPassword")?;
    let now = st.now();
    let u = user_mut(st, &pool_id, &username)?;
    if !u.verifier.matches(&pool_id, &username, prev) {
        return Err(incorrect_password());
    }
    u.verifier = Verifier::new(&pool_id, &username, proposed);
    u.modified = now;
    Ok(json!({}))
}

fn associate_software_token(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (pool_id, username, _) = access_user(st, req_str(req, "AccessToken")?)?;
    let mut secret = vec![0u8; 20];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut secret);
    let code = totp::base32_encode(&secret);
    user_mut(st, &pool_id, &username)?.pending_totp_secret = Some(secret);
    Ok(json!({ "SecretCode": code }))
}

fn verify_software_token(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (pool_id, username, _) = access_user(st, req_str(req, "AccessToken")?)?;
    let code = req_str(req, "UserCode")?.to_owned();
    let now = st.now();
    let u = user_mut(st, &pool_id, &username)?;
    let Some(secret) = u.pending_totp_secret.clone() else {
        return Err(ApiError::invalid_parameter(
            "No software token has been associated",
        ));
    };
    if !totp::verify(&secret, &code, now) {
        return Err(ApiError::new(
            "EnableSoftwareTokenMFAException",
            "Code mismatch and fail enable Software Token MFA",
        ));
    }
    u.totp_secret = Some(secret);
    u.pending_totp_secret = None;
    Ok(json!({ "Status": "SUCCESS" }))
}

fn set_mfa_preference(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (pool_id, username, _) = access_user(st, req_str(req, "AccessToken")?)?;
    apply_mfa_preference(user_mut(st, &pool_id, &username)?, req)?;
    Ok(json!({}))
}
