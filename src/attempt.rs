//! One authorization attempt as both the flow and redirect mode see it: what it is for
//! ([`Target`]), how the Facebook dialog is shown ([`Via`], chosen by [`Plan`] from the `mode`
//! attribute), and how long it may take. It sits below both the flow and redirect mode, so
//! redirect mode needs nothing from the flow.

use socialchat_api::ChannelRecordId;

use crate::config::Mode;

/// How long the widget waits for the callback before giving up; also how long a saved redirect
/// may take to come back.
pub const AUTHORIZATION_TIMEOUT_MS: u32 = 10 * 60 * 1000;

/// What the flow ends in: a new channel, or a reconnected one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Connect,
    Reconnect {
        id: ChannelRecordId,
        /// The channel's name when known (from the channel list), for the success message.
        name: Option<String>,
    },
}

/// How the Facebook dialog is shown for one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// In a popup; `opened`: whether `window.open` gave a window.
    Popup { opened: bool },
    /// The whole page goes to Facebook and comes back (redirect mode).
    Redirect,
}

/// What the shell does inside the click, before it knows whether a popup opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Leave the page for Facebook: no popup is opened.
    Redirect,
    /// Open a popup; when the browser refuses one, `fallback` says whether to redirect instead.
    Popup { fallback: bool },
}

impl Plan {
    /// `mode` decides; `auto` redirects at once in a known in-app browser (where a popup opens
    /// as a tab without `window.opener`, or not at all) and falls back when the popup is blocked.
    pub fn for_mode(mode: Mode, in_app_browser: bool) -> Plan {
        match mode {
            Mode::Popup => Plan::Popup { fallback: false },
            Mode::Redirect => Plan::Redirect,
            Mode::Auto if in_app_browser => Plan::Redirect,
            Mode::Auto => Plan::Popup { fallback: true },
        }
    }

    /// How the attempt goes once the shell knows whether `window.open` gave a window.
    pub fn via(self, popup_opened: bool) -> Via {
        match self {
            Plan::Redirect => Via::Redirect,
            Plan::Popup { fallback: true } if !popup_opened => Via::Redirect,
            Plan::Popup { .. } => Via::Popup {
                opened: popup_opened,
            },
        }
    }

    pub fn opens_popup(self) -> bool {
        matches!(self, Plan::Popup { .. })
    }
}

/// What the first module's button did with a click before the element's module had loaded
/// (the partner bundle draws the button first): the element starts the same attempt with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarlyClick {
    /// A Facebook kind: the popup was opened in the click (or refused), or the page is to leave.
    Authorize(Via),
    /// A form kind: no popup; the element opens its form.
    Form,
}

impl EarlyClick {
    /// Its name between the two modules.
    pub fn code(self) -> &'static str {
        match self {
            EarlyClick::Authorize(Via::Popup { opened: true }) => "popup",
            EarlyClick::Authorize(Via::Popup { opened: false }) => "blocked",
            EarlyClick::Authorize(Via::Redirect) => "redirect",
            EarlyClick::Form => "form",
        }
    }

    pub fn from_code(code: &str) -> Option<EarlyClick> {
        [
            EarlyClick::Authorize(Via::Popup { opened: true }),
            EarlyClick::Authorize(Via::Popup { opened: false }),
            EarlyClick::Authorize(Via::Redirect),
            EarlyClick::Form,
        ]
        .into_iter()
        .find(|c| c.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_early_click_reads_back_as_itself_and_nothing_else_reads() {
        for click in [
            EarlyClick::Authorize(Via::Popup { opened: true }),
            EarlyClick::Authorize(Via::Popup { opened: false }),
            EarlyClick::Authorize(Via::Redirect),
            EarlyClick::Form,
        ] {
            assert_eq!(EarlyClick::from_code(click.code()), Some(click));
        }
        assert_eq!(EarlyClick::from_code("Popup"), None);
        assert_eq!(EarlyClick::from_code(""), None);
    }

    #[test]
    fn each_mode_plans_its_own_way_to_facebook() {
        let cases = [
            (Mode::Popup, false, true, Via::Popup { opened: true }),
            (Mode::Popup, false, false, Via::Popup { opened: false }),
            (Mode::Popup, true, true, Via::Popup { opened: true }),
            (Mode::Redirect, false, true, Via::Redirect),
            (Mode::Auto, false, true, Via::Popup { opened: true }),
            (Mode::Auto, false, false, Via::Redirect),
            (Mode::Auto, true, true, Via::Redirect),
        ];
        for (mode, in_app, opened, via) in cases {
            let plan = Plan::for_mode(mode, in_app);
            assert_eq!(
                plan.via(opened),
                via,
                "{mode:?} in_app={in_app} opened={opened}"
            );
        }
        assert!(!Plan::for_mode(Mode::Redirect, false).opens_popup());
        assert!(!Plan::for_mode(Mode::Auto, true).opens_popup());
        assert!(Plan::for_mode(Mode::Auto, false).opens_popup());
    }
}
