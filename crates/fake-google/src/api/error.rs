//! Google's JSON error body for REST APIs:
//! `{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Message Google sends with every 401 from its APIs.
pub const UNAUTHENTICATED_MESSAGE: &str = "Request had invalid authentication credentials. \
Expected OAuth 2 access token, login cookie or other valid authentication credential. \
See https://developers.google.com/identity/sign-in/web/devconsole-project.";

/// An API error answer, rendered in Google's shape.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub reason: &'static str,
    pub domain: &'static str,
    pub extra: Option<Box<Extra>>,
}

/// The rarer parts of an error answer.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// `(location, locationType)` of the offending input.
    pub location: Option<(String, &'static str)>,
    pub details: Option<Value>,
    pub www_authenticate: Option<String>,
    /// A `status` other than the code's usual one (`FAILED_PRECONDITION` on a 400).
    pub status: Option<&'static str>,
}

/// The canonical `status` string for an HTTP code, as Google's APIs send it.
pub fn status_name(code: u16) -> Option<&'static str> {
    Some(match code {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        412 => "FAILED_PRECONDITION",
        429 => "RESOURCE_EXHAUSTED",
        500 => "INTERNAL",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => return None,
    })
}

impl ApiError {
    pub fn new(status: StatusCode, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            reason,
            domain: "global",
            extra: None,
        }
    }

    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = reason;
        self
    }

    /// Names the offending request parameter (`location`, `locationType: parameter`).
    pub fn with_location(mut self, location: &str) -> Self {
        let mut extra = self.extra.take().map(|e| *e).unwrap_or_default();
        extra.location = Some((location.to_string(), "parameter"));
        self.extra = Some(Box::new(extra));
        self
    }

    /// Sends `status` in place of the code's usual canonical name.
    pub fn with_status(mut self, status: &'static str) -> Self {
        let mut extra = self.extra.take().map(|e| *e).unwrap_or_default();
        extra.status = Some(status);
        self.extra = Some(Box::new(extra));
        self
    }

    /// 401: missing, unknown, expired or revoked access token.
    pub fn unauthenticated(token_present: bool) -> Self {
        let mut error = ApiError::new(
            StatusCode::UNAUTHORIZED,
            if token_present {
                "authError"
            } else {
                "required"
            },
            UNAUTHENTICATED_MESSAGE,
        );
        error.extra = Some(Box::new(Extra {
            location: Some(("Authorization".into(), "header")),
            details: None,
            www_authenticate: Some(if token_present {
                "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"".into()
            } else {
                "Bearer realm=\"https://accounts.google.com/\"".into()
            }),
            status: None,
        }));
        error
    }

    /// 403: the token lacks every scope the method accepts.
    pub fn insufficient_scope(service: &str, method: &str, accepted: &[&str]) -> Self {
        let mut error = ApiError::new(
            StatusCode::FORBIDDEN,
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
        );
        let details = Some(json!([{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
            "domain": "googleapis.com",
            "metadata": { "service": service, "method": method }
        }]));
        let www_authenticate = Some(format!(
            "Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\", scope=\"{}\"",
            accepted.join(" ")
        ));
        error.extra = Some(Box::new(Extra {
            location: None,
            details,
            www_authenticate,
            status: None,
        }));
        error
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "notFound", message)
    }

    /// Gmail's 400 (`invalidArgument`).
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalidArgument", message)
    }

    /// Calendar's 400 for a bad field value (`invalid`).
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "badRequest", message)
    }

    /// Calendar's 400 for a missing field (`required`).
    pub fn required(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "required", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// Calendar's 410 for an already deleted resource.
    pub fn deleted() -> Self {
        ApiError::new(StatusCode::GONE, "deleted", "Resource has been deleted")
    }

    pub fn conflict(reason: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, reason, message)
    }

    /// The JSON body Google sends.
    pub fn body(&self) -> Value {
        let mut item = json!({
            "message": self.message,
            "domain": self.domain,
            "reason": self.reason,
        });
        let extra = self.extra.as_deref().cloned().unwrap_or_default();
        if let Some((location, kind)) = &extra.location {
            item["location"] = json!(location);
            item["locationType"] = json!(kind);
        }
        let mut error = json!({
            "code": self.status.as_u16(),
            "message": self.message,
            "errors": [item],
        });
        if let Some(status) = extra.status.or_else(|| status_name(self.status.as_u16())) {
            error["status"] = json!(status);
        }
        if let Some(details) = &extra.details {
            error["details"] = details.clone();
        }
        json!({ "error": error })
    }
}

/// The default body of an injected fault on an API path, chosen by status.
pub fn fault_body(status: StatusCode) -> Value {
    let (reason, domain, message) = match status.as_u16() {
        400 => ("badRequest", "global", "Bad Request"),
        401 => ("authError", "global", "Invalid Credentials"),
        403 => ("rateLimitExceeded", "usageLimits", "Rate Limit Exceeded"),
        404 => ("notFound", "global", "Requested entity was not found."),
        409 => ("conflict", "global", "Conflict"),
        429 => (
            "rateLimitExceeded",
            "usageLimits",
            "Resource has been exhausted (e.g. check quota).",
        ),
        500 => ("backendError", "global", "Backend Error"),
        503 => (
            "backendError",
            "global",
            "The service is currently unavailable.",
        ),
        _ => (
            "unknown",
            "global",
            status.canonical_reason().unwrap_or("Error"),
        ),
    };
    let mut error = ApiError::new(status, reason, message);
    error.domain = domain;
    error.body()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            self.body().to_string(),
        )
            .into_response();
        if let Some(value) = self
            .extra
            .as_ref()
            .and_then(|e| e.www_authenticate.as_deref())
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
