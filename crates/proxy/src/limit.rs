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
    /// When keys that have been quiet were last forgotten.
    cleaned: std::sync::Mutex<std::time::Instant>,
}

/// How often, at most, quiet keys are forgotten (it walks every key).
const CLEANUP_EVERY: Duration = Duration::from_secs(60);

impl RateLimit {
    /// `per_minute` for each key, all of them at once if they wish; `None` for 0 (no limit).
    pub fn new(per_minute: u32) -> Option<RateLimit> {
        let per_minute = NonZeroU32::new(per_minute)?;
        Some(RateLimit {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)),
            cleaned: std::sync::Mutex::new(std::time::Instant::now()),
        })
    }

    /// Whether `key` (a user, an address) may go on now, or how long it must wait.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        if self.limiter.len() > MAX_REMEMBERED {
            let mut cleaned = self.cleaned.lock().unwrap_or_else(|e| e.into_inner());
            if cleaned.elapsed() >= CLEANUP_EVERY {
                *cleaned = std::time::Instant::now();
                drop(cleaned);
                self.limiter.retain_recent();
            }
        }
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }
}

/// The key of every caller whose `X-Forwarded-For` entry is junk, on a connection without a peer
/// address.
const UNREADABLE_KEY: &str = "unreadable-forwarded-for";

/// The key the per-address limit counts a client by: the connection's peer, or, behind
/// `trusted` proxies that each append the address they saw to `X-Forwarded-For`, the entry the
/// outermost of them wrote (`forwarded_for`: every `X-Forwarded-For` line, in order). Entries
/// further left are the client's own say and are never read. The entry is keyed as an address
/// (without a port; an IPv6 address by its /64, which one subscriber usually holds whole).
///
/// An entry that is no address cannot tell callers apart, and keyed as written a new string per
/// request would be a new bucket each time (a client that reaches the proxy directly, or through
/// one proxy fewer than trusted, writes it): it is keyed by the peer (the proxy in front), or
/// without a peer all such entries share [`UNREADABLE_KEY`]. RFC 7239's `unknown`, which proxies
/// write when they do not know the client, keeps its own key.
pub fn client_key(
    peer: Option<std::net::IpAddr>,
    forwarded_for: &[&str],
    trusted: usize,
) -> Option<String> {
    let entries: Vec<&str> = forwarded_for
        .iter()
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    // The chain of addresses as seen from here: the listed ones, then the peer.
    let listed = entries.len();
    let back = trusted.min(listed);
    if back == 0 {
        return peer.map(address_key);
    }
    let entry = entries[listed - back];
    Some(match parse_address(entry) {
        Some(address) => address_key(address),
        None if entry.eq_ignore_ascii_case("unknown") => "unknown".to_owned(),
        None => peer.map_or_else(|| UNREADABLE_KEY.to_owned(), address_key),
    })
}

/// An `X-Forwarded-For` entry as an address: `1.2.3.4`, `1.2.3.4:567`, `2001:db8::1` or
/// `[2001:db8::1]:567`.
fn parse_address(entry: &str) -> Option<std::net::IpAddr> {
    if let Ok(address) = entry.parse() {
        return Some(address);
    }
    entry
        .parse::<std::net::SocketAddr>()
        .ok()
        .map(|socket| socket.ip())
}

fn address_key(address: std::net::IpAddr) -> String {
    match address {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
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
    fn junk_forwarded_for_entries_share_one_key_instead_of_one_each() {
        let peer: Option<std::net::IpAddr> = Some("10.0.0.2".parse().unwrap());
        let keys = |peer, trusted| {
            (1..=50)
                .map(|n| client_key(peer, &[&format!("garbage-{n}")], trusted))
                .collect::<std::collections::BTreeSet<_>>()
        };
        // A different junk string each request is still one caller: the peer that sent them.
        assert_eq!(
            keys(peer, 1).into_iter().collect::<Vec<_>>(),
            [Some("10.0.0.2".to_owned())]
        );
        assert_eq!(
            client_key(peer, &["garbage-1"], 1),
            client_key(peer, &["<script>"], 1)
        );
        assert_eq!(
            client_key(peer, &["1.2.3.4, garbage-7"], 1),
            client_key(peer, &["garbage-8"], 1),
            "the client's own entries further left do not help either"
        );
        // Without a peer (no socket address), all of them together, never as written.
        let without_peer = keys(None, 1);
        assert_eq!(without_peer.len(), 1, "{without_peer:?}");
        let key = without_peer.into_iter().next().unwrap().unwrap();
        assert!(!key.contains("garbage"), "{key}");
        // An address behind it is still its own key.
        assert_eq!(
            client_key(peer, &["203.0.113.9"], 1).as_deref(),
            Some("203.0.113.9")
        );
    }

    #[test]
    fn the_client_is_read_as_far_back_as_proxies_are_trusted() {
        let peer: Option<std::net::IpAddr> = Some("10.0.0.2".parse().unwrap());
        let key = |lines: &[&str], trusted| client_key(peer, lines, trusted);
        assert_eq!(key(&["203.0.113.9"], 0).as_deref(), Some("10.0.0.2"));
        assert_eq!(key(&["203.0.113.9"], 1).as_deref(), Some("203.0.113.9"));
        // A client's own entries are further left than the trusted proxies look.
        assert_eq!(
            key(&["1.2.3.4, 203.0.113.9"], 1).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            key(&["garbage, 203.0.113.9"], 1).as_deref(),
            Some("203.0.113.9")
        );
        // Every line counts, in order: a proxy that adds a line of its own is not skipped.
        assert_eq!(
            key(&["1.2.3.4", "203.0.113.9"], 1).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            key(&["203.0.113.9, 10.0.0.1"], 2).as_deref(),
            Some("203.0.113.9")
        );
        // Fewer entries than trusted proxies: the furthest one there is.
        assert_eq!(key(&[], 1).as_deref(), Some("10.0.0.2"));
        assert_eq!(key(&["203.0.113.9"], 5).as_deref(), Some("203.0.113.9"));
        // Ports go; IPv6 by its /64; RFC 7239's `unknown` is a key of its own.
        assert_eq!(
            key(&["203.0.113.9:4711"], 1).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            key(&["[2001:db8:1:2:3::9]:443"], 1).as_deref(),
            Some("2001:db8:1:2::/64")
        );
        assert_eq!(
            key(&["2001:db8:1:2:ffff::1"], 1).as_deref(),
            Some("2001:db8:1:2::/64")
        );
        assert_eq!(key(&["unknown"], 1).as_deref(), Some("unknown"));
    }
}
