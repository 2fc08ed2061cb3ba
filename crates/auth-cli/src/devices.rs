//! `devices`: the signed-in user's remembered devices (list, `remember`,
//! `forget [DEVICE_KEY]`). Sign-in and refresh use this machine's stored device
//! on their own; these commands only show and change the list.

use auth_cognito::{AuthDevice, CognitoAuthPlugin};
use serde_json::{Value, json};

use crate::cli::{Cli, DevicesAction, DevicesArgs};
use crate::commands::{out, print_json};
use crate::exit::CliError;
use crate::profile::Profile;
use crate::render::iso8601;

/// `devices`, `devices remember`, `devices forget [DEVICE_KEY]`.
pub(crate) async fn run(cli: &Cli, args: &DevicesArgs) -> Result<(), CliError> {
    let plugin = Profile::from_cli(cli)?.plugin()?;
    // Loads the stored session (and its device), or fails with exit code 3.
    plugin.get_current_user().await?;
    match &args.action {
        None => list(&plugin, args.json).await,
        Some(DevicesAction::Remember) => {
            plugin.remember_device().await?;
            let key = plugin.current_device_key().unwrap_or_default();
            out(&format!("Remembered this device ({key}).\n"));
            Ok(())
        }
        Some(DevicesAction::Forget { device_key }) => {
            let target = device_key
                .clone()
                .or_else(|| plugin.current_device_key())
                .unwrap_or_default();
            plugin.forget_device(device_key.as_deref()).await?;
            out(&format!("Forgot the device {target}.\n"));
            Ok(())
        }
    }
}

/// Lists the devices, this machine's marked.
async fn list(plugin: &CognitoAuthPlugin, as_json: bool) -> Result<(), CliError> {
    let devices = plugin.fetch_devices().await?;
    let current = plugin.current_device_key();
    if as_json {
        let list: Vec<Value> = devices
            .iter()
            .map(|d| device_json(d, current.as_deref() == Some(d.id.as_str())))
            .collect();
        print_json(&json!({ "current_device_key": current, "devices": list }));
        return Ok(());
    }
    if devices.is_empty() {
        out("No devices.\n");
        return Ok(());
    }
    let mut text = String::new();
    for d in &devices {
        let this = if current.as_deref() == Some(d.id.as_str()) {
            " (this machine)"
        } else {
            ""
        };
        text.push_str(&format!(
            "{}  {}  {}  last sign-in {}{this}\n",
            d.id,
            d.name.as_deref().unwrap_or("-"),
            if d.is_remembered() {
                "remembered"
            } else {
                "not remembered"
            },
            d.last_authenticated_date
                .map(iso8601)
                .unwrap_or_else(|| "-".into()),
        ));
    }
    out(&text);
    Ok(())
}

/// One device as JSON: key, name, remembered, dates (RFC 3339), attributes.
fn device_json(d: &AuthDevice, is_current: bool) -> Value {
    json!({
        "device_key": d.id,
        "name": d.name,
        "remembered": d.is_remembered(),
        "this_machine": is_current,
        "created": d.create_date.map(iso8601),
        "last_modified": d.last_modified_date.map(iso8601),
        "last_authenticated": d.last_authenticated_date.map(iso8601),
        "attributes": d.attributes,
    })
}
