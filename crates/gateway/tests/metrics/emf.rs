//! The CloudWatch embedded-metric-format line: its shape, its deltas, and
//! the binary writing it to stdout between its JSON log lines.

use std::process::{Command, Stdio};

use mcp_gateway::{config, metrics};
use serde_json::{Value, json};

use crate::{
    helpers::{CLIENT_SECRET, Mcp, SESSION_SECRET, TestApp},
    scrape::SERIAL,
};

/// The names the CDK stack alarms on.
const NAMES: [&str; 13] = [
    "ToolCalls",
    "ToolErrors",
    "ToolLatencyP99",
    "GoogleCalls",
    "GoogleRateLimited",
    "GoogleRetries",
    "TokenRefreshFailures",
    "StoreErrors",
    "StoreLatencyP99",
    "KmsErrors",
    "LiveSessions",
    "RateLimited",
    "AuditDropped",
];

fn assert_emf_shape(line: &Value) {
    let aws = &line["_aws"];
    assert!(
        aws["Timestamp"].as_i64().unwrap() > 1_700_000_000_000,
        "{line}"
    );
    let cw = aws["CloudWatchMetrics"].as_array().unwrap();
    assert_eq!(cw.len(), 1);
    assert_eq!(cw[0]["Namespace"], "McpGateway");
    assert_eq!(cw[0]["Dimensions"], json!([[]]));
    let defined: Vec<&str> = cw[0]["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Name"].as_str().unwrap())
        .collect();
    assert_eq!(defined, NAMES);
    for m in cw[0]["Metrics"].as_array().unwrap() {
        let unit = if m["Name"].as_str().unwrap().ends_with("P99") {
            "Milliseconds"
        } else {
            "Count"
        };
        assert_eq!(m["Unit"], unit, "{m}");
    }
    for name in NAMES {
        assert!(line[name].is_number(), "{name} missing: {line}");
    }
}

#[tokio::test]
async fn an_emf_line_holds_the_deltas_since_the_previous_one() {
    let _serial = SERIAL.lock().await;
    let app = TestApp::spawn_with(&[
        (config::TRUSTED_PROXY_HOPS, "0"),
        (config::OAUTH_REQUEST_BURST, "1"),
        (config::OAUTH_REQUESTS_PER_MINUTE, "1"),
    ])
    .await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let mut emf = metrics::emf::Emf::starting_now();
    for id in 0..4 {
        mcp.request(
            10 + id,
            "tools/call",
            json!({"name": "whoami", "arguments": {}}),
        )
        .await;
    }
    mcp.request(
        20,
        "tools/call",
        json!({"name": "gmail_search", "arguments": {"query": 5}}),
    )
    .await;
    for _ in 0..2 {
        crate::helpers::client()
            .post(app.url("/oauth/token"))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
            .send()
            .await
            .unwrap();
    }
    metrics::audit_dropped();
    metrics::rate_limited("tool_call");

    let line: Value = serde_json::from_str(&emf.next_line(1_764_892_800_000)).unwrap();
    assert_emf_shape(&line);
    assert_eq!(line["_aws"]["Timestamp"], 1_764_892_800_000i64);
    assert_eq!(line["ToolCalls"], 5, "{line}");
    assert_eq!(line["ToolErrors"], 1, "{line}");
    assert!(line["ToolLatencyP99"].as_f64().unwrap() > 0.0, "{line}");
    assert_eq!(
        line["RateLimited"], 2,
        "one OAuth refusal and one tool-call refusal: {line}"
    );
    assert_eq!(line["AuditDropped"], 1, "{line}");
    assert_eq!(line["GoogleCalls"], 0, "{line}");
    assert_eq!(line["StoreErrors"], 0, "{line}");
    assert!(line["LiveSessions"].as_i64().unwrap() >= 1, "{line}");

    let next: Value = serde_json::from_str(&emf.next_line(1_764_892_860_000)).unwrap();
    for name in ["ToolCalls", "ToolErrors", "RateLimited", "AuditDropped"] {
        assert_eq!(next[name], 0, "{name} counted twice: {next}");
    }
    assert_eq!(next["ToolLatencyP99"], 0.0, "{next}");
}

/// The binary with `METRICS_EMF=true` writes its line to stdout, whole,
/// among the JSON log lines (the last one when it stops).
#[tokio::test]
async fn the_gateway_writes_emf_lines_between_its_json_log_lines() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let child = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
        .env_clear()
        .current_dir(dir.path())
        .arg("serve")
        .envs([
            ("GOOGLE_CLIENT_ID", "id.apps.googleusercontent.com"),
            ("GOOGLE_CLIENT_SECRET", CLIENT_SECRET),
            ("ALLOWED_DOMAIN", "example.com"),
            ("SESSION_SECRET", SESSION_SECRET),
            ("HOST", "127.0.0.1"),
            ("PORT", port.as_str()),
            ("DATA_DIR", dir.path().to_str().unwrap()),
            ("METRICS_EMF", "true"),
            ("SHUTDOWN_DRAIN_SECONDS", "1"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let health = format!("http://127.0.0.1:{port}/health");
    let mut up = false;
    for _ in 0..100 {
        if let Ok(r) = crate::helpers::client().get(&health).send().await {
            up = r.status() == 200;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "the gateway did not start");
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = Vec::new();
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line:?}"));
        if v.get("_aws").is_some() {
            lines.push(v);
        }
    }
    assert_eq!(lines.len(), 1, "one line, at shutdown: {stdout}");
    assert_emf_shape(&lines[0]);
    assert!(stdout.contains("shutdown complete"), "{stdout}");
}
