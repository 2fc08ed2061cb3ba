//! What users sign up and sign in with. With `UsernameAttributes`, the e-mail address
//! or phone number is the login and the username is a generated UUID (the user's `sub`);
//! with `AliasAttributes`, a verified e-mail or phone number (or a `preferred_username`)
//! is a second name for the username. Two accounts never share such a name: sign-up
//! answers `UsernameExistsException`, verification and updates `AliasExistsException`.

use std::collections::BTreeMap;

use super::codes::is_verified;
use crate::error::ApiError;
use crate::state::{User, UserPool};

/// The username of the user `login` names in `pool`: the username itself, the `sub`, or
/// an attribute the pool signs in with.
pub(crate) fn resolve<'a>(pool: &'a UserPool, login: &str) -> Option<&'a str> {
    if let Some((name, _)) = pool.users.get_key_value(login) {
        return Some(name);
    }
    pool.users
        .values()
        .find(|u| u.sub == login || names_user(pool, u, login))
        .map(|u| u.username.as_str())
}

fn names_user(pool: &UserPool, u: &User, login: &str) -> bool {
    ["email", "phone_number", "preferred_username"]
        .into_iter()
        .any(|attr| {
            u.attributes.get(attr).is_some_and(|v| v == login)
                && pool.settings.signs_in_with(attr, is_verified(u, attr))
        })
}

fn looks_like_email(s: &str) -> bool {
    s.split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
}

fn looks_like_phone(s: &str) -> bool {
    s.len() > 4 && s.starts_with('+') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The username a `SignUp` of `requested` gets, and its attributes: a UUID and the
/// e-mail or phone attribute under `UsernameAttributes`; `requested` otherwise (which
/// may not look like an alias).
pub(crate) fn sign_up_username(
    pool: &UserPool,
    requested: &str,
    mut attributes: BTreeMap<String, String>,
) -> Result<(String, BTreeMap<String, String>), ApiError> {
    let s = &pool.settings;
    if !s.username_attributes.is_empty() {
        let attr = if looks_like_email(requested) {
            "email"
        } else if looks_like_phone(requested) {
            "phone_number"
        } else {
            ""
        };
        if attr.is_empty() || !s.username_attributes.iter().any(|a| a == attr) {
            return Err(ApiError::invalid_parameter(
                "Username should be either an email or a phone number.",
            ));
        }
        if pool
            .users
            .values()
            .any(|u| u.attributes.get(attr).is_some_and(|v| v == requested))
        {
            let what = if attr == "email" {
                "email"
            } else {
                "phone_number"
            };
            return Err(ApiError::new(
                "UsernameExistsException",
                format!("An account with the given {what} already exists."),
            ));
        }
        attributes.insert(attr.to_owned(), requested.to_owned());
        return Ok((uuid::Uuid::new_v4().to_string(), attributes));
    }
    for (attr, looks) in [
        ("email", looks_like_email as fn(&str) -> bool),
        ("phone_number", looks_like_phone),
    ] {
        if s.alias_attributes.iter().any(|a| a == attr) && looks(requested) {
            return Err(ApiError::invalid_parameter(format!(
                "Username cannot be of {} format, since user pool is configured for {} alias.",
                if attr == "email" {
                    "email"
                } else {
                    "phone number"
                },
                if attr == "email" {
                    "email"
                } else {
                    "phone number"
                },
            )));
        }
    }
    Ok((requested.to_owned(), attributes))
}

/// The user other than `username` whose `attribute` is `value` and is a name to sign in
/// with (verified, where verification matters).
pub(crate) fn holder<'a>(
    pool: &'a UserPool,
    username: &str,
    attribute: &str,
    value: &str,
) -> Option<&'a str> {
    if !pool.settings.is_login_attribute(attribute) {
        return None;
    }
    pool.users
        .values()
        .find(|u| {
            u.username != username
                && u.attributes.get(attribute).is_some_and(|v| v == value)
                && pool
                    .settings
                    .signs_in_with(attribute, is_verified(u, attribute))
        })
        .map(|u| u.username.as_str())
}

/// `AliasExistsException` for `attribute`.
pub(crate) fn alias_exists(attribute: &str) -> ApiError {
    ApiError::new(
        "AliasExistsException",
        format!("An account with the {attribute} already exists."),
    )
}
