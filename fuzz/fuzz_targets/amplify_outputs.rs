//! `CognitoConfig::from_amplify_outputs` on arbitrary text: errors, never panics.

#![no_main]

use auth_cognito::CognitoConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match CognitoConfig::from_amplify_outputs(text) {
        Ok(config) => {
            let _ = format!("{config:?}");
            let _ = config.user_pool_endpoint();
            let _ = config.identity_pool_endpoint();
            let _ = config.user_pool_provider_name();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
