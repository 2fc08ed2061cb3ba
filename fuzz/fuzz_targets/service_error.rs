//! `parse_service_error(status, x-amzn-ErrorType, body)` on arbitrary input.
//!
//! Layout: 2 bytes of status, 1 byte that says whether a header is present
//! and how long it is, the header, then the body.
//! Property: no long unbroken word (a token-like string) of the body or the
//! header makes it into the error's text.

#![no_main]

use auth_cognito::parse_service_error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]);
    let rest = &data[3..];
    let (header, body) = if data[2] & 0x80 != 0 {
        let len = usize::from(data[2] & 0x7f).min(rest.len());
        (std::str::from_utf8(&rest[..len]).ok(), &rest[len..])
    } else {
        (None, rest)
    };
    let err = parse_service_error(status, header, body);
    let text = format!("{err} {err:?}");
    // Neither the body (its `message` or `__type`) nor the header may
    // smuggle a token-like word into our errors.
    let sources = [
        std::str::from_utf8(body).unwrap_or(""),
        header.unwrap_or(""),
    ];
    for source in sources {
        let words =
            source.split(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_' && c != '.');
        for word in words.filter(|w| w.len() > 60) {
            assert!(
                !text.contains(word),
                "a {}-byte unbroken word of the response reached the error text",
                word.len()
            );
        }
    }
});
