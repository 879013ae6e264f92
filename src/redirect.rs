//! Redirect mode: the flow across page loads, for phones and in-app browsers where a popup
//! cannot work.
//!
//! Before the page leaves for Facebook the widget saves a [`PendingRedirect`] in the dashboard's
//! `sessionStorage`: the channel kind, the page to come back to, an attempt id, the element that
//! started it (by its `id`) and what it was for (connect, or reconnect of a channel). Never the
//! token. The callback page, opened as a top-level page on the dashboard's origin, finds that
//! record, leaves a [`Handoff`] (the callback message, token included) next to it and replaces
//! itself with the saved page. The widget on that page takes both records out of storage at
//! once ([`decide`]) and resumes at the account picker. Everything here is pure and tested
//! natively; the browser glue only reads, writes and removes the two keys (the records are
//! serde types: the glue turns them into JavaScript values and the browser's `JSON` into text).

use serde::{Deserialize, Serialize};
use socialchat_api::callback::{MessageOut, MessageWire};
use socialchat_api::kind::Connection;
use socialchat_api::{CallbackMessage, ChannelKind, ChannelRecordId};

use crate::attempt::{Plan, Target, AUTHORIZATION_TIMEOUT_MS};
use crate::config::Mode;

/// The `sessionStorage` key of the attempt that left for Facebook.
pub const PENDING_KEY: &str = "socialchat-connect:redirect";
/// The `sessionStorage` key of the callback page's message for that attempt.
pub const HANDOFF_KEY: &str = "socialchat-connect:callback";
/// How long a redirect may take before it is discarded: the popup's timeout.
pub const RESUME_WINDOW_MS: f64 = AUTHORIZATION_TIMEOUT_MS as f64;

const MAX_RETURN_TO: usize = 2048;
const MAX_ELEMENT_ID: usize = 200;
const MAX_NAME: usize = 200;

/// The attempt that left for Facebook, as saved before leaving.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRedirect {
    /// A random id, so that a callback answers this attempt and no other.
    pub attempt: String,
    pub channel: ChannelKind,
    /// Path, query and fragment of the page to come back to, on the dashboard's origin.
    pub return_to: String,
    /// The `id` attribute of the element that started it, if it had one.
    pub element: Option<String>,
    pub target: Target,
    /// When it left, in milliseconds since the epoch.
    pub started_at: f64,
}

/// Whether `text` is an attempt id: 16 to 64 hex digits.
fn is_attempt_id(text: &str) -> bool {
    (16..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `path` is a page on the same origin: an absolute path, not `//host` (which a browser
/// reads as another origin), no backslash, no control characters.
pub fn is_same_origin_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.contains('\\')
        && path.len() <= MAX_RETURN_TO
        && !path.chars().any(char::is_control)
}

/// A record as storage held it under its key.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored<T> {
    Absent,
    /// Something is there, but not a record of ours that passes its checks.
    Unreadable,
    Read(T),
}

impl<T> Stored<T> {
    /// What `text` (the key's value, if any) holds, read by `read`.
    pub fn of(text: Option<&str>, read: impl FnOnce(&str) -> Option<T>) -> Stored<T> {
        match text.map(read) {
            None => Stored::Absent,
            Some(None) => Stored::Unreadable,
            Some(Some(value)) => Stored::Read(value),
        }
    }

    fn read(self) -> Option<T> {
        match self {
            Stored::Read(value) => Some(value),
            Stored::Absent | Stored::Unreadable => None,
        }
    }
}

/// [`PendingRedirect`] as it is stored. Its fields have exactly these types or the record is
/// unreadable; what they hold is checked by [`PendingRedirect::from_record`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRecord {
    attempt: String,
    channel: String,
    return_to: String,
    #[serde(default)]
    element: Option<String>,
    target: TargetRecord,
    started_at: f64,
}

/// [`Target`] as it is stored: `kind` is `connect` or `reconnect` (with the channel's `_id`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetRecord {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

impl PendingRedirect {
    pub fn to_record(&self) -> PendingRecord {
        let target = match &self.target {
            Target::Connect => TargetRecord {
                kind: "connect".into(),
                id: None,
                name: None,
            },
            Target::Reconnect { id, name } => TargetRecord {
                kind: "reconnect".into(),
                id: Some(id.as_str().to_owned()),
                name: name.clone(),
            },
        };
        PendingRecord {
            attempt: self.attempt.clone(),
            channel: self.channel.as_str().to_owned(),
            return_to: self.return_to.clone(),
            element: self.element.clone(),
            target,
            started_at: self.started_at,
        }
    }

    /// Reads a saved record. Storage is shared with the rest of the dashboard, so everything is
    /// checked; anything odd is `None` (and then treated as lost).
    pub fn from_record(record: PendingRecord) -> Option<PendingRedirect> {
        if !is_attempt_id(&record.attempt) {
            return None;
        }
        let channel: ChannelKind = record.channel.parse().ok()?;
        // Only the kinds authorized through Facebook leave the page.
        if channel.connection() != Connection::Facebook {
            return None;
        }
        if !is_same_origin_path(&record.return_to) {
            return None;
        }
        let element = match record.element {
            None => None,
            Some(id) if !id.is_empty() && id.len() <= MAX_ELEMENT_ID => Some(id),
            Some(_) => return None,
        };
        let target = match record.target.kind.as_str() {
            "connect" => Target::Connect,
            "reconnect" => Target::Reconnect {
                id: ChannelRecordId::new(record.target.id?).ok()?,
                name: record
                    .target
                    .name
                    .map(|n| n.chars().take(MAX_NAME).collect()),
            },
            _ => return None,
        };
        if !record.started_at.is_finite() {
            return None;
        }
        Some(PendingRedirect {
            attempt: record.attempt,
            channel,
            return_to: record.return_to,
            element,
            target,
            started_at: record.started_at,
        })
    }

    /// Whether the attempt is older than the resume window (or from the future: a clock that
    /// moved is not trusted either).
    pub fn is_expired(&self, now: f64) -> bool {
        let age = now - self.started_at;
        !(-60_000.0..=RESUME_WINDOW_MS).contains(&age)
    }
}

/// What the callback page leaves for the widget: the callback message for one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    pub attempt: String,
    pub message: CallbackMessage,
}

/// [`Handoff`] as it is written.
#[derive(Serialize)]
pub struct HandoffOut<'a> {
    attempt: &'a str,
    message: MessageOut,
}

/// [`Handoff`] as it is read back, checked by [`Handoff::from_record`].
#[derive(Deserialize)]
pub struct HandoffRecord {
    attempt: String,
    message: MessageWire,
}

impl Handoff {
    pub fn to_record(&self) -> HandoffOut<'_> {
        HandoffOut {
            attempt: &self.attempt,
            message: self.message.to_wire(),
        }
    }

    pub fn from_record(record: HandoffRecord) -> Option<Handoff> {
        if !is_attempt_id(&record.attempt) {
            return None;
        }
        let message = CallbackMessage::from_wire(Some(record.message)).ok()?;
        Some(Handoff {
            attempt: record.attempt,
            message,
        })
    }
}

/// What the callback page does, arriving without an opener.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackRoute {
    /// Leave the handoff and go back to this page (`location.replace`).
    ReturnTo { return_to: String, handoff: Handoff },
    /// Not a redirect of this tab: the popup ways (opener, BroadcastChannel) apply.
    NotARedirect,
}

/// The callback page's choice. `pending` is what `sessionStorage` holds under [`PENDING_KEY`].
pub fn route_callback(
    pending: Stored<PendingRedirect>,
    has_opener: bool,
    message: CallbackMessage,
    now: f64,
) -> CallbackRoute {
    if has_opener {
        return CallbackRoute::NotARedirect;
    }
    match pending.read() {
        Some(p) if !p.is_expired(now) && p.channel == message.channel => CallbackRoute::ReturnTo {
            return_to: p.return_to,
            handoff: Handoff {
                attempt: p.attempt,
                message,
            },
        },
        _ => CallbackRoute::NotARedirect,
    }
}

/// The element that looks at storage when it appears on the page.
#[derive(Debug, Clone, Copy)]
pub struct Claimant<'a> {
    pub channel: ChannelKind,
    /// Its `id` attribute, if it has one.
    pub element: Option<&'a str>,
}

/// Why a resume could not continue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lost {
    /// No callback for this attempt: the user came back without finishing, or storage was
    /// cleared in between.
    NoCallback,
    /// The element that started it is not on this page.
    NoElement,
    /// The saved record could not be read.
    Unreadable,
}

impl Lost {
    pub fn as_str(self) -> &'static str {
        match self {
            Lost::NoCallback => "no callback arrived for the redirect",
            Lost::NoElement => "the element that started the redirect is not on this page",
            Lost::Unreadable => "the saved redirect could not be read",
        }
    }
}

/// What an element does with what it found in storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// Nothing there, or another element's: leave storage alone.
    NotMine,
    /// Ours: continue with the callback's message, for this target.
    Continue {
        target: Target,
        message: CallbackMessage,
    },
    /// Ours, but older than the resume window: discarded.
    Expired { target: Target },
    /// Ours (or nobody else's), but it cannot continue.
    Lost { target: Target, why: Lost },
}

impl Resume {
    /// Whether the element takes the records out of storage.
    pub fn claims(&self) -> bool {
        !matches!(self, Resume::NotMine)
    }
}

/// Decides what `me` does with the two records. `present(id)` says whether the element with
/// that `id` (or, for `None`, an element of this kind without one) is on the page. The claiming
/// element removes both records at once, whatever the outcome: a reload never resumes twice.
pub fn decide(
    pending: Stored<PendingRedirect>,
    handoff: Stored<Handoff>,
    me: Claimant<'_>,
    present: impl Fn(Option<&str>) -> bool,
    now: f64,
) -> Resume {
    let pending = match pending {
        Stored::Read(pending) => pending,
        Stored::Absent => {
            // A handoff with no attempt: its token has no owner. The first element of its kind
            // discards it and says so.
            return match handoff.read() {
                Some(h) if h.message.channel == me.channel => Resume::Lost {
                    target: Target::Connect,
                    why: Lost::Unreadable,
                },
                _ => Resume::NotMine,
            };
        }
        Stored::Unreadable => {
            // It cannot be matched to an element, so the first one that sees it says so.
            return Resume::Lost {
                target: Target::Connect,
                why: Lost::Unreadable,
            };
        }
    };
    if pending.channel != me.channel {
        return Resume::NotMine;
    }
    let mine = pending.element.as_deref() == me.element;
    if !mine && present(pending.element.as_deref()) {
        return Resume::NotMine;
    }
    let target = pending.target.clone();
    if !mine {
        return Resume::Lost {
            target,
            why: Lost::NoElement,
        };
    }
    if pending.is_expired(now) {
        return Resume::Expired { target };
    }
    match handoff.read() {
        Some(h) if h.attempt == pending.attempt && h.message.channel == pending.channel => {
            Resume::Continue {
                target,
                message: h.message,
            }
        }
        _ => Resume::Lost {
            target,
            why: Lost::NoCallback,
        },
    }
}

/// How a click on Connect goes to Facebook in `mode`, in the browser of `user_agent` (the
/// element's click and the first module's button decide it here, alike).
pub fn plan_for_click(mode: Mode, user_agent: Option<&str>) -> Plan {
    Plan::for_mode(mode, user_agent.is_some_and(is_in_app_browser))
}

/// Whether the user agent is a known in-app browser (Instagram, Facebook, Messenger, LINE,
/// WeChat, TikTok, Snapchat) or an Android WebView, where a popup opens as a new tab without
/// `window.opener`, or not at all. `mode="auto"` goes straight to a redirect there.
pub fn is_in_app_browser(user_agent: &str) -> bool {
    const MARKERS: [&str; 10] = [
        "Instagram",
        "FBAN/",
        "FBAV/",
        "FB_IAB",
        "FBIOS",
        "Line/",
        "MicroMessenger",
        "musical_ly",
        "BytedanceWebview",
        "Snapchat",
    ];
    MARKERS.iter().any(|m| user_agent.contains(m)) || user_agent.contains("; wv)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use socialchat_api::Token;

    /// A pending record as storage holds it (the browser writes it with `JSON.stringify`).
    fn text(p: &PendingRedirect) -> String {
        serde_json::to_string(&p.to_record()).unwrap()
    }

    fn read_pending(text: Option<&str>) -> Stored<PendingRedirect> {
        Stored::of(text, |t| {
            serde_json::from_str(t)
                .ok()
                .and_then(PendingRedirect::from_record)
        })
    }

    fn read_handoff(text: Option<&str>) -> Stored<Handoff> {
        Stored::of(text, |t| {
            serde_json::from_str(t).ok().and_then(Handoff::from_record)
        })
    }

    /// [`decide`] on what storage holds as text.
    fn decide_text(
        pending: Option<&str>,
        handoff: Option<&str>,
        me: Claimant<'_>,
        present: impl Fn(Option<&str>) -> bool,
        now: f64,
    ) -> Resume {
        decide(
            read_pending(pending),
            read_handoff(handoff),
            me,
            present,
            now,
        )
    }

    fn route_text(
        pending: Option<&str>,
        has_opener: bool,
        message: CallbackMessage,
        now: f64,
    ) -> CallbackRoute {
        route_callback(read_pending(pending), has_opener, message, now)
    }

    const NOW: f64 = 1_790_000_000_000.0;
    const ATTEMPT: &str = "0123456789abcdef0123456789abcdef";

    fn pending(element: Option<&str>, target: Target) -> PendingRedirect {
        PendingRedirect {
            attempt: ATTEMPT.into(),
            channel: ChannelKind::Instagram,
            return_to: "/dashboard?tab=channels#instagram".into(),
            element: element.map(str::to_owned),
            target,
            started_at: NOW - 30_000.0,
        }
    }

    fn authorized(channel: ChannelKind) -> CallbackMessage {
        CallbackMessage::from_callback_query(channel, "?token=sbx_abcdef")
    }

    fn handoff(attempt: &str) -> String {
        let handoff = Handoff {
            attempt: attempt.into(),
            message: authorized(ChannelKind::Instagram),
        };
        serde_json::to_string(&handoff.to_record()).unwrap()
    }

    /// The usual case: element "ig" left, the callback came back; `element` looks at it.
    fn came_back(element: Option<&str>, owner_present: bool) -> Resume {
        let p = text(&pending(Some("ig"), Target::Connect));
        decide_text(
            Some(&p),
            Some(&handoff(ATTEMPT)),
            me(element),
            |_| owner_present,
            NOW,
        )
    }

    fn me(element: Option<&str>) -> Claimant<'_> {
        Claimant {
            channel: ChannelKind::Instagram,
            element,
        }
    }

    #[test]
    fn a_pending_redirect_survives_storage_and_never_holds_a_token() {
        let reconnect = Target::Reconnect {
            id: ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c902").unwrap(),
            name: Some("Kopi Kenangan Senja".into()),
        };
        for p in [
            pending(Some("ig"), Target::Connect),
            pending(None, reconnect),
        ] {
            let stored = text(&p);
            assert!(!stored.contains("token"), "{stored}");
            assert_eq!(read_pending(Some(&stored)), Stored::Read(p));
        }
    }

    #[test]
    fn a_tampered_pending_redirect_is_not_read() {
        let good: Value =
            serde_json::from_str(&text(&pending(Some("ig"), Target::Connect))).unwrap();
        let with = |key: &str, value: Value| {
            let mut v = good.clone();
            v[key] = value;
            v.to_string()
        };
        for bad in [
            with("returnTo", json!("https://evil.example/")),
            with("returnTo", json!("//evil.example/")),
            with("returnTo", json!("/\\evil.example/")),
            with("returnTo", json!("/a\nb")),
            with("attempt", json!("short")),
            with("attempt", json!("not hex not hex not hex")),
            with("channel", json!("telegram")),
            with("element", json!("")),
            with("element", json!(42)),
            with("target", json!({ "kind": "reconnect", "id": "../x" })),
            with("target", json!({ "kind": "delete" })),
            with("startedAt", json!("yesterday")),
            "{".to_owned(),
            "null".to_owned(),
        ] {
            assert_eq!(read_pending(Some(&bad)), Stored::Unreadable, "{bad}");
        }
    }

    #[test]
    fn the_element_that_started_it_resumes_at_the_callback() {
        let resume = came_back(Some("ig"), true);
        assert_eq!(
            resume,
            Resume::Continue {
                target: Target::Connect,
                message: authorized(ChannelKind::Instagram)
            }
        );
        assert!(resume.claims());
    }

    #[test]
    fn another_element_on_the_page_leaves_it_alone() {
        assert_eq!(came_back(Some("other"), true), Resume::NotMine);
        assert_eq!(came_back(None, true), Resume::NotMine);
        let p = text(&pending(Some("ig"), Target::Connect));
        let h = handoff(ATTEMPT);
        let messenger = Claimant {
            channel: ChannelKind::Messenger,
            element: Some("ig"),
        };
        assert_eq!(
            decide_text(Some(&p), Some(&h), messenger, |_| false, NOW),
            Resume::NotMine
        );
        assert!(!Resume::NotMine.claims());
    }

    #[test]
    fn when_the_element_is_gone_another_of_its_kind_says_so() {
        assert_eq!(
            came_back(Some("x"), false),
            Resume::Lost {
                target: Target::Connect,
                why: Lost::NoElement
            }
        );
    }

    #[test]
    fn an_element_without_id_matches_an_attempt_without_one() {
        let p = text(&pending(None, Target::Connect));
        let resume = decide_text(Some(&p), Some(&handoff(ATTEMPT)), me(None), |_| true, NOW);
        assert!(matches!(resume, Resume::Continue { .. }));
    }

    #[test]
    fn no_callback_or_another_attempts_callback_cannot_continue() {
        let p = text(&pending(Some("ig"), Target::Connect));
        let lost = Resume::Lost {
            target: Target::Connect,
            why: Lost::NoCallback,
        };
        assert_eq!(
            decide_text(Some(&p), None, me(Some("ig")), |_| true, NOW),
            lost
        );
        let other = handoff("ffffffffffffffffffffffffffffffff");
        assert_eq!(
            decide_text(Some(&p), Some(&other), me(Some("ig")), |_| true, NOW),
            lost
        );
        assert_eq!(
            decide_text(Some(&p), Some("garbage"), me(Some("ig")), |_| true, NOW),
            lost
        );
    }

    #[test]
    fn an_attempt_older_than_ten_minutes_is_discarded() {
        let mut p = pending(Some("ig"), Target::Connect);
        p.started_at = NOW - RESUME_WINDOW_MS - 1.0;
        let resume = decide_text(
            Some(&text(&p)),
            Some(&handoff(ATTEMPT)),
            me(Some("ig")),
            |_| true,
            NOW,
        );
        assert_eq!(
            resume,
            Resume::Expired {
                target: Target::Connect
            }
        );
        p.started_at = NOW - RESUME_WINDOW_MS + 1_000.0;
        assert!(!p.is_expired(NOW));
        p.started_at = NOW + 3_600_000.0;
        assert!(p.is_expired(NOW), "a start in the future is not trusted");
    }

    #[test]
    fn unreadable_records_are_claimed_and_reported_not_kept() {
        let resume = decide_text(Some("{not json"), None, me(Some("ig")), |_| true, NOW);
        assert_eq!(
            resume,
            Resume::Lost {
                target: Target::Connect,
                why: Lost::Unreadable
            }
        );
        // A lone handoff holds a token nobody will use: the first element of its kind drops it.
        let lone = decide_text(None, Some(&handoff(ATTEMPT)), me(None), |_| true, NOW);
        assert!(lone.claims());
        assert_eq!(
            decide_text(None, None, me(None), |_| true, NOW),
            Resume::NotMine
        );
    }

    #[test]
    fn a_reconnect_resumes_as_a_reconnect() {
        let target = Target::Reconnect {
            id: ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c902").unwrap(),
            name: None,
        };
        let p = text(&pending(Some("ig"), target.clone()));
        match decide_text(
            Some(&p),
            Some(&handoff(ATTEMPT)),
            me(Some("ig")),
            |_| true,
            NOW,
        ) {
            Resume::Continue { target: t, .. } => assert_eq!(t, target),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_callback_page_returns_only_for_a_fresh_redirect_of_its_kind() {
        let p = text(&pending(Some("ig"), Target::Connect));
        let message = authorized(ChannelKind::Instagram);
        match route_text(Some(&p), false, message.clone(), NOW) {
            CallbackRoute::ReturnTo { return_to, handoff } => {
                assert_eq!(return_to, "/dashboard?tab=channels#instagram");
                assert_eq!(handoff.attempt, ATTEMPT);
                let stored = serde_json::to_string(&handoff.to_record()).unwrap();
                let back = read_handoff(Some(&stored)).read().unwrap();
                assert_eq!(back.message, message);
            }
            other => panic!("{other:?}"),
        }
        // A popup (it has an opener), no record, an old record, another kind: the popup ways.
        assert_eq!(
            route_text(Some(&p), true, message.clone(), NOW),
            CallbackRoute::NotARedirect
        );
        assert_eq!(
            route_text(None, false, message.clone(), NOW),
            CallbackRoute::NotARedirect
        );
        assert_eq!(
            route_text(Some(&p), false, message, NOW + RESUME_WINDOW_MS),
            CallbackRoute::NotARedirect
        );
        assert_eq!(
            route_text(Some(&p), false, authorized(ChannelKind::Messenger), NOW),
            CallbackRoute::NotARedirect
        );
    }

    #[test]
    fn a_handoff_keeps_its_token_only_inside() {
        let stored = handoff(ATTEMPT);
        let back = read_handoff(Some(&stored)).read().unwrap();
        match back.message.outcome {
            socialchat_api::CallbackOutcome::Authorized(token) => {
                assert_eq!(token, Token::new("sbx_abcdef").unwrap())
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn in_app_browsers_are_recognized() {
        for ua in [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 300.0.0.0",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0.0]",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UD1A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/440.0.0]",
            "Mozilla/5.0 (Linux; Android 13; SM-A515F; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0 Mobile Safari/537.36 Line/13.20.0",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0 Mobile Safari/537.36",
        ] {
            assert!(is_in_app_browser(ua), "{ua}");
        }
        for ua in [
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
        ] {
            assert!(!is_in_app_browser(ua), "{ua}");
        }
    }
}
