//! Sessions: who may use the proxy, and for what.
//!
//! The partner's backend mints a short-lived session for one signed-in user: a JWT signed with
//! HS256 and the secret it shares with the proxy (`SOCIALCHAT_SESSION_SECRET`), with the claims
//! `aud` = `"socialchat-connect"`, `sub` (the partner's user or tenant), `iat`, `exp`, `kinds`
//! (the channel kinds it may connect) and `channels` (the channel `_id`s it may see and
//! reconnect; absent = none), and optionally `nbf`; a header with `crit` is refused. The widget
//! sends it as `Authorization: Bearer <session>`, and the proxy checks it here, with the
//! `jsonwebtoken` library, before anything goes upstream. Nothing is stored: any replica with
//! the secret checks any session.
//!
//! The same secret signs the tickets that let a new WhatsApp number be polled and the receipts
//! of channels connected ([`Sessions::receipt`]), so the partner's backend checks those with the
//! library it mints sessions with. The webhook has a secret of its own (see [`crate::webhook`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use socialchat_api::{
    Channel, ChannelKind, ChannelRecordId, ChannelType, PartnerCall, RefusalCode,
};

/// The environment variable that holds the secret shared with the partner's backend.
pub const SECRET_VAR: &str = "SOCIALCHAT_SESSION_SECRET";
/// The one audience a session may name.
pub const AUDIENCE: &str = "socialchat-connect";
/// The shortest secret accepted: 256 bits, as HS256 asks.
pub const MIN_SECRET_BYTES: usize = 32;
/// How far a clock may be off, in seconds, when `exp` and `iat` are checked.
pub const LEEWAY_SECS: u64 = 30;
/// The longest session accepted by default (`--session-max-ttl-secs`).
pub const DEFAULT_MAX_TTL_SECS: u64 = 3600;
/// How long a ticket to poll a new channel lasts: a QR code is scanned within minutes.
pub const TICKET_TTL_SECS: u64 = 15 * 60;

/// What a ticket signs; the prefix keeps it from ever matching a webhook's signature.
fn ticket_text(id: &str, sub: &str, expires: u64) -> String {
    format!("socialchat-ticket\n{id}\n{sub}\n{expires}")
}

/// The claims of a session, as the partner's backend writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub sub: String,
    pub iat: u64,
    pub exp: u64,
    pub kinds: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<String>>,
}

/// A checked session: whose it is, and what it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The partner's user or tenant; `None` on a proxy that checks no session.
    pub sub: Option<String>,
    kinds: BTreeSet<ChannelKind>,
    /// The channel `_id`s it may see and reconnect; `None`: all (no session check).
    channels: Option<BTreeSet<String>>,
}

/// Why a checked session may not make a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The call's kind (or, for one channel, the channel's kind, when it is known).
    KindNotAllowed(Option<ChannelKind>),
    ChannelNotAllowed,
    /// A reconnect through one kind's route of a channel of another kind.
    NotOfKind(ChannelKind),
}

impl Denied {
    pub fn code(self) -> RefusalCode {
        match self {
            Denied::KindNotAllowed(_) | Denied::NotOfKind(_) => RefusalCode::KindNotAllowed,
            Denied::ChannelNotAllowed => RefusalCode::ChannelNotAllowed,
        }
    }

    pub fn message(self) -> String {
        match self {
            Denied::KindNotAllowed(Some(kind)) => {
                format!("this session may not connect {kind} channels: its kinds do not list it")
            }
            Denied::KindNotAllowed(None) => {
                "this session may not use channels of this kind: its kinds do not list it".into()
            }
            Denied::ChannelNotAllowed => {
                "this session may not use this channel: its channels do not list the _id".into()
            }
            Denied::NotOfKind(kind) => {
                format!("this channel is not a {kind} channel: reconnect it through its own kind")
            }
        }
    }
}

impl Session {
    /// A session for a proxy that checks none (`--no-session-check`): everything is allowed.
    pub fn unchecked() -> Session {
        Session {
            sub: None,
            kinds: ChannelKind::ALL.into_iter().collect(),
            channels: None,
        }
    }

    pub fn allows_kind(&self, kind: ChannelKind) -> bool {
        self.kinds.contains(&kind)
    }

    pub fn allows_channel(&self, id: &str) -> bool {
        self.channels.as_ref().is_none_or(|ids| ids.contains(id))
    }

    /// Whether the channel list must be cut down to the session's channels.
    pub fn limits_channels(&self) -> bool {
        self.channels.is_some()
    }

    /// Whether the session may see any channel at all.
    pub fn sees_channels(&self) -> bool {
        self.channels.as_ref().is_none_or(|ids| !ids.is_empty())
    }

    /// Whether the session may make `call` (the channel list is cut down instead, by
    /// [`Session::keeps`]). `ticketed`: the call carries a valid ticket for its channel (a
    /// channel the session created a moment ago). One arm per call, none for "the rest": a new
    /// call does not compile until its rule is written here.
    #[deny(clippy::wildcard_enum_match_arm)]
    pub fn authorize(&self, call: &PartnerCall, ticketed: bool) -> Result<(), Denied> {
        match call {
            PartnerCall::ChannelList { .. } => Ok(()),
            PartnerCall::Channel { id } => self.channel(id.as_str(), ticketed),
            PartnerCall::Authorize { kind }
            | PartnerCall::Accounts { kind, .. }
            | PartnerCall::Connect { kind, .. } => self.kind(*kind),
            PartnerCall::Reconnect { kind, id, .. } => {
                self.kind(*kind)?;
                self.channel(id.as_str(), false)
            }
        }
    }

    fn kind(&self, kind: ChannelKind) -> Result<(), Denied> {
        if self.allows_kind(kind) {
            Ok(())
        } else {
            Err(Denied::KindNotAllowed(Some(kind)))
        }
    }

    fn channel(&self, id: &str, ticketed: bool) -> Result<(), Denied> {
        if self.allows_channel(id) || ticketed {
            Ok(())
        } else {
            Err(Denied::ChannelNotAllowed)
        }
    }

    /// Whether a channel of the company's list is the session's to see: one of its channels,
    /// of one of its kinds.
    pub fn keeps(&self, channel: &Channel) -> bool {
        let kind_allowed = self
            .kinds
            .iter()
            .any(|kind| kind.owns(&channel.channel_type));
        kind_allowed && self.allows_channel(channel.id.as_str())
    }

    /// Whether a channel of `channel_type` is of a kind the session may use.
    pub fn sees_type(&self, channel_type: &ChannelType) -> bool {
        self.channels.is_none()
            || ChannelKind::of_type(channel_type).is_some_and(|kind| self.allows_kind(kind))
    }
}

/// Why a request's session is refused: the stable `code` of the answer, and what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No `Authorization: Bearer` at all.
    Required,
    /// Forged, of another algorithm or audience, malformed, too long-lived.
    Invalid(String),
    Expired,
}

impl Refused {
    pub fn code(&self) -> RefusalCode {
        match self {
            Refused::Required => RefusalCode::SessionRequired,
            Refused::Invalid(_) => RefusalCode::SessionInvalid,
            Refused::Expired => RefusalCode::SessionExpired,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refused::Required => "a session is required: the widget sends the one your backend \
                                  minted as Authorization: Bearer <session>"
                .into(),
            Refused::Invalid(why) => format!("the session is not valid: {why}"),
            Refused::Expired => "the session has expired: ask your backend for a new one".into(),
        }
    }
}

/// The secret, ready to check and mint sessions and to sign webhooks.
pub struct Sessions {
    decoding: DecodingKey,
    encoding: EncodingKey,
    secret: Vec<u8>,
    validation: Validation,
    /// The same checks for receipts, whose audience is theirs.
    receipt_validation: Validation,
    max_ttl: u64,
}

/// The current time, in seconds since the epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Sessions {
    /// Checks the secret: at least [`MIN_SECRET_BYTES`] bytes.
    pub fn new(secret: &[u8], max_ttl: u64) -> Result<Sessions, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "{SECRET_VAR} must be at least {MIN_SECRET_BYTES} bytes long (it has {}): generate \
                 one with `openssl rand -base64 48` and give the same to your backend",
                secret.len()
            ));
        }
        let validation = jwt_rules(AUDIENCE);
        Ok(Sessions {
            decoding: DecodingKey::from_secret(secret),
            encoding: EncodingKey::from_secret(secret),
            secret: secret.to_vec(),
            validation,
            receipt_validation: jwt_rules(RECEIPT_AUDIENCE),
            max_ttl,
        })
    }

    /// Reads the secret from the environment variable `var` ([`SECRET_VAR`], or the
    /// sandbox's own); `Ok(None)` when it is not set.
    pub fn from_env(var: &str, max_ttl: u64) -> Result<Option<Sessions>, String> {
        match std::env::var(var) {
            Ok(secret) if !secret.is_empty() => Sessions::new(secret.as_bytes(), max_ttl)
                .map(Some)
                .map_err(|e| e.replace(SECRET_VAR, var)),
            _ => Ok(None),
        }
    }

    /// Checks the value of an `Authorization` header.
    pub fn verify(&self, authorization: Option<&str>) -> Result<Arc<Session>, Refused> {
        let token = authorization
            .and_then(|value| {
                let (scheme, token) = value.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
            .ok_or(Refused::Required)?;
        if token.len() > 8192 {
            return Err(Refused::Invalid("it is longer than 8 KB".into()));
        }
        self.check(token).map(|(session, _)| Arc::new(session))
    }

    /// Checks a session's text in full: signature, claims and times. Returns it with its `exp`.
    fn check(&self, token: &str) -> Result<(Session, u64), Refused> {
        let data =
            decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
                match e.kind() {
                    ErrorKind::ExpiredSignature => Refused::Expired,
                    ErrorKind::InvalidSignature => {
                        Refused::Invalid("its signature does not match".into())
                    }
                    ErrorKind::InvalidAlgorithm => {
                        Refused::Invalid("it must be signed with HS256".into())
                    }
                    ErrorKind::InvalidAudience => {
                        Refused::Invalid(format!("its aud must be \"{AUDIENCE}\""))
                    }
                    ErrorKind::MissingRequiredClaim(claim) => {
                        Refused::Invalid(format!("it has no {claim} claim"))
                    }
                    ErrorKind::ImmatureSignature => Refused::Invalid(format!(
                        "its nbf is more than {LEEWAY_SECS} s in the future: it is not valid yet \
                         (check the clocks of your backend and of this proxy)"
                    )),
                    ErrorKind::InvalidClaimFormat(claim) => {
                        Refused::Invalid(format!("its {claim} claim must be a number of seconds"))
                    }
                    _ => Refused::Invalid("it is not a JWT of the session's shape".into()),
                }
            })?;
        // RFC 7515 §4.1.11: `crit` lists extensions the recipient must understand, or refuse
        // the token; this proxy understands none (and an empty list is itself malformed).
        if let Some(crit) = &data.header.crit {
            return Err(Refused::Invalid(format!(
                "its header has crit {crit:?}: this proxy understands no JWS extension, so sign \
                 sessions without crit"
            )));
        }
        let claims = data.claims;
        if claims.sub.trim().is_empty() || claims.sub.len() > 256 {
            return Err(Refused::Invalid(
                "its sub must be a non-empty string".into(),
            ));
        }
        if claims.exp.saturating_sub(claims.iat) > self.max_ttl {
            return Err(Refused::Invalid(format!(
                "it lasts longer than {} s from iat to exp",
                self.max_ttl
            )));
        }
        if claims.iat > now() + LEEWAY_SECS {
            return Err(Refused::Invalid("its iat is in the future".into()));
        }
        let session = Session {
            sub: Some(claims.sub),
            // A kind this proxy does not know grants nothing (a backend newer than the proxy).
            kinds: claims.kinds.iter().filter_map(|k| k.parse().ok()).collect(),
            channels: Some(
                claims
                    .channels
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|id| ChannelRecordId::new(id.as_str()).is_ok())
                    .collect(),
            ),
        };
        Ok((session, claims.exp))
    }

    /// A session for trying things out (`mint-session`, the sandbox's stand-in for the
    /// partner's endpoint), signed as the partner's backend would.
    pub fn mint(&self, claims: &Claims) -> String {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).unwrap_or_default()
    }

    /// A ticket to poll channel `id` for `sub`, valid for [`TICKET_TTL_SECS`]: its expiry and an
    /// HMAC of the three, so that any replica with the secret checks it without state.
    pub fn ticket(&self, id: &str, sub: &str) -> String {
        let expires = now() + TICKET_TTL_SECS;
        format!("{expires}.{}", self.ticket_mac(id, sub, expires))
    }

    /// Whether `ticket` lets `sub` read channel `id` now.
    pub fn check_ticket(&self, ticket: &str, id: &str, sub: &str) -> bool {
        let Some((expires, mac)) = ticket.split_once('.') else {
            return false;
        };
        let Ok(expires) = expires.parse::<u64>() else {
            return false;
        };
        let Ok(given) = hex::decode(mac) else {
            return false;
        };
        let mut check = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key");
        check.update(ticket_text(id, sub, expires).as_bytes());
        // Constant-time comparison, by the library.
        expires >= now() && check.verify_slice(&given).is_ok()
    }

    fn ticket_mac(&self, id: &str, sub: &str, expires: u64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key");
        mac.update(ticket_text(id, sub, expires).as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A receipt of `channel` connected by `sub` (see [`ReceiptClaims`]), whose `jti` is the
    /// webhook event's id `event`.
    pub fn receipt(
        &self,
        sub: &str,
        channel: &ChannelRecordId,
        kind: ChannelKind,
        reconnected: bool,
        event: &str,
    ) -> String {
        let iat = now();
        let claims = ReceiptClaims {
            aud: RECEIPT_AUDIENCE.into(),
            sub: sub.into(),
            id: channel.as_str().into(),
            kind: kind.as_str().into(),
            reconnected,
            iat,
            exp: iat + RECEIPT_TTL_SECS,
            jti: event.into(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).unwrap_or_default()
    }

    /// The channel a receipt proves `sub` connected, if it is one of this proxy's, for `sub`,
    /// and not expired.
    pub fn check_receipt(&self, receipt: &str, sub: &str) -> Option<ChannelRecordId> {
        if receipt.len() > 4096 {
            return None;
        }
        let claims = decode::<ReceiptClaims>(receipt, &self.decoding, &self.receipt_validation)
            .ok()?
            .claims;
        (claims.sub == sub)
            .then(|| ChannelRecordId::new(claims.id).ok())
            .flatten()
    }
}

/// What a JWT of this proxy's secret must be for `audience`: HS256, `aud`, `sub`, `iat` and
/// `exp` present, `exp` and `nbf` (when given) checked with [`LEEWAY_SECS`].
fn jwt_rules(audience: &str) -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["aud", "sub", "exp", "iat"]);
    validation.leeway = LEEWAY_SECS;
    validation.validate_exp = true;
    // A JWT dated ahead (`nbf`) is not valid yet, within the same leeway.
    validation.validate_nbf = true;
    validation
}

/// The audience of a receipt: never a session's, so a receipt is refused as a session.
pub const RECEIPT_AUDIENCE: &str = "socialchat-connect-receipt";

/// How long a receipt lasts: the partner's frontend posts it to its backend at once.
pub const RECEIPT_TTL_SECS: u64 = 600;

/// A receipt: the proof, signed like sessions (HS256, the session secret), that user `sub`
/// connected channel `_id` a moment ago. The `socialchat:connected` event carries it; the
/// partner's frontend posts it to its backend, which verifies it with the library it mints
/// sessions with and records the channel as the user's while the user is still on the page
/// (the webhook tells the same, later, with the same id: `jti` is its `webhook-id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptClaims {
    pub aud: String,
    pub sub: String,
    /// The channel's Socialchat `_id`.
    #[serde(rename = "_id")]
    pub id: String,
    /// The widget's kind (`whatsapp`, never `linkchat`).
    pub kind: String,
    pub reconnected: bool,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test";

    fn sessions() -> Sessions {
        Sessions::new(SECRET, DEFAULT_MAX_TTL_SECS).unwrap()
    }

    fn claims() -> Claims {
        let now = now();
        Claims {
            aud: AUDIENCE.into(),
            sub: "user-1".into(),
            iat: now,
            exp: now + 600,
            kinds: vec!["instagram".into()],
            channels: Some(vec!["65a0b1c2d3e4f5a6b7c8d9e0".into()]),
        }
    }

    fn bearer(token: &str) -> String {
        format!("Bearer {token}")
    }

    #[test]
    fn a_valid_session_says_what_it_allows() {
        let s = sessions();
        let session = s.verify(Some(&bearer(&s.mint(&claims())))).unwrap();
        assert_eq!(session.sub.as_deref(), Some("user-1"));
        assert!(session.allows_kind(ChannelKind::Instagram));
        assert!(!session.allows_kind(ChannelKind::Messenger));
        assert!(session.allows_channel("65a0b1c2d3e4f5a6b7c8d9e0"));
        assert!(!session.allows_channel("other"));
        let without_channels = Claims {
            channels: None,
            ..claims()
        };
        let session = s.verify(Some(&bearer(&s.mint(&without_channels)))).unwrap();
        assert!(!session.sees_channels(), "absent channels are none");
        assert!(Session::unchecked().allows_channel("anything"));
    }

    #[test]
    fn each_refusal_has_its_code() {
        let s = sessions();
        assert_eq!(s.verify(None), Err(Refused::Required));
        assert_eq!(s.verify(Some("Basic abc")), Err(Refused::Required));
        assert_eq!(s.verify(Some("Bearer ")), Err(Refused::Required));
        let expired = Claims {
            iat: now() - 1000,
            exp: now() - 100,
            ..claims()
        };
        assert_eq!(
            s.verify(Some(&bearer(&s.mint(&expired)))),
            Err(Refused::Expired)
        );
        let long = Claims {
            exp: now() + DEFAULT_MAX_TTL_SECS + 100,
            ..claims()
        };
        assert_eq!(
            s.verify(Some(&bearer(&s.mint(&long)))).unwrap_err().code(),
            "session-invalid"
        );
        let other = Sessions::new(b"another-secret-of-at-least-32-bytes!!", 3600).unwrap();
        let forged = other.mint(&claims());
        assert_eq!(
            s.verify(Some(&bearer(&forged))).unwrap_err().code(),
            "session-invalid"
        );
        let wrong_aud = Claims {
            aud: "someone-else".into(),
            ..claims()
        };
        assert_eq!(
            s.verify(Some(&bearer(&s.mint(&wrong_aud))))
                .unwrap_err()
                .code(),
            "session-invalid"
        );
        let no_sub = Claims {
            sub: " ".into(),
            ..claims()
        };
        assert_eq!(
            s.verify(Some(&bearer(&s.mint(&no_sub))))
                .unwrap_err()
                .code(),
            "session-invalid"
        );
        for garbage in ["x", "a.b.c", "....", &"a".repeat(9000)] {
            assert_eq!(
                s.verify(Some(&bearer(garbage))).unwrap_err().code(),
                "session-invalid"
            );
        }
    }

    /// A session signed with the right secret, with `header` and `claims` as given.
    fn signed(header: &Header, claims: &serde_json::Value) -> String {
        encode(header, claims, &EncodingKey::from_secret(SECRET)).unwrap()
    }

    fn claims_json() -> serde_json::Value {
        serde_json::to_value(claims()).unwrap()
    }

    fn invalid_because(s: &Sessions, token: &str) -> String {
        match s.verify(Some(&bearer(token))) {
            Err(refused @ Refused::Invalid(_)) => {
                assert_eq!(refused.code(), "session-invalid");
                refused.message()
            }
            other => panic!("not refused as invalid: {other:?}"),
        }
    }

    #[test]
    fn a_header_with_crit_is_invalid_whatever_it_lists() {
        let s = sessions();
        for crit in [vec!["b64".to_owned()], vec!["exp".to_owned()], Vec::new()] {
            let mut header = Header::new(Algorithm::HS256);
            header.crit = Some(crit.clone());
            let why = invalid_because(&s, &signed(&header, &claims_json()));
            assert!(why.contains("crit"), "{crit:?}: {why}");
        }
        // The same claims without crit are fine.
        let plain = signed(&Header::new(Algorithm::HS256), &claims_json());
        assert!(s.verify(Some(&bearer(&plain))).is_ok());
    }

    #[test]
    fn a_session_not_valid_yet_is_invalid_past_the_leeway() {
        let s = sessions();
        let header = Header::new(Algorithm::HS256);
        let with_nbf = |nbf: serde_json::Value| {
            let mut claims = claims_json();
            claims["nbf"] = nbf;
            signed(&header, &claims)
        };
        let why = invalid_because(&s, &with_nbf((now() + 3600).into()));
        assert!(
            why.contains("nbf") && why.contains("not valid yet"),
            "{why}"
        );
        let why = invalid_because(&s, &with_nbf("tomorrow".into()));
        assert!(why.contains("nbf"), "{why}");
        for nbf in [now() - 600, now(), now() + LEEWAY_SECS - 10] {
            assert!(
                s.verify(Some(&bearer(&with_nbf(nbf.into())))).is_ok(),
                "nbf {nbf}"
            );
        }
    }

    #[test]
    fn a_session_differing_by_one_byte_is_refused() {
        let s = sessions();
        let token = s.mint(&claims());
        assert!(s.verify(Some(&bearer(&token))).is_ok());
        assert!(s.verify(Some(&format!("bearer  {token} "))).is_ok());
        let mut longer = token.clone();
        longer.push('A');
        assert!(s.verify(Some(&bearer(&longer))).is_err());
        assert!(s.verify(Some(&bearer(&token[..token.len() - 1]))).is_err());
    }

    #[test]
    fn a_short_secret_is_refused_with_a_way_to_make_one() {
        let e = Sessions::new(b"short", 3600).err().unwrap();
        assert!(
            e.contains("at least 32 bytes") && e.contains("openssl rand"),
            "{e}"
        );
    }

    #[test]
    fn a_ticket_lets_its_sub_poll_its_channel_and_nothing_else() {
        let s = sessions();
        let ticket = s.ticket("65a0", "user-1");
        assert!(s.check_ticket(&ticket, "65a0", "user-1"));
        assert!(
            !s.check_ticket(&ticket, "65a1", "user-1"),
            "another channel"
        );
        assert!(!s.check_ticket(&ticket, "65a0", "user-2"), "another user");
        let other = Sessions::new(b"another-secret-of-at-least-32-bytes!!", 3600).unwrap();
        assert!(
            !other.check_ticket(&ticket, "65a0", "user-1"),
            "another secret"
        );
        let (expires, mac) = ticket.split_once('.').unwrap();
        let stretched = format!("{}.{mac}", expires.parse::<u64>().unwrap() + 3600);
        assert!(
            !s.check_ticket(&stretched, "65a0", "user-1"),
            "a longer life"
        );
        let old = format!(
            "{}.{}",
            now() - 1,
            s.ticket_mac("65a0", "user-1", now() - 1)
        );
        assert!(!s.check_ticket(&old, "65a0", "user-1"), "expired");
        for garbage in ["", ".", "x.y", "1.zz", &"9".repeat(40)] {
            assert!(!s.check_ticket(garbage, "65a0", "user-1"), "{garbage}");
        }
    }

    #[test]
    fn a_receipt_proves_its_channel_to_its_own_user_only_and_is_no_session() {
        let s = sessions();
        let id = ChannelRecordId::new("65a0b1c2d3e4f5a6b7c8d9e0").unwrap();
        let receipt = s.receipt("user-1", &id, ChannelKind::Whatsapp, false, "msg_1");
        assert_eq!(s.check_receipt(&receipt, "user-1"), Some(id));
        assert_eq!(s.check_receipt(&receipt, "user-2"), None);
        assert_eq!(s.check_receipt(&format!("{receipt}x"), "user-1"), None);
        assert!(matches!(
            s.verify(Some(&bearer(&receipt))),
            Err(Refused::Invalid(_))
        ));
        let session = s.mint(&claims());
        assert_eq!(
            s.check_receipt(&session, "user-1"),
            None,
            "a session is no receipt"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn kind_names() -> impl Strategy<Value = Vec<String>> {
            prop::collection::vec(
                prop::sample::select(vec!["instagram", "messenger", "tiktok", ""])
                    .prop_map(String::from),
                0..4,
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Random claims signed with the right secret are accepted exactly when the
            /// contract says they are valid (times kept a few seconds from every boundary).
            #[test]
            fn random_claims_are_accepted_only_when_valid(
                right_audience in any::<bool>(),
                sub in prop::sample::select(vec!["user-1", "", " ", "tenant/42", "ü"]),
                iat_offset in prop::sample::select(vec![-7200i64, -600, -40, 0, 10, 3600]),
                lifetime in prop::sample::select(vec![60i64, 600, 3500, 3700, 90_000]),
                kinds in kind_names(),
            ) {
                let s = sessions();
                let now = now() as i64;
                let iat = (now + iat_offset) as u64;
                let exp = (now + iat_offset + lifetime) as u64;
                let claims = Claims {
                    aud: if right_audience { AUDIENCE.into() } else { "another-app".into() },
                    sub: sub.to_owned(),
                    iat,
                    exp,
                    kinds,
                    channels: None,
                };
                let verdict = s.verify(Some(&bearer(&s.mint(&claims))));
                let valid = right_audience
                    && !sub.trim().is_empty()
                    && (exp as i64) > now + 5 - LEEWAY_SECS as i64
                    && lifetime as u64 <= DEFAULT_MAX_TTL_SECS
                    && iat_offset <= LEEWAY_SECS as i64;
                prop_assert_eq!(verdict.is_ok(), valid, "{:?}: {:?}", claims, verdict);
            }

            /// No change to a valid session's text is accepted.
            #[test]
            fn a_tampered_session_is_never_accepted(
                position in any::<prop::sample::Index>(),
                replacement in prop::sample::select(
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "
                        .chars()
                        .collect::<Vec<char>>(),
                ),
                cut in any::<bool>(),
            ) {
                let s = sessions();
                let original = s.mint(&claims());
                // The original is checked first, so that it is kept as checked.
                prop_assert!(s.verify(Some(&bearer(&original))).is_ok());
                let mut chars: Vec<char> = original.chars().collect();
                let at = position.index(chars.len());
                if cut {
                    chars.remove(at);
                } else {
                    chars[at] = replacement;
                }
                let tampered: String = chars.into_iter().collect();
                prop_assume!(tampered != original);
                let verdict = s.verify(Some(&bearer(&tampered)));
                prop_assert!(verdict.is_err(), "accepted {:?} (from {:?})", tampered, original);
            }

            /// Whatever a header holds, the verifier answers and never panics.
            #[test]
            fn any_header_value_gets_an_answer(value in ".{0,300}") {
                let _ = sessions().verify(Some(&value));
            }
        }
    }
}
