//! Federated users: a sign-in through an external provider creates, or finds and
//! updates, the user `<Provider>_<id>` with status `EXTERNAL_PROVIDER` and the
//! `identities` attribute that Cognito puts in the id token.

use std::collections::BTreeMap;

use serde_json::json;

use crate::error::ApiError;
use crate::state::{ALNUM, State, UserStatus, random_chars};
use crate::user_pool::lookup::user_mut;
use crate::user_pool::users::insert_user;

/// The username of the federated user `subject` of `provider`.
pub(crate) fn username(provider: &str, subject: &str) -> String {
    format!("{provider}_{subject}")
}

/// Creates or updates the federated user of `subject` at `provider` in `pool_id`;
/// returns its username.
pub(crate) fn link(
    st: &mut State,
    pool_id: &str,
    provider: &str,
    subject: &str,
    email: &str,
) -> Result<String, ApiError> {
    let valid_subject = !subject.is_empty()
        && subject.len() <= 128
        && subject
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if !valid_subject {
        return Err(ApiError::invalid_parameter(
            "the provider's user id must be 1 to 128 letters, digits, '-', '_', '.' or '@'",
        ));
    }
    let provider_type = st
        .hosted_ui
        .providers
        .get(&(pool_id.to_owned(), provider.to_owned()))
        .map(|p| p.provider_type.clone())
        .ok_or_else(|| ApiError::resource_not_found(format!("identity provider {provider}")))?;
    let name = username(provider, subject);
    let now = st.now();
    if let Ok(u) = user_mut(st, pool_id, &name) {
        if !email.is_empty() {
            u.attributes.insert("email".into(), email.to_owned());
        }
        u.modified = now;
        return Ok(name);
    }
    let identities = json!([{
        "userId": subject,
        "providerName": provider,
        "providerType": provider_type,
        "issuer": null,
        "primary": "true",
        "dateCreated": (now * 1000).to_string(),
    }]);
    let mut attributes = BTreeMap::new();
    attributes.insert("identities".to_owned(), identities.to_string());
    if !email.is_empty() {
        attributes.insert("email".to_owned(), email.to_owned());
        attributes.insert("email_verified".to_owned(), "false".to_owned());
    }
    // Nobody knows this password: federated users sign in through their provider only.
    // The suffix meets every password policy a pool can have (a lower- and an
    // upper-case letter, a digit, a symbol), which `insert_user` enforces.
    let password = format!("{}aA1!", random_chars(ALNUM, 32));
    insert_user(
        st,
        pool_id,
        &name,
        &password,
        attributes,
        UserStatus::ExternalProvider,
    )?;
    Ok(name)
}
