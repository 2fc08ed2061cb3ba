//! Shared helpers of the HTTP tests: a tiny JSON 1.1 client and an independent
//! client-side SRP implementation (it shares no code with the emulator or auth-cognito).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cognito_emulator::{Emulator, secret_hash};
use hmac::{Hmac, KeyInit, Mac};
use num_bigint::BigUint;
use rand::RngExt as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const IDP: &str = "AWSCognitoIdentityProviderService";
pub const CI: &str = "AWSCognitoIdentityService";

/// An error as the wire shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub status: u16,
    pub type_: String,
    pub message: String,
}

pub struct Api {
    pub http: reqwest::Client,
    pub endpoint: String,
}

impl Api {
    pub fn new(endpoint: String) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .build()
                .unwrap(),
            endpoint,
        }
    }

    pub async fn call(&self, service: &str, op: &str, body: Value) -> Result<Value, WireError> {
        let res = self
            .http
            .post(format!("{}/", self.endpoint))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{service}.{op}"))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let v: Value = res.json().await.unwrap();
        if status == 200 {
            Ok(v)
        } else {
            Err(WireError {
                status,
                type_: v["__type"].as_str().unwrap_or("").to_owned(),
                message: v["message"].as_str().unwrap_or("").to_owned(),
            })
        }
    }

    pub async fn idp(&self, op: &str, body: Value) -> Result<Value, WireError> {
        self.call(IDP, op, body).await
    }

    pub async fn ci(&self, op: &str, body: Value) -> Result<Value, WireError> {
        self.call(CI, op, body).await
    }

    /// Pool + client + confirmed user, all over HTTP.
    pub async fn setup(&self, client_extra: Value, user: &str, password: &str) -> (String, Value) {
        let pool = self
            .idp("CreateUserPool", json!({"PoolName": "p"}))
            .await
            .unwrap()["UserPool"]["Id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut req = json!({"UserPoolId": pool, "ClientName": "c"});
        if let (Some(o), Some(extra)) = (req.as_object_mut(), client_extra.as_object()) {
            o.extend(extra.clone());
        }
        let client = self.idp("CreateUserPoolClient", req).await.unwrap()["UserPoolClient"].clone();
        self.idp(
            "AdminCreateUser",
            json!({"UserPoolId": pool, "Username": user, "TemporaryPassword": "Temp0rary!",
                   "MessageAction": "SUPPRESS",
                   "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}]}),
        )
        .await
        .unwrap();
        self.idp(
            "AdminSetUserPassword",
            json!({"UserPoolId": pool, "Username": user, "Password": password, "Permanent": true}),
        )
        .await
        .unwrap();
        (pool, client)
    }

    pub async fn password_auth(
        &self,
        client_id: &str,
        user: &str,
        pw: &str,
    ) -> Result<Value, WireError> {
        self.idp(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
                   "AuthParameters": {"USERNAME": user, "PASSWORD": pw}}),
        )
        .await
    }
}

/// A fresh emulator and a client of its endpoint.
pub async fn start() -> (Emulator, Api) {
    let emu = Emulator::start().await.unwrap();
    let api = Api::new(emu.endpoint());
    (emu, api)
}

/// The `ClientId` of a `UserPoolClient` object.
pub fn cid(client: &Value) -> String {
    client["ClientId"].as_str().unwrap().to_owned()
}

/// RFC 4648 base32 (no padding) of a TOTP secret, as `SecretCode` carries it.
pub fn base32_decode(s: &str) -> Vec<u8> {
    data_encoding::BASE32_NOPAD.decode(s.as_bytes()).unwrap()
}

/// A whole `USER_SRP_AUTH` sign-in with the independent client: `InitiateAuth`, then
/// `PASSWORD_VERIFIER`; with `secret`, both carry a `SECRET_HASH`.
pub async fn srp_sign_in(
    api: &Api,
    pool: &str,
    client_id: &str,
    user: &str,
    pw: &str,
    secret: Option<&str>,
) -> Result<Value, WireError> {
    let srp = SrpClient::new();
    let mut params = json!({"USERNAME": user, "SRP_A": srp.a_hex()});
    if let Some(s) = secret {
        params["SECRET_HASH"] = json!(secret_hash(s, user, client_id));
    }
    let r = api
        .idp(
            "InitiateAuth",
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": client_id, "AuthParameters": params}),
        )
        .await?;
    assert_eq!(r["ChallengeName"], "PASSWORD_VERIFIER");
    let p = &r["ChallengeParameters"];
    assert_eq!(p["USER_ID_FOR_SRP"], user);
    let mut resp = srp.respond(pool, pw, p, &srp_timestamp());
    if let Some(s) = secret {
        resp["SECRET_HASH"] = json!(secret_hash(s, user, client_id));
    }
    api.idp(
        "RespondToAuthChallenge",
        json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": client_id, "ChallengeResponses": resp}),
    )
    .await
}

/// The claims of a JWT, unverified.
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

// ------------------------------------------------------------ client-side SRP

const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

/// Amplify's padHex, on a hex string.
fn pad_hex(h: &str) -> String {
    let h = h.to_lowercase();
    if h.len() % 2 == 1 {
        format!("0{h}")
    } else if "89abcdef".contains(&h[..1]) {
        format!("00{h}")
    } else {
        h
    }
}

fn hash_hex(hex_in: &str) -> BigUint {
    BigUint::from_bytes_be(&Sha256::digest(hex::decode(hex_in).unwrap()))
}

pub struct SrpClient {
    n: BigUint,
    g: BigUint,
    a: BigUint,
    pub big_a: BigUint,
}

impl SrpClient {
    pub fn new() -> Self {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap();
        let g = BigUint::from(2u8);
        let mut bytes = [0u8; 128];
        rand::rng().fill(&mut bytes[..]);
        let a = BigUint::from_bytes_be(&bytes) % &n;
        let big_a = g.modpow(&a, &n);
        Self { n, g, a, big_a }
    }

    pub fn a_hex(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// ChallengeResponses for PASSWORD_VERIFIER.
    pub fn respond(&self, pool_id: &str, password: &str, params: &Value, timestamp: &str) -> Value {
        let user_id = params["USER_ID_FOR_SRP"].as_str().unwrap();
        let pool_name = pool_id.split('_').nth(1).unwrap();
        self.respond_as(pool_name, user_id, password, params, timestamp)
    }

    /// ChallengeResponses for a password verifier of `user_id` under `pool_name`: the
    /// pool name and username for a user, the device group key and device key for a
    /// device (`DEVICE_PASSWORD_VERIFIER`, which also wants `DEVICE_KEY`).
    pub fn respond_as(
        &self,
        pool_name: &str,
        user_id: &str,
        password: &str,
        params: &Value,
        timestamp: &str,
    ) -> Value {
        let salt = params["SALT"].as_str().unwrap();
        let b_hex = params["SRP_B"].as_str().unwrap();
        let block = params["SECRET_BLOCK"].as_str().unwrap();
        let big_b = BigUint::parse_bytes(b_hex.as_bytes(), 16).unwrap();
        let k = hash_hex(&format!("{}{}", pad_hex(N_HEX), pad_hex("2")));
        let u = hash_hex(&format!(
            "{}{}",
            pad_hex(&self.big_a.to_str_radix(16)),
            pad_hex(b_hex)
        ));
        let inner = hex::encode(Sha256::digest(format!("{pool_name}{user_id}:{password}")));
        let x = hash_hex(&format!("{}{inner}", pad_hex(salt)));
        let gx = self.g.modpow(&x, &self.n);
        let kgx = (k * gx) % &self.n;
        let base = (&big_b + &self.n - kgx) % &self.n;
        let s = base.modpow(&(&self.a + &u * &x), &self.n);
        let hk = hkdf::Hkdf::<Sha256>::new(
            Some(&hex::decode(pad_hex(&u.to_str_radix(16))).unwrap()),
            &hex::decode(pad_hex(&s.to_str_radix(16))).unwrap(),
        );
        let mut key = [0u8; 16];
        hk.expand(b"Caldera Derived Key", &mut key).unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(pool_name.as_bytes());
        mac.update(user_id.as_bytes());
        mac.update(&B64.decode(block).unwrap());
        mac.update(timestamp.as_bytes());
        let sig = B64.encode(mac.finalize().into_bytes());
        json!({
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": block,
            "PASSWORD_CLAIM_SIGNATURE": sig,
            "TIMESTAMP": timestamp,
        })
    }
}

/// A device's `DeviceSecretVerifierConfig` for `ConfirmDevice`, as Amplify makes it:
/// a 16-byte salt, `x = H(pad(salt) | H(groupKey | deviceKey | ":" | password))`,
/// `v = g^x`, both base64 of their padded bytes.
pub fn device_verifier(group_key: &str, device_key: &str, password: &str) -> Value {
    let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap();
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt[..]);
    let salt_hex = pad_hex(&BigUint::from_bytes_be(&salt).to_str_radix(16));
    let inner = hex::encode(Sha256::digest(format!(
        "{group_key}{device_key}:{password}"
    )));
    let x = hash_hex(&format!("{salt_hex}{inner}"));
    let v = BigUint::from(2u8).modpow(&x, &n);
    let v_hex = pad_hex(&v.to_str_radix(16));
    json!({
        "Salt": B64.encode(hex::decode(salt_hex).unwrap()),
        "PasswordVerifier": B64.encode(hex::decode(v_hex).unwrap()),
    })
}

/// "%a %b %-d %H:%M:%S UTC %Y" for now.
pub fn srp_timestamp() -> String {
    let fmt = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day padding:none] [hour]:[minute]:[second] UTC [year]"
    );
    time::OffsetDateTime::now_utc().format(&fmt).unwrap()
}
