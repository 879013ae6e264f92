//! What the element shows for a flow, decided in one place: the coarse [`View`] the component
//! switches on (it changes only when the flow moves to another step, so typing in the search box
//! never redraws the step), and the sentence the polite live region announces. Pure, and tested
//! natively.

use socialchat_api::ChannelKind;

use crate::config::Theme;
use crate::flow::{CancelReason, ConnectedChannel, ErrorCode, Flow, FlowError, Retry, Step};
use crate::i18n::{Lang, Text};

/// The classes of the widget's box: its theme and its kind (each kind has its own accent).
pub fn card_class(theme: Theme, kind: ChannelKind) -> String {
    let theme = match theme {
        Theme::Auto => "sc-theme-auto",
        Theme::Light => "sc-theme-light",
        Theme::Dark => "sc-theme-dark",
    };
    format!("sc-widget {theme} sc-kind-{}", kind.as_str())
}

/// The line under the Connect button.
pub fn start_hint(kind: ChannelKind) -> Text {
    match kind {
        ChannelKind::Instagram | ChannelKind::Messenger => Text::AllowAllHint,
        ChannelKind::Whatsapp => Text::KindHintWhatsapp,
        ChannelKind::Telegram => Text::KindHintTelegram,
        ChannelKind::Webchat => Text::KindHintWebchat,
    }
}

/// The Connect (or Reconnect) button's label.
pub fn start_label(lang: Lang, kind: ChannelKind, reconnect: bool) -> String {
    let text = if reconnect {
        Text::ReconnectKind
    } else {
        Text::ConnectKind
    };
    lang.format(text, &[("kind", kind.display_name())])
}

/// Each kind's mark on its Connect button (an SVG path, drawn in the button's text colour on a
/// 24 × 24 grid), so that "Connect WhatsApp" does not wear Instagram's.
pub fn logo_path(kind: ChannelKind) -> &'static str {
    match kind {
        // A camera: rounded square, lens, flash.
        ChannelKind::Instagram => {
            "M7 3h10a4 4 0 0 1 4 4v10a4 4 0 0 1-4 4H7a4 4 0 0 1-4-4V7a4 4 0 0 1 4-4zM12 8a4 4 0 1 0 0 8 \
             4 4 0 0 0 0-8zM17.5 6.5v.01"
        }
        // A round bubble with a lightning stroke.
        ChannelKind::Messenger => {
            "M12 3c5 0 9 3.7 9 8.5S17 20 12 20c-1 0-2-.1-2.9-.4L5 21.5l1.2-3.6C4.2 16.4 3 14.1 3 11.5 \
             3 6.7 7 3 12 3zM7.5 13.5l3-3.5 2.5 2 3.5-3.5-3 3.5-2.5-2z"
        }
        // A round bubble with its tail low on the left, and a handset.
        ChannelKind::Whatsapp => {
            "M4 20l1.3-4.2A8.5 8.5 0 1 1 8.4 19zM9 8.5c0 3.5 3 6.5 6.5 6.5l1-1.5-2-1-1 1c-1.2-.5-2.5-1.8-3-3l1-1-1-2z"
        }
        // A paper plane.
        ChannelKind::Telegram => "M21 4L3 11l6 2.5M21 4l-3 16-9-6.5M21 4L9 13.5V19l3-3",
        // A square speech bubble with three dots.
        ChannelKind::Webchat => {
            "M4 5h16v11H9l-5 4zM8.5 10.5v.01M12 10.5v.01M15.5 10.5v.01"
        }
    }
}

/// What the element shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// The Connect (or Reconnect) button.
    Idle {
        reconnect: bool,
    },
    Opening,
    /// Redirect mode: fetching the authorization URL, then leaving the page.
    Redirecting,
    PopupBlocked,
    Waiting,
    WaitingClosed,
    LoadingAccounts,
    Picker,
    Reconnecting,
    Done(ConnectedChannel),
    Stopped(CancelReason),
    /// An error, and the label of its Try again.
    Failed {
        error: FlowError,
        again: Text,
    },
    /// A form kind's form, being filled in or sent.
    Form,
    /// A WhatsApp number's QR code, waiting for its scan.
    Scanning,
}

/// What the live region says within a view, which changes without a new [`View`]: the
/// picker's count, a form being sent, a QR code arriving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Picker {
        connecting: bool,
        loaded: usize,
        visible: usize,
    },
    Form {
        sending: bool,
    },
    Scan {
        has_code: bool,
        trouble: bool,
    },
}

impl Detail {
    pub fn of(flow: &Flow) -> Option<Detail> {
        let (picker, connecting) = match flow.step() {
            Step::Picking(p) => (p, false),
            Step::Connecting { picker: Some(p) } => (p, true),
            Step::Form(_) => return Some(Detail::Form { sending: false }),
            Step::Sending { .. } => return Some(Detail::Form { sending: true }),
            Step::Scanning(scan) => {
                return Some(Detail::Scan {
                    has_code: scan.qrcode.is_some(),
                    trouble: scan.trouble.is_some(),
                })
            }
            _ => return None,
        };
        Some(Detail::Picker {
            connecting,
            loaded: picker.accounts.len(),
            visible: picker.visible_count(),
        })
    }
}

impl View {
    pub fn of(flow: &Flow) -> View {
        match flow.step() {
            Step::Idle => View::Idle {
                reconnect: flow.reconnects(),
            },
            Step::Opening if flow.is_redirect() => View::Redirecting,
            Step::Redirecting => View::Redirecting,
            Step::Opening => View::Opening,
            Step::PopupBlocked => View::PopupBlocked,
            Step::Waiting {
                popup_closed: false,
            } => View::Waiting,
            Step::Waiting { popup_closed: true } => View::WaitingClosed,
            Step::LoadingAccounts => View::LoadingAccounts,
            Step::Picking(_) | Step::Connecting { picker: Some(_) } => View::Picker,
            Step::Connecting { picker: None } => View::Reconnecting,
            Step::Done(channel) => View::Done(channel.clone()),
            Step::Stopped(reason) => View::Stopped(*reason),
            Step::Form(_) | Step::Sending { .. } => View::Form,
            Step::Scanning(_) => View::Scanning,
            Step::Failed { error, retry } => View::Failed {
                error: error.clone(),
                again: match (retry, error.code) {
                    (Retry::Authorize, ErrorCode::TokenExpired) => Text::AuthorizeAgain,
                    _ => Text::TryAgain,
                },
            },
        }
    }

    /// The sentence announced for this view; `detail` is [`Detail::of`] the same flow.
    pub fn status(&self, lang: Lang, kind: ChannelKind, detail: Option<Detail>) -> String {
        let k = [("kind", kind.display_name())];
        match self {
            View::Idle { .. } => String::new(),
            View::Opening => lang.text(Text::Opening).to_owned(),
            View::Redirecting => lang.text(Text::Redirecting).to_owned(),
            View::PopupBlocked => lang.text(Text::ErrorPopupBlocked).to_owned(),
            View::Waiting => lang.text(Text::Waiting).to_owned(),
            View::WaitingClosed => lang.text(Text::PopupClosed).to_owned(),
            View::LoadingAccounts => lang.format(Text::LoadingAccounts, &k),
            View::Picker => match detail {
                Some(Detail::Picker {
                    connecting: true, ..
                }) => lang.text(Text::Connecting).to_owned(),
                Some(Detail::Picker {
                    loaded, visible, ..
                }) if loaded > 0 => {
                    lang.format(Text::AccountsShown, &[("count", &visible.to_string())])
                }
                _ => lang.format(Text::EmptyAccounts, &k),
            },
            View::Form => match detail {
                Some(Detail::Form { sending: true }) => lang.text(Text::Sending).to_owned(),
                _ => String::new(),
            },
            View::Scanning => match detail {
                Some(Detail::Scan { trouble: true, .. }) => lang.text(Text::ScanTrouble).to_owned(),
                Some(Detail::Scan { has_code: true, .. }) => {
                    lang.text(Text::ScanWaiting).to_owned()
                }
                _ => lang.text(Text::ScanLoading).to_owned(),
            },
            View::Reconnecting => lang.text(Text::Reconnecting).to_owned(),
            View::Done(c) if c.reconnected => lang.format(Text::Reconnected, &[("name", &c.name)]),
            View::Done(c) => lang.format(Text::Connected, &[("name", &c.name)]),
            View::Stopped(CancelReason::Timeout) if kind == ChannelKind::Whatsapp => {
                lang.text(Text::ScanExpired).to_owned()
            }
            View::Stopped(CancelReason::Timeout) => lang.text(Text::TimedOut).to_owned(),
            View::Stopped(_) => lang.text(Text::Denied).to_owned(),
            View::Failed { error, .. } => lang.text(error.code.text()).to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{ApiFailure, Input, Via};
    use socialchat_api::{
        Account, AccountPage, ApiError, CallbackMessage, CallbackOutcome, ChannelId, ChannelKind,
        Token,
    };

    fn waiting() -> Flow {
        let mut flow = Flow::new(ChannelKind::Instagram, None);
        flow.handle(Input::Start {
            via: Some(Via::Popup { opened: true }),
            target: None,
        });
        flow.handle(Input::AuthorizeAnswered {
            attempt: 1,
            result: Ok("https://fb".into()),
        });
        flow
    }

    fn with_token(mut flow: Flow) -> Flow {
        flow.handle(Input::Callback(CallbackMessage {
            channel: ChannelKind::Instagram,
            outcome: CallbackOutcome::Authorized(Token::new("t").unwrap()),
        }));
        flow
    }

    fn said(flow: &Flow) -> String {
        View::of(flow).status(Lang::En, flow.kind, Detail::of(flow))
    }

    #[test]
    fn each_step_is_announced_in_the_users_language() {
        let flow = waiting();
        assert_eq!(View::of(&flow), View::Waiting);
        assert_eq!(said(&flow), "Waiting for Facebook…");
        let mut picking = with_token(waiting());
        assert_eq!(said(&picking), "Loading your Instagram accounts…");
        let accounts = (1..=3)
            .map(|n| Account {
                name: format!("Toko {n}"),
                channel_id: ChannelId::new(n.to_string()).unwrap(),
                picture: None,
                connected: false,
                reconnect: None,
                taken: false,
            })
            .collect();
        picking.handle(Input::AccountsAnswered {
            attempt: 1,
            result: Ok(AccountPage {
                accounts,
                next_offset: None,
            }),
        });
        assert_eq!(said(&picking), "3 accounts shown");
        picking.handle(Input::Filter("toko 2".into()));
        assert_eq!(said(&picking), "1 accounts shown");
        assert_eq!(
            View::of(&picking),
            View::Picker,
            "typing keeps the same view"
        );
        picking.handle(Input::Select(ChannelId::new("2").unwrap()));
        picking.handle(Input::Connect);
        assert_eq!(View::of(&picking), View::Picker);
        assert_eq!(said(&picking), "Connecting…");
    }

    #[test]
    fn an_expired_token_offers_authorize_again_and_other_failures_try_again() {
        let mut flow = with_token(waiting());
        flow.handle(Input::AccountsAnswered {
            attempt: 1,
            result: Err(ApiFailure::Http(ApiError {
                status: 401,
                message: None,
                original_message: None,
                code: None,
            })),
        });
        assert!(matches!(
            View::of(&flow),
            View::Failed {
                again: Text::AuthorizeAgain,
                ..
            }
        ));
        assert_eq!(
            View::of(&flow).status(Lang::Id, ChannelKind::Instagram, None),
            "Otorisasi Facebook sudah kedaluwarsa. Silakan otorisasi ulang."
        );
        let mut flow = with_token(waiting());
        flow.handle(Input::AccountsAnswered {
            attempt: 1,
            result: Err(ApiFailure::NoAnswer {
                detail: "offline".into(),
                online: false,
            }),
        });
        assert!(matches!(
            View::of(&flow),
            View::Failed {
                again: Text::TryAgain,
                ..
            }
        ));
    }

    #[test]
    fn a_reconnect_element_shows_a_reconnect_button() {
        let id = socialchat_api::ChannelRecordId::new("abc").unwrap();
        let flow = Flow::new(ChannelKind::Instagram, Some(id));
        assert_eq!(View::of(&flow), View::Idle { reconnect: true });
        let mut redirect = Flow::new(ChannelKind::Messenger, None);
        redirect.handle(Input::Start {
            via: Some(Via::Redirect),
            target: None,
        });
        assert_eq!(View::of(&redirect), View::Redirecting);
        assert_eq!(said(&redirect), "Taking you to Facebook…");
    }
}
