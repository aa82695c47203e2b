//! Helpers for the REST API tests: tokens with chosen scopes and JSON calls.

use fake_google::FakeGoogle;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{http, sign_in};

pub const MAIL_ALL: &str = "https://mail.google.com/";
pub const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
pub const GMAIL_MODIFY: &str = "https://www.googleapis.com/auth/gmail.modify";
pub const GMAIL_SEND: &str = "https://www.googleapis.com/auth/gmail.send";
pub const GMAIL_COMPOSE: &str = "https://www.googleapis.com/auth/gmail.compose";
pub const GMAIL_METADATA: &str = "https://www.googleapis.com/auth/gmail.metadata";
pub const CALENDAR: &str = "https://www.googleapis.com/auth/calendar";
pub const CALENDAR_READONLY: &str = "https://www.googleapis.com/auth/calendar.readonly";
pub const CALENDAR_EVENTS: &str = "https://www.googleapis.com/auth/calendar.events";

/// An access token for `email` holding `openid email profile` plus `scopes`.
pub async fn token(fake: &FakeGoogle, email: &str, scopes: &[&str]) -> String {
    let scope = format!("openid email profile {}", scopes.join(" "));
    let body = sign_in(fake, email, &[("scope", scope.as_str())]).await;
    body["access_token"]
        .as_str()
        .expect("access token")
        .to_string()
}

/// A token with every Gmail and Calendar scope the tests use.
pub async fn full_token(fake: &FakeGoogle, email: &str) -> String {
    token(fake, email, &[GMAIL_MODIFY, GMAIL_COMPOSE, CALENDAR]).await
}

pub async fn call(
    fake: &FakeGoogle,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = http().request(method, fake.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("api request");
    let status = response.status();
    let text = response.text().await.expect("body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("json body: {text}"))
    };
    (status, value)
}

pub async fn get(fake: &FakeGoogle, token: &str, path: &str) -> (StatusCode, Value) {
    call(fake, token, Method::GET, path, None).await
}

pub async fn post(fake: &FakeGoogle, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    call(fake, token, Method::POST, path, Some(body)).await
}

pub async fn patch(fake: &FakeGoogle, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    call(fake, token, Method::PATCH, path, Some(body)).await
}

pub async fn delete(fake: &FakeGoogle, token: &str, path: &str) -> StatusCode {
    call(fake, token, Method::DELETE, path, None).await.0
}

/// `GET` that must succeed; returns the body.
pub async fn get_ok(fake: &FakeGoogle, token: &str, path: &str) -> Value {
    let (status, body) = get(fake, token, path).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}

/// Asserts Google's error shape and returns the first `reason`.
pub fn error_reason(body: &Value, code: u16) -> String {
    let error = &body["error"];
    assert_eq!(error["code"], code, "{body}");
    assert!(error["message"].is_string(), "{body}");
    error["errors"][0]["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("reason in {body}"))
        .to_string()
}
