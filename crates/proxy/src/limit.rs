//! Rate limits, each keyed by who is calling:
//! - `--connects-per-minute`: connects, creations and reconnects per user (the session's `sub`).
//!   Each one spends the company's Socialchat: a new WhatsApp number or webchat is a record
//!   upstream (and for WhatsApp, a linked device), so a script with one session must not make
//!   hundreds.
//! - `--calls-per-minute`: every call per user, and `--calls-per-minute-per-address`: every call
//!   per client address (read behind a load balancer with `--trust-forwarded-for`). A connect
//!   flow is a handful of calls and a QR code's poll one every two seconds; a script is stopped.
//!
//! The limiter is governor's (GCRA, one state per key); it lives in the process, so with N
//! replicas a user may make up to N times as many.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};

/// The default: ten at once, then one every six seconds.
pub const DEFAULT_CONNECTS_PER_MINUTE: u32 = 10;
/// The default per user: 600 at once, then ten a second.
pub const DEFAULT_CALLS_PER_MINUTE: u32 = 600;
/// The default per client address: twice a user's, since an office may share one address.
pub const DEFAULT_CALLS_PER_MINUTE_PER_ADDRESS: u32 = 1200;
/// Users remembered before the ones that have been quiet are forgotten.
const MAX_REMEMBERED: usize = 10_000;

pub struct RateLimit {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl RateLimit {
    /// `per_minute` for each key, all of them at once if they wish; `None` for 0 (no limit).
    pub fn new(per_minute: u32) -> Option<RateLimit> {
        let per_minute = NonZeroU32::new(per_minute)?;
        Some(RateLimit {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)),
        })
    }

    /// Whether `key` (a user, an address) may go on now, or how long it must wait.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        if self.limiter.len() > MAX_REMEMBERED {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }
}

/// The client's address: the connection's peer, or, behind `trusted` proxies that each append
/// the address they saw to `X-Forwarded-For`, the one the outermost of them saw. Entries that
/// are not addresses make the header untrusted (the peer is used).
pub fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded_for: Option<&str>,
    trusted: usize,
) -> Option<std::net::IpAddr> {
    if trusted == 0 {
        return peer;
    }
    let listed: Option<Vec<std::net::IpAddr>> = forwarded_for
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| a.parse().ok())
        .collect();
    let Some(mut chain) = listed else {
        return peer;
    };
    chain.extend(peer);
    // The last entry is the peer (the nearest proxy); `trusted` proxies back is the client.
    let at = chain.len().saturating_sub(1 + trusted);
    chain.get(at).copied().or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_user_has_a_burst_then_waits() {
        let limit = RateLimit::new(3).unwrap();
        for _ in 0..3 {
            assert!(limit.check("user-1").is_ok());
        }
        let wait = limit.check("user-1").unwrap_err();
        assert!(
            wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(limit.check("user-2").is_ok(), "another user is not held up");
        assert!(RateLimit::new(0).is_none());
    }

    #[test]
    fn the_client_address_is_read_as_far_back_as_proxies_are_trusted() {
        let peer: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        let ip = |s: &str| Some(s.parse::<std::net::IpAddr>().unwrap());
        assert_eq!(
            client_address(Some(peer), Some("203.0.113.9"), 0),
            Some(peer)
        );
        assert_eq!(
            client_address(Some(peer), Some("203.0.113.9"), 1),
            ip("203.0.113.9")
        );
        // A client's own forged entry is further left than the trusted proxies look.
        assert_eq!(
            client_address(Some(peer), Some("1.2.3.4, 203.0.113.9"), 1),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(Some(peer), Some("203.0.113.9, 10.0.0.1"), 2),
            ip("203.0.113.9")
        );
        // Fewer entries than trusted proxies: the furthest one there is.
        assert_eq!(client_address(Some(peer), None, 1), Some(peer));
        assert_eq!(
            client_address(Some(peer), Some("203.0.113.9"), 5),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(Some(peer), Some("not-an-address"), 1),
            Some(peer)
        );
    }
}
