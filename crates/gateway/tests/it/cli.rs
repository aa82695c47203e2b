use std::process::{Command, Output};

use crate::helpers::{CLIENT_SECRET, SESSION_SECRET, TestApp};

fn gateway(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"));
    // A clean environment, run from an empty directory (no stray .env).
    cmd.env_clear().current_dir(dir.path()).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const VALID: &[(&str, &str)] = &[
    ("GOOGLE_CLIENT_ID", "id.apps.googleusercontent.com"),
    ("GOOGLE_CLIENT_SECRET", CLIENT_SECRET),
    ("ALLOWED_DOMAIN", "example.com"),
    ("SESSION_SECRET", SESSION_SECRET),
];

#[test]
fn missing_configuration_exits_2_naming_every_variable() {
    for cmd in [&["serve"][..], &["check-config"][..], &[][..]] {
        let out = gateway(cmd, &[]);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        for var in [
            "GOOGLE_CLIENT_ID",
            "GOOGLE_CLIENT_SECRET",
            "ALLOWED_DOMAIN",
            "SESSION_SECRET",
        ] {
            assert!(
                stderr
                    .lines()
                    .any(|l| l.contains(&format!("{var}: is required"))),
                "{var} not named in {stderr}"
            );
        }
    }
}

#[test]
fn each_invalid_variable_gets_its_own_line_and_exit_2() {
    let cases = [
        ("PORT", "eighty"),
        ("PUBLIC_URL", "mcp.example.com"),
        ("ALLOWED_DOMAIN", "not a domain"),
        ("LOG_FORMAT", "yaml"),
        ("SHUTDOWN_DRAIN_SECONDS", "forever"),
        ("DYNAMODB_TABLE_NAME", "x"),
    ];
    for (var, value) in cases {
        let mut env = VALID.to_vec();
        env.retain(|(k, _)| *k != var);
        env.push((var, value));
        let out = gateway(&["check-config"], &env);
        assert_eq!(out.status.code(), Some(2), "{var}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<_> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{var}: {stderr}");
        assert!(lines[0].contains(&format!("{var}:")), "{stderr}");
    }
}

#[test]
fn short_session_secret_is_refused_and_never_echoed() {
    let mut env = VALID.to_vec();
    env.retain(|(k, _)| *k != "SESSION_SECRET");
    env.push(("SESSION_SECRET", "short-but-secret-value"));
    let out = gateway(&["serve"], &env);
    assert_eq!(out.status.code(), Some(2));
    let all = text(&out);
    assert!(all.contains("SESSION_SECRET"));
    assert!(!all.contains("short-but-secret-value"));
}

#[test]
fn check_config_prints_effective_configuration_with_secrets_redacted() {
    let key = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
    let mut env = VALID.to_vec();
    env.push(("VAULT_MASTER_KEY", key));
    env.push(("PUBLIC_URL", "https://mcp.example.com"));
    let out = gateway(&["check-config"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let all = text(&out);
    for secret in [CLIENT_SECRET, SESSION_SECRET, key] {
        assert!(!all.contains(secret), "secret printed: {all}");
    }
    assert!(all.contains("GOOGLE_CLIENT_SECRET"));
    assert!(all.contains("<redacted>"));
    assert!(all.contains("https://mcp.example.com/oauth/callback"));
    assert!(all.contains("configuration OK"));
}

#[test]
fn dotenv_file_is_read_but_does_not_override_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "GOOGLE_CLIENT_ID=from-dotenv\nGOOGLE_CLIENT_SECRET=x\nALLOWED_DOMAIN=example.com\nSESSION_SECRET={SESSION_SECRET}\nPORT=4321\n"
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
        .env_clear()
        .env("PORT", "5555")
        .current_dir(dir.path())
        .arg("check-config")
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("from-dotenv"));
    assert!(
        all.lines()
            .any(|l| l.starts_with("PORT") && l.ends_with("5555")),
        "{all}"
    );
}

#[test]
fn version_and_help() {
    let out = gateway(&["--version"], &[]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("mcp-gateway {}", env!("CARGO_PKG_VERSION"))
    );
    let out = gateway(&["--help"], &[]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for sub in ["serve", "check-config", "healthcheck"] {
        assert!(help.contains(sub), "{help}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn healthcheck_succeeds_against_a_running_gateway_and_fails_otherwise() {
    let mut app = TestApp::spawn().await;
    let port = app.port.to_string();
    let ok = tokio::task::spawn_blocking(move || gateway(&["healthcheck"], &[("PORT", &port)]))
        .await
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let port = app.port.to_string();
    app.stop().await.unwrap();
    let down = tokio::task::spawn_blocking(move || {
        gateway(&["healthcheck", "--timeout", "1"], &[("PORT", &port)])
    })
    .await
    .unwrap();
    assert_ne!(down.status.code(), Some(0));
    assert!(text(&down).contains("unhealthy"));
}

#[test]
fn missing_configuration_ends_with_what_to_do_next() {
    let out = gateway(&["serve"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("mcp-gateway demo"), "{stderr}");
    assert!(stderr.contains("cp .env.example .env"), "{stderr}");
    let help = text(&gateway(&["--help"], &[]));
    assert!(
        help.contains(".env") && help.contains("GOOGLE_CLIENT_ID"),
        "{help}"
    );
}

#[test]
fn demo_refuses_an_auto_approve_address_that_is_not_seeded() {
    let out = gateway(&["demo", "--auto-approve", "nobody@example.com"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nobody@example.com"), "{stderr}");
    assert!(
        stderr.contains("alice@example.com") && stderr.contains("dana@example.com"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_subcommand_or_flag_names_the_closest_and_exits_2() {
    let out = gateway(&["serv"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("serve"), "{}", text(&out));
    let out = gateway(&["demo", "--auto-aprove", "alice@example.com"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("--auto-approve"), "{}", text(&out));
}

#[test]
fn a_port_in_use_is_named_with_the_variable_to_change() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let mut env = VALID.to_vec();
    env.extend([
        ("HOST", "127.0.0.1"),
        ("PORT", port.as_str()),
        ("DATA_DIR", data),
    ]);
    let out = gateway(&["serve"], &env);
    assert_ne!(out.status.code(), Some(0));
    let all = text(&out);
    assert!(
        all.contains(&format!("port {port} is already in use")) && all.contains("PORT"),
        "{all}"
    );
}

#[test]
fn readable_logs_carry_no_colour_codes_when_not_on_a_terminal() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"));
    cmd.env_clear()
        .current_dir(dir.path())
        .arg("serve")
        .envs(VALID.iter().copied())
        .envs([
            ("HOST", "127.0.0.1"),
            ("PORT", port.as_str()),
            ("DATA_DIR", data),
            ("LOG_FORMAT", "pretty"),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(logs.contains("gateway listening"), "{logs}");
    assert!(
        !logs.contains('\u{1b}'),
        "colour codes in piped logs: {logs:?}"
    );
}

#[tokio::test]
async fn audit_lists_one_users_events_newest_first_and_refuses_unknown_users_and_bad_times() {
    use mcp_gateway::audit::{
        event::{AuditEvent, EventKind},
        writer::Audit,
    };
    let mut app = TestApp::spawn().await;
    let data_dir = app.data_dir.display().to_string();
    let mut env = VALID.to_vec();
    env.push(("DATA_DIR", &data_dir));
    let audit = Audit::new(app.store.clone(), std::time::Duration::from_secs(86_400));
    let user = Some((crate::helpers::TEST_USER, crate::helpers::TEST_EMAIL));
    let mut old = AuditEvent::tool_call(
        user,
        Some("cursor"),
        "gmail_search",
        "ok",
        40,
        (vec![], false),
    );
    old.time_ms -= 3 * 3_600_000;
    audit.record_now(old).await;
    let ids = (vec!["message:m1".to_owned(), "thread:t1".to_owned()], false);
    let read = AuditEvent::tool_call(user, Some("cursor"), "gmail_read_message", "ok", 12, ids);
    let read_at = read.time_ms;
    audit.record_now(read).await;
    let other = AuditEvent::tool_call(
        Some(("someone-else", "erin@example.com")),
        None,
        "drive_read",
        "ok",
        1,
        (vec![], false),
    );
    audit.record_now(other).await;
    let mut reuse = AuditEvent::security_of(
        EventKind::RefreshTokenReuse,
        crate::helpers::TEST_USER,
        Some("cursor"),
        "detected",
        "family_revoked",
    );
    // Events of one millisecond have no order between them: this one is later.
    reuse.time_ms = reuse.time_ms.max(read_at + 1);
    audit.record_now(reuse).await;

    let out = gateway(
        &["audit", "--user", "ANN@example.com", "--since", "1h"],
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].starts_with("TIME") && lines[0].contains("OBJECTS"),
        "{table}"
    );
    assert!(
        lines[1].contains("refresh_token_reuse") && lines[1].contains("(family_revoked)"),
        "{table}"
    );
    assert!(
        lines[2].contains("gmail_read_message") && lines[2].contains("message:m1,thread:t1"),
        "{table}"
    );

    let out = gateway(
        &[
            "audit",
            "--user",
            "ann@example.com",
            "--since",
            "1d",
            "--json",
            "--limit",
            "2",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["kind"], "refresh_token_reuse");
    assert_eq!(lines[1]["tool"], "gmail_read_message");
    let out = gateway(
        &[
            "audit",
            "--user",
            "ann@example.com",
            "--since",
            "1d",
            "--json",
        ],
        &env,
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        3,
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("drive_read"), "{}", text(&out));

    let out = gateway(&["audit", "--user", "nobody@example.com"], &env);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("no user with the email nobody@example.com"),
        "{}",
        text(&out)
    );
    let out = gateway(
        &["audit", "--user", "ann@example.com", "--since", "yesterday"],
        &env,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("--since") && text(&out).contains("24h"),
        "{}",
        text(&out)
    );
    let out = gateway(&["audit"], &env);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    app.stop().await.unwrap();
}
