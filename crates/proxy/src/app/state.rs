//! What every widget's call shares: the backend, who may call from where, the limits, the
//! secrets that check sessions, the webhook, and the tasks a shutdown waits for.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::task::TaskTracker;

use crate::call::Backend;
use crate::limit::RateLimit;
use crate::marks::Marks;
use crate::session::Sessions;
use crate::webhook::Webhooks;

pub struct AppState {
    pub backend: Arc<dyn Backend>,
    pub prefix: String,
    pub origins: Origins,
    pub body_timeout: Duration,
    /// The longest wait for Socialchat, for a call that reads several pages of it too.
    pub timeout: Duration,
    pub sessions: Option<Arc<Sessions>>,
    pub webhooks: Option<Arc<Webhooks>>,
    pub limits: Limits,
    pub marks: Marks,
    /// The connects running on after their client went away: a shutdown waits for them, so
    /// that no channel connected upstream goes without its webhook event.
    pub detached: TaskTracker,
}

/// The rate limits, each keyed by who is calling (see [`crate::limit`]).
pub struct Limits {
    pub connect: Option<Arc<RateLimit>>,
    pub call: Option<Arc<RateLimit>>,
    pub address: Option<Arc<RateLimit>>,
    pub trust_forwarded_for: usize,
}

/// Whether `origin` is a plain-HTTP origin on this machine.
fn is_local_origin(origin: &str) -> bool {
    ["http://127.0.0.1:", "http://localhost:"]
        .iter()
        .any(|prefix| {
            origin
                .strip_prefix(prefix)
                .is_some_and(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// Which pages may call the API from a browser.
#[derive(Clone)]
pub struct Origins {
    pub listed: Vec<String>,
    pub local: bool,
}

impl Origins {
    /// A listed origin, a local one when the sandbox allows them, or the proxy's own: an origin
    /// whose host and port are the request's `Host` (a same-origin call, which browsers also
    /// label with `Origin` on a POST).
    pub fn allow(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.to_ascii_lowercase();
        if self.listed.contains(&origin) || (self.local && is_local_origin(&origin)) {
            return true;
        }
        let authority = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_calls_listed_and_local_origins_are_allowed() {
        let origins = Origins {
            listed: vec!["https://dash.example".into()],
            local: false,
        };
        assert!(origins.allow("https://dash.example", None));
        assert!(origins.allow("https://proxy.example", Some("proxy.example")));
        assert!(!origins.allow("https://evil.example", Some("proxy.example")));
        assert!(!origins.allow("null", Some("proxy.example")));
        assert!(!origins.allow("http://127.0.0.1:9", None));
        let local = Origins {
            listed: Vec::new(),
            local: true,
        };
        assert!(local.allow("http://127.0.0.1:9", None));
        assert!(!local.allow("http://127.0.0.1:9/x", None));
    }
}
