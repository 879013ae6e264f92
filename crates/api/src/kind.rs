//! The kinds of channel the widget connects, as they appear in attributes, paths, sessions and
//! messages, and how each is connected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::channel::ChannelType;
use crate::input::InvalidInput;

/// A kind of channel a partner's user can connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// A Facebook authorization, then one of the user's Instagram professional accounts.
    Instagram,
    /// A Facebook authorization, then one of the user's Facebook Pages.
    Messenger,
    /// A name and a phone number, then a QR code the user scans with WhatsApp.
    Whatsapp,
    /// The token of a bot the user made with Telegram's BotFather.
    Telegram,
    /// A chat box on a website: a name and the website's URL.
    Webchat,
}

/// How a kind is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Through Facebook's authorization dialog (popup or redirect), then an account picker.
    Facebook,
    /// Through a short form in the widget.
    Form,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 5] = [
        ChannelKind::Instagram,
        ChannelKind::Messenger,
        ChannelKind::Whatsapp,
        ChannelKind::Telegram,
        ChannelKind::Webchat,
    ];

    /// The kind as it appears in attributes, sessions and messages: `instagram`, `whatsapp`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Instagram => "instagram",
            ChannelKind::Messenger => "messenger",
            ChannelKind::Whatsapp => "whatsapp",
            ChannelKind::Telegram => "telegram",
            ChannelKind::Webchat => "webchat",
        }
    }

    /// The kind as Socialchat's paths name it: `whatsapp-unofficial` for WhatsApp.
    pub fn path_segment(self) -> &'static str {
        match self {
            ChannelKind::Whatsapp => "whatsapp-unofficial",
            other => other.as_str(),
        }
    }

    pub fn from_path_segment(segment: &str) -> Option<ChannelKind> {
        ChannelKind::ALL
            .into_iter()
            .find(|k| k.path_segment() == segment)
    }

    /// The name people know it by, the same in every language.
    pub fn display_name(self) -> &'static str {
        match self {
            ChannelKind::Instagram => "Instagram",
            ChannelKind::Messenger => "Messenger",
            ChannelKind::Whatsapp => "WhatsApp",
            ChannelKind::Telegram => "Telegram",
            ChannelKind::Webchat => "Webchat",
        }
    }

    pub fn connection(self) -> Connection {
        match self {
            ChannelKind::Instagram | ChannelKind::Messenger => Connection::Facebook,
            ChannelKind::Whatsapp | ChannelKind::Telegram | ChannelKind::Webchat => {
                Connection::Form
            }
        }
    }

    /// Whether a broken channel of this kind can be reconnected.
    pub fn reconnects(self) -> bool {
        !matches!(self, ChannelKind::Webchat)
    }

    /// Whether a channel of Socialchat's list is of this kind. A WhatsApp channel may report
    /// `linkchat` (Socialchat's documented answer does).
    pub fn owns(self, channel_type: &ChannelType) -> bool {
        match self {
            ChannelKind::Instagram => channel_type == &ChannelType::Instagram,
            ChannelKind::Messenger => channel_type == &ChannelType::Messenger,
            ChannelKind::Whatsapp => matches!(
                channel_type,
                ChannelType::WhatsappUnofficial | ChannelType::Linkchat
            ),
            ChannelKind::Telegram => channel_type == &ChannelType::Telegram,
            ChannelKind::Webchat => channel_type == &ChannelType::Webchat,
        }
    }

    /// The kind of a channel of Socialchat's list, if the widget connects that kind.
    pub fn of_type(channel_type: &ChannelType) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.owns(channel_type))
    }

    /// The `channelTypes[]` values that list this kind's channels.
    pub fn channel_types(self) -> &'static [&'static str] {
        match self {
            ChannelKind::Whatsapp => &["whatsapp-unofficial", "linkchat"],
            ChannelKind::Instagram => &["instagram"],
            ChannelKind::Messenger => &["messenger"],
            ChannelKind::Telegram => &["telegram"],
            ChannelKind::Webchat => &["webchat"],
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
            .ok_or_else(|| {
                InvalidInput::new(
                    "channel",
                    "must be \"instagram\", \"messenger\", \"whatsapp\", \"telegram\" or \"webchat\"",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_kind_parses_only_known_kinds() {
        for kind in ChannelKind::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
            assert_eq!(
                ChannelKind::from_path_segment(kind.path_segment()),
                Some(kind)
            );
        }
        assert!("Instagram".parse::<ChannelKind>().is_err());
        assert!("whatsapp-unofficial".parse::<ChannelKind>().is_err());
        assert!("".parse::<ChannelKind>().is_err());
        assert_eq!(ChannelKind::from_path_segment("whatsapp"), None);
    }

    #[test]
    fn a_whatsapp_channel_may_report_linkchat() {
        assert!(ChannelKind::Whatsapp.owns(&ChannelType::Linkchat));
        assert!(ChannelKind::Whatsapp.owns(&ChannelType::WhatsappUnofficial));
        assert_eq!(
            ChannelKind::of_type(&ChannelType::Linkchat),
            Some(ChannelKind::Whatsapp)
        );
        assert_eq!(
            ChannelKind::of_type(&ChannelType::Other("tiktok".into())),
            None
        );
        for kind in ChannelKind::ALL {
            for name in kind.channel_types() {
                assert!(kind.owns(&ChannelType::from_name(name)));
            }
        }
    }
}
