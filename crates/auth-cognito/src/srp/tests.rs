//! Unit tests of the SRP maths; the byte-for-byte checks against pycognito
//! are in `tests/srp_vectors.rs`.

#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use num_bigint::BigUint;
use sha2::{Digest as _, Sha256};

use super::client::{decode_secret_block, nonzero_scrambling};
use super::group::{K, N, padded_bytes};
use super::*;

fn client() -> SrpClient {
    SrpClient::from_private_key(&[0x5a; PRIVATE_KEY_LEN]).unwrap()
}

#[test]
fn pad_hex_follows_cognito_rules() {
    assert_eq!(pad_hex("abc"), "0abc");
    assert_eq!(pad_hex("7"), "07");
    assert_eq!(pad_hex("80"), "0080");
    assert_eq!(pad_hex("F0"), "00F0");
    assert_eq!(pad_hex("7f"), "7f");
    assert_eq!(pad_hex("00ff"), "00ff");
    assert_eq!(pad_hex(""), "");
}

#[test]
fn padded_bytes_matches_pad_hex_of_the_number() {
    for value in [0u64, 1, 0x7f, 0x80, 0xabc, 0xffff, 0x0100, 0x8000_0000] {
        let big = BigUint::from(value);
        let expected = hex::decode(pad_hex(&big.to_str_radix(16))).unwrap();
        assert_eq!(padded_bytes(&big), expected, "{value:#x}");
    }
}

#[test]
fn k_matches_hash_of_padded_n_and_g() {
    let expected = Sha256::digest(hex::decode(format!("00{N_HEX}02")).unwrap());
    assert_eq!(*K, BigUint::from_bytes_be(&expected));
}

#[cfg(feature = "test-vectors")]
#[test]
fn client_and_server_derive_the_same_key() {
    let salt = "9f1e2d3c4b5a69788796a5b4c3d2e1f0";
    let verifier = compute_verifier("Pool", "alice", "pw", salt).unwrap();
    let server = SrpServer::from_private_key(&[0x33; 128], &verifier).unwrap();
    let client = client();
    let client_key = client
        .authentication_key("Pool", "alice", "pw", salt, &server.b_public_hex())
        .unwrap();
    let server_key = server.authentication_key(&client.a_public_hex()).unwrap();
    assert_eq!(client_key.secret(), server_key.secret());
    assert_eq!(client_key.s_hex(), server_key.s_hex());

    let challenge = PasswordVerifierChallenge {
        pool_name: "Pool",
        user_id_for_srp: "alice",
        salt_hex: salt,
        srp_b_hex: &server.b_public_hex(),
        secret_block_b64: "AAECAw==",
    };
    let ts = format_timestamp(1_700_000_000);
    let claim = client.password_verifier(&challenge, "pw", &ts).unwrap();
    assert!(
        server_key
            .verify_signature("Pool", "alice", "AAECAw==", &ts, claim.signature_b64())
            .unwrap()
    );
    assert!(
        !server_key
            .verify_signature("Pool", "alice", "AAECAw==", "other", claim.signature_b64())
            .unwrap()
    );
    let wrong = client.password_verifier(&challenge, "wrong", &ts).unwrap();
    assert!(
        !server_key
            .verify_signature("Pool", "alice", "AAECAw==", &ts, wrong.signature_b64())
            .unwrap()
    );
}

#[test]
fn random_clients_differ_and_have_valid_a() {
    let mut rng = rand::rng();
    let one = SrpClient::new(&mut rng);
    let two = SrpClient::new(&mut rng);
    assert_ne!(one.a_public_hex(), two.a_public_hex());
    assert!(one.big_a < *N && one.big_a > BigUint::from(1u8));
}

#[test]
fn zero_private_key_is_rejected() {
    assert_eq!(
        SrpClient::from_private_key(&[0; 4]).unwrap_err(),
        SrpError::InvalidPrivateKey
    );
    let n = N.to_bytes_be();
    assert_eq!(
        SrpClient::from_private_key(&n).unwrap_err(),
        SrpError::InvalidPrivateKey
    );
}

#[test]
fn zero_scrambling_parameter_is_rejected() {
    // No (A, B) pair with H(pad(A) | pad(B)) == 0 is known, so the guard
    // is checked directly.
    assert_eq!(
        nonzero_scrambling(BigUint::ZERO).unwrap_err(),
        SrpError::InvalidScrambling
    );
    assert!(nonzero_scrambling(BigUint::from(1u8)).is_ok());
}

#[test]
fn malformed_inputs_are_typed_errors() {
    let c = client();
    let ok = PasswordVerifierChallenge {
        pool_name: "Pool",
        user_id_for_srp: "alice",
        salt_hex: "abcd",
        srp_b_hex: "1234",
        secret_block_b64: "AAECAw==",
    };
    assert!(c.password_verifier(&ok, "pw", "t").is_ok());
    let cases = [
        (
            PasswordVerifierChallenge { salt_hex: "", ..ok },
            SrpError::InvalidHex { field: "SALT" },
        ),
        (
            PasswordVerifierChallenge {
                salt_hex: "xyz",
                ..ok
            },
            SrpError::InvalidHex { field: "SALT" },
        ),
        (
            PasswordVerifierChallenge {
                srp_b_hex: "",
                ..ok
            },
            SrpError::InvalidHex { field: "SRP_B" },
        ),
        (
            PasswordVerifierChallenge {
                srp_b_hex: "0x12",
                ..ok
            },
            SrpError::InvalidHex { field: "SRP_B" },
        ),
        (
            PasswordVerifierChallenge {
                srp_b_hex: "12_34",
                ..ok
            },
            SrpError::InvalidHex { field: "SRP_B" },
        ),
        (
            PasswordVerifierChallenge {
                srp_b_hex: "+1234",
                ..ok
            },
            SrpError::InvalidHex { field: "SRP_B" },
        ),
        (
            PasswordVerifierChallenge {
                srp_b_hex: "00",
                ..ok
            },
            SrpError::InvalidServerPublicKey,
        ),
        (
            PasswordVerifierChallenge {
                secret_block_b64: "not base64!",
                ..ok
            },
            SrpError::InvalidBase64 {
                field: "SECRET_BLOCK",
            },
        ),
    ];
    for (challenge, expected) in cases {
        assert_eq!(
            c.password_verifier(&challenge, "pw", "t").unwrap_err(),
            expected
        );
    }
}

#[cfg(feature = "test-vectors")]
#[test]
fn server_rejects_a_multiple_of_n() {
    let server = SrpServer::from_private_key(&[1; 8], "1234").unwrap();
    for a in ["0", N_HEX] {
        assert_eq!(
            server.authentication_key(a).unwrap_err(),
            SrpError::InvalidClientPublicKey
        );
    }
}

#[test]
fn debug_output_redacts_secrets() {
    let c = client();
    let a_hex = c.a_public_hex();
    let debug = format!("{c:?}");
    assert!(debug.contains("[redacted]"));
    assert!(!debug.contains(&a_hex[..16]));

    let key = c
        .authentication_key("Pool", "alice", "hunter2", "abcd", "1234")
        .unwrap();
    let debug = format!("{key:?}");
    assert!(!debug.contains(&hex::encode(key.secret())));
    #[cfg(feature = "test-vectors")]
    assert!(!debug.contains(&key.s_hex()[..16]));

    let challenge = PasswordVerifierChallenge {
        pool_name: "Pool",
        user_id_for_srp: "alice",
        salt_hex: "abcd",
        srp_b_hex: "1234",
        secret_block_b64: "AAECAw==",
    };
    let claim = c.password_verifier(&challenge, "hunter2", "t").unwrap();
    let debug = format!("{claim:?}");
    assert!(!debug.contains(claim.signature_b64()));
    assert!(!debug.contains("hunter2"));
}

#[test]
fn errors_carry_no_input_values() {
    let c = client();
    let err = c
        .authentication_key("Pool", "alice", "hunter2", "zz-secret", "1234")
        .unwrap_err();
    assert!(!err.to_string().contains("secret"));
    assert!(!format!("{err:?}").contains("secret"));
}

#[test]
fn salt_is_read_as_a_number_like_amplify_js() {
    let x = |salt| compute_x_hex("Pool", "alice", "pw", salt).unwrap();
    assert_eq!(x("000f"), x("f"));
    assert_eq!(x("000f"), x("0f"));
    assert_eq!(x("0080"), x("80"));
    assert_eq!(x("00AB"), x("ab"));
    assert_ne!(x("0f"), x("f0"));
}

#[test]
fn secret_block_skips_characters_outside_base64() {
    // moto sends a UUID as SECRET_BLOCK; pycognito drops the dashes.
    assert_eq!(
        decode_secret_block("0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d").unwrap(),
        BASE64.decode("0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d").unwrap()
    );
}

#[test]
fn pool_name_is_the_part_after_the_underscore() {
    assert_eq!(pool_name_from_pool_id("us-east-1_AbC").unwrap(), "AbC");
    assert_eq!(
        pool_name_from_pool_id("nounderscore").unwrap_err(),
        SrpError::InvalidPoolId
    );
}
