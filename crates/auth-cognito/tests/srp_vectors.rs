//! Replays the SRP test vectors made by pycognito (`scripts/srp_vectors.py`)
//! and checks that our SRP module agrees byte for byte on every intermediate
//! (A, u, x, S, the HKDF key, the signature) and on the timestamp format.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_cognito::srp::{
    PasswordVerifierChallenge, SrpClient, SrpError, SrpServer, compute_verifier, compute_x_hex,
    format_timestamp, k_hex, pool_name_from_pool_id,
};
use serde_json::Value;

const VECTORS: &str = include_str!("data/srp_vectors.json");

fn doc() -> Value {
    serde_json::from_str(VECTORS).expect("srp_vectors.json is valid JSON")
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("vector {} lacks string field {name}", v["name"]))
}

fn challenge(v: &Value) -> PasswordVerifierChallenge<'_> {
    PasswordVerifierChallenge::new(field(v, "pool_name"), field(v, "user_id_for_srp"))
        .with_salt_hex(field(v, "salt"))
        .with_srp_b_hex(field(v, "srp_b"))
        .with_secret_block_b64(field(v, "secret_block"))
}

#[test]
fn group_constants_match_pycognito() {
    let doc = doc();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(
        doc["n"].as_str().unwrap(),
        auth_cognito::srp::N_HEX.to_ascii_lowercase()
    );
    assert_eq!(doc["g"].as_str().unwrap(), "2");
    assert_eq!(doc["k"].as_str().unwrap(), k_hex());
}

#[test]
fn every_pycognito_vector_matches_byte_for_byte() {
    let doc = doc();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 24, "only {} vectors", vectors.len());
    let mut valid = 0;
    let mut rejected = 0;
    for v in vectors {
        let name = field(v, "name");
        let c = challenge(v);
        assert_eq!(
            pool_name_from_pool_id(field(v, "pool_id")).unwrap(),
            c.pool_name,
            "{name}: pool name"
        );
        let a = hex::decode(field(v, "a")).unwrap();
        let client = SrpClient::from_private_key(&a).unwrap();
        assert_eq!(client.a_public_hex(), field(v, "big_a"), "{name}: A");
        let timestamp = format_timestamp(v["unix_time"].as_i64().unwrap());
        assert_eq!(timestamp, field(v, "timestamp"), "{name}: timestamp");
        let password = field(v, "password");

        if let Some(expected) = v.get("expected_error") {
            let err = client
                .password_verifier(&c, password, &timestamp)
                .unwrap_err();
            let expected = match expected.as_str().unwrap() {
                "InvalidServerPublicKey" => SrpError::InvalidServerPublicKey,
                "InvalidScrambling" => SrpError::InvalidScrambling,
                other => panic!("{name}: unknown expected error {other}"),
            };
            assert_eq!(err, expected, "{name}");
            rejected += 1;
            continue;
        }

        let x = compute_x_hex(c.pool_name, c.user_id_for_srp, password, c.salt_hex).unwrap();
        assert_eq!(x, field(v, "x"), "{name}: x");
        let key = client
            .authentication_key(
                c.pool_name,
                c.user_id_for_srp,
                password,
                c.salt_hex,
                c.srp_b_hex,
            )
            .unwrap();
        assert_eq!(key.u_hex(), field(v, "u"), "{name}: u");
        assert_eq!(key.s_hex(), field(v, "s"), "{name}: S");
        assert_eq!(hex::encode(key.secret()), field(v, "key"), "{name}: key");

        let claim = client.password_verifier(&c, password, &timestamp).unwrap();
        assert_eq!(
            claim.signature_b64(),
            field(v, "signature"),
            "{name}: signature"
        );
        assert_eq!(claim.timestamp(), timestamp, "{name}: claim timestamp");

        if let Some(b) = v.get("server_b_private") {
            // Our server side, fed the same b, must send the same B and
            // accept the client's claim.
            let verifier =
                compute_verifier(c.pool_name, c.user_id_for_srp, password, c.salt_hex).unwrap();
            let b = b.as_str().unwrap();
            let b = hex::decode(if b.len() % 2 == 1 {
                format!("0{b}")
            } else {
                b.to_owned()
            })
            .unwrap();
            let server = SrpServer::from_private_key(&b, &verifier).unwrap();
            assert_eq!(server.b_public_hex(), c.srp_b_hex, "{name}: server B");
            let server_key = server.authentication_key(&client.a_public_hex()).unwrap();
            assert_eq!(server_key.secret(), key.secret(), "{name}: server key");
            assert!(
                server_key
                    .verify_signature(
                        c.pool_name,
                        c.user_id_for_srp,
                        c.secret_block_b64,
                        &timestamp,
                        claim.signature_b64(),
                    )
                    .unwrap(),
                "{name}: server verifies the claim"
            );
        }
        valid += 1;
    }
    assert!(valid >= 24, "only {valid} valid vectors");
    assert!(rejected >= 3, "only {rejected} negative vectors");
}

#[test]
fn timestamps_match_pycognito() {
    let doc = doc();
    let stamps = doc["timestamps"].as_array().unwrap();
    assert!(stamps.len() >= 20);
    for t in stamps {
        let unix = t["unix_time"].as_i64().unwrap();
        assert_eq!(
            format_timestamp(unix),
            t["formatted"].as_str().unwrap(),
            "unix time {unix}"
        );
    }
}

#[test]
fn vectors_cover_the_padding_traps() {
    // Guards the generator: if a regeneration lost a shape, this says which.
    let doc = doc();
    let vectors = doc["vectors"].as_array().unwrap();
    let has = |pred: &dyn Fn(&Value) -> bool| vectors.iter().any(pred);
    let odd = |s: &str| s.len() % 2 == 1;
    let high = |s: &str| {
        s.len().is_multiple_of(2)
            && matches!(s.as_bytes()[0], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
    };
    for name in ["big_a", "srp_b", "salt", "u", "s"] {
        assert!(
            has(&|v| v.get(name).and_then(Value::as_str).is_some_and(odd)),
            "no odd-length {name}"
        );
        assert!(
            has(&|v| v.get(name).and_then(Value::as_str).is_some_and(high)),
            "no {name} with a leading byte >= 0x80"
        );
    }
    assert!(has(&|v| field(v, "user_id_for_srp").contains('@')));
    assert!(has(&|v| !field(v, "password").is_ascii()));
    assert!(has(&|v| field(v, "salt").len() <= 4));
    assert!(has(&|v| v
        .get("u")
        .and_then(Value::as_str)
        .is_some_and(|u| u.len() <= 62)));
}
