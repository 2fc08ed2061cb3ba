//! The format of a stored blob (a `FileStorage` file, a keychain item), and
//! its parse errors.
//!
//! The blob is one JSON object, written with a trailing newline:
//!
//! ```json
//! {
//!   "version": 1,
//!   "entries": {
//!     "CognitoIdentityServiceProvider.<clientId>.<username>.accessToken": "eyJ..."
//!   }
//! }
//! ```
//!
//! `entries` is a flat map from string keys to string values. Other
//! top-level fields are ignored on read and dropped on the next write. A
//! file of zero bytes reads as an empty store. Any other content that does
//! not match (invalid JSON, a missing `entries`, a non-string value, a
//! `version` other than 1) is corrupt.

use std::collections::BTreeMap;
use std::fmt::Display;

use auth_core::storage::StorageError;
use serde::{Deserialize, Serialize};

/// The only format version this crate reads and writes.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// The entries of a store.
pub(crate) type Entries = BTreeMap<String, String>;

#[derive(Deserialize)]
struct Header {
    version: u32,
}

#[derive(Deserialize)]
struct Document {
    entries: Entries,
}

#[derive(Serialize)]
struct DocumentRef<'a> {
    version: u32,
    entries: &'a Entries,
}

/// Parses the bytes of the blob named `source` (a path, a keychain item).
///
/// Errors name the source, the kind of problem and its line and column, never
/// any content: a serde message may quote a value, so it is not used.
pub(crate) fn decode(bytes: &[u8], source: &dyn Display) -> Result<Entries, StorageError> {
    if bytes.is_empty() {
        return Ok(Entries::new());
    }
    let header: Header = serde_json::from_slice(bytes).map_err(|e| parse_error(&e, source))?;
    if header.version != FORMAT_VERSION {
        return Err(StorageError::Corrupt {
            detail: format!(
                "{source}: unsupported format version {} (this build reads version {FORMAT_VERSION})",
                header.version
            ),
        });
    }
    let document: Document = serde_json::from_slice(bytes).map_err(|e| parse_error(&e, source))?;
    Ok(document.entries)
}

/// Serializes `entries` in the current format.
pub(crate) fn encode(entries: &Entries, source: &dyn Display) -> Result<Vec<u8>, StorageError> {
    let document = DocumentRef {
        version: FORMAT_VERSION,
        entries,
    };
    let mut bytes = serde_json::to_vec_pretty(&document).map_err(|e| StorageError::Io {
        detail: format!("{source}: cannot serialize: {:?} error", e.classify()),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn parse_error(error: &serde_json::Error, source: &dyn Display) -> StorageError {
    use serde_json::error::Category;
    let kind = match error.classify() {
        Category::Syntax => "invalid JSON",
        Category::Eof => "unexpected end of file",
        Category::Data => "unexpected structure",
        Category::Io => "read error",
    };
    StorageError::Corrupt {
        detail: format!(
            "{source}: {kind} at line {} column {}",
            error.line(),
            error.column()
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::path::Path;

    fn corrupt_detail(bytes: &[u8]) -> String {
        match decode(bytes, &Path::new("/x/session.json").display()) {
            Err(StorageError::Corrupt { detail }) => detail,
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[test]
    fn round_trip() {
        let mut entries = Entries::new();
        entries.insert("a".into(), "1".into());
        entries.insert("b\"\n".into(), "ü \u{0}".into());
        let bytes = encode(&entries, &Path::new("p").display()).unwrap();
        assert!(bytes.ends_with(b"\n"));
        assert_eq!(decode(&bytes, &Path::new("p").display()).unwrap(), entries);
    }

    #[test]
    fn empty_file_is_an_empty_store() {
        assert!(decode(b"", &Path::new("p").display()).unwrap().is_empty());
    }

    #[test]
    fn unknown_top_level_fields_are_ignored() {
        let entries = decode(
            br#"{"version":1,"entries":{"k":"v"},"extra":true}"#,
            &Path::new("p").display(),
        );
        assert_eq!(entries.unwrap().get("k").map(String::as_str), Some("v"));
    }

    #[test]
    fn errors_name_path_and_position_but_never_content() {
        let detail = corrupt_detail(b"{\"version\":1,\"entries\":{\"k\": secret-value");
        assert!(detail.contains("/x/session.json"), "{detail}");
        assert!(detail.contains("line 1 column"), "{detail}");
        assert!(!detail.contains("secret"), "{detail}");

        // serde's own message would quote the offending value here.
        let detail = corrupt_detail(br#"{"version":1,"entries":{"k":"ok","k2":12345678}}"#);
        assert!(detail.contains("unexpected structure"), "{detail}");
        assert!(!detail.contains("12345678"), "{detail}");
        assert!(!detail.contains("k2"), "{detail}");
    }

    #[test]
    fn wrong_version_and_missing_fields_are_corrupt() {
        assert!(corrupt_detail(br#"{"version":2,"entries":{}}"#).contains("version 2"));
        corrupt_detail(br#"{"entries":{}}"#);
        corrupt_detail(br#"{"version":1}"#);
        corrupt_detail(b"[]");
        corrupt_detail(b"   ");
        corrupt_detail(&[0xff, 0xfe, 0x00]);
    }
}
