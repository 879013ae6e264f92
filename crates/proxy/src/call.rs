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
}

/// The future a backend answers with.
pub type Answer<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<RawAnswer, Problem>> + Send + 'a>>;

/// Where the widget's calls are answered: Socialchat over HTTPS ([`crate::upstream`]) or the
/// simulation ([`crate::sandbox`]). The server runs either through this one contract, and tests
/// run it with a backend of their own.
pub trait Backend: Send + Sync + 'static {
    /// The name the start-up line and the logs use: `serve`, `sandbox`.
    fn mode(&self) -> &'static str;

    /// Answers one validated call.
    fn call<'a>(&'a self, call: &'a PartnerCall) -> Answer<'a>;

    /// Told the server's own origin once it listens (the sandbox links to itself).
    fn listening_on(&self, _origin: &str) {}

    /// Routes of its own, served beside the API (the sandbox's dialog and test hooks).
    fn routes(self: std::sync::Arc<Self>) -> Option<axum::Router> {
        None
    }
}
