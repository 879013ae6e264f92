//! The Socialchat Partner API, in types.
//!
//! This crate is the one home of everything both sides of socialchat-connect must agree on: the
//! channel kinds ([`kind`]), the widget's calls with their paths, queries and bodies and the one
//! function that recognizes them in a request ([`call`]), the shape and validation of what goes
//! up ([`input`], [`request`]), the tolerant parsing of what comes back ([`account`],
//! [`channel`], [`error`]), the codes of the proxy's own refusals ([`refusal`]), the rule of a
//! list of allowed origins ([`origin`]) and the message the callback page sends to the widget
//! ([`callback`]).
//!
//! It has no web or server dependency: the widget compiles it to WebAssembly, the proxy links it
//! natively, and its tests run natively in milliseconds. Nothing in it panics on input from the
//! network; every parser returns a [`ParseError`] instead.

pub mod account;
pub mod call;
pub mod callback;
pub mod channel;
pub mod error;
pub mod input;
pub mod kind;
pub mod lenient;
pub mod origin;
pub mod query;
#[cfg(feature = "json")]
mod recognize;
pub mod refusal;
pub mod request;

pub use account::{Account, AccountPage};
pub use call::{ChannelListQuery, Method, PartnerCall, Rejection, Route};
pub use callback::{CallbackFailure, CallbackMessage, CallbackOutcome, ProtocolError};
pub use channel::{Channel, ChannelList, ChannelType};
pub use error::{ApiError, ParseError};
pub use input::{
    BotToken, ChannelId, ChannelRecordId, DisplayName, InvalidInput, NextOffset, PhoneNumber,
    Token, WebsiteUrl,
};
pub use kind::ChannelKind;
pub use lenient::Parsed;
pub use refusal::RefusalCode;
pub use request::{AuthorizeResponse, ConnectRequest, PartnerCallbacks, ReconnectRequest};

/// The largest response body any parser here accepts. Account pages and channel lists are a few
/// KB; anything near this is not a Socialchat answer.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
