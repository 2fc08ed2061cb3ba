//! User-pool groups: `CreateGroup`, `AdminAddUserToGroup`, `AdminRemoveUserFromGroup`,
//! `AdminListGroupsForUser`, and the `cognito:groups` claim of a member's tokens.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::lookup::{pool, user};
use crate::error::ApiError;
use crate::state::State;
use crate::wire::{Operation, opt_str, req_str};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("CreateGroup", create_group),
    Operation::new("AdminAddUserToGroup", |st, req| membership(st, req, true)),
    Operation::new("AdminRemoveUserFromGroup", |st, req| {
        membership(st, req, false)
    }),
    Operation::new("AdminListGroupsForUser", list_groups_for_user),
];

/// The groups of every pool and their members.
#[derive(Debug, Default)]
pub(crate) struct Groups {
    /// Pool id -> group name -> its description.
    groups: BTreeMap<String, BTreeMap<String, String>>,
    /// (pool id, username) -> the names of the user's groups.
    members: BTreeMap<(String, String), BTreeSet<String>>,
}

/// Create group `name` in `pool_id`.
pub(crate) fn insert_group(
    st: &mut State,
    pool_id: &str,
    name: &str,
    description: &str,
) -> Result<(), ApiError> {
    pool(st, pool_id)?;
    if name.is_empty() {
        return Err(ApiError::new(
            "InvalidParameterException",
            "GroupName must not be empty",
        ));
    }
    let pool_groups = st.groups.groups.entry(pool_id.to_owned()).or_default();
    if pool_groups.contains_key(name) {
        return Err(ApiError::new(
            "GroupExistsException",
            "A group with the name already exists.",
        ));
    }
    pool_groups.insert(name.to_owned(), description.to_owned());
    Ok(())
}

/// Add `username` to (or remove it from) group `name`.
pub(crate) fn set_member(
    st: &mut State,
    pool_id: &str,
    username: &str,
    name: &str,
    member: bool,
) -> Result<(), ApiError> {
    user(st, pool_id, username)?;
    let exists = st
        .groups
        .groups
        .get(pool_id)
        .is_some_and(|g| g.contains_key(name));
    if !exists {
        return Err(ApiError::new(
            "ResourceNotFoundException",
            "Group not found.",
        ));
    }
    let key = (pool_id.to_owned(), username.to_owned());
    if member {
        st.groups
            .members
            .entry(key)
            .or_default()
            .insert(name.to_owned());
    } else if let Some(set) = st.groups.members.get_mut(&key) {
        set.remove(name);
    }
    Ok(())
}

/// Put `cognito:groups` (the user's groups, by name) into both token payloads, as
/// Cognito does; nothing when the user is in no group.
pub(crate) fn add_group_claims(
    st: &State,
    pool_id: &str,
    username: &str,
    id: &mut Map<String, Value>,
    access: &mut Value,
) {
    let key = (pool_id.to_owned(), username.to_owned());
    let Some(set) = st.groups.members.get(&key).filter(|s| !s.is_empty()) else {
        return;
    };
    let list = json!(set.iter().collect::<Vec<_>>());
    id.insert("cognito:groups".into(), list.clone());
    if let Some(a) = access.as_object_mut() {
        a.insert("cognito:groups".into(), list);
    }
}

fn create_group(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?;
    let name = req_str(req, "GroupName")?;
    let description = opt_str(req, "Description").unwrap_or("");
    insert_group(st, pool_id, name, description)?;
    let now = st.now();
    Ok(json!({"Group": {
        "GroupName": name,
        "UserPoolId": pool_id,
        "Description": description,
        "CreationDate": now,
        "LastModifiedDate": now,
    }}))
}

fn membership(st: &mut State, req: &Value, member: bool) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?;
    let username = req_str(req, "Username")?;
    let name = req_str(req, "GroupName")?;
    set_member(st, pool_id, username, name, member)?;
    Ok(json!({}))
}

fn list_groups_for_user(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?;
    let username = req_str(req, "Username")?;
    user(st, pool_id, username)?;
    let key = (pool_id.to_owned(), username.to_owned());
    let descriptions = st.groups.groups.get(pool_id);
    let groups: Vec<Value> = st
        .groups
        .members
        .get(&key)
        .into_iter()
        .flatten()
        .map(|name| {
            let description = descriptions
                .and_then(|d| d.get(name))
                .map_or("", String::as_str);
            json!({"GroupName": name, "UserPoolId": pool_id, "Description": description})
        })
        .collect();
    Ok(json!({ "Groups": groups }))
}
