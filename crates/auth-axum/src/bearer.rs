//! Reading the bearer token of a request's `Authorization` header (RFC 6750
//! section 2.1), without ever copying it anywhere.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

use crate::rejection::AuthRejection;

/// The token of `Authorization: Bearer <token>`.
///
/// No header, or a header of another scheme (`Basic ...`), is
/// [`AuthRejection::MissingToken`]; a `Bearer` header without a usable
/// token (empty, not visible ASCII, or two headers) is an invalid token.
pub(crate) fn token(headers: &HeaderMap) -> Result<&str, AuthRejection> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(AuthRejection::MissingToken);
    };
    if values.next().is_some() {
        return Err(AuthRejection::invalid("more than one Authorization header"));
    }
    let Ok(value) = value.to_str() else {
        return Err(AuthRejection::invalid(
            "the Authorization header is not visible ASCII",
        ));
    };
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthRejection::MissingToken);
    }
    let token = rest.trim();
    if token.is_empty() || token.contains(' ') {
        return Err(AuthRejection::invalid(
            "the Authorization header has no bearer token",
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::http::HeaderValue;

    use super::*;

    fn with(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn reads_the_bearer_token_in_any_case_of_the_scheme() {
        assert_eq!(
            token(&with(&["Bearer abc.def.ghi"])).unwrap(),
            "abc.def.ghi"
        );
        assert_eq!(token(&with(&["bearer   abc "])).unwrap(), "abc");
    }

    #[test]
    fn no_header_or_another_scheme_is_a_missing_token() {
        assert!(matches!(
            token(&with(&[])),
            Err(AuthRejection::MissingToken)
        ));
        assert!(matches!(
            token(&with(&["Basic dXNlcjpwdw=="])),
            Err(AuthRejection::MissingToken)
        ));
    }

    #[test]
    fn a_bearer_header_without_one_token_is_invalid() {
        for bad in [
            &["Bearer"][..],
            &["Bearer  "],
            &["Bearer a b"],
            &["Bearer a", "Bearer b"],
        ] {
            let e = token(&with(bad)).unwrap_err();
            assert_eq!(e.status().as_u16(), 401, "{bad:?}");
            assert!(!matches!(e, AuthRejection::MissingToken), "{bad:?}");
        }
    }
}
