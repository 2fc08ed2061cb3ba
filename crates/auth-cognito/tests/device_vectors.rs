//! Replays the device SRP vectors made by Amplify JS v6
//! (`scripts/device_vectors_amplify.mjs`): the verifier of a new device
//! (`DeviceSecretVerifierConfig`, from Amplify's random password and salt) and the
//! `DEVICE_PASSWORD_VERIFIER` claim (device group key as the pool name, device key
//! as the user), compared byte for byte with ours.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use auth_cognito::srp::{DeviceVerifier, PasswordVerifierChallenge, SrpClient, format_timestamp};
use serde_json::Value;

const VECTORS: &str = include_str!("data/device_vectors.json");

fn vectors() -> Vec<Value> {
    let doc: Value = serde_json::from_str(VECTORS).expect("device_vectors.json is valid JSON");
    let v = doc["vectors"].as_array().expect("vectors").clone();
    assert!(v.len() >= 4, "too few vectors: {}", v.len());
    v
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("vector {} lacks {name}", v["name"]))
}

fn hex_bytes(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn device_verifiers_match_amplify_byte_for_byte() {
    for v in vectors() {
        let ours = DeviceVerifier::from_parts(
            field(&v, "device_group_key"),
            field(&v, "device_key"),
            field(&v, "password"),
            &hex_bytes(field(&v, "salt_hex")),
        )
        .unwrap();
        assert_eq!(
            ours.salt_b64(),
            field(&v, "salt_b64"),
            "{}: salt",
            v["name"]
        );
        assert_eq!(
            ours.password_verifier_b64(),
            field(&v, "verifier_b64"),
            "{}: verifier",
            v["name"]
        );
    }
}

#[test]
fn device_password_claims_match_amplify_byte_for_byte() {
    for v in vectors() {
        let time = v["unix_time"].as_i64().unwrap();
        let timestamp = format_timestamp(time);
        assert_eq!(
            timestamp,
            field(&v, "timestamp"),
            "{}: timestamp",
            v["name"]
        );
        let client = SrpClient::from_private_key(&hex_bytes(field(&v, "a"))).unwrap();
        let challenge =
            PasswordVerifierChallenge::new(field(&v, "device_group_key"), field(&v, "device_key"))
                .with_salt_hex(field(&v, "srp_salt"))
                .with_srp_b_hex(field(&v, "srp_b"))
                .with_secret_block_b64(field(&v, "secret_block"));
        let claim = client
            .password_verifier(&challenge, field(&v, "password"), &timestamp)
            .unwrap();
        assert_eq!(
            claim.signature_b64(),
            field(&v, "signature"),
            "{}: signature",
            v["name"]
        );
    }
}

#[test]
fn a_generated_device_password_is_40_random_bytes_and_the_salt_16() {
    let mut rng = rand::rng();
    let a = DeviceVerifier::generate(&mut rng, "-GroupKey1", "us-east-1_k").unwrap();
    let b = DeviceVerifier::generate(&mut rng, "-GroupKey1", "us-east-1_k").unwrap();
    assert_eq!(a.password().len(), 56);
    assert_ne!(a.password(), b.password());
    assert_ne!(a.password_verifier_b64(), b.password_verifier_b64());
    // 16 bytes (17 when a zero byte pads a top bit, 15 for a leading zero byte).
    let salt_len = a.salt_b64().len();
    assert!(
        salt_len == 24 || salt_len == 20,
        "salt base64 length {salt_len}"
    );
}
