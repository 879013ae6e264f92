//! The widget's calls: recognized and checked by the extractors of [`super::caller`],
//! authorized here by the session's exhaustive rules ([`Session::authorize`]), answered by the
//! backend, projected into a typed body ([`crate::project`]), finished by the typed steps of
//! their call (the picker's marks, the ticket of a new WhatsApp number, the QR code only on
//! its own route, the webhook), and serialized once.

use std::sync::Arc;

use tracing::Instrument;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use socialchat_api::{
    Channel, ChannelKind, ChannelListQuery, ChannelRecordId, ConnectRequest, PartnerCall,
};

use super::caller::{forbidden, too_many, Call, Caller, Recognized, Refusal};
use super::request_log::Facts;
use super::state::AppState;
use crate::marks;
use crate::problem::Problem;
use crate::project::{self, project_answer, Body, Projected, Projection};
use crate::session::{Denied, Session};
use crate::webhook::{self, Event};

/// The handler of every widget's call.
pub async fn partner_call(
    State(state): State<Arc<AppState>>,
    axum::Extension(facts): axum::Extension<Facts>,
    _: Recognized,
    caller: Caller,
    Call(call): Call,
) -> Response {
    let post = matches!(
        call,
        PartnerCall::Connect { .. } | PartnerCall::Reconnect { .. }
    );
    let state_detached = state.detached.clone();
    let answer = async move {
        match answer(&state, &caller, call, &facts).await {
            Ok(projected) => projected.into_response(),
            Err(refusal) => refusal.into_response(),
        }
    };
    // A GET is dropped with its client. A POST creates or connects a channel upstream: it runs
    // to its end, webhook event included, even when the client goes away meanwhile, and a
    // shutdown waits for it (`AppState::detached`).
    if post {
        let detached = state_detached.spawn(answer.instrument(tracing::Span::current()));
        detached.await.unwrap_or_else(|_| {
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "the call failed").into_response()
        })
    } else {
        answer.await
    }
}

/// Authorizes `call` for the caller, has the backend answer it, and finishes the answer.
async fn answer(
    state: &AppState,
    caller: &Caller,
    call: PartnerCall,
    facts: &Facts,
) -> Result<Projected, Refusal> {
    let session = &caller.session;
    // A channel created a moment ago is polled with the ticket its creation answered with.
    let ticketed = match (&call, &state.sessions, &session.sub, &caller.ticket) {
        (PartnerCall::Channel { id }, Some(sessions), Some(sub), Some(ticket)) => {
            sessions.check_ticket(ticket, id.as_str(), sub)
        }
        _ => false,
    };
    session.authorize(&call, ticketed).map_err(forbidden)?;
    if let (Some(limit), PartnerCall::Connect { .. } | PartnerCall::Reconnect { .. }) =
        (&state.limits.connect, &call)
    {
        // Without sessions every caller is one user: the limit is the proxy's.
        limit
            .check(session.sub.as_deref().unwrap_or(""))
            .map_err(|wait| too_many(wait, "too many channels connected by this user"))?;
    }
    let backend = state.backend.as_ref();
    let own = |url: &str| backend.own_authorize_url(url);
    let mut secrets = backend.secrets();
    secrets.extend(call.credentials());
    let projection = Projection::new(secrets, &own);
    let forward = |call: &PartnerCall| {
        let call = call.clone();
        let projection = &projection;
        async move {
            let answer = backend.call(&call).await?;
            facts.update(|facts| facts.upstream_status = Some(answer.status));
            Ok::<_, Refusal>(project_answer(&call, answer, projection))
        }
    };
    match &call {
        PartnerCall::ChannelList { query } if session.limits_channels() => {
            // The channels the caller connected a moment ago, which its session (minted before)
            // does not list yet, are admitted by their receipts.
            let admitted: Vec<ChannelRecordId> = match (&state.sessions, &session.sub) {
                (Some(sessions), Some(sub)) => caller
                    .receipts
                    .iter()
                    .filter_map(|receipt| sessions.check_receipt(receipt, sub))
                    .collect(),
                _ => Vec::new(),
            };
            session_channels(state, session, &admitted, query, &projection).await
        }
        PartnerCall::ChannelList { .. } | PartnerCall::Authorize { .. } => forward(&call).await,
        PartnerCall::Channel { id } => {
            let mut projected = forward(&call).await?;
            let Body::Channel { channel, receipt } = &mut projected.body else {
                return Ok(projected);
            };
            about(channel, id)?;
            // The channel's kind must be one the session may see.
            if !session.sees_type(&channel.channel_type) {
                return Err(forbidden(Denied::KindNotAllowed(None)));
            }
            // A new WhatsApp number is connected by its scan, which only the poll of the user
            // who created it (with its ticket) sees: the backend hears of it here, under one id
            // whichever poll or replica sees it first, and the poll gets its receipt. Any other
            // look-up tells nothing.
            if ticketed && channel.is_connected {
                let event = webhook::scan_id(id.as_str());
                let told = without_qr_code(channel);
                *receipt = tell(
                    state,
                    session,
                    event,
                    Event::Connected,
                    ChannelKind::Whatsapp,
                    false,
                    &told,
                )
                .await;
            }
            Ok(projected)
        }
        PartnerCall::Accounts { kind, .. } => {
            // An account page is marked from the company's channel list, read at the same time.
            // All its pages within the one wait a call has; without them the accounts go
            // unmarked.
            let existing = async {
                tokio::time::timeout(state.timeout, state.marks.existing(backend, *kind))
                    .await
                    .ok()
                    .flatten()
            };
            let (projected, existing) = tokio::join!(forward(&call), existing);
            let mut projected = projected?;
            if let (Body::Accounts(page), Some(existing)) = (&mut projected.body, &existing) {
                marks::mark(session, existing, page);
            }
            Ok(projected)
        }
        PartnerCall::Connect { kind, body } => {
            let created = matches!(body, ConnectRequest::Whatsapp { .. });
            connected(state, session, &call, *kind, None, created, forward).await
        }
        PartnerCall::Reconnect { kind, id, .. } => {
            // A reconnect goes through the channel's own kind: a Telegram bot token is never
            // sent to an Instagram channel, whatever Socialchat would make of it.
            let found = forward(&PartnerCall::Channel { id: id.clone() }).await?;
            let Body::Channel { channel, .. } = &found.body else {
                return Ok(found);
            };
            if !kind.owns(&about(channel, id)?.channel_type) {
                return Err(forbidden(Denied::NotOfKind(*kind)));
            }
            connected(state, session, &call, *kind, Some(id), false, forward).await
        }
    }
}

/// The channel of an answer about channel `id`; an answer about another one is a 502, so that
/// neither the browser nor the webhook is told of a channel nobody asked for.
fn about<'a>(channel: &'a Channel, id: &ChannelRecordId) -> Result<&'a Channel, Refusal> {
    if channel.id == *id {
        Ok(channel)
    } else {
        Err(Problem::new(
            StatusCode::BAD_GATEWAY,
            "unexpected answer from Socialchat: it is about another channel",
        )
        .into())
    }
}

/// The channel without its QR code, which passes on `GET …/channel/{_id}` only.
fn without_qr_code(channel: &Channel) -> Channel {
    Channel {
        qrcode: None,
        ..channel.clone()
    }
}

/// The steps after a connect, a creation (`created`: a new WhatsApp number, connected by its
/// scan later) or a reconnect (of `reconnected`).
async fn connected<F, Fut>(
    state: &AppState,
    session: &Session,
    call: &PartnerCall,
    kind: ChannelKind,
    reconnected: Option<&ChannelRecordId>,
    created: bool,
    forward: F,
) -> Result<Projected, Refusal>
where
    F: Fn(&PartnerCall) -> Fut,
    Fut: std::future::Future<Output = Result<Projected, Refusal>>,
{
    let mut projected = forward(call).await?;
    state.marks.forget(kind);
    let Body::Connected { channel, .. } = &projected.body else {
        return Ok(projected);
    };
    if let Some(id) = reconnected {
        about(channel, id)?;
    }
    let mut channel = if project::only_an_id(channel) {
        // Socialchat answered only the `_id`: the widget gets the whole channel.
        let whole = forward(&PartnerCall::Channel {
            id: channel.id.clone(),
        })
        .await?;
        match whole.body {
            Body::Channel { channel: whole, .. } if whole.id == channel.id => whole,
            _ => channel.clone(),
        }
    } else {
        channel.clone()
    };
    channel.qrcode = None;
    // A new WhatsApp number exists but is not connected until its scan: the backend hears
    // `channel.created` now (the `_id` is its user's from now on) and `channel.connected` from
    // the poll that sees the scan. The route decides, never the answer (a completion that
    // failed still tells a connect).
    let event = if created {
        Event::Created
    } else {
        Event::Connected
    };
    let receipt = tell(
        state,
        session,
        webhook::new_id(),
        event,
        kind,
        reconnected.is_some(),
        &channel,
    )
    .await
    .filter(|_| !created);
    // The new number is polled for its QR code before any session lists it.
    let ticket = match (kind, reconnected, &state.sessions, &session.sub) {
        (ChannelKind::Whatsapp, None, Some(sessions), Some(sub)) => {
            Some(sessions.ticket(channel.id.as_str(), sub))
        }
        _ => None,
    };
    projected.body = Body::Connected {
        channel,
        ticket,
        receipt,
    };
    Ok(projected)
}

/// Tells the partner's backend of `channel`: the webhook event `id` written to the outbox (when
/// there is a webhook) before the call is answered; and the caller's receipt of it, which
/// carries the same id (when sessions are checked).
async fn tell(
    state: &AppState,
    session: &Session,
    id: String,
    event: Event,
    kind: ChannelKind,
    reconnected: bool,
    channel: &Channel,
) -> Option<String> {
    if let Some(webhooks) = &state.webhooks {
        let written = webhook::event(
            id.clone(),
            event,
            session.sub.as_deref(),
            kind,
            reconnected,
            channel,
        );
        webhooks.record(&written).await;
    }
    match (&state.sessions, &session.sub) {
        (Some(sessions), Some(sub)) => {
            Some(sessions.receipt(sub, &channel.id, kind, reconnected, &id))
        }
        _ => None,
    }
}

/// The most pages of the company's channels read to find a session's (100 a page).
const MAX_LIST_PAGES: u32 = marks::MAX_PAGES;

/// The channel list of a session that sees only some channels: the company's channels (the
/// widget's kinds and search), read page by page, cut down to the session's. A session without
/// channels sees none, and nothing goes upstream.
async fn session_channels(
    state: &AppState,
    session: &Session,
    admitted: &[ChannelRecordId],
    query: &ChannelListQuery,
    projection: &Projection<'_>,
) -> Result<Projected, Refusal> {
    let mut kept = Vec::new();
    let mut dropped = 0;
    let read = async {
        if !session.sees_channels() && admitted.is_empty() {
            return Ok(None);
        }
        for page in 1..=MAX_LIST_PAGES {
            let call = PartnerCall::ChannelList {
                query: ChannelListQuery {
                    page: Some(page),
                    limit: Some(100),
                    search: query.search.clone(),
                    channel_types: query.channel_types.clone(),
                },
            };
            let answer = state.backend.call(&call).await?;
            let parsed = match project::channel_page(answer, projection) {
                Ok(parsed) => parsed,
                Err(projected) => return Ok(Some(*projected)),
            };
            dropped += parsed.dropped;
            let more = parsed.value.paging.as_ref().and_then(|p| p.has_next_page) == Some(true);
            kept.extend(parsed.value.channels.into_iter().filter(|c| {
                session.keeps(c) || (admitted.contains(&c.id) && session.sees_type(&c.channel_type))
            }));
            if !more {
                return Ok::<_, Refusal>(None);
            }
        }
        tracing::warn!(
            "the company has more than {} channels: a session's beyond them are not listed",
            MAX_LIST_PAGES * 100
        );
        Ok(None)
    };
    // All the pages within the one wait a call has.
    let outcome = tokio::time::timeout(state.timeout, read).await;
    match outcome {
        Ok(Ok(Some(refused))) => Ok(refused),
        Ok(Ok(None)) => Ok(project::session_channels(kept, dropped, projection)),
        Ok(Err(refusal)) => Err(refusal),
        Err(_) => Err(Problem::upstream_timeout(state.timeout).into()),
    }
}
