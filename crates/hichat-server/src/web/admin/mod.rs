//! The admin HTTP API: JSON endpoints under `/api/v1/` on the web listener
//! for bots and dashboards, shaped after Ergo's API. Off unless
//! `[admin] enabled = true`; see README.md ("Admin API") for the endpoints.
//!
//! Every request carries `Authorization: Bearer <token>`, checked against
//! the hashes in `[admin]` ([`tokens`]). A missing, malformed or unknown
//! token gets the same 401 and body; failures are counted per source
//! address and past the limit answered 429 without a check. Actions run
//! through the same functions as the operator commands (KILL, KICK,
//! KLINE/DLINE) and are logged at INFO with the token's name (never the
//! token); a ban is acknowledged once the store has committed it.

mod endpoints;
pub mod tokens;

pub use tokens::{AdminSection, AdminToken};

use super::WebState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::net::SocketAddr;

/// An error answer: a status and a short `{"error": "..."}`.
#[derive(Debug)]
pub(super) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }

    pub(super) fn bad(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(super) fn not_found(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub(super) fn internal(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &serde_json::json!({ "error": self.message }))
    }
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

/// The endpoints: name, whether it changes anything (POST only; reads
/// also take GET).
const ENDPOINTS: &[(&str, bool)] = &[
    ("status", false),
    ("users", false),
    ("channels", false),
    ("ns/info", true),
    ("kick", true),
    ("kill", true),
    ("kline", true),
    ("unkline", true),
    ("dline", true),
    ("undline", true),
    ("notice", true),
];

/// Every request under `/api/`.
pub(super) async fn handle(
    State(web): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let config = web.server.info.config.get();
    let admin = &config.admin;
    if !admin.enabled {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    let ip = super::client_addr(&config.web, peer, req.headers()).ip();
    if !web.admin_throttle.allowed(ip, admin) {
        tracing::debug!(addr = %ip, "admin API: throttled");
        let mut res = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too many failed attempts; wait").into_response();
        let wait = HeaderValue::from(admin.auth_failure_window_secs);
        res.headers_mut().insert(header::RETRY_AFTER, wait);
        return res;
    }
    let Some(token) = bearer(req.headers()).and_then(|t| tokens::find(&admin.tokens, t)) else {
        web.admin_throttle.failed(ip, admin);
        tracing::info!(addr = %ip, path = %req.uri().path(), "admin API: unauthorized");
        let mut res = ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized").into_response();
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return res;
    };
    let token = token.to_owned();
    let path = req.uri().path().strip_prefix("/api/v1/").unwrap_or("");
    let Some(&(name, action)) = ENDPOINTS.iter().find(|(n, _)| *n == path) else {
        return ApiError::not_found("no such endpoint").into_response();
    };
    let method = req.method().clone();
    if method != Method::POST && (action || method != Method::GET) {
        let mut res = ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response();
        let allow = if action { "POST" } else { "GET, POST" };
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
        return res;
    }
    let server = &web.server;
    let result = if action {
        let (parts, body) = req.into_parts();
        match read_body(&parts.headers, body, admin.max_body_bytes).await {
            Ok(body) => endpoints::action(server, &token, name, &body).await,
            Err(e) => Err(e),
        }
    } else {
        tracing::info!(token = %token, endpoint = name, "admin API: read");
        Ok(endpoints::read(server, name))
    };
    match result {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(e) => e.into_response(),
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in
/// any case, RFC 9110); `None` for anything else, two headers included.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let value = values.next()?.to_str().ok()?;
    if values.next().is_some() {
        return None;
    }
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' ')).then_some(token)
}

/// The request body, at most `limit` bytes (413 otherwise).
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("the body is over {limit} bytes"));
    let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // Past the limit reading stops with an error; the only other error is
    // a connection that broke, which reads no answer anyway.
    axum::body::to_bytes(body, limit).await.map(|b| b.to_vec()).map_err(|_| too_large())
}

/// Parses a JSON request body into `T`: 400 with serde's reason (cut
/// short) for bad JSON, a wrong type, a missing or an unknown field.
pub(super) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let mut text = format!("bad request body: {e}");
        if text.len() > 200 {
            let mut end = 200;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text.push('…');
        }
        ApiError::bad(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header() {
        let h = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, HeaderValue::from_static(v));
            h
        };
        assert_eq!(bearer(&h("Bearer abc")), Some("abc"));
        assert_eq!(bearer(&h("bearer abc")), Some("abc"));
        assert_eq!(bearer(&h("Basic abc")), None);
        assert_eq!(bearer(&h("Bearer")), None);
        assert_eq!(bearer(&h("Bearer a b")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
        let mut two = h("Bearer abc");
        two.append(header::AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(bearer(&two), None);
    }
}
