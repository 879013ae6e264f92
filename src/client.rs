//! The widget's HTTP calls to the partner proxy, one method per Partner API call, answering in
//! the api crate's types. Uses the browser's `fetch` directly (no HTTP crate in the bundle);
//! every request of a widget shares one `AbortController`, aborted when the widget is removed.

use socialchat_api::{
    query, AccountPage, ApiError, AuthorizeResponse, ChannelId, ChannelKind, ChannelList,
    ChannelRecordId, ConnectRequest, Endpoint, NextOffset, ReconnectRequest, Token,
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

    async fn send(
        &self,
        endpoint: &Endpoint,
        query: &[(&str, &str)],
        body: Option<String>,
    ) -> Result<String, ApiFailure> {
        let window = web_sys::window().ok_or_else(|| ApiFailure::Network("no window".into()))?;
        let mut url = format!("{}{}", self.base, endpoint.path());
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query::build(query));
        }
        let init = RequestInit::new();
        init.set_method(endpoint.method().as_str());
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
        let body = self.send(&Endpoint::Authorize(kind), &[], None).await?;
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
        let mut query = vec![("token", token.expose())];
        if let Some(offset) = offset {
            query.push(("nextOffset", offset.as_str()));
        }
        let body = self.send(&Endpoint::Accounts(kind), &query, None).await?;
        AccountPage::parse(&body).map_err(ApiFailure::Unexpected)
    }

    /// Connects an account; answers Socialchat's (projected) JSON, whose shape is not documented.
    pub async fn connect(
        &self,
        kind: ChannelKind,
        channel_id: &ChannelId,
        token: &Token,
    ) -> Result<serde_json::Value, ApiFailure> {
        let request = ConnectRequest {
            channel_id: channel_id.clone(),
            token: token.clone(),
        };
        let body = serde_json::to_string(&request).unwrap_or_default();
        let answer = self.send(&Endpoint::Connect(kind), &[], Some(body)).await?;
        Ok(serde_json::from_str(&answer).unwrap_or(serde_json::Value::Null))
    }

    pub async fn reconnect(
        &self,
        kind: ChannelKind,
        id: &ChannelRecordId,
        token: &Token,
    ) -> Result<serde_json::Value, ApiFailure> {
        let request = ReconnectRequest {
            token: token.clone(),
        };
        let body = serde_json::to_string(&request).unwrap_or_default();
        let answer = self
            .send(&Endpoint::Reconnect(kind, id.clone()), &[], Some(body))
            .await?;
        Ok(serde_json::from_str(&answer).unwrap_or(serde_json::Value::Null))
    }

    /// The company's channels of one kind (`list-channels`).
    pub async fn channels(&self, kind: ChannelKind) -> Result<ChannelList, ApiFailure> {
        let query = [("channelTypes[]", kind.as_str()), ("limit", "100")];
        let body = self.send(&Endpoint::ChannelList, &query, None).await?;
        ChannelList::parse(&body).map_err(ApiFailure::Unexpected)
    }
}
