//! Inputs found by the fuzz targets in `fuzz/` (see `fuzz/run.sh`), kept as
//! regression tests with the input inline.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use auth_cognito::parse_service_error;

/// `fuzz/fuzz_targets/service_error.rs`, crash-e3e7422a: a long token-like
/// `__type` in an error body reaches the error's text unchanged (the
/// `message` is cut and long words elided, but the code is not), so a
/// misbehaving server or proxy can put a token into our errors and logs.
/// The same holds for the `x-amzn-ErrorType` header.
#[test]
fn service_error_code_from_body_or_header_cannot_smuggle_a_token() {
    // The fuzzer's input, bytes 01 90 00 then the body: status 400, no header.
    let body = br#"{"__type": "Nottxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxsername or password."}"#;
    let token = format!("Nott{}sername", "x".repeat(64));
    let err = parse_service_error(0x0190, None, body);
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains(&token),
        "the body's __type reached the error text"
    );

    // A JWT-shaped __type.
    let jwt = format!("eyJhbGciOiJSUzI1NiJ9.{}.{}", "e".repeat(80), "s".repeat(80));
    let body = format!("{{\"__type\": \"{jwt}\", \"message\": \"x\"}}");
    let err = parse_service_error(400, None, body.as_bytes());
    assert!(!format!("{err} {err:?}").contains(&jwt));

    // crash-a4b9bce4: bytes 01 90 be, a 62-byte header, then a non-JSON body.
    let header = format!("co{}", "1".repeat(60));
    let body = format!("{}m.amazonaws.cognito\u{1}", "1".repeat(21));
    let err = parse_service_error(0x0190, Some(&header), body.as_bytes());
    assert!(!format!("{err} {err:?}").contains(&header));

    // The same through the header.
    let err = parse_service_error(400, Some(&jwt), b"{}");
    assert!(!format!("{err} {err:?}").contains(&jwt));
}

/// `fuzz/fuzz_targets/service_error.rs`, crash-4f6ab06d (found by the CI
/// smoke run after the first fix): a 62-byte capitalised alphanumeric
/// header passed the first plausibility rule.
#[test]
fn a_long_capitalised_header_is_not_an_error_name() {
    let header = format!("{}c", "Y".repeat(61));
    let err = parse_service_error(400, Some(&header), b"\0gnito#Toq\0");
    assert!(!format!("{err} {err:?}").contains(&header));
}
