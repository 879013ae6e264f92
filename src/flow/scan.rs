//! A WhatsApp number waiting for its QR code to be scanned: which channel, the code to show, and
//! how often to ask Socialchat again. The code refreshes on Socialchat's side; the widget polls
//! `GET …/partner/channel/{_id}` every [`POLL_MS`] (every [`HIDDEN_POLL_MS`] while the tab is
//! hidden) until the channel says it is connected, for at most [`SCAN_TIMEOUT_MS`].

use socialchat_api::ChannelRecordId;

use super::FlowError;

/// How often the channel is asked for while the page is visible.
pub const POLL_MS: u32 = 3_000;
/// How often while the tab is hidden: nobody is looking at the code.
pub const HIDDEN_POLL_MS: u32 = 15_000;
/// How long a code may wait for its scan before the widget gives up.
pub const SCAN_TIMEOUT_MS: u32 = 5 * 60 * 1000;
/// How many polls in a row may fail (no answer, 5xx) before the widget stops and says so.
pub const MAX_FAILED_POLLS: u32 = 5;

/// A number waiting for its scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub id: ChannelRecordId,
    /// The channel's name, for the success message.
    pub name: String,
    /// The current code, as a `data:` URL; `None` until the first answer.
    pub qrcode: Option<String>,
    /// Lets a session poll the channel it created a moment ago.
    pub ticket: Option<String>,
    /// A poll is in flight.
    pub polling: bool,
    /// The page is hidden (polls slow down).
    pub hidden: bool,
    /// Polls that failed in a row; the last one's error is shown while it retries.
    pub failed_polls: u32,
    pub trouble: Option<FlowError>,
    /// The number was created in this attempt (a success is a connect, not a reconnect).
    pub creating: bool,
}

impl Scan {
    pub fn new(id: ChannelRecordId, name: String, ticket: Option<String>) -> Scan {
        Scan {
            id,
            name,
            qrcode: None,
            ticket,
            polling: false,
            hidden: false,
            failed_polls: 0,
            trouble: None,
            creating: false,
        }
    }

    /// How long to wait before the next poll.
    pub fn interval(&self) -> u32 {
        if self.hidden {
            HIDDEN_POLL_MS
        } else {
            POLL_MS
        }
    }
}
