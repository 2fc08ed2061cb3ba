//! Required groups (`cognito:groups`) and scopes (the access token's
//! space-separated `scope`), checked on verified claims.

use auth_core::jwt::JwtClaims;
use serde_json::Value;

use crate::rejection::AuthRejection;

/// The groups and scopes a route requires: every one listed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Policy {
    pub(crate) groups: Vec<String>,
    pub(crate) scopes: Vec<String>,
}

impl Policy {
    /// Ok when `claims` has every required group and scope; else the first
    /// one missing, as a 403.
    pub(crate) fn check(&self, claims: &JwtClaims) -> Result<(), AuthRejection> {
        for g in &self.groups {
            require_group(claims, g)?;
        }
        for s in &self.scopes {
            require_scope(claims, s)?;
        }
        Ok(())
    }
}

/// The names in `cognito:groups` (none when the claim is absent).
pub(crate) fn groups(claims: &JwtClaims) -> impl Iterator<Item = &str> {
    claims
        .get("cognito:groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// The scopes of the space-separated `scope` claim (none when absent).
pub(crate) fn scopes(claims: &JwtClaims) -> impl Iterator<Item = &str> {
    claims
        .get_str("scope")
        .unwrap_or("")
        .split_ascii_whitespace()
}

pub(crate) fn require_group(claims: &JwtClaims, group: &str) -> Result<(), AuthRejection> {
    if groups(claims).any(|g| g == group) {
        Ok(())
    } else {
        Err(AuthRejection::InsufficientScope {
            kind: "group",
            required: group.to_owned(),
        })
    }
}

pub(crate) fn require_scope(claims: &JwtClaims, scope: &str) -> Result<(), AuthRejection> {
    if scopes(claims).any(|s| s == scope) {
        Ok(())
    } else {
        Err(AuthRejection::InsufficientScope {
            kind: "scope",
            required: scope.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn claims(v: Value) -> JwtClaims {
        JwtClaims::from_map(v.as_object().unwrap().clone()).unwrap()
    }

    #[test]
    fn every_required_group_and_scope_must_be_present() {
        let c = claims(serde_json::json!({
            "cognito:groups": ["admin", "staff"],
            "scope": "openid orders/read",
        }));
        let mut p = Policy::default();
        p.groups.push("staff".into());
        p.scopes.push("orders/read".into());
        assert!(p.check(&c).is_ok());
        p.groups.push("billing".into());
        assert_eq!(
            p.check(&c),
            Err(AuthRejection::InsufficientScope {
                kind: "group",
                required: "billing".into()
            })
        );
        let none = claims(serde_json::json!({"scope": "orders/readwrite"}));
        assert!(require_scope(&none, "orders/read").is_err());
        assert_eq!(groups(&none).count(), 0);
    }
}
