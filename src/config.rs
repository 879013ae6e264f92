//! The element's attributes, read and validated into a [`WidgetConfig`]. Pure: the element glue
//! hands in the attribute values as strings, so every rule here is tested natively.
//!
//! A wrong attribute never panics: it becomes a [`ConfigError`] that the element shows inside
//! itself and logs to the console, naming the attribute and what it should hold.

use socialchat_api::{origin, ChannelKind, ChannelRecordId};

use crate::i18n::Lang;

/// How `fetch` sends cookies to the proxy (the `credentials` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Credentials {
    #[default]
    SameOrigin,
    Include,
    Omit,
}

impl Credentials {
    const CHOICES: &[(&str, Credentials)] = &[
        ("same-origin", Credentials::SameOrigin),
        ("include", Credentials::Include),
        ("omit", Credentials::Omit),
    ];
}

/// The colour scheme (the `theme` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Follows `prefers-color-scheme`.
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    const CHOICES: &[(&str, Theme)] = &[
        ("auto", Theme::Auto),
        ("light", Theme::Light),
        ("dark", Theme::Dark),
    ];
}

/// How the Facebook dialog is shown (the `mode` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// A popup over the dashboard.
    #[default]
    Popup,
    /// The whole page goes to Facebook and comes back (phones, in-app browsers).
    Redirect,
    /// A popup, but a redirect in a known in-app browser or when the popup is blocked.
    Auto,
}

impl Mode {
    const CHOICES: &[(&str, Mode)] = &[
        ("popup", Mode::Popup),
        ("redirect", Mode::Redirect),
        ("auto", Mode::Auto),
    ];
}

/// A missing or invalid attribute.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("socialchat-connect: attribute \"{attribute}\" {problem}")]
pub struct ConfigError {
    pub attribute: &'static str,
    pub problem: String,
}

/// What the attributes are read with besides their own values.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// `navigator.languages`, used when there is no `lang` attribute.
    pub browser_langs: Vec<String>,
}

/// One table of the element's attributes: each line is a field of [`WidgetConfig`], the
/// attribute's name, and the function that reads it (`fn(Option<&str>, &Context) ->
/// Result<T, String>`, the default included, the error the end of a sentence naming the
/// attribute). The config, the list of observed attributes and the reading all come from it.
macro_rules! attributes {
    ($($(#[$doc:meta])* $field:ident: $ty:ty = $name:literal => $parse:expr;)*) => {
        /// Everything the element was told through its attributes, validated.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct WidgetConfig {
            $($(#[$doc])* pub $field: $ty,)*
        }

        /// The attributes the element reads (and re-reads when they change).
        pub const OBSERVED_ATTRIBUTES: &[&str] = &[$($name,)*];

        impl WidgetConfig {
            /// Validates the attributes; `read(name)` gives an attribute's value, `None` when
            /// it is absent.
            pub fn from_attributes(
                read: impl Fn(&str) -> Option<String>,
                context: &Context,
            ) -> Result<WidgetConfig, ConfigError> {
                WidgetConfig {
                    $($field: {
                        let value = read($name);
                        let parse: fn(Option<&str>, &Context) -> Result<$ty, String> = $parse;
                        parse(value.as_deref(), context).map_err(|problem| ConfigError {
                            attribute: $name,
                            problem,
                        })?
                    },)*
                }
                .checked()
            }
        }
    };
}

attributes! {
    /// Base URL of the partner proxy, without a trailing slash (`/api/socialchat` or absolute).
    proxy: String = "proxy" => |v, _| parse_proxy(v);
    channel: ChannelKind = "channel" => |v, _| parse_channel(v);
    lang: Lang = "lang" => parse_lang;
    /// Origins whose callback messages are accepted; empty means the page's own.
    callback_origins: Vec<String> = "callback-origin" => |v, _| parse_origins(v);
    /// Run the reconnect flow for this channel `_id`.
    reconnect: Option<ChannelRecordId> = "reconnect" => |v, _| parse_reconnect(v);
    /// Show the company's existing channels of this kind.
    list_channels: bool = "list-channels" => |v, _| Ok(parse_bool(v));
    theme: Theme = "theme" => |v, _| one_of(v, Theme::CHOICES);
    credentials: Credentials = "credentials" => |v, _| one_of(v, Credentials::CHOICES);
    mode: Mode = "mode" => |v, _| one_of(v, Mode::CHOICES);
    /// The partner's endpoint that answers `{"session": "…"}` (see `crate::session`).
    session_url: Option<String> = "session-url" => |v, _| parse_session_url(v);
}

/// An enumerated attribute: one of `choices` (the first is the default when it is absent or
/// empty), or an error that lists them.
fn one_of<T: Copy>(value: Option<&str>, choices: &[(&str, T)]) -> Result<T, String> {
    let value = value.map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Ok(choices[0].1);
    }
    if let Some((_, choice)) = choices.iter().find(|(name, _)| *name == value) {
        return Ok(*choice);
    }
    let names: Vec<String> = choices
        .iter()
        .map(|(name, _)| format!("\"{name}\""))
        .collect();
    let listed = match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    Err(format!("must be {listed}, not {value:?}"))
}

fn parse_proxy(value: Option<&str>) -> Result<String, String> {
    let value = value.map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Err(
            "is missing: set it to the base URL of your partner proxy, e.g. proxy=\"/api/socialchat\"".into(),
        );
    }
    let lower = value.to_ascii_lowercase();
    let absolute = lower.starts_with("https://") || lower.starts_with("http://");
    let relative = value.starts_with('/') && !value.starts_with("//");
    if !(absolute || relative) {
        return Err(format!(
            "must be a path starting with \"/\" or an http(s) URL, not {value:?}"
        ));
    }
    if value.len() > 2048
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
        || value.contains(['?', '#'])
    {
        return Err("must be a plain base URL without spaces, query or fragment".into());
    }
    Ok(value.trim_end_matches('/').to_owned())
}

/// The `channel` attribute: Instagram when absent or empty.
pub fn parse_channel(value: Option<&str>) -> Result<ChannelKind, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(ChannelKind::Instagram),
        Some(v) => v
            .parse()
            .map_err(|_| {
                format!(
                    "must be \"instagram\", \"messenger\", \"whatsapp\", \"telegram\" or \"webchat\", not {v:?}"
                )
            }),
    }
}

/// A URL the widget fetches: a path on the page's origin or an `http(s)` URL, without spaces;
/// a query is allowed (the session endpoint may want one), a fragment is not.
fn parse_session_url(value: Option<&str>) -> Result<Option<String>, String> {
    let value = value.map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Ok(None);
    }
    let lower = value.to_ascii_lowercase();
    let absolute = lower.starts_with("https://") || lower.starts_with("http://");
    let relative = value.starts_with('/') && !value.starts_with("//");
    let plain = value.len() <= 2048
        && !value.contains('#')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if (absolute || relative) && plain {
        Ok(Some(value.to_owned()))
    } else {
        Err(format!(
            "must be your backend's session endpoint: a path starting with \"/\" or an http(s) URL, not {value:?}"
        ))
    }
}

/// `lang`: a language the widget speaks, else the browser's first one it speaks, else
/// Indonesian. A language it does not speak is not an error (the end user would lose the whole
/// widget over a partner's typo): [`warnings`] tells the partner instead.
fn parse_lang(value: Option<&str>, context: &Context) -> Result<Lang, String> {
    Ok(value
        .and_then(Lang::from_tag)
        .unwrap_or_else(|| Lang::from_browser(context.browser_langs.iter().map(String::as_str))))
}

/// What is wrong in the attributes without stopping the widget, one sentence each, for the
/// browser console: today a `lang` the widget does not speak.
pub fn warnings(read: impl Fn(&str) -> Option<String>, config: &WidgetConfig) -> Vec<String> {
    match read("lang") {
        Some(v) if !v.trim().is_empty() && Lang::from_tag(&v).is_none() => vec![format!(
            "socialchat-connect: attribute \"lang\" must be one of {}, not {v:?}: showing {:?} \
             (the browser's language, else Indonesian)",
            Lang::ALL.map(|l| format!("{:?}", l.code())).join(", "),
            config.lang.code()
        )],
        _ => Vec::new(),
    }
}

/// The `callback-origin` attribute: the rule of every list of origins
/// ([`socialchat_api::origin`]), absent or blank meaning none.
fn parse_origins(value: Option<&str>) -> Result<Vec<String>, String> {
    let value = value.map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Ok(Vec::new());
    }
    // The attribute's one leniency: an origin copied from the address bar ends with a `/`.
    let entries = origin::split_origin_list(value).map(|o| o.strip_suffix('/').unwrap_or(o));
    origin::parse_origins(entries).map_err(|e| e.to_string())
}

fn parse_reconnect(value: Option<&str>) -> Result<Option<ChannelRecordId>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => ChannelRecordId::new(v)
            .map(Some)
            .map_err(|e| format!("must be a channel _id: {}", e.problem)),
    }
}

fn parse_bool(value: Option<&str>) -> bool {
    // A boolean attribute: present means true, unless written out as "false".
    matches!(value, Some(v) if !v.trim().eq_ignore_ascii_case("false"))
}

impl WidgetConfig {
    /// The rules between attributes.
    fn checked(self) -> Result<WidgetConfig, ConfigError> {
        if self.reconnect.is_some() && !self.channel.reconnects() {
            return Err(ConfigError {
                attribute: "reconnect",
                problem: format!(
                    "cannot be used with channel=\"{}\": a broken {} channel is not reconnected, create a new one",
                    self.channel.as_str(),
                    self.channel.display_name()
                ),
            });
        }
        Ok(self)
    }

    /// Whether a callback message from `origin` may be accepted: one of `callback-origin`, or
    /// the page's own origin when that attribute is absent.
    pub fn accepts_origin(&self, origin: &str, page_origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        if self.callback_origins.is_empty() {
            origin == page_origin.to_ascii_lowercase()
        } else {
            self.callback_origins.contains(&origin)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config for these attributes, as an element with them would read it.
    fn config(attributes: &[(&str, &str)], langs: &[&str]) -> Result<WidgetConfig, ConfigError> {
        let context = Context {
            browser_langs: langs.iter().map(|l| l.to_string()).collect(),
        };
        WidgetConfig::from_attributes(
            |name| {
                attributes
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            },
            &context,
        )
    }

    fn with_proxy(extra: &[(&'static str, &'static str)]) -> Result<WidgetConfig, ConfigError> {
        let mut attributes = vec![("proxy", "/p")];
        attributes.extend_from_slice(extra);
        config(&attributes, &[])
    }

    #[test]
    fn a_proxy_alone_gives_the_documented_defaults() {
        let config = config(&[("proxy", "/api/socialchat/")], &["en-US"]).unwrap();
        assert_eq!(config.proxy, "/api/socialchat");
        assert_eq!(config.channel, ChannelKind::Instagram);
        assert_eq!(config.lang, Lang::En);
        assert!(config.callback_origins.is_empty());
        assert_eq!(config.reconnect, None);
        assert!(!config.list_channels);
        assert_eq!(config.theme, Theme::Auto);
        assert_eq!(config.credentials, Credentials::SameOrigin);
        assert_eq!(config.mode, Mode::Popup);
    }

    #[test]
    fn every_attribute_of_the_table_is_observed_once() {
        let mut names = OBSERVED_ATTRIBUTES.to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), OBSERVED_ATTRIBUTES.len());
        for name in [
            "proxy",
            "channel",
            "lang",
            "callback-origin",
            "reconnect",
            "list-channels",
            "theme",
            "credentials",
            "mode",
        ] {
            assert!(OBSERVED_ATTRIBUTES.contains(&name), "{name}");
        }
    }

    #[test]
    fn enumerated_attributes_take_their_values_and_default_when_empty() {
        for (text, mode) in [
            ("popup", Mode::Popup),
            ("redirect", Mode::Redirect),
            (" auto ", Mode::Auto),
            ("", Mode::Popup),
        ] {
            assert_eq!(with_proxy(&[("mode", text)]).unwrap().mode, mode);
        }
        assert_eq!(with_proxy(&[("theme", "dark")]).unwrap().theme, Theme::Dark);
        assert_eq!(
            with_proxy(&[("credentials", "include")])
                .unwrap()
                .credentials,
            Credentials::Include
        );
        let e = with_proxy(&[("theme", "blue")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "socialchat-connect: attribute \"theme\" must be \"auto\", \"light\" or \"dark\", not \"blue\""
        );
    }

    #[test]
    fn a_missing_proxy_is_explained() {
        let e = config(&[], &[]).unwrap_err();
        assert_eq!(e.attribute, "proxy");
        assert!(
            e.to_string().contains("base URL of your partner proxy"),
            "{e}"
        );
    }

    #[test]
    fn unsafe_or_odd_proxies_are_refused() {
        for bad in [
            "javascript:alert(1)",
            "//evil.test/api",
            "api",
            "/a b",
            "/api?x=1",
            "ftp://x",
        ] {
            assert!(
                config(&[("proxy", bad)], &[]).is_err(),
                "{bad} must be refused"
            );
        }
        assert!(config(&[("proxy", "https://partner.test/api/socialchat")], &[]).is_ok());
    }

    #[test]
    fn every_attribute_is_validated_with_a_message_naming_it() {
        let cases = [
            ("channel", "tiktok"),
            ("reconnect", "../x"),
            ("theme", "blue"),
            ("credentials", "all"),
            ("mode", "tab"),
            ("callback-origin", "*"),
            ("session-url", "javascript:alert(1)"),
        ];
        for (attribute, value) in cases {
            let e = with_proxy(&[(attribute, value)]).unwrap_err();
            assert_eq!(e.attribute, attribute);
            assert!(e
                .to_string()
                .starts_with(&format!("socialchat-connect: attribute \"{attribute}\"")));
        }
    }

    #[test]
    fn a_webchat_has_no_reconnect() {
        let e = with_proxy(&[("channel", "webchat"), ("reconnect", "65f1c0ffee")]).unwrap_err();
        assert_eq!(e.attribute, "reconnect");
        assert!(e.problem.contains("create a new one"), "{e}");
        for kind in ["instagram", "messenger", "whatsapp", "telegram"] {
            assert!(with_proxy(&[("channel", kind), ("reconnect", "65f1c0ffee")]).is_ok());
        }
    }

    #[test]
    fn callback_origins_are_a_list_of_origins() {
        let config = with_proxy(&[(
            "callback-origin",
            "https://Dash.example, http://127.0.0.1:8080/",
        )])
        .unwrap();
        assert_eq!(
            config.callback_origins,
            ["https://dash.example", "http://127.0.0.1:8080"]
        );
        for bad in ["*", "dash.example", "https://dash.example/callback", "null"] {
            assert!(with_proxy(&[("callback-origin", bad)]).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_callback_origin_of_separators_only_or_a_path_is_refused() {
        for bad in [
            " , ",
            ",",
            "https://dash.example//",
            "https://dash.example/ *",
        ] {
            let e = with_proxy(&[("callback-origin", bad)]).unwrap_err();
            assert_eq!(e.attribute, "callback-origin", "{bad:?}");
        }
        for absent in ["", "  "] {
            let config = with_proxy(&[("callback-origin", absent)]).unwrap();
            assert!(config.callback_origins.is_empty(), "{absent:?}");
        }
    }

    #[test]
    fn callbacks_are_accepted_only_from_allowed_origins() {
        let own = with_proxy(&[]).unwrap();
        assert!(own.accepts_origin("https://dash.example", "https://dash.example"));
        assert!(!own.accepts_origin("https://evil.example", "https://dash.example"));
        assert!(!own.accepts_origin("null", "https://dash.example"));
        let listed = with_proxy(&[("callback-origin", "https://cb.example")]).unwrap();
        assert!(listed.accepts_origin("https://CB.example", "https://dash.example"));
        assert!(
            !listed.accepts_origin("https://dash.example", "https://dash.example"),
            "the list replaces the default"
        );
    }

    #[test]
    fn lang_attribute_wins_over_the_browser() {
        let config = config(&[("proxy", "/p"), ("lang", "id")], &["en-US"]).unwrap();
        assert_eq!(config.lang, Lang::Id);
    }

    #[test]
    fn a_lang_the_widget_does_not_speak_falls_back_with_a_warning() {
        let attributes = [("proxy", "/p"), ("lang", "fr")];
        let read = |name: &str| {
            attributes
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        // The browser's first language the widget speaks, else Indonesian.
        let fallback = config(&attributes, &["fr-FR", "en-GB"]).unwrap();
        assert_eq!(fallback.lang, Lang::En);
        assert_eq!(
            warnings(read, &fallback),
            vec![
                "socialchat-connect: attribute \"lang\" must be one of \"id\", \"en\", not \"fr\": \
                 showing \"en\" (the browser's language, else Indonesian)"
                    .to_owned()
            ]
        );
        assert_eq!(config(&attributes, &["fr-FR"]).unwrap().lang, Lang::Id);
        // A language it speaks, in any spelling of its tag, is no warning.
        let spoken = config(&[("proxy", "/p"), ("lang", "en-US")], &[]).unwrap();
        assert_eq!(spoken.lang, Lang::En);
        assert!(warnings(|n| (n == "lang").then(|| "en-US".into()), &spoken).is_empty());
    }

    #[test]
    fn list_channels_is_a_boolean_attribute() {
        for (value, expected) in [
            (None, false),
            (Some(""), true),
            (Some("list-channels"), true),
            (Some("false"), false),
        ] {
            let extra: Vec<(&str, &str)> =
                value.map(|v| ("list-channels", v)).into_iter().collect();
            assert_eq!(
                with_proxy(&extra).unwrap().list_channels,
                expected,
                "{value:?}"
            );
        }
    }
}
