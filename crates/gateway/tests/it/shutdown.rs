use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Mcp, TestApp};

#[tokio::test(flavor = "multi_thread")]
async fn in_flight_request_completes_after_shutdown_begins() {
    let mut app = TestApp::spawn_with(&[("SHUTDOWN_DRAIN_SECONDS", "10")]).await;
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "slow", "version": "1"}}
    })
    .to_string();
    let (first, rest) = body.split_at(body.len() / 2);

    // Start a request whose body is still arriving when shutdown begins.
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\n\r\n",
        app.port,
        app.token,
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    app.shutdown.trigger();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // New connections are no longer accepted.
    let refused =
        tokio::time::timeout(Duration::from_secs(2), reqwest::get(app.url("/health"))).await;
    assert!(
        !matches!(refused, Ok(Ok(ref r)) if r.status() == 200),
        "a new request was served during drain"
    );

    tcp.write_all(rest.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut buf))
            .await
            .expect("response within the drain time")
            .unwrap();
        if n == 0 {
            break;
        }
        response.extend_from_slice(&buf[..n]);
        if String::from_utf8_lossy(&response).contains("\"serverInfo\"") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"serverInfo\""), "{text}");
    drop(tcp);

    let started = Instant::now();
    app.stop().await.expect("clean exit");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread")]
async fn drain_time_bounds_shutdown() {
    let mut app = TestApp::spawn_with(&[("SHUTDOWN_DRAIN_SECONDS", "1")]).await;
    // A connection that never finishes its request.
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    tcp.write_all(
        format!(
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer {}\r\nContent-Length: 100\r\n\r\n{{",
            app.token
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    app.stop()
        .await
        .expect("exits cleanly after the drain time");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn standalone_sse_stream_closes_with_a_retry_hint_on_shutdown() {
    let mut app = TestApp::spawn_with(&[("SHUTDOWN_DRAIN_SECONDS", "10")]).await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let response = mcp.get_stream().send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let reader = tokio::spawn(async move { response.text().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    app.stop().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "SSE stream held shutdown"
    );
    let body = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .unwrap()
        .unwrap();
    assert!(body.trim_end().ends_with("retry: 1000"), "{body:?}");
}
