//! The JSON 1.1 wire shapes every operation shares: reading request fields, the
//! operation tables the services dispatch through, and the user-attribute list.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::{State, User};

/// The handler of one operation: the request body in, the response body (or a
/// Cognito-shaped error) out. Handlers run under the state lock.
pub(crate) type Handler = fn(&mut State, &Value) -> Result<Value, ApiError>;

/// One entry of a service's dispatch table: the `X-Amz-Target` operation name and its
/// handler. Each module lists its own operations in a `pub(crate) const OPERATIONS`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operation {
    /// The operation name, e.g. `InitiateAuth`.
    pub(crate) name: &'static str,
    /// What runs it.
    pub(crate) run: Handler,
}

impl Operation {
    /// An operation `name` run by `run`.
    pub(crate) const fn new(name: &'static str, run: Handler) -> Self {
        Self { name, run }
    }
}

/// The handler of `op` in a service's tables (one table per module); `None` when no
/// module knows it.
pub(crate) fn find(tables: &[&[Operation]], op: &str) -> Option<Handler> {
    tables
        .iter()
        .flat_map(|t| t.iter())
        .find(|o| o.name == op)
        .map(|o| o.run)
}

/// A string member of the request, if present.
pub(crate) fn opt_str<'a>(req: &'a Value, key: &str) -> Option<&'a str> {
    req.get(key).and_then(Value::as_str)
}

/// A required, non-empty string member, or Cognito's validation error naming it.
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

/// The `AuthParameters` or `ChallengeResponses` of a request, as a map.
pub(crate) type StrMap = BTreeMap<String, String>;

/// A `{"K": "V", ..}` member (`AuthParameters`, `ChallengeResponses`); non-string values
/// are skipped.
pub(crate) fn str_map(req: &Value, key: &str) -> StrMap {
    req.get(key)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// A `[{"Name": .., "Value": ..}, ..]` member (`UserAttributes`).
pub(crate) fn attribute_list(req: &Value, key: &str) -> BTreeMap<String, String> {
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

/// A user's attributes as Cognito lists them: `sub` first, then the stored ones.
pub(crate) fn attributes_json(user: &User) -> Value {
    let mut list = vec![json!({"Name": "sub", "Value": user.sub})];
    list.extend(
        user.attributes
            .iter()
            .map(|(k, v)| json!({"Name": k, "Value": v})),
    );
    Value::Array(list)
}
