//! Channel kinds and the Partner API endpoints the widget uses: their methods and paths, in one
//! place. The widget builds its request URLs from [`Endpoint::path`]; the proxy decides what it
//! forwards with [`Endpoint::recognize`], so the two can never disagree about a route.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::input::{ChannelRecordId, InvalidInput};

/// A kind of channel that is connected through a Facebook authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Instagram,
    Messenger,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 2] = [ChannelKind::Instagram, ChannelKind::Messenger];

    /// The kind as it appears in paths, attributes and messages: `instagram`, `messenger`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Instagram => "instagram",
            ChannelKind::Messenger => "messenger",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChannelKind {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "instagram" => Ok(ChannelKind::Instagram),
            "messenger" => Ok(ChannelKind::Messenger),
            _ => Err(InvalidInput::new(
                "channel",
                "must be \"instagram\" or \"messenger\"",
            )),
        }
    }
}

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

/// One of the calls the widget makes, which are exactly the calls a partner proxy forwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /partner/channel`: the company's channels (query passed on).
    ChannelList,
    /// `GET /partner/channel/{kind}/authorize`: the Facebook authorization URL.
    Authorize(ChannelKind),
    /// `GET /partner/channel/{kind}/account?token&nextOffset`: one page of connectable accounts.
    Accounts(ChannelKind),
    /// `POST /partner/channel/{kind}` with `{channelId, token}`: connect an account.
    Connect(ChannelKind),
    /// `POST /partner/channel/{kind}/{_id}` with `{token}`: reconnect an existing channel.
    Reconnect(ChannelKind, ChannelRecordId),
}

/// Why a method and path are not one of the widget's calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteRejection {
    /// No widget call has this path.
    NotFound,
    /// The path is a widget call, but not with this method.
    MethodNotAllowed { allowed: Method },
    /// The path has the shape of a reconnect, but its `{id}` is not a sane channel `_id`.
    BadId(InvalidInput),
}

impl Endpoint {
    pub fn method(&self) -> Method {
        match self {
            Endpoint::ChannelList | Endpoint::Authorize(_) | Endpoint::Accounts(_) => Method::Get,
            Endpoint::Connect(_) | Endpoint::Reconnect(..) => Method::Post,
        }
    }

    /// The path under the API's base URL, e.g. `/partner/channel/instagram/authorize`.
    pub fn path(&self) -> String {
        match self {
            Endpoint::ChannelList => format!("{PARTNER_PREFIX}/channel"),
            Endpoint::Authorize(kind) => format!("{PARTNER_PREFIX}/channel/{kind}/authorize"),
            Endpoint::Accounts(kind) => format!("{PARTNER_PREFIX}/channel/{kind}/account"),
            Endpoint::Connect(kind) => format!("{PARTNER_PREFIX}/channel/{kind}"),
            Endpoint::Reconnect(kind, id) => {
                format!("{PARTNER_PREFIX}/channel/{kind}/{}", id.as_str())
            }
        }
    }

    /// Recognizes a widget call from its method and path (without query). Everything else,
    /// `PUT /partner` above all, is rejected.
    pub fn recognize(method: &str, path: &str) -> Result<Endpoint, RouteRejection> {
        let rest = path
            .strip_prefix(PARTNER_PREFIX)
            .and_then(|p| p.strip_prefix("/channel"))
            .ok_or(RouteRejection::NotFound)?;
        let segments: Vec<&str> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.strip_prefix('/')
                .ok_or(RouteRejection::NotFound)?
                .split('/')
                .collect()
        };
        let endpoint = match segments.as_slice() {
            [] => Endpoint::ChannelList,
            [kind] => Endpoint::Connect(kind.parse().map_err(|_| RouteRejection::NotFound)?),
            [kind, "authorize"] => {
                Endpoint::Authorize(kind.parse().map_err(|_| RouteRejection::NotFound)?)
            }
            [kind, "account"] => {
                Endpoint::Accounts(kind.parse().map_err(|_| RouteRejection::NotFound)?)
            }
            [kind, id] => {
                let kind: ChannelKind = kind.parse().map_err(|_| RouteRejection::NotFound)?;
                let id = ChannelRecordId::new(*id).map_err(RouteRejection::BadId)?;
                Endpoint::Reconnect(kind, id)
            }
            _ => return Err(RouteRejection::NotFound),
        };
        if endpoint.method().as_str().eq_ignore_ascii_case(method) {
            Ok(endpoint)
        } else {
            Err(RouteRejection::MethodNotAllowed {
                allowed: endpoint.method(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ChannelRecordId {
        ChannelRecordId::new(s).unwrap()
    }

    #[test]
    fn every_endpoint_has_the_path_of_the_partner_guide() {
        let k = ChannelKind::Instagram;
        assert_eq!(Endpoint::ChannelList.path(), "/partner/channel");
        assert_eq!(
            Endpoint::Authorize(k).path(),
            "/partner/channel/instagram/authorize"
        );
        assert_eq!(
            Endpoint::Accounts(k).path(),
            "/partner/channel/instagram/account"
        );
        assert_eq!(Endpoint::Connect(k).path(), "/partner/channel/instagram");
        assert_eq!(
            Endpoint::Reconnect(ChannelKind::Messenger, id("64f1c2")).path(),
            "/partner/channel/messenger/64f1c2"
        );
    }

    #[test]
    fn recognize_round_trips_every_endpoint() {
        for kind in ChannelKind::ALL {
            for endpoint in [
                Endpoint::ChannelList,
                Endpoint::Authorize(kind),
                Endpoint::Accounts(kind),
                Endpoint::Connect(kind),
                Endpoint::Reconnect(kind, id("65a0b1c2d3e4f5a6b7c8d9e0")),
            ] {
                let got = Endpoint::recognize(endpoint.method().as_str(), &endpoint.path());
                assert_eq!(got, Ok(endpoint));
            }
        }
    }

    #[test]
    fn recognize_refuses_everything_the_widget_does_not_call() {
        assert_eq!(
            Endpoint::recognize("PUT", "/partner"),
            Err(RouteRejection::NotFound)
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
            assert!(
                matches!(
                    Endpoint::recognize("GET", path),
                    Err(RouteRejection::NotFound)
                ),
                "{path} must be refused"
            );
        }
    }

    #[test]
    fn recognize_names_the_allowed_method_for_a_known_path() {
        assert_eq!(
            Endpoint::recognize("DELETE", "/partner/channel/instagram"),
            Err(RouteRejection::MethodNotAllowed {
                allowed: Method::Post
            })
        );
        assert_eq!(
            Endpoint::recognize("POST", "/partner/channel/instagram/authorize"),
            Err(RouteRejection::MethodNotAllowed {
                allowed: Method::Get
            })
        );
    }

    #[test]
    fn recognize_rejects_a_reconnect_id_of_the_wrong_shape() {
        assert!(matches!(
            Endpoint::recognize("POST", "/partner/channel/instagram/..%2F..%2Fpartner"),
            Err(RouteRejection::BadId(_))
        ));
        let long = "a".repeat(200);
        assert!(matches!(
            Endpoint::recognize("POST", &format!("/partner/channel/instagram/{long}")),
            Err(RouteRejection::BadId(_))
        ));
    }

    #[test]
    fn channel_kind_parses_only_known_kinds() {
        assert_eq!("instagram".parse(), Ok(ChannelKind::Instagram));
        assert_eq!("messenger".parse(), Ok(ChannelKind::Messenger));
        assert!("Instagram".parse::<ChannelKind>().is_err());
        assert!("".parse::<ChannelKind>().is_err());
    }
}
