//! The kinds of channel the widget connects, as they appear in attributes, paths and messages.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::input::InvalidInput;

/// A kind of channel that is connected through a Facebook authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Instagram,
    Messenger,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 2] = [ChannelKind::Instagram, ChannelKind::Messenger];

    /// The kind as it appears in paths, attributes and messages: `instagram`, `messenger`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Instagram => "instagram",
            ChannelKind::Messenger => "messenger",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChannelKind {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChannelKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| InvalidInput::new("channel", "must be \"instagram\" or \"messenger\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_kind_parses_only_known_kinds() {
        assert_eq!("instagram".parse(), Ok(ChannelKind::Instagram));
        assert_eq!("messenger".parse(), Ok(ChannelKind::Messenger));
        assert!("Instagram".parse::<ChannelKind>().is_err());
        assert!("".parse::<ChannelKind>().is_err());
    }
}
