//! `amplify-auth devices` against the emulator, on a pool that remembers every
//! device: sign-in confirms the device, `devices` lists it, the next sign-in goes
//! through device SRP (still one device), `devices forget` forgets it, and the
//! device secrets never reach the output.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use cognito_emulator::DeviceConfiguration;
use predicates::prelude::*;
use support::{Bed, PASSWORD, assert_no_secret};

/// The stored value of the `demo` user's `field` (e.g. `deviceGroupKey`).
fn stored_field(bed: &Bed, field: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(&bed.stored("default")).ok()?;
    let key = format!(
        "CognitoIdentityServiceProvider.{}.demo.{field}",
        bed.setup.client_id
    );
    v["entries"][key].as_str().map(str::to_owned)
}

fn devices_json(bed: &Bed) -> serde_json::Value {
    let out = bed.cmd(&["devices", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn devices_are_listed_reused_at_sign_in_and_forgotten() {
    let bed = Bed::demo();
    bed.emu()
        .set_device_configuration(bed.pool(), Some(DeviceConfiguration::always()))
        .unwrap();
    bed.cmd(&["devices"]).assert().code(3);
    bed.sign_in();
    let key = stored_field(&bed, "deviceKey").expect("the device is stored");
    let secrets = vec![
        stored_field(&bed, "deviceGroupKey").expect("group key stored"),
        stored_field(&bed, "randomPasswordKey").expect("password stored"),
        PASSWORD.to_owned(),
    ];

    let listed = devices_json(&bed);
    assert_eq!(listed["current_device_key"], key.as_str());
    let list = listed["devices"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["device_key"], key.as_str());
    assert_eq!(list[0]["remembered"], true);
    assert_eq!(list[0]["this_machine"], true);
    assert!(list[0]["created"].as_str().unwrap().ends_with('Z'));
    assert_no_secret("devices --json", &listed.to_string(), &secrets);
    let text = bed.cmd(&["devices"]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains(&key) && text.contains("(this machine)"),
        "{text}"
    );
    assert_no_secret("devices", &text, &secrets);

    // The device survives sign-out; the next sign-in proves it (no new device).
    bed.cmd(&["sign-out"]).assert().success();
    assert_eq!(
        stored_field(&bed, "deviceKey").as_deref(),
        Some(key.as_str())
    );
    bed.sign_in();
    assert_eq!(bed.emu().devices(bed.pool(), "demo").unwrap().len(), 1);
    bed.cmd(&["session", "--force-refresh", "--json"])
        .assert()
        .success();
    bed.cmd(&["devices", "remember"])
        .assert()
        .success()
        .stdout(predicate::str::contains(key.as_str()));

    bed.cmd(&["devices", "forget"])
        .assert()
        .success()
        .stdout(predicate::str::contains(key.as_str()));
    assert_eq!(stored_field(&bed, "deviceKey"), None);
    assert!(bed.emu().devices(bed.pool(), "demo").unwrap().is_empty());
    bed.cmd(&["devices"])
        .assert()
        .success()
        .stdout("No devices.\n");
    bed.cmd(&["devices", "forget"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no device is remembered"));
    bed.cmd(&["devices", "forget", "us-east-1_unknown"])
        .assert()
        .code(1);
}
