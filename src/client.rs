//! The widget's HTTP calls to the partner proxy, one method per Partner API call, answering in
//! the api crate's types. Uses the browser's `fetch` directly (no HTTP crate in the bundle);
//! every request of a widget shares one `AbortController`, aborted when the widget is removed.

use socialchat_api::channel::find_channel;
use socialchat_api::{
    AccountPage, ApiError, AuthorizeResponse, Channel, ChannelId, ChannelKind, ChannelList,
    ChannelListQuery, ChannelRecordId, ConnectRequest, NextOffset, PartnerCall, ReconnectRequest,
    Token,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestCredentials, RequestInit, Response};

use crate::config::Credentials;
use crate::flow::ApiFailure;

pub struct ProxyClient {
    base: String,
    credentials: RequestCredentials,
    abort: Option<AbortController>,
}

fn network(error: JsValue) -> ApiFailure {
    let text = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| format!("{}: {}", e.name(), e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the request failed".to_owned());
    ApiFailure::Network(text)
}

impl ProxyClient {
    pub fn new(base: &str, credentials: Credentials) -> ProxyClient {
        ProxyClient {
            base: base.trim_end_matches('/').to_owned(),
            credentials: match credentials {
                Credentials::SameOrigin => RequestCredentials::SameOrigin,
                Credentials::Include => RequestCredentials::Include,
                Credentials::Omit => RequestCredentials::Omit,
            },
            abort: AbortController::new().ok(),
        }
    }

    /// Aborts every request in flight; their answers never arrive.
    pub fn abort(&self) {
        if let Some(abort) = &self.abort {
            abort.abort();
        }
    }

    async fn send(&self, call: &PartnerCall) -> Result<String, ApiFailure> {
        let window = web_sys::window().ok_or_else(|| ApiFailure::Network("no window".into()))?;
        let mut url = format!("{}{}", self.base, call.path());
        let query = call.query_string();
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let body = call
            .body()
            .map(|b| serde_json::to_string(&b).unwrap_or_default());
        let init = RequestInit::new();
        init.set_method(call.method().as_str());
        init.set_credentials(self.credentials);
        // The proxy never redirects; a redirect would mean a misconfigured path.
        init.set_redirect(web_sys::RequestRedirect::Error);
        if let Some(abort) = &self.abort {
            init.set_signal(Some(&abort.signal()));
        }
        let headers = web_sys::Headers::new().map_err(network)?;
        headers.set("Accept", "application/json").map_err(network)?;
        if let Some(body) = &body {
            headers
                .set("Content-Type", "application/json")
                .map_err(network)?;
            init.set_body(&JsValue::from_str(body));
        }
        init.set_headers(&headers);
        let request = web_sys::Request::new_with_str_and_init(&url, &init).map_err(network)?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(network)?
            .dyn_into()
            .map_err(network)?;
        let text = JsFuture::from(response.text().map_err(network)?)
            .await
            .map_err(network)?
            .as_string()
            .unwrap_or_default();
        if response.ok() {
            Ok(text)
        } else {
            Err(ApiFailure::Http(ApiError::from_response(
                response.status(),
                &text,
            )))
        }
    }

    pub async fn authorize(&self, kind: ChannelKind) -> Result<String, ApiFailure> {
        let body = self.send(&PartnerCall::Authorize { kind }).await?;
        AuthorizeResponse::parse(&body)
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
        let body = self.send(&call).await?;
        AccountPage::parse(&body)
            .map(|parsed| parsed.value)
            .map_err(ApiFailure::Unexpected)
    }

    /// Connects an account; answers the channel the answer held, if it held one (Socialchat
    /// does not document the shape of this answer).
    pub async fn connect(
        &self,
        kind: ChannelKind,
        channel_id: &ChannelId,
        token: &Token,
    ) -> Result<Option<Channel>, ApiFailure> {
        let body = ConnectRequest {
            channel_id: channel_id.clone(),
            token: token.clone(),
        };
        let answer = self.send(&PartnerCall::Connect { kind, body }).await?;
        Ok(channel_in(&answer))
    }

    pub async fn reconnect(
        &self,
        kind: ChannelKind,
        id: &ChannelRecordId,
        token: &Token,
    ) -> Result<Option<Channel>, ApiFailure> {
        let body = ReconnectRequest {
            token: token.clone(),
        };
        let id = id.clone();
        let answer = self
            .send(&PartnerCall::Reconnect { kind, id, body })
            .await?;
        Ok(channel_in(&answer))
    }

    /// The company's channels of one kind (`list-channels`).
    pub async fn channels(&self, kind: ChannelKind) -> Result<ChannelList, ApiFailure> {
        let query = ChannelListQuery {
            limit: Some(100),
            channel_types: vec![kind.as_str().to_owned()],
            ..Default::default()
        };
        let body = self.send(&PartnerCall::ChannelList { query }).await?;
        ChannelList::parse(&body)
            .map(|parsed| parsed.value)
            .map_err(ApiFailure::Unexpected)
    }
}

/// The channel in a connect or reconnect answer, if there is one.
fn channel_in(answer: &str) -> Option<Channel> {
    find_channel(&serde_json::from_str(answer).ok()?)
}
