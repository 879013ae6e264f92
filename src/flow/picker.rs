//! The account picker's state: what is loaded, what is chosen, what is typed in the search box,
//! and the one search rule that the picker's rows and its count share.

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

/// A key press in the list of accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// This many accounts down (an arrow key is 1, Page Down a screenful).
    Next(usize),
    Previous(usize),
    First,
    Last,
}

impl Move {
    /// The move a key press makes in the list (the radio group's keys), with `page` rows in
    /// view; `None` for any other key, and for any key with Alt, Ctrl or Meta held, which are
    /// the browser's.
    pub fn of_key(key: &str, modified: bool, page: usize) -> Option<Move> {
        if modified {
            return None;
        }
        let page = page.max(1);
        Some(match key {
            "ArrowDown" | "ArrowRight" => Move::Next(1),
            "ArrowUp" | "ArrowLeft" => Move::Previous(1),
            "PageDown" => Move::Next(page),
            "PageUp" => Move::Previous(page),
            "Home" => Move::First,
            "End" => Move::Last,
            _ => return None,
        })
    }
}

/// Where a list of rows `row_height` high, scrolled to `scroll_top` and `view_height` high,
/// must scroll for the row at `place` to be in view; `None`: it is already.
pub fn scroll_to_show(
    place: usize,
    row_height: i32,
    scroll_top: i32,
    view_height: i32,
) -> Option<i32> {
    let top = i32::try_from(place).ok()?.checked_mul(row_height)?;
    let bottom = top.checked_add(row_height)?;
    if top < scroll_top {
        Some(top)
    } else if bottom > scroll_top + view_height {
        Some((bottom - view_height).max(0))
    } else {
        None
    }
}

/// Which rows of a list of `total`, scrolled to row `top`, are drawn: the `in_view` rows on
/// screen and `spare` more on either side, so that a short scroll shows rows already there.
pub fn drawn_rows(
    total: usize,
    top: usize,
    in_view: usize,
    spare: usize,
) -> std::ops::Range<usize> {
    let start = top.min(total).saturating_sub(spare);
    let end = (top + in_view + spare).min(total);
    start..end.max(start)
}

/// The account picker: what is loaded, what is chosen, what is being typed in the search box.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Picker {
    pub accounts: Vec<Account>,
    /// Each account's name lower-cased, as the search compares it: worked out once, when the
    /// account arrives, not on every keystroke.
    names: Vec<String>,
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
            if only.connectable() {
                picker.selected = Some(only.channel_id.clone());
            }
        }
        picker
    }

    /// The loaded accounts that match the search box, in order.
    pub fn visible(&self) -> impl Iterator<Item = &Account> {
        self.matching()
            .into_iter()
            .filter_map(|i| self.accounts.get(i))
    }

    /// How many loaded accounts the search shows.
    pub fn visible_count(&self) -> usize {
        self.matching().len()
    }

    /// The positions (in [`Picker::accounts`]) of the accounts the search shows, in order: the
    /// list the picker scrolls through. The one place the search rule is applied.
    pub fn matching(&self) -> Vec<usize> {
        let needle = search_needle(&self.filter);
        self.names
            .iter()
            .enumerate()
            .filter(|(_, name)| name_matches(name, &needle))
            .map(|(i, _)| i)
            .collect()
    }

    /// The account a key press moves the choice to, among those the search shows and that can
    /// be chosen (the radio group's arrow keys, Home, End, Page Up and Down, which the picker
    /// handles itself because only the rows in view exist). It moves from the account whose
    /// radio has the focus, `from`, as a native radio group does, else from the chosen one.
    /// `None`: it stays where it is.
    pub fn moved(
        &self,
        matching: &[usize],
        from: Option<&ChannelId>,
        key: Move,
    ) -> Option<ChannelId> {
        let choosable: Vec<&Account> = matching
            .iter()
            .filter_map(|&i| self.accounts.get(i))
            .filter(|a| a.connectable())
            .collect();
        let last = choosable.len().checked_sub(1)?;
        let here = from
            .or(self.selected.as_ref())
            .and_then(|s| choosable.iter().position(|a| &a.channel_id == s));
        let to = match (key, here) {
            (Move::First, _) | (Move::Next(_), None) => 0,
            (Move::Last, _) | (Move::Previous(_), None) => last,
            // The arrow keys go round, as a native radio group's do; a page stops at the end.
            (Move::Next(1), Some(i)) if i == last => 0,
            (Move::Previous(1), Some(0)) => last,
            (Move::Next(n), Some(i)) => (i + n).min(last),
            (Move::Previous(n), Some(i)) => i.saturating_sub(n),
        };
        Some(choosable[to].channel_id.clone())
    }

    /// The chosen account's place among those the search shows, if it is one of them.
    pub fn selected_place(&self) -> Option<usize> {
        let selected = self.selected.as_ref()?;
        self.matching().into_iter().position(|i| {
            self.accounts
                .get(i)
                .is_some_and(|a| &a.channel_id == selected)
        })
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
        if self
            .accounts
            .iter()
            .any(|a| a.channel_id == channel_id && a.connectable())
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
                self.names.push(account.name.to_lowercase());
                self.accounts.push(account);
            }
        }
        self.next_offset = page.next_offset;
    }
}
