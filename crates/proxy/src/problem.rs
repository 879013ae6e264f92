//! The proxy's own error answers: always JSON in Socialchat's error shape
//! (`{statusCode, message}` plus `source: "proxy"`, and a stable `code` where the widget must
//! tell one refusal from another), with the right status and a message that says what to fix.
//! Never an HTML page, never a token.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use socialchat_api::RefusalCode;

#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub message: String,
    /// The stable code of the refusal (`session-expired`, `kind-not-allowed`, ...).
    pub code: Option<RefusalCode>,
    /// Seconds to wait before trying again (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Problem {
            status,
            message: message.into(),
            code: None,
            retry_after: None,
        }
    }

    pub fn with_code(mut self, code: RefusalCode) -> Self {
        self.code = Some(code);
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found() -> Self {
        Problem::new(
            StatusCode::NOT_FOUND,
            "no such route: this proxy forwards only the socialchat-connect widget's calls",
        )
    }

    pub fn upstream_timeout(timeout: std::time::Duration) -> Self {
        Problem::new(
            StatusCode::GATEWAY_TIMEOUT,
            format!("Socialchat did not answer within {} s", timeout.as_secs()),
        )
    }
}

/// Who produced an error answer: the proxy itself, or Socialchat (or the sandbox) upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Proxy,
    Socialchat,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Proxy => "proxy",
            Source::Socialchat => "socialchat",
        }
    }
}

/// The proxy's own JSON error answer, in Socialchat's shape.
pub fn json_error(status: StatusCode, message: &str, original_message: Option<&str>) -> Response {
    error_response(Source::Proxy, status, message, original_message)
}

/// A JSON error answer in Socialchat's shape: `{statusCode, message, originalMessage?, source}`.
pub fn error_response(
    source: Source,
    status: StatusCode,
    message: &str,
    original_message: Option<&str>,
) -> Response {
    let source = source.as_str();
    let mut body = serde_json::json!({
        "statusCode": status.as_u16(),
        "message": message,
        "source": source,
    });
    if let Some(original) = original_message {
        body["originalMessage"] = original.into();
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({
            "statusCode": self.status.as_u16(),
            "message": self.message,
            // The English message, as Socialchat gives one beside its Indonesian `message`.
            "originalMessage": self.message,
            "source": "proxy",
        });
        if let Some(code) = self.code {
            body["code"] = code.as_str().into();
        }
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn a_refusal_is_answered_with_its_code_as_text() {
        let response = Problem::new(StatusCode::UNAUTHORIZED, "the session has expired")
            .with_code(RefusalCode::SessionExpired)
            .into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "session-expired");
        assert_eq!(body["source"], "proxy");
    }
}
