//! The element's attributes, read and validated into a [`WidgetConfig`]. Pure: the element glue
//! hands in the attribute values as strings, so every rule here is tested natively.
//!
//! A wrong attribute never panics: it becomes a [`ConfigError`] that the element shows inside
//! itself and logs to the console, naming the attribute and what it should hold.

use socialchat_api::{ChannelKind, ChannelRecordId};

use crate::i18n::Lang;

/// How `fetch` sends cookies to the proxy (the `credentials` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Credentials {
    #[default]
    SameOrigin,
    Include,
    Omit,
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

/// Everything the element was told through its attributes, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetConfig {
    /// Base URL of the partner proxy, without a trailing slash (`/api/socialchat` or absolute).
    pub proxy: String,
    pub channel: ChannelKind,
    pub lang: Lang,
    /// Origins whose callback messages are accepted; empty means the page's own.
    pub callback_origins: Vec<String>,
    /// Run the reconnect flow for this channel `_id`.
    pub reconnect: Option<ChannelRecordId>,
    /// Show the company's existing channels of this kind.
    pub list_channels: bool,
    pub theme: Theme,
    pub credentials: Credentials,
    pub mode: Mode,
}

/// A missing or invalid attribute.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("socialchat-connect: attribute \"{attribute}\" {problem}")]
pub struct ConfigError {
    pub attribute: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(attribute: &'static str, problem: impl Into<String>) -> Self {
        ConfigError {
            attribute,
            problem: problem.into(),
        }
    }
}

/// The element's attributes as the DOM gives them (`None` when absent).
#[derive(Debug, Clone, Default)]
pub struct Attributes<'a> {
    pub proxy: Option<&'a str>,
    pub channel: Option<&'a str>,
    pub lang: Option<&'a str>,
    pub callback_origin: Option<&'a str>,
    pub reconnect: Option<&'a str>,
    pub list_channels: Option<&'a str>,
    pub theme: Option<&'a str>,
    pub credentials: Option<&'a str>,
    pub mode: Option<&'a str>,
}

/// The attributes the element reads (and re-reads when they change).
pub const OBSERVED_ATTRIBUTES: [&str; 9] = [
    "proxy",
    "channel",
    "lang",
    "callback-origin",
    "reconnect",
    "list-channels",
    "theme",
    "credentials",
    "mode",
];

/// Whether `text` is a serialized origin: `http(s)://host[:port]`, nothing after it.
pub fn is_origin(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty()
        && rest.len() <= 253 + 6
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

fn parse_proxy(value: Option<&str>) -> Result<String, ConfigError> {
    let value = value.map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Err(ConfigError::new(
            "proxy",
            "is missing: set it to the base URL of your partner proxy, e.g. proxy=\"/api/socialchat\"",
        ));
    }
    let lower = value.to_ascii_lowercase();
    let absolute = lower.starts_with("https://") || lower.starts_with("http://");
    let relative = value.starts_with('/') && !value.starts_with("//");
    if !(absolute || relative) {
        return Err(ConfigError::new(
            "proxy",
            format!("must be a path starting with \"/\" or an http(s) URL, not {value:?}"),
        ));
    }
    if value.len() > 2048
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
        || value.contains(['?', '#'])
    {
        return Err(ConfigError::new(
            "proxy",
            "must be a plain base URL without spaces, query or fragment",
        ));
    }
    Ok(value.trim_end_matches('/').to_owned())
}

/// The `channel` attribute: Instagram when absent or empty.
pub fn parse_channel(value: Option<&str>) -> Result<ChannelKind, ConfigError> {
    match value.map(str::trim) {
        None | Some("") => Ok(ChannelKind::Instagram),
        Some(v) => v.parse().map_err(|_| {
            ConfigError::new(
                "channel",
                format!("must be \"instagram\" or \"messenger\", not {v:?}"),
            )
        }),
    }
}

fn parse_bool(value: Option<&str>) -> bool {
    // A boolean attribute: present means true, unless written out as "false".
    matches!(value, Some(v) if !v.trim().eq_ignore_ascii_case("false"))
}

impl WidgetConfig {
    /// Validates the attributes. `browser_langs` are `navigator.languages`, used when there is
    /// no `lang` attribute.
    pub fn from_attributes<'a>(
        attrs: &Attributes<'_>,
        browser_langs: impl IntoIterator<Item = &'a str>,
    ) -> Result<WidgetConfig, ConfigError> {
        let proxy = parse_proxy(attrs.proxy)?;
        let channel = parse_channel(attrs.channel)?;
        let lang = match attrs.lang.map(str::trim) {
            None | Some("") => Lang::from_browser(browser_langs),
            Some(v) => Lang::from_tag(v).ok_or_else(|| {
                ConfigError::new("lang", format!("must be \"id\" or \"en\", not {v:?}"))
            })?,
        };
        let callback_origins = match attrs.callback_origin {
            None => Vec::new(),
            Some(v) => v
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(|origin| {
                    let origin = origin.trim_end_matches('/');
                    if is_origin(origin) {
                        Ok(origin.to_ascii_lowercase())
                    } else {
                        Err(ConfigError::new(
                            "callback-origin",
                            format!(
                                "must list origins like https://dashboard.example, not {origin:?}"
                            ),
                        ))
                    }
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        let reconnect = match attrs.reconnect.map(str::trim) {
            None | Some("") => None,
            Some(v) => Some(ChannelRecordId::new(v).map_err(|e| {
                ConfigError::new("reconnect", format!("must be a channel _id: {}", e.problem))
            })?),
        };
        let theme = match attrs.theme.map(str::trim) {
            None | Some("") | Some("auto") => Theme::Auto,
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            Some(v) => {
                return Err(ConfigError::new(
                    "theme",
                    format!("must be \"light\", \"dark\" or \"auto\", not {v:?}"),
                ))
            }
        };
        let credentials = match attrs.credentials.map(str::trim) {
            None | Some("") | Some("same-origin") => Credentials::SameOrigin,
            Some("include") => Credentials::Include,
            Some("omit") => Credentials::Omit,
            Some(v) => {
                return Err(ConfigError::new(
                    "credentials",
                    format!("must be \"same-origin\", \"include\" or \"omit\", not {v:?}"),
                ))
            }
        };
        let mode = match attrs.mode.map(str::trim) {
            None | Some("") | Some("popup") => Mode::Popup,
            Some("redirect") => Mode::Redirect,
            Some("auto") => Mode::Auto,
            Some(v) => {
                return Err(ConfigError::new(
                    "mode",
                    format!("must be \"popup\", \"redirect\" or \"auto\", not {v:?}"),
                ))
            }
        };
        Ok(WidgetConfig {
            proxy,
            channel,
            lang,
            callback_origins,
            reconnect,
            list_channels: parse_bool(attrs.list_channels),
            theme,
            credentials,
            mode,
        })
    }
}

impl WidgetConfig {
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

    fn attrs(proxy: &str) -> Attributes<'_> {
        Attributes {
            proxy: Some(proxy),
            ..Default::default()
        }
    }

    #[test]
    fn a_proxy_alone_gives_the_documented_defaults() {
        let config = WidgetConfig::from_attributes(&attrs("/api/socialchat/"), ["en-US"]).unwrap();
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
    fn mode_is_popup_redirect_or_auto() {
        for (text, mode) in [
            ("popup", Mode::Popup),
            ("redirect", Mode::Redirect),
            (" auto ", Mode::Auto),
            ("", Mode::Popup),
        ] {
            let a = Attributes {
                mode: Some(text),
                ..attrs("/p")
            };
            assert_eq!(WidgetConfig::from_attributes(&a, []).unwrap().mode, mode);
        }
    }

    #[test]
    fn a_missing_proxy_is_explained() {
        let e = WidgetConfig::from_attributes(&Attributes::default(), []).unwrap_err();
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
                WidgetConfig::from_attributes(&attrs(bad), []).is_err(),
                "{bad} must be refused"
            );
        }
        assert!(
            WidgetConfig::from_attributes(&attrs("https://partner.test/api/socialchat"), [])
                .is_ok()
        );
    }

    #[test]
    fn every_attribute_is_validated_with_a_message_naming_it() {
        let cases: [(&str, Attributes); 6] = [
            (
                "channel",
                Attributes {
                    channel: Some("whatsapp"),
                    ..attrs("/p")
                },
            ),
            (
                "lang",
                Attributes {
                    lang: Some("fr"),
                    ..attrs("/p")
                },
            ),
            (
                "reconnect",
                Attributes {
                    reconnect: Some("../x"),
                    ..attrs("/p")
                },
            ),
            (
                "theme",
                Attributes {
                    theme: Some("blue"),
                    ..attrs("/p")
                },
            ),
            (
                "credentials",
                Attributes {
                    credentials: Some("all"),
                    ..attrs("/p")
                },
            ),
            (
                "mode",
                Attributes {
                    mode: Some("tab"),
                    ..attrs("/p")
                },
            ),
        ];
        for (attribute, a) in cases {
            let e = WidgetConfig::from_attributes(&a, []).unwrap_err();
            assert_eq!(e.attribute, attribute);
            assert!(e
                .to_string()
                .starts_with(&format!("socialchat-connect: attribute \"{attribute}\"")));
        }
    }

    #[test]
    fn callback_origins_are_a_list_of_origins() {
        let a = Attributes {
            callback_origin: Some("https://Dash.example, http://127.0.0.1:8080/"),
            ..attrs("/p")
        };
        let config = WidgetConfig::from_attributes(&a, []).unwrap();
        assert_eq!(
            config.callback_origins,
            ["https://dash.example", "http://127.0.0.1:8080"]
        );
        for bad in ["*", "dash.example", "https://dash.example/callback", "null"] {
            let a = Attributes {
                callback_origin: Some(bad),
                ..attrs("/p")
            };
            assert!(WidgetConfig::from_attributes(&a, []).is_err(), "{bad}");
        }
    }

    #[test]
    fn callbacks_are_accepted_only_from_allowed_origins() {
        let own = WidgetConfig::from_attributes(&attrs("/p"), []).unwrap();
        assert!(own.accepts_origin("https://dash.example", "https://dash.example"));
        assert!(!own.accepts_origin("https://evil.example", "https://dash.example"));
        assert!(!own.accepts_origin("null", "https://dash.example"));
        let listed = WidgetConfig::from_attributes(
            &Attributes {
                callback_origin: Some("https://cb.example"),
                ..attrs("/p")
            },
            [],
        )
        .unwrap();
        assert!(listed.accepts_origin("https://CB.example", "https://dash.example"));
        assert!(
            !listed.accepts_origin("https://dash.example", "https://dash.example"),
            "the list replaces the default"
        );
    }

    #[test]
    fn lang_attribute_wins_over_the_browser() {
        let a = Attributes {
            lang: Some("id"),
            ..attrs("/p")
        };
        assert_eq!(
            WidgetConfig::from_attributes(&a, ["en-US"]).unwrap().lang,
            Lang::Id
        );
    }

    #[test]
    fn list_channels_is_a_boolean_attribute() {
        for (value, expected) in [
            (None, false),
            (Some(""), true),
            (Some("list-channels"), true),
            (Some("false"), false),
        ] {
            let a = Attributes {
                list_channels: value,
                ..attrs("/p")
            };
            assert_eq!(
                WidgetConfig::from_attributes(&a, []).unwrap().list_channels,
                expected,
                "{value:?}"
            );
        }
    }
}
