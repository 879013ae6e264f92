//! What the element shows, as Leptos components. Components render a state and send events;
//! they hold no protocol or API logic of their own.

use leptos::prelude::*;

use crate::config::{ConfigError, Theme, WidgetConfig};
use crate::i18n::{Lang, Text};
use socialchat_api::ChannelKind;

/// The widget's styles, scoped by its shadow root.
const STYLE: &str = include_str!("style.css");

fn theme_class(theme: Theme) -> &'static str {
    match theme {
        Theme::Auto => "sc-widget sc-theme-auto",
        Theme::Light => "sc-widget sc-theme-light",
        Theme::Dark => "sc-widget sc-theme-dark",
    }
}

/// The widget for a valid configuration.
#[component]
pub fn Widget(config: WidgetConfig) -> impl IntoView {
    let lang = config.lang;
    let label = match config.channel {
        ChannelKind::Instagram => lang.text(Text::ConnectInstagram),
        ChannelKind::Messenger => lang.text(Text::ConnectMessenger),
    };
    view! {
        <style>{STYLE}</style>
        <div class=theme_class(config.theme) lang=lang.code()>
            <button type="button" class="sc-button sc-primary">{label}</button>
            <p class="sc-hint">{lang.text(Text::AllowAllHint)}</p>
        </div>
    }
}

/// What the element shows instead when an attribute is missing or wrong.
#[component]
pub fn ConfigProblem(error: ConfigError, lang: Lang) -> impl IntoView {
    view! {
        <style>{STYLE}</style>
        <div class="sc-widget sc-theme-auto" lang=lang.code()>
            <div class="sc-alert" role="alert">
                <strong>{lang.text(Text::ConfigErrorTitle)}</strong>
                <p><code>{error.to_string()}</code></p>
            </div>
        </div>
    }
}
