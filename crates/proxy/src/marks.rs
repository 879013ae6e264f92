//! Which accounts of the picker already have a channel in the company: the proxy adds
//! `connected: true` to those, or, for a broken one the session may reconnect,
//! `reconnect: "<_id>"`, or for a broken one of someone else's, `taken: true`. Nothing else of
//! the company's channel list reaches the browser.
//!
//! The list is read from the backend (up to [`MAX_PAGES`] pages of 100), at the same time as the
//! account page itself, and kept for the backend's [`Backend::channel_list_lifetime`] so that
//! Load more does not read it again; a connect or reconnect of the kind forgets it at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use socialchat_api::{AccountPage, ChannelKind, ChannelListQuery, ChannelRecordId, PartnerCall};

use crate::call::Backend;
use crate::project::{self, Projection};
use crate::session::Session;

/// The most pages of the company's channels read (100 a page).
pub const MAX_PAGES: u32 = 5;

/// A channel of the company, as far as marking accounts goes.
pub struct Existing {
    channel_id: String,
    id: ChannelRecordId,
    connected: bool,
}

pub type Known = Arc<Vec<Existing>>;

#[derive(Default)]
pub struct Marks {
    kept: Mutex<HashMap<ChannelKind, (Instant, Known)>>,
}

impl Marks {
    /// The company's channels of `kind`, from the copy kept or read now; `None` when the list
    /// cannot be read (then the accounts go unmarked).
    pub async fn existing(&self, backend: &dyn Backend, kind: ChannelKind) -> Option<Known> {
        let lifetime = backend.channel_list_lifetime();
        if let Some((read, known)) = self.lock().get(&kind) {
            if read.elapsed() < lifetime {
                return Some(known.clone());
            }
        }
        let mut existing = Vec::new();
        for number in 1..=MAX_PAGES {
            let call = PartnerCall::ChannelList {
                query: ChannelListQuery {
                    page: Some(number),
                    limit: Some(100),
                    search: None,
                    channel_types: kind.channel_types().iter().map(|t| t.to_string()).collect(),
                },
            };
            let answer = backend.call(&call).await.ok()?;
            let no_secrets = |_: &str| false;
            let parsed =
                project::channel_page(answer, &Projection::new(Vec::new(), &no_secrets)).ok()?;
            let more = parsed.value.paging.as_ref().and_then(|p| p.has_next_page) == Some(true);
            existing.extend(parsed.value.channels.into_iter().filter_map(|c| {
                Some(Existing {
                    channel_id: c.channel_id?,
                    id: c.id,
                    connected: c.is_connected,
                })
            }));
            if !more {
                break;
            }
        }
        let known = Arc::new(existing);
        if !lifetime.is_zero() {
            self.lock().insert(kind, (Instant::now(), known.clone()));
        }
        Some(known)
    }

    /// A channel of `kind` was connected or reconnected: the kept list is out of date.
    pub fn forget(&self, kind: ChannelKind) {
        self.lock().remove(&kind);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ChannelKind, (Instant, Known)>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Marks the accounts of a projected account `page` with what `existing` says of them.
pub fn mark(session: &Session, existing: &[Existing], page: &mut AccountPage) {
    for account in &mut page.accounts {
        let channel_id = account.channel_id.as_str();
        let Some(channel) = existing.iter().find(|c| c.channel_id == channel_id) else {
            continue;
        };
        if channel.connected {
            account.connected = true;
        } else if session.allows_channel(channel.id.as_str()) {
            account.reconnect = Some(channel.id.clone());
        } else {
            // Connecting it would end in a 409 that says to reconnect it, which this session
            // may not do: someone else of the company owns it.
            account.taken = true;
        }
    }
}
