//! Recognizing one of the widget's calls in a request the proxy received: the method and
//! path, the query and the JSON body, each validated before anything goes upstream. Only the
//! proxy (and the tests) read requests; the widget only builds them, so this is behind the
//! `json` feature and its code is not in the widget's WebAssembly.

use crate::call::{
    ChannelListQuery, PartnerCall, Rejection, Route, MAX_QUERY_LEN, MAX_SEARCH_CHARS,
    PARTNER_PREFIX,
};
use crate::input::{ChannelRecordId, NextOffset, Token};
use crate::kind::{ChannelKind, Connection};
use crate::query;
use crate::request::{ConnectRequest, ReconnectRequest};

impl PartnerCall {
    /// Recognizes one of the widget's calls in a request (path without the proxy's prefix, raw
    /// query, body bytes) and validates all of its input. Everything else is rejected, with a
    /// reason a developer can act on.
    pub fn from_request(
        method: &str,
        path: &str,
        raw_query: Option<&str>,
        body: &[u8],
    ) -> Result<PartnerCall, Rejection> {
        let route = recognize(method, path)?;
        let raw_query = raw_query.unwrap_or("");
        if raw_query.len() > MAX_QUERY_LEN {
            return Err(Rejection::BadRequest("query string is too long".into()));
        }
        let pairs = query::parse(raw_query);
        let call = match route {
            Recognized::ChannelList => PartnerCall::ChannelList {
                query: channel_list_query(&pairs)?,
            },
            Recognized::Channel(id) => {
                no_query(&pairs)?;
                PartnerCall::Channel { id }
            }
            Recognized::Authorize(kind) => {
                no_query(&pairs)?;
                PartnerCall::Authorize { kind }
            }
            Recognized::Accounts(kind) => {
                let (token, offset) = accounts_query(&pairs)?;
                PartnerCall::Accounts {
                    kind,
                    token,
                    offset,
                }
            }
            Recognized::Connect(kind) => {
                no_query(&pairs)?;
                let text = body_text(body)?;
                let body = ConnectRequest::parse(kind, text).map_err(|e| {
                    Rejection::BadRequest(format!(
                        "body must be {}: {}",
                        ConnectRequest::shape(kind),
                        e.detail
                    ))
                })?;
                PartnerCall::Connect { kind, body }
            }
            Recognized::Reconnect(kind, id) => {
                no_query(&pairs)?;
                let text = body_text(body)?;
                let body = match ReconnectRequest::parse(kind, text) {
                    Some(parsed) => parsed.map_err(|e| {
                        Rejection::BadRequest(format!("body must be {{\"token\"}}: {}", e.detail))
                    })?,
                    None => return Err(Rejection::NotFound),
                };
                PartnerCall::Reconnect { kind, id, body }
            }
        };
        Ok(call)
    }
}
impl Route {
    /// The route a method and path (without the proxy's prefix) name, before the query and the
    /// body are read: lets a server refuse a request early, with the same rules as
    /// [`PartnerCall::from_request`].
    pub fn recognize(method: &str, path: &str) -> Result<Route, Rejection> {
        recognize(method, path).map(|r| r.route())
    }
}

/// A path and method that name a call, before its query and body are read.
enum Recognized {
    ChannelList,
    Channel(ChannelRecordId),
    Authorize(ChannelKind),
    Accounts(ChannelKind),
    Connect(ChannelKind),
    Reconnect(ChannelKind, ChannelRecordId),
}

impl Recognized {
    fn route(&self) -> Route {
        match self {
            Recognized::ChannelList => Route::Channels,
            Recognized::Channel(_) => Route::Channel,
            Recognized::Authorize(_) => Route::Authorize,
            Recognized::Accounts(_) => Route::Account,
            Recognized::Connect(_) => Route::Connect,
            Recognized::Reconnect(..) => Route::Reconnect,
        }
    }
}

fn recognize(method: &str, path: &str) -> Result<Recognized, Rejection> {
    let rest = path
        .strip_prefix(PARTNER_PREFIX)
        .and_then(|p| p.strip_prefix("/channel"))
        .ok_or(Rejection::NotFound)?;
    let segments: Vec<&str> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.strip_prefix('/')
            .ok_or(Rejection::NotFound)?
            .split('/')
            .collect()
    };
    let kind = |text: &str| ChannelKind::from_path_segment(text).ok_or(Rejection::NotFound);
    let facebook = |text: &str| {
        kind(text).and_then(|k| match k.connection() {
            Connection::Facebook => Ok(k),
            Connection::Form => Err(Rejection::NotFound),
        })
    };
    let recognized = match segments.as_slice() {
        [] => Recognized::ChannelList,
        // A kind's own path, or else one channel by its `_id`.
        [segment] => match kind(segment) {
            Ok(kind) => Recognized::Connect(kind),
            Err(_) => Recognized::Channel(
                ChannelRecordId::new(*segment).map_err(|_| Rejection::NotFound)?,
            ),
        },
        [k, "authorize"] => Recognized::Authorize(facebook(k)?),
        [k, "account"] => Recognized::Accounts(facebook(k)?),
        [k, id] => {
            let kind = kind(k)?;
            // WhatsApp reconnects by showing the channel's fresh QR code; webchat does not.
            if matches!(kind, ChannelKind::Whatsapp | ChannelKind::Webchat) {
                return Err(Rejection::NotFound);
            }
            Recognized::Reconnect(kind, ChannelRecordId::new(*id)?)
        }
        _ => return Err(Rejection::NotFound),
    };
    let allowed = recognized.route().method();
    // Methods are case-sensitive (RFC 9110): `get` is not `GET`.
    if allowed.as_str() == method {
        Ok(recognized)
    } else {
        Err(Rejection::MethodNotAllowed { allowed })
    }
}

fn unexpected(key: &str) -> Rejection {
    let shown: String = key.chars().take(40).collect();
    Rejection::BadRequest(format!("unexpected query parameter {shown:?}"))
}

fn no_query(pairs: &[(String, String)]) -> Result<(), Rejection> {
    match pairs.first() {
        Some((key, _)) => Err(unexpected(key)),
        None => Ok(()),
    }
}

fn once<T>(slot: &mut Option<T>, key: &str, value: T) -> Result<(), Rejection> {
    if slot.replace(value).is_some() {
        return Err(Rejection::BadRequest(format!(
            "{key} is given more than once"
        )));
    }
    Ok(())
}

fn whole_number(key: &str, value: &str) -> Result<u32, Rejection> {
    if value.is_empty() || value.len() > 5 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rejection::BadRequest(format!(
            "{key} must be a whole number"
        )));
    }
    value
        .parse()
        .map_err(|_| Rejection::BadRequest(format!("{key} must be a whole number")))
}

fn channel_list_query(pairs: &[(String, String)]) -> Result<ChannelListQuery, Rejection> {
    let mut query = ChannelListQuery::default();
    for (key, value) in pairs {
        match key.as_str() {
            "page" => once(&mut query.page, key, whole_number(key, value)?)?,
            "limit" => once(&mut query.limit, key, whole_number(key, value)?)?,
            "search" => {
                if value.chars().count() > MAX_SEARCH_CHARS {
                    return Err(Rejection::BadRequest(format!(
                        "search is longer than {MAX_SEARCH_CHARS} characters"
                    )));
                }
                once(&mut query.search, key, value.clone())?
            }
            "channelTypes[]" => {
                if value.is_empty()
                    || value.len() > 40
                    || !value.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                {
                    return Err(Rejection::BadRequest(
                        "channelTypes[] must be a channel type like instagram".into(),
                    ));
                }
                query.channel_types.push(value.clone());
            }
            _ => return Err(unexpected(key)),
        }
    }
    Ok(query)
}

fn accounts_query(pairs: &[(String, String)]) -> Result<(Token, Option<NextOffset>), Rejection> {
    let mut token = None;
    let mut offset = None;
    for (key, value) in pairs {
        match key.as_str() {
            "token" => once(&mut token, key, Token::new(value.as_str())?)?,
            "nextOffset" => once(&mut offset, key, NextOffset::new(value.as_str())?)?,
            _ => return Err(unexpected(key)),
        }
    }
    let token = token.ok_or_else(|| {
        Rejection::BadRequest(
            "token is missing: pass the token from the authorization callback".into(),
        )
    })?;
    Ok((token, offset))
}

fn body_text(body: &[u8]) -> Result<&str, Rejection> {
    std::str::from_utf8(body)
        .map_err(|_| Rejection::BadRequest("request body is not UTF-8 text".into()))
}
