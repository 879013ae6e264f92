//! What a backend receives and answers: the shared contract of `serve`'s upstream and the
//! sandbox. A backend answers a validated [`PartnerCall`] with a [`RawAnswer`] (or a
//! [`crate::problem::Problem`] when it could not answer at all); the pipeline in `app` then
//! projects that answer for the browser. Both backends depend on this module, never on `app`.

use axum::body::Bytes;

pub use socialchat_api::PartnerCall;

use crate::problem::Problem;

/// A backend's answer before projection: Socialchat's status and body, as they came.
pub struct RawAnswer {
    pub status: u16,
    pub body: Bytes,
    /// The `Retry-After` it came with, if any (passed on with a 429 or a 503).
    pub retry_after: Option<String>,
}

impl RawAnswer {
    pub fn new(status: u16, body: impl Into<Bytes>) -> RawAnswer {
        RawAnswer {
            status,
            body: body.into(),
            retry_after: None,
        }
    }
}

/// The future a backend answers with.
pub type Answer<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<RawAnswer, Problem>> + Send + 'a>>;

/// The future a readiness check answers with.
pub type Ready<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + 'a>>;

/// Where the widget's calls are answered: Socialchat over HTTPS ([`crate::upstream`]) or the
/// simulation ([`crate::sandbox`]). The server runs either through this one contract, and tests
/// run it with a backend of their own.
pub trait Backend: Send + Sync + 'static {
    /// The name the start-up line and the logs use: `serve`, `sandbox`.
    fn mode(&self) -> &'static str;

    /// Answers one validated call.
    fn call<'a>(&'a self, call: &'a PartnerCall) -> Answer<'a>;

    /// Whether calls can be answered now (`/readyz`); the sandbox always can.
    fn ready(&self) -> Ready<'_> {
        Box::pin(std::future::ready(true))
    }

    /// Texts that must never reach a browser or a log, whatever an answer holds (the API key).
    fn secrets(&self) -> Vec<&str> {
        Vec::new()
    }

    /// Whether an authorization URL that is not `https:` is the backend's own (only the
    /// sandbox's dialog, on plain HTTP on this machine).
    fn own_authorize_url(&self, _url: &str) -> bool {
        false
    }

    /// How long the company's channel list, read to mark the picker's accounts, may be used
    /// again (Load more then costs one call upstream, not six).
    fn channel_list_lifetime(&self) -> std::time::Duration {
        std::time::Duration::from_secs(30)
    }

    /// Told the server's own origin once it listens (the sandbox links to itself).
    fn listening_on(&self, _origin: &str) {}

    /// Routes of its own, served beside the API (the sandbox's dialog and test hooks).
    fn routes(self: std::sync::Arc<Self>) -> Option<axum::Router> {
        None
    }
}
