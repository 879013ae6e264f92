//! `--connects-per-minute`: how many connects, creations and reconnects one user (the session's
//! `sub`) may make. Each one spends the company's Socialchat: a new WhatsApp number or webchat is
//! a record upstream (and for WhatsApp, a linked device), so a script with one session must not
//! make hundreds. The limiter is governor's (GCRA, one state per user); it lives in the process,
//! so with N replicas a user may make up to N times as many.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};

/// The default: ten at once, then one every six seconds.
pub const DEFAULT_CONNECTS_PER_MINUTE: u32 = 10;
/// Users remembered before the ones that have been quiet are forgotten.
const MAX_REMEMBERED: usize = 10_000;

pub struct ConnectLimit {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl ConnectLimit {
    /// `per_minute` for each user, all of them at once if they wish; `None` for 0 (no limit).
    pub fn new(per_minute: u32) -> Option<ConnectLimit> {
        let per_minute = NonZeroU32::new(per_minute)?;
        Some(ConnectLimit {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)),
        })
    }

    /// Whether `user` may connect now, or how long it must wait.
    pub fn check(&self, user: &str) -> Result<(), Duration> {
        if self.limiter.len() > MAX_REMEMBERED {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&user.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_user_has_a_burst_then_waits() {
        let limit = ConnectLimit::new(3).unwrap();
        for _ in 0..3 {
            assert!(limit.check("user-1").is_ok());
        }
        let wait = limit.check("user-1").unwrap_err();
        assert!(
            wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(limit.check("user-2").is_ok(), "another user is not held up");
        assert!(ConnectLimit::new(0).is_none());
    }
}
