//! The account picker's state: what is loaded, what is chosen, what is typed in the search box,
//! and the one search rule that the picker's rows and its count share.

use std::ops::Not;

use socialchat_api::{Account, AccountPage, ChannelId, NextOffset};

use super::FlowError;

/// The longest search text kept.
const MAX_FILTER_CHARS: usize = 100;

/// What the search box text is compared with: trimmed and lower-cased, once per keystroke.
pub fn search_needle(filter: &str) -> String {
    filter.trim().to_lowercase()
}

/// Whether an account whose lower-cased name is `name_lower` matches the search `needle`.
/// The picker's rows and [`Picker::visible`] share this one rule.
pub fn name_matches(name_lower: &str, needle: &str) -> bool {
    needle.is_empty() || name_lower.contains(needle)
}

/// The account picker: what is loaded, what is chosen, what is being typed in the search box.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Picker {
    pub accounts: Vec<Account>,
    pub next_offset: Option<NextOffset>,
    pub loading_more: bool,
    /// A Load more that failed, shown beside the button.
    pub more_error: Option<FlowError>,
    pub selected: Option<ChannelId>,
    pub filter: String,
    /// A connect that failed, shown above the Connect button.
    pub connect_error: Option<FlowError>,
}

impl Picker {
    /// A picker for the first page; a single account is chosen for the user.
    pub(super) fn first(page: AccountPage) -> Picker {
        let mut picker = Picker::default();
        picker.append(page);
        if let [only] = picker.accounts.as_slice() {
            if only.connected.not() && only.reconnect.is_none() {
                picker.selected = Some(only.channel_id.clone());
            }
        }
        picker
    }

    /// The loaded accounts that match the search box, in order.
    pub fn visible(&self) -> impl Iterator<Item = &Account> {
        let needle = search_needle(&self.filter);
        self.accounts
            .iter()
            .filter(move |a| name_matches(&a.name.to_lowercase(), &needle))
    }

    /// How many loaded accounts the search shows.
    pub fn visible_count(&self) -> usize {
        self.visible().count()
    }

    pub fn selected_account(&self) -> Option<&Account> {
        let selected = self.selected.as_ref()?;
        self.accounts.iter().find(|a| &a.channel_id == selected)
    }

    pub fn has_more(&self) -> bool {
        self.next_offset.is_some()
    }

    /// Nothing loaded and nothing more to load: the authorization allowed no account.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && !self.has_more()
    }

    pub(super) fn set_filter(&mut self, text: &str) {
        self.filter = text.chars().take(MAX_FILTER_CHARS).collect();
    }

    /// Chooses an account to connect: one that has no channel yet (an account already connected
    /// is not offered, and a broken one is reconnected instead).
    pub(super) fn select(&mut self, channel_id: ChannelId) {
        let connectable = |a: &Account| !a.connected && a.reconnect.is_none();
        if self
            .accounts
            .iter()
            .any(|a| a.channel_id == channel_id && connectable(a))
        {
            self.selected = Some(channel_id);
            self.connect_error = None;
        }
    }

    pub(super) fn append(&mut self, page: AccountPage) {
        for account in page.accounts {
            // A page that repeats an account (an offset that overlaps) must not list it twice.
            if !self
                .accounts
                .iter()
                .any(|a| a.channel_id == account.channel_id)
            {
                self.accounts.push(account);
            }
        }
        self.next_offset = page.next_offset;
    }
}
