//! The admin operations boto3 needs to set the hosted UI up: `UpdateUserPoolClient`
//! (the OAuth settings), `CreateUserPoolDomain` / `DescribeUserPoolDomain` /
//! `DeleteUserPoolDomain`, and `CreateIdentityProvider` / `DescribeIdentityProvider` /
//! `ListIdentityProviders`.

use serde_json::{Map, Value, json};

use super::IdentityProvider;
use crate::error::ApiError;
use crate::state::State;
use crate::user_pool::lookup::{client, pool};
use crate::user_pool::pools::client_json;
use crate::wire::{Operation, opt_str, req_str};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("UpdateUserPoolClient", update_user_pool_client),
    Operation::new("CreateUserPoolDomain", create_user_pool_domain),
    Operation::new("DescribeUserPoolDomain", describe_user_pool_domain),
    Operation::new("DeleteUserPoolDomain", delete_user_pool_domain),
    Operation::new("CreateIdentityProvider", create_identity_provider),
    Operation::new("DescribeIdentityProvider", describe_identity_provider),
    Operation::new("ListIdentityProviders", list_identity_providers),
];

/// The provider types Cognito knows.
const PROVIDER_TYPES: &[&str] = &[
    "Google",
    "Facebook",
    "LoginWithAmazon",
    "SignInWithApple",
    "OIDC",
    "SAML",
];

/// `UpdateUserPoolClient`: the members given replace the stored ones (the emulator
/// keeps the members left out, where Cognito resets them to their defaults).
fn update_user_pool_client(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?;
    let mut c = client(st, req_str(req, "ClientId")?)?;
    if c.pool_id != pool_id {
        return Err(ApiError::resource_not_found(
            "User pool client does not exist in this pool.",
        ));
    }
    c.oauth.update(req)?;
    if let Some(name) = opt_str(req, "ClientName") {
        c.name = name.to_owned();
    }
    if let Some(flows) = req.get("ExplicitAuthFlows").and_then(Value::as_array) {
        c.explicit_auth_flows = flows
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
    }
    let out = client_json(&c);
    st.clients.insert(c.id.clone(), c);
    Ok(json!({ "UserPoolClient": out }))
}

/// A domain prefix as Cognito allows it: lower-case letters, digits and hyphens, not at
/// either end, at most 63 characters (or a custom domain with dots).
fn valid_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && !d.starts_with(['-', '.'])
        && !d.ends_with(['-', '.'])
        && d.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

pub(crate) fn create_user_pool_domain(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let domain = req_str(req, "Domain")?.to_owned();
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    pool(st, &pool_id)?;
    if !valid_domain(&domain) {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid domain: {domain}"
        )));
    }
    if st.hosted_ui.domains.contains_key(&domain) {
        return Err(ApiError::invalid_parameter(
            "Domain already associated with another user pool.",
        ));
    }
    if st.hosted_ui.domain_of(&pool_id).is_some() {
        return Err(ApiError::invalid_parameter(
            "The user pool already has a domain.",
        ));
    }
    st.hosted_ui.domains.insert(domain, pool_id);
    let mut out = json!({});
    if req.get("CustomDomainConfig").is_some() {
        out = json!({"CloudFrontDomain": "emulator.invalid"});
    }
    Ok(out)
}

fn describe_user_pool_domain(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let domain = req_str(req, "Domain")?;
    // Cognito answers an unknown domain with an empty description.
    let Some(pool_id) = st.hosted_ui.domains.get(domain) else {
        return Ok(json!({"DomainDescription": {}}));
    };
    Ok(json!({"DomainDescription": {
        "UserPoolId": pool_id,
        "AWSAccountId": "000000000000",
        "Domain": domain,
        "S3Bucket": "",
        "CloudFrontDistribution": "emulator.invalid",
        "Version": "1",
        "Status": "ACTIVE",
    }}))
}

fn delete_user_pool_domain(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let domain = req_str(req, "Domain")?;
    let pool_id = req_str(req, "UserPoolId")?;
    match st.hosted_ui.domains.get(domain) {
        Some(p) if p == pool_id => {
            st.hosted_ui.domains.remove(domain);
            Ok(json!({}))
        }
        _ => Err(ApiError::invalid_parameter(
            "No such domain or user pool exists.",
        )),
    }
}

fn object(req: &Value, key: &str) -> Map<String, Value> {
    req.get(key)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn provider_json(p: &IdentityProvider) -> Value {
    json!({
        "UserPoolId": p.pool_id,
        "ProviderName": p.name,
        "ProviderType": p.provider_type,
        "ProviderDetails": p.details,
        "AttributeMapping": p.attribute_mapping,
        "IdpIdentifiers": p.idp_identifiers,
        "LastModifiedDate": p.created,
        "CreationDate": p.created,
    })
}

pub(crate) fn create_identity_provider(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    pool(st, &pool_id)?;
    let name = req_str(req, "ProviderName")?.to_owned();
    let provider_type = req_str(req, "ProviderType")?.to_owned();
    if !PROVIDER_TYPES.contains(&provider_type.as_str()) {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid ProviderType: {provider_type}"
        )));
    }
    let name_ok = name.len() <= 32
        && name != "COGNITO"
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !name_ok {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid ProviderName: {name}"
        )));
    }
    let key = (pool_id.clone(), name.clone());
    if st.hosted_ui.providers.contains_key(&key) {
        return Err(ApiError::new(
            "DuplicateProviderException",
            "A provider with this name already exists.",
        ));
    }
    let p = IdentityProvider {
        pool_id,
        name,
        provider_type,
        details: object(req, "ProviderDetails"),
        attribute_mapping: object(req, "AttributeMapping"),
        idp_identifiers: req
            .get("IdpIdentifiers")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        created: st.now(),
    };
    let out = provider_json(&p);
    st.hosted_ui.providers.insert(key, p);
    Ok(json!({ "IdentityProvider": out }))
}

fn describe_identity_provider(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let name = req_str(req, "ProviderName")?.to_owned();
    let p = st
        .hosted_ui
        .providers
        .get(&(pool_id, name.clone()))
        .ok_or_else(|| {
            ApiError::resource_not_found(format!("Identity provider {name} does not exist."))
        })?;
    Ok(json!({ "IdentityProvider": provider_json(p) }))
}

fn list_identity_providers(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?;
    pool(st, pool_id)?;
    let mut list: Vec<&IdentityProvider> = st
        .hosted_ui
        .providers
        .values()
        .filter(|p| p.pool_id == pool_id)
        .collect();
    list.sort_by(|a, b| a.name.cmp(&b.name));
    let providers: Vec<Value> = list
        .iter()
        .map(|p| {
            json!({
                "ProviderName": p.name,
                "ProviderType": p.provider_type,
                "LastModifiedDate": p.created,
                "CreationDate": p.created,
            })
        })
        .collect();
    Ok(json!({ "Providers": providers }))
}
