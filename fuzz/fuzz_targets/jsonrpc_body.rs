//! The JSON-RPC wire in front of rmcp (crates/gateway/src/mcp/wire.rs): any
//! body gets a JSON-RPC error of the right code and status, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_gateway::{
    fuzzing::{jsonrpc_invalid_message, jsonrpc_is_batch, jsonrpc_is_json, jsonrpc_sse_messages},
    mcp::wire::{INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR},
};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    // A batch is a body whose first non-blank byte opens an array.
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    assert_eq!(jsonrpc_is_batch(data), first == Some(&b'['));

    // The body as a Content-Type value: JSON or not, never a panic.
    if let Some(json) = jsonrpc_is_json(data) {
        // A value that is not visible ASCII is no media type.
        let visible = data
            .iter()
            .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b));
        let text = String::from_utf8_lossy(data).to_ascii_lowercase();
        let essence = text.split(';').next().unwrap_or("").trim().to_owned();
        let expected = visible && (essence == "application/json" || essence.ends_with("+json"));
        assert_eq!(json, expected, "{text:?}");
    }

    // The error answer to a body rmcp refused.
    let mcp_gateway::fuzzing::Answer {
        status,
        headers,
        body,
    } = jsonrpc_invalid_message(data);
    assert!(
        headers
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json")),
        "{headers:?}"
    );
    assert_eq!(body["jsonrpc"], "2.0", "{body}");
    let code = body["error"]["code"].as_i64().expect("an error code");
    assert!(body["error"]["message"].is_string(), "{body}");
    let id = &body["id"];
    assert!(
        id.is_null() || id.is_string() || id.is_i64() || id.is_u64(),
        "{body}"
    );
    match serde_json::from_slice::<Value>(data) {
        Err(_) => {
            assert_eq!((status, code), (400, PARSE_ERROR), "{body}");
            assert!(id.is_null());
        }
        Ok(Value::Object(message)) => {
            assert!(code == INVALID_REQUEST || code == INVALID_PARAMS, "{body}");
            // Only a request (a valid id and a method) is answered with 200.
            if status == 200 {
                assert_eq!(code, INVALID_PARAMS);
                assert_eq!(Some(id), message.get("id"));
                assert!(message.get("method").is_some_and(Value::is_string));
            } else {
                assert_eq!(status, 400, "{body}");
            }
            // The id echoed is the message's own.
            if !id.is_null() {
                assert_eq!(Some(id), message.get("id"));
            }
        }
        Ok(_) => assert_eq!((status, code), (400, INVALID_REQUEST), "{body}"),
    }

    // The responses of an SSE body: each has an id and a result or an error.
    for m in jsonrpc_sse_messages(data) {
        assert!(m.get("id").is_some(), "{m}");
        assert!(m.get("result").is_some() || m.get("error").is_some(), "{m}");
    }
});
