//! Fault injection: the [`Fault`]s a test queues for an operation, and their JSON form of
//! `POST /_emulator/faults`. The server applies them in `server::api`.

use std::time::Duration;

use serde_json::Value;

/// A fault to inject into the next calls of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status and `{"__type": type_, "message": message}`.
    Status {
        /// HTTP status code, e.g. 500 or 400.
        status: u16,
        /// The `__type`, e.g. `InternalErrorException` or `TooManyRequestsException`.
        type_: String,
        /// The message.
        message: String,
    },
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// Close the TCP connection without any HTTP response.
    Drop,
    /// Answer 200 with a truncated JSON body (`{"Authentic`).
    MalformedBody,
    /// Answer 200 with valid JSON that lacks every field (`{}`).
    MissingFields,
}

impl Fault {
    /// `{"kind": "status", "status": 500, "type": "InternalErrorException", "message": ".."}`,
    /// `{"kind": "latency", "ms": 200}`, `{"kind": "drop"}`, `{"kind": "malformed_body"}` or
    /// `{"kind": "missing_fields"}`; `None` for an unknown kind. Missing members take the
    /// defaults (500, `InternalErrorException`, `injected fault`, 0 ms).
    pub(crate) fn from_json(f: &Value) -> Option<Self> {
        Some(match f.get("kind").and_then(Value::as_str)? {
            "status" => Fault::Status {
                status: f
                    .get("status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .unwrap_or(500),
                type_: f
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("InternalErrorException")
                    .to_owned(),
                message: f
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("injected fault")
                    .to_owned(),
            },
            "latency" => Fault::Latency(Duration::from_millis(
                f.get("ms").and_then(Value::as_u64).unwrap_or(0),
            )),
            "drop" => Fault::Drop,
            "malformed_body" => Fault::MalformedBody,
            "missing_fields" => Fault::MissingFields,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_form_of_each_kind_with_defaults() {
        assert_eq!(
            Fault::from_json(&json!({"kind": "status"})),
            Some(Fault::Status {
                status: 500,
                type_: "InternalErrorException".into(),
                message: "injected fault".into(),
            })
        );
        assert_eq!(
            Fault::from_json(&json!({"kind": "latency", "ms": 200})),
            Some(Fault::Latency(Duration::from_millis(200)))
        );
        assert_eq!(
            Fault::from_json(&json!({"kind": "drop"})),
            Some(Fault::Drop)
        );
        assert_eq!(
            Fault::from_json(&json!({"kind": "malformed_body"})),
            Some(Fault::MalformedBody)
        );
        assert_eq!(
            Fault::from_json(&json!({"kind": "missing_fields"})),
            Some(Fault::MissingFields)
        );
        assert_eq!(Fault::from_json(&json!({"kind": "nope"})), None);
        assert_eq!(Fault::from_json(&json!({})), None);
    }
}
