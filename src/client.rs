//! The widget's HTTP calls to the partner proxy, one method per Partner API call, answering in
//! the api crate's types, each carrying the session as `Authorization: Bearer`. Requests go
//! through gloo-net; answers are read as JavaScript values (`response.json()`, parsed by the
//! browser) and turned into those types by serde-wasm-bindgen ([`crate::wire`]). Every request of
//! a widget shares one `AbortController`, aborted when the widget is removed.

use gloo_net::http::{Method as HttpMethod, RequestBuilder};
use socialchat_api::account::AccountPageWire;
use socialchat_api::call::{RECEIPT_HEADER, TICKET_HEADER};
use socialchat_api::channel::{ChannelListWire, ChannelStatus, ConnectAnswer};
use socialchat_api::error::ErrorBody;
use socialchat_api::Method;
use socialchat_api::{
    AccountPage, ApiError, AuthorizeResponse, ChannelKind, ChannelList, ChannelListQuery,
    ChannelRecordId, ConnectRequest, NextOffset, ParseError, PartnerCall, ReconnectRequest, Token,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestCredentials, RequestRedirect};

use std::cell::RefCell;
use std::rc::Rc;

use crate::config::Credentials;
use crate::flow::{ApiFailure, Connected};
use crate::session::{self, Given, SessionSource, SessionToken};
use crate::wire::{self, JsItem};

/// An answer that is not what the call promises.
fn unexpected(what: &'static str, detail: impl Into<String>) -> ApiFailure {
    ApiFailure::Unexpected(ParseError::new(what, detail))
}

/// A session given through the element's `session` attribute or property; the element glue
/// writes it, the client reads it at every call.
pub type GivenSession = Rc<RefCell<Option<String>>>;

/// Where the client gets its session, and the one it got from the partner's endpoint.
pub struct Sessions {
    source: SessionSource,
    given: GivenSession,
    fetched: RefCell<Option<SessionToken>>,
}

impl Sessions {
    pub fn new(source: SessionSource, given: GivenSession) -> Sessions {
        Sessions {
            source,
            given,
            fetched: RefCell::new(None),
        }
    }
}

pub struct ProxyClient {
    base: String,
    credentials: RequestCredentials,
    abort: Option<AbortController>,
    sessions: Sessions,
    /// The receipts of the channels connected in this widget, newest last (in memory only, for
    /// the widget's life): sent with the channel list, so that it shows them before the
    /// session lists them.
    receipts: std::cell::RefCell<Vec<String>>,
}

/// What a call carries to show that a channel the session does not list yet is the caller's.
#[derive(Clone, Copy)]
enum Proof<'a> {
    /// The ticket of a WhatsApp number created in this widget.
    Ticket(&'a str),
    /// The receipts of channels connected in this widget, comma-separated.
    Receipts(&'a str),
}

/// The most receipts a widget keeps (the proxy reads at most 16).
const MAX_RECEIPTS: usize = 16;

/// What gloo-net says went wrong, as a network failure. (Matched, not printed whole: its
/// `Display` would bring serde_json's error messages into the wasm.)
fn failed(error: gloo_net::Error) -> ApiFailure {
    let detail = match error {
        gloo_net::Error::JsError(e) => format!("{}: {}", e.name, e.message),
        gloo_net::Error::GlooError(text) => text,
        #[allow(unreachable_patterns)]
        _ => "the request failed".to_owned(),
    };
    // What the browser knows of its connection (the core says what it means).
    let online = web_sys::window().is_none_or(|window| window.navigator().on_line());
    ApiFailure::NoAnswer { detail, online }
}

/// The JSON value of a 2xx answer, parsed by the browser as it arrives.
async fn json_of(response: gloo_net::http::Response) -> Result<JsValue, ()> {
    let raw: web_sys::Response = response.into();
    JsFuture::from(raw.json().map_err(|_| ())?)
        .await
        .map_err(|_| ())
}

impl ProxyClient {
    pub fn new(base: &str, credentials: Credentials, sessions: Sessions) -> ProxyClient {
        ProxyClient {
            base: base.trim_end_matches('/').to_owned(),
            credentials: match credentials {
                Credentials::SameOrigin => RequestCredentials::SameOrigin,
                Credentials::Include => RequestCredentials::Include,
                Credentials::Omit => RequestCredentials::Omit,
            },
            abort: AbortController::new().ok(),
            sessions,
            receipts: Default::default(),
        }
    }

    /// The session for the next call: the one given, or the one the partner's endpoint gave
    /// (asked for again when `fresh`). `None`: the proxy checks none (`session="none"`).
    async fn session(&self, fresh: bool) -> Result<Option<SessionToken>, ApiFailure> {
        match &self.sessions.source {
            SessionSource::Given => {
                let given = self.sessions.given.borrow().clone();
                match given.as_deref().map(Given::parse) {
                    Some(Ok(Given::Session(token))) => Ok(Some(token)),
                    Some(Ok(Given::Unchecked)) => Ok(None),
                    Some(Err(e)) => Err(ApiFailure::Session(format!("the session property {e}"))),
                    None => Err(ApiFailure::Session("no session was given".into())),
                }
            }
            SessionSource::Endpoint(url) => {
                if !fresh {
                    if let Some(token) = self.sessions.fetched.borrow().clone() {
                        return Ok(Some(token));
                    }
                }
                let token = self.fetch_session(url).await?;
                *self.sessions.fetched.borrow_mut() = Some(token.clone());
                Ok(Some(token))
            }
        }
    }

    /// Asks the partner's session endpoint for a session, with the page's cookies as the
    /// `credentials` attribute says.
    async fn fetch_session(&self, url: &str) -> Result<SessionToken, ApiFailure> {
        let unavailable = |e: gloo_net::Error| match failed(e) {
            ApiFailure::NoAnswer { detail, .. } => {
                ApiFailure::Session(format!("the session endpoint did not answer: {detail}"))
            }
            other => other,
        };
        let signal = self.abort.as_ref().map(AbortController::signal);
        let response = RequestBuilder::new(url)
            .method(HttpMethod::GET)
            .credentials(self.credentials)
            .abort_signal(signal.as_ref())
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(unavailable)?;
        if !response.ok() {
            return Err(ApiFailure::Session(format!(
                "the session endpoint answered HTTP {}",
                response.status()
            )));
        }
        let answer = json_of(response).await.map_err(|()| {
            ApiFailure::Session("the session endpoint's answer is not JSON".into())
        })?;
        let session = js_sys::Reflect::get(&answer, &JsValue::from_str("session"))
            .ok()
            .and_then(|v| v.as_string());
        session::from_endpoint(session.as_deref()).map_err(ApiFailure::Session)
    }

    /// Makes a call with the session; when the proxy says the session expired, asks for a new
    /// one once and makes the call again. Answers the JSON value of a 2xx answer.
    async fn send(&self, call: &PartnerCall) -> Result<JsValue, ApiFailure> {
        self.send_proven(call, None).await
    }

    /// [`Self::send`], with the ticket that lets a session poll a channel it created.
    async fn send_ticketed(
        &self,
        call: &PartnerCall,
        ticket: Option<&str>,
    ) -> Result<JsValue, ApiFailure> {
        self.send_proven(call, ticket.map(Proof::Ticket)).await
    }

    /// [`Self::send`], with a proof of channels the session does not list yet.
    async fn send_proven(
        &self,
        call: &PartnerCall,
        proof: Option<Proof<'_>>,
    ) -> Result<JsValue, ApiFailure> {
        let session = self.session(false).await?;
        match self.send_with(call, session.as_ref(), proof).await {
            Err(failure) if session::expired(&failure) => {
                let fresh = self.session(true).await?;
                self.send_with(call, fresh.as_ref(), proof).await
            }
            other => other,
        }
    }

    /// Aborts every request in flight; their answers never arrive.
    pub fn abort(&self) {
        if let Some(abort) = &self.abort {
            abort.abort();
        }
    }

    async fn send_with(
        &self,
        call: &PartnerCall,
        session: Option<&SessionToken>,
        proof: Option<Proof<'_>>,
    ) -> Result<JsValue, ApiFailure> {
        let mut url = format!("{}{}", self.base, call.path());
        let query = call.query_string();
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let signal = self.abort.as_ref().map(AbortController::signal);
        let mut request = RequestBuilder::new(&url)
            .method(match call.method() {
                Method::Get => HttpMethod::GET,
                Method::Post => HttpMethod::POST,
            })
            .credentials(self.credentials)
            // The proxy never redirects; a redirect would mean a misconfigured path.
            .redirect(RequestRedirect::Error)
            .abort_signal(signal.as_ref())
            .header("Accept", "application/json");
        if let Some(session) = session {
            request = request.header("Authorization", &format!("Bearer {}", session.expose()));
        }
        match proof {
            Some(Proof::Ticket(ticket)) => request = request.header(TICKET_HEADER, ticket),
            Some(Proof::Receipts(receipts)) => request = request.header(RECEIPT_HEADER, receipts),
            None => {}
        }
        let request = match call.body().and_then(|b| wire::to_text(&b)) {
            Some(body) => request
                .header("Content-Type", "application/json")
                .body(body),
            None => request.build(),
        }
        .map_err(failed)?;
        let response = request.send().await.map_err(failed)?;
        let status = response.status();
        if response.ok() {
            return json_of(response)
                .await
                .map_err(|()| unexpected("answer", "the proxy's answer is not JSON"));
        }
        // An error may be an HTML page: its text first, then JSON if it is JSON.
        let text = response.text().await.map_err(failed)?;
        let body = (text.len() <= socialchat_api::MAX_BODY_BYTES)
            .then(|| wire::from_text::<ErrorBody>(&text))
            .flatten();
        Err(ApiFailure::Http(ApiError::from_body(status, body)))
    }

    pub async fn authorize(&self, kind: ChannelKind) -> Result<String, ApiFailure> {
        let answer = self.send(&PartnerCall::Authorize { kind }).await?;
        wire::from_js::<AuthorizeResponse>(answer)
            .map_err(|e| unexpected(AuthorizeResponse::WHAT, e))?
            .checked()
            .map(|a| a.url)
            .map_err(ApiFailure::Unexpected)
    }

    pub async fn accounts(
        &self,
        kind: ChannelKind,
        token: &Token,
        offset: Option<&NextOffset>,
    ) -> Result<AccountPage, ApiFailure> {
        let call = PartnerCall::Accounts {
            kind,
            token: token.clone(),
            offset: offset.cloned(),
        };
        let answer = self.send(&call).await?;
        let page = wire::from_js::<AccountPageWire<JsItem>>(answer)
            .map_err(|e| unexpected("account page", e))?;
        AccountPage::from_wire(page)
            .map(|parsed| parsed.value)
            .map_err(ApiFailure::Unexpected)
    }

    /// Connects (or creates) a channel of `kind`; answers the channel the answer held, if it held
    /// one, and the ticket of a new WhatsApp number.
    pub async fn connect(
        &self,
        kind: ChannelKind,
        body: ConnectRequest,
    ) -> Result<Connected, ApiFailure> {
        let answer = self.send(&PartnerCall::Connect { kind, body }).await?;
        Ok(ConnectAnswer::read(JsItem::new(answer)))
    }

    pub async fn reconnect(
        &self,
        kind: ChannelKind,
        id: &ChannelRecordId,
        body: ReconnectRequest,
    ) -> Result<Connected, ApiFailure> {
        let id = id.clone();
        let answer = self
            .send(&PartnerCall::Reconnect { kind, id, body })
            .await?;
        Ok(ConnectAnswer::read(JsItem::new(answer)))
    }

    /// One channel, with its QR code while it waits for its scan (and the receipt of its
    /// connection, for the poll that sees it scanned).
    pub async fn channel(
        &self,
        id: &ChannelRecordId,
        ticket: Option<&str>,
    ) -> Result<ChannelStatus, ApiFailure> {
        let call = PartnerCall::Channel { id: id.clone() };
        let answer = self.send_ticketed(&call, ticket).await?;
        ChannelStatus::read(JsItem::new(answer))
            .ok_or_else(|| unexpected("channel", "the answer holds no channel"))
    }

    /// Keeps the receipt of a channel connected in this widget.
    pub fn keep_receipt(&self, receipt: &str) {
        let mut receipts = self.receipts.borrow_mut();
        if receipts.len() == MAX_RECEIPTS {
            receipts.remove(0);
        }
        receipts.push(receipt.to_owned());
    }

    /// The company's channels of one kind (`list-channels`), with the ones connected in this
    /// widget that the session does not list yet.
    pub async fn channels(&self, kind: ChannelKind) -> Result<ChannelList, ApiFailure> {
        let query = ChannelListQuery {
            limit: Some(100),
            channel_types: kind.channel_types().iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        };
        let receipts = self.receipts.borrow().join(",");
        let proof = (!receipts.is_empty()).then_some(Proof::Receipts(&receipts));
        let answer = self
            .send_proven(&PartnerCall::ChannelList { query }, proof)
            .await?;
        let list = wire::from_js::<ChannelListWire<JsItem>>(answer)
            .map_err(|e| unexpected("channel list", e))?;
        Ok(ChannelList::from_wire(list).value)
    }
}
