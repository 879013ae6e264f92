//! Injected failures (`--fail ROUTE:OUTCOME[:TIMES]`), so that every error path of the widget
//! can be exercised against the sandbox, and random ones (`--chaos PERCENT`) for the chaos run
//! (scripts/chaos).

use socialchat_api::Route;

/// What an injected failure does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answer with this HTTP status and Socialchat's error shape.
    Status(u16),
    /// Hang until the proxy's timeout, then 504.
    Timeout,
    /// Answer 200 with JSON of the wrong shape.
    Malformed,
    /// Answer 200 with an HTML page.
    Html,
    /// The connection to Socialchat failed (refused, reset, dropped mid-answer): 502.
    Unreachable,
}

impl Outcome {
    /// What a random failure of the chaos run does: each outcome as likely as the others.
    pub const CHAOS: [Outcome; 8] = [
        Outcome::Status(500),
        Outcome::Status(502),
        Outcome::Status(503),
        Outcome::Status(401),
        Outcome::Timeout,
        Outcome::Malformed,
        Outcome::Html,
        Outcome::Unreachable,
    ];
}

/// Whether a call fails at random, and how: with `percent` % probability, one of
/// [`Outcome::CHAOS`]. `roll` is a random number.
pub fn chaos(percent: u8, roll: u32) -> Option<Outcome> {
    let hit = roll % 100 < u32::from(percent.min(100));
    hit.then(|| Outcome::CHAOS[(roll / 100) as usize % Outcome::CHAOS.len()])
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub route: Route,
    pub outcome: Outcome,
    /// How many more calls fail; `None`: all of them.
    pub remaining: Option<u32>,
}

impl Fault {
    pub fn parse(rule: &str) -> Result<Fault, String> {
        let usage = || {
            format!(
                "--fail {rule:?}: expected ROUTE:OUTCOME[:TIMES], ROUTE one of {}, OUTCOME an HTTP status (400-599), timeout, malformed, html or unreachable",
                Route::ALL.map(Route::name).join(", ")
            )
        };
        let mut parts = rule.split(':');
        let route = Route::from_name(parts.next().unwrap_or("")).ok_or_else(usage)?;
        let outcome = match parts.next().ok_or_else(usage)? {
            "timeout" => Outcome::Timeout,
            "malformed" => Outcome::Malformed,
            "html" => Outcome::Html,
            "unreachable" => Outcome::Unreachable,
            status => match status.parse::<u16>() {
                Ok(s) if (400..=599).contains(&s) => Outcome::Status(s),
                _ => return Err(usage()),
            },
        };
        let remaining = match parts.next() {
            None => None,
            Some(n) => Some(n.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(usage)?),
        };
        if parts.next().is_some() {
            return Err(usage());
        }
        Ok(Fault {
            route,
            outcome,
            remaining,
        })
    }
}

/// The outcome of the first live fault for `route`, counting it down.
pub fn take(faults: &mut Vec<Fault>, route: Route) -> Option<Outcome> {
    let index = faults.iter().position(|f| f.route == route)?;
    let outcome = faults[index].outcome;
    if let Some(remaining) = &mut faults[index].remaining {
        *remaining -= 1;
        if *remaining == 0 {
            faults.remove(index);
        }
    }
    Some(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_with_and_without_a_count() {
        assert_eq!(
            Fault::parse("account:500").unwrap(),
            Fault {
                route: Route::Account,
                outcome: Outcome::Status(500),
                remaining: None
            }
        );
        assert_eq!(
            Fault::parse("connect:timeout:2").unwrap().remaining,
            Some(2)
        );
        assert_eq!(
            Fault::parse("authorize:malformed").unwrap().outcome,
            Outcome::Malformed
        );
        for bad in [
            "",
            "account",
            "account:200",
            "nope:500",
            "account:500:0",
            "account:500:x",
            "a:b:c:d",
        ] {
            assert!(Fault::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn chaos_fails_about_its_share_of_calls_with_every_outcome() {
        assert_eq!(chaos(0, 7), None);
        assert!((0..1000).all(|roll| chaos(100, roll).is_some()));
        let failed: Vec<Outcome> = (0..10_000)
            .filter_map(|roll| chaos(20, roll * 7919))
            .collect();
        assert!((1800..2200).contains(&failed.len()), "{}", failed.len());
        for outcome in Outcome::CHAOS {
            assert!(failed.contains(&outcome), "{outcome:?}");
        }
        assert_eq!(
            Fault::parse("connect:unreachable").unwrap().outcome,
            Outcome::Unreachable
        );
    }

    #[test]
    fn a_counted_fault_stops_after_its_count() {
        let mut faults = vec![Fault::parse("account:503:2").unwrap()];
        assert_eq!(take(&mut faults, Route::Connect), None);
        assert_eq!(
            take(&mut faults, Route::Account),
            Some(Outcome::Status(503))
        );
        assert_eq!(
            take(&mut faults, Route::Account),
            Some(Outcome::Status(503))
        );
        assert_eq!(take(&mut faults, Route::Account), None);
    }
}
