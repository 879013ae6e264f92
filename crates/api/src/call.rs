//! The widget's calls to the Partner API, as one typed enum: [`PartnerCall`].
//!
//! Both sides build on it. The widget makes a call and asks it for its method, path, query and
//! body; the proxy turns an incoming request into a call with [`PartnerCall::from_request`], the
//! one function that decides what is forwarded (everything else, `PUT /partner` above all, is
//! refused), and a backend answers the typed call. A new call is a new variant: every `match`
//! on it, in the widget, the proxy and the sandbox, stops compiling until it is handled.

use serde::{Serialize, Serializer};

use crate::input::{ChannelRecordId, InvalidInput, NextOffset, Token};
use crate::kind::ChannelKind;
use crate::query;
use crate::request::{ConnectRequest, ReconnectRequest};

/// The HTTP methods the Partner API uses for the widget's calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// The prefix of every Partner API path.
pub const PARTNER_PREFIX: &str = "/partner";

/// `PUT /partner`: the partner's callback and webhook settings (step 1 of the guide). Only the
/// `set-callback` command calls it; the proxy never forwards it.
pub const PARTNER_SETTINGS_PATH: &str = "/partner";

/// The header that carries a ticket: the proxy hands one out with a new WhatsApp number, and
/// the widget sends it back when it polls that number, before any session lists it.
pub const TICKET_HEADER: &str = "x-socialchat-ticket";

/// The header that carries receipts (comma-separated): the proxy hands one out with each channel
/// connected, and the widget sends them back when it lists channels, so that a channel connected
/// a moment ago is listed before the session minted earlier lists it.
pub const RECEIPT_HEADER: &str = "x-socialchat-receipt";

/// The query of `GET /partner/channel` that is passed on: mongoose-paginate's paging, a search
/// text, and the kinds to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelListQuery {
    pub page: Option<u32>,
    pub limit: Option<u32>,
    pub search: Option<String>,
    /// `channelTypes[]`, repeatable: `instagram`, `whatsapp-unofficial`, ...
    pub channel_types: Vec<String>,
}

/// The longest `search` passed on to the channel list.
pub const MAX_SEARCH_CHARS: usize = 100;
/// The longest query string a call may carry.
pub const MAX_QUERY_LEN: usize = 8192;

/// One of the calls the widget makes, which are exactly the calls a partner proxy forwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartnerCall {
    /// `GET /partner/channel`: the company's channels.
    ChannelList { query: ChannelListQuery },
    /// `GET /partner/channel/{_id}`: one channel, with its QR code while a WhatsApp channel
    /// waits to be scanned.
    Channel { id: ChannelRecordId },
    /// `GET /partner/channel/{kind}/authorize`: the Facebook authorization URL.
    Authorize { kind: ChannelKind },
    /// `GET /partner/channel/{kind}/account?token&nextOffset`: one page of connectable accounts.
    Accounts {
        kind: ChannelKind,
        token: Token,
        offset: Option<NextOffset>,
    },
    /// `POST /partner/channel/{kind}` with the kind's body: connect (or create) a channel.
    Connect {
        kind: ChannelKind,
        body: ConnectRequest,
    },
    /// `POST /partner/channel/{kind}/{_id}` with `{token}`: reconnect an existing channel
    /// (Instagram, Messenger, Telegram).
    Reconnect {
        kind: ChannelKind,
        id: ChannelRecordId,
        body: ReconnectRequest,
    },
}

/// Each call's route, by the name logs, metrics and the sandbox's `--fail` rules use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Channels,
    Channel,
    Authorize,
    Account,
    Connect,
    Reconnect,
}

impl Route {
    pub const ALL: [Route; 6] = [
        Route::Channels,
        Route::Channel,
        Route::Authorize,
        Route::Account,
        Route::Connect,
        Route::Reconnect,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Route::Channels => "channels",
            Route::Channel => "channel",
            Route::Authorize => "authorize",
            Route::Account => "account",
            Route::Connect => "connect",
            Route::Reconnect => "reconnect",
        }
    }

    pub fn from_name(name: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The path with its parameters as placeholders, for logs and metrics.
    pub fn template(self) -> &'static str {
        match self {
            Route::Channels => "/partner/channel",
            Route::Channel => "/partner/channel/{id}",
            Route::Authorize => "/partner/channel/{kind}/authorize",
            Route::Account => "/partner/channel/{kind}/account",
            Route::Connect => "/partner/channel/{kind}",
            Route::Reconnect => "/partner/channel/{kind}/{id}",
        }
    }

    pub fn method(self) -> Method {
        match self {
            Route::Channels | Route::Channel | Route::Authorize | Route::Account => Method::Get,
            Route::Connect | Route::Reconnect => Method::Post,
        }
    }
}

/// The JSON body of a call, for whichever side serializes it.
#[derive(Debug, Clone, Copy)]
pub enum CallBody<'a> {
    Connect(&'a ConnectRequest),
    Reconnect(&'a ReconnectRequest),
}

impl Serialize for CallBody<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CallBody::Connect(body) => body.serialize(s),
            CallBody::Reconnect(body) => body.serialize(s),
        }
    }
}

/// Why a request is not one of the widget's calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// No widget call has this path.
    NotFound,
    /// The path is a widget call, but not with this method.
    MethodNotAllowed { allowed: Method },
    /// The call is known but its input is not valid: the message says what is wrong.
    BadRequest(String),
}

impl From<InvalidInput> for Rejection {
    fn from(e: InvalidInput) -> Self {
        Rejection::BadRequest(e.to_string())
    }
}

impl PartnerCall {
    pub fn route(&self) -> Route {
        match self {
            PartnerCall::ChannelList { .. } => Route::Channels,
            PartnerCall::Channel { .. } => Route::Channel,
            PartnerCall::Authorize { .. } => Route::Authorize,
            PartnerCall::Accounts { .. } => Route::Account,
            PartnerCall::Connect { .. } => Route::Connect,
            PartnerCall::Reconnect { .. } => Route::Reconnect,
        }
    }

    pub fn method(&self) -> Method {
        self.route().method()
    }

    /// The path under the API's base URL, e.g. `/partner/channel/instagram/authorize`.
    pub fn path(&self) -> String {
        match self {
            PartnerCall::ChannelList { .. } => format!("{PARTNER_PREFIX}/channel"),
            PartnerCall::Channel { id } => format!("{PARTNER_PREFIX}/channel/{}", id.as_str()),
            PartnerCall::Authorize { kind } => {
                format!("{PARTNER_PREFIX}/channel/{}/authorize", kind.path_segment())
            }
            PartnerCall::Accounts { kind, .. } => {
                format!("{PARTNER_PREFIX}/channel/{}/account", kind.path_segment())
            }
            PartnerCall::Connect { kind, .. } => {
                format!("{PARTNER_PREFIX}/channel/{}", kind.path_segment())
            }
            PartnerCall::Reconnect { kind, id, .. } => {
                format!(
                    "{PARTNER_PREFIX}/channel/{}/{}",
                    kind.path_segment(),
                    id.as_str()
                )
            }
        }
    }

    /// The query pairs, in a fixed order, not yet encoded.
    pub fn query(&self) -> Vec<(&'static str, String)> {
        match self {
            PartnerCall::ChannelList { query } => {
                let mut pairs = Vec::new();
                if let Some(page) = query.page {
                    pairs.push(("page", page.to_string()));
                }
                if let Some(limit) = query.limit {
                    pairs.push(("limit", limit.to_string()));
                }
                if let Some(search) = &query.search {
                    pairs.push(("search", search.clone()));
                }
                for kind in &query.channel_types {
                    pairs.push(("channelTypes[]", kind.clone()));
                }
                pairs
            }
            PartnerCall::Accounts { token, offset, .. } => {
                let mut pairs = vec![("token", token.expose().to_owned())];
                if let Some(offset) = offset {
                    pairs.push(("nextOffset", offset.as_str().to_owned()));
                }
                pairs
            }
            PartnerCall::Channel { .. }
            | PartnerCall::Authorize { .. }
            | PartnerCall::Connect { .. }
            | PartnerCall::Reconnect { .. } => Vec::new(),
        }
    }

    /// The encoded query string, empty when there is none.
    pub fn query_string(&self) -> String {
        let pairs = self.query();
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        query::build(&borrowed)
    }

    /// The JSON body of a POST.
    pub fn body(&self) -> Option<CallBody<'_>> {
        match self {
            PartnerCall::Connect { body, .. } => Some(CallBody::Connect(body)),
            PartnerCall::Reconnect { body, .. } => Some(CallBody::Reconnect(body)),
            PartnerCall::ChannelList { .. }
            | PartnerCall::Channel { .. }
            | PartnerCall::Authorize { .. }
            | PartnerCall::Accounts { .. } => None,
        }
    }

    /// The secrets the call carries (the authorization's token), which must never come back
    /// in an answer or reach a log.
    pub fn credentials(&self) -> Vec<&str> {
        match self {
            PartnerCall::Accounts { token, .. } => vec![token.expose()],
            PartnerCall::Connect { body, .. } => body.credential().into_iter().collect(),
            PartnerCall::Reconnect { body, .. } => vec![body.credential()],
            PartnerCall::ChannelList { .. }
            | PartnerCall::Channel { .. }
            | PartnerCall::Authorize { .. } => Vec::new(),
        }
    }

    /// The kind of channel the call concerns, when it concerns one.
    pub fn kind(&self) -> Option<ChannelKind> {
        match self {
            PartnerCall::ChannelList { .. } | PartnerCall::Channel { .. } => None,
            PartnerCall::Authorize { kind }
            | PartnerCall::Accounts { kind, .. }
            | PartnerCall::Connect { kind, .. }
            | PartnerCall::Reconnect { kind, .. } => Some(*kind),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::ChannelId;

    fn id(s: &str) -> ChannelRecordId {
        ChannelRecordId::new(s).unwrap()
    }

    fn token() -> Token {
        Token::new("tok-1").unwrap()
    }

    fn bot() -> crate::input::BotToken {
        crate::input::BotToken::new("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw").unwrap()
    }

    /// Every call the widget makes for a Facebook kind, in the order of [`Route::ALL`].
    fn every_call(kind: ChannelKind) -> Vec<PartnerCall> {
        vec![
            PartnerCall::ChannelList {
                query: ChannelListQuery {
                    page: Some(2),
                    limit: Some(5),
                    search: Some("kopi susu".into()),
                    channel_types: vec!["instagram".into()],
                },
            },
            PartnerCall::Channel {
                id: id("65a0b1c2d3e4f5a6b7c8d9e1"),
            },
            PartnerCall::Authorize { kind },
            PartnerCall::Accounts {
                kind,
                token: token(),
                offset: Some(NextOffset::new("abc==").unwrap()),
            },
            PartnerCall::Connect {
                kind,
                body: ConnectRequest::Account {
                    channel_id: ChannelId::new("1784").unwrap(),
                    token: token(),
                },
            },
            PartnerCall::Reconnect {
                kind,
                id: id("65a0b1c2d3e4f5a6b7c8d9e0"),
                body: ReconnectRequest::Authorization { token: token() },
            },
        ]
    }

    /// The calls of the kinds connected through a form.
    fn form_calls() -> Vec<PartnerCall> {
        use crate::input::{DisplayName, PhoneNumber, WebsiteUrl};
        vec![
            PartnerCall::Connect {
                kind: ChannelKind::Whatsapp,
                body: ConnectRequest::Whatsapp {
                    name: DisplayName::new("Toko").unwrap(),
                    phone: PhoneNumber::new("081234567890").unwrap(),
                },
            },
            PartnerCall::Connect {
                kind: ChannelKind::Telegram,
                body: ConnectRequest::Telegram { token: bot() },
            },
            PartnerCall::Reconnect {
                kind: ChannelKind::Telegram,
                id: id("65a0b1c2d3e4f5a6b7c8d9e0"),
                body: ReconnectRequest::Telegram { token: bot() },
            },
            PartnerCall::Connect {
                kind: ChannelKind::Webchat,
                body: ConnectRequest::Webchat {
                    name: DisplayName::new("Toko").unwrap(),
                    website_url: WebsiteUrl::new("https://toko.example").unwrap(),
                },
            },
        ]
    }

    fn request_of(call: &PartnerCall) -> Result<PartnerCall, Rejection> {
        let body = call
            .body()
            .map(|b| serde_json::to_vec(&b).unwrap())
            .unwrap_or_default();
        PartnerCall::from_request(
            call.method().as_str(),
            &call.path(),
            Some(&call.query_string()),
            &body,
        )
    }

    #[test]
    fn every_call_has_the_path_of_the_partner_guide() {
        let paths: Vec<String> = every_call(ChannelKind::Instagram)
            .iter()
            .map(|c| c.path())
            .collect();
        assert_eq!(
            paths,
            [
                "/partner/channel",
                "/partner/channel/65a0b1c2d3e4f5a6b7c8d9e1",
                "/partner/channel/instagram/authorize",
                "/partner/channel/instagram/account",
                "/partner/channel/instagram",
                "/partner/channel/instagram/65a0b1c2d3e4f5a6b7c8d9e0",
            ]
        );
        let paths: Vec<String> = form_calls().iter().map(|c| c.path()).collect();
        assert_eq!(
            paths,
            [
                "/partner/channel/whatsapp-unofficial",
                "/partner/channel/telegram",
                "/partner/channel/telegram/65a0b1c2d3e4f5a6b7c8d9e0",
                "/partner/channel/webchat",
            ]
        );
    }

    #[test]
    fn from_request_round_trips_every_call() {
        let facebook = [ChannelKind::Instagram, ChannelKind::Messenger];
        let all = facebook
            .into_iter()
            .flat_map(every_call)
            .chain(form_calls());
        for call in all {
            assert_eq!(request_of(&call), Ok(call.clone()), "{call:?}");
        }
    }

    #[test]
    fn the_form_kinds_have_no_facebook_routes_and_whatsapp_no_reconnect() {
        for path in [
            "/partner/channel/whatsapp-unofficial/authorize",
            "/partner/channel/telegram/account",
            "/partner/channel/webchat/authorize",
        ] {
            assert_eq!(
                PartnerCall::from_request("GET", path, None, b""),
                Err(Rejection::NotFound),
                "{path}"
            );
        }
        for path in [
            "/partner/channel/whatsapp-unofficial/65a0b1c2d3e4f5a6b7c8d9e0",
            "/partner/channel/webchat/65a0b1c2d3e4f5a6b7c8d9e0",
        ] {
            assert_eq!(
                PartnerCall::from_request("POST", path, None, b"{}"),
                Err(Rejection::NotFound),
                "{path}"
            );
        }
        // A kind's own path is the kind, never a channel `_id`.
        assert_eq!(
            PartnerCall::from_request("GET", "/partner/channel/telegram", None, b""),
            Err(Rejection::MethodNotAllowed {
                allowed: Method::Post
            })
        );
        assert!(matches!(
            PartnerCall::from_request("POST", "/partner/channel/telegram", None, br#"{"token":"nope"}"#),
            Err(Rejection::BadRequest(message)) if message.contains("BotFather")
        ));
    }

    #[test]
    fn every_route_has_a_name_a_template_and_a_method() {
        for route in Route::ALL {
            assert_eq!(Route::from_name(route.name()), Some(route));
            assert!(route.template().starts_with("/partner/channel"));
        }
        let routes: Vec<Route> = every_call(ChannelKind::Messenger)
            .iter()
            .map(PartnerCall::route)
            .collect();
        assert_eq!(routes, Route::ALL);
    }

    #[test]
    fn from_request_refuses_everything_the_widget_does_not_call() {
        assert_eq!(
            PartnerCall::from_request("PUT", "/partner", None, b""),
            Err(Rejection::NotFound)
        );
        for path in [
            "/partner",
            "/partner/",
            "/partner/channel/",
            "/partner/channel/whatsapp/authorize",
            "/partner/channel/instagram/authorize/extra",
            "/partner/channels",
            "/partner/channelx",
            "/other",
            "",
            "/partner/channel//authorize",
        ] {
            assert_eq!(
                PartnerCall::from_request("GET", path, None, b""),
                Err(Rejection::NotFound),
                "{path} must be refused"
            );
        }
    }

    #[test]
    fn from_request_names_the_allowed_method_for_a_known_path() {
        assert_eq!(
            PartnerCall::from_request("DELETE", "/partner/channel/instagram", None, b""),
            Err(Rejection::MethodNotAllowed {
                allowed: Method::Post
            })
        );
        assert_eq!(
            PartnerCall::from_request("POST", "/partner/channel/instagram/authorize", None, b""),
            Err(Rejection::MethodNotAllowed {
                allowed: Method::Get
            })
        );
    }

    #[test]
    fn from_request_rejects_a_reconnect_id_of_the_wrong_shape() {
        for id in ["..%2F..%2Fpartner".to_owned(), "a".repeat(200)] {
            let path = format!("/partner/channel/instagram/{id}");
            assert!(matches!(
                PartnerCall::from_request("POST", &path, None, b"{}"),
                Err(Rejection::BadRequest(_))
            ));
        }
    }

    #[test]
    fn queries_are_validated_per_call() {
        let bad = [
            ("/partner/channel/instagram/account", "", "token is missing"),
            (
                "/partner/channel/instagram/account",
                "token=a%20b",
                "token may only hold",
            ),
            (
                "/partner/channel/instagram/account",
                "token=t&token=u",
                "token is given more than once",
            ),
            (
                "/partner/channel/instagram/account",
                "token=t&admin=1",
                "unexpected query parameter \"admin\"",
            ),
            (
                "/partner/channel/instagram/authorize",
                "x=1",
                "unexpected query parameter",
            ),
            ("/partner/channel", "page=-1", "page must be a whole number"),
            (
                "/partner/channel",
                "limit=999999",
                "limit must be a whole number",
            ),
            (
                "/partner/channel",
                "channelTypes[]=IG%21",
                "channelTypes[] must be",
            ),
        ];
        for (path, query, expected) in bad {
            match PartnerCall::from_request("GET", path, Some(query), b"") {
                Err(Rejection::BadRequest(message)) => {
                    assert!(message.contains(expected), "{path}?{query}: {message}")
                }
                other => panic!("{path}?{query}: {other:?}"),
            }
        }
        let long = format!("search={}", "s".repeat(MAX_SEARCH_CHARS + 1));
        assert!(PartnerCall::from_request("GET", "/partner/channel", Some(&long), b"").is_err());
        let huge = "a".repeat(MAX_QUERY_LEN + 1);
        assert!(PartnerCall::from_request("GET", "/partner/channel", Some(&huge), b"").is_err());
    }

    #[test]
    fn bodies_are_validated_and_extra_fields_dropped() {
        let call = PartnerCall::from_request(
            "POST",
            "/partner/channel/instagram",
            None,
            br#"{"channelId":"1","token":"t","extra":"dropped"}"#,
        )
        .unwrap();
        let body = serde_json::to_value(call.body().unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({"channelId": "1", "token": "t"}));
        for (path, body) in [
            ("/partner/channel/instagram", &b"{\"channelId\":\"1\"}"[..]),
            ("/partner/channel/instagram", b"\xff\xfe"),
            ("/partner/channel/instagram/abc", b"{}"),
            ("/partner/channel/instagram/abc", b""),
        ] {
            assert!(
                matches!(
                    PartnerCall::from_request("POST", path, None, body),
                    Err(Rejection::BadRequest(_))
                ),
                "{path}"
            );
        }
    }
}
