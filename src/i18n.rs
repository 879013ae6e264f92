//! Every sentence the widget shows, in Indonesian and English: one table per language, keyed by
//! [`Text`]. A test checks that both tables cover every key, so no string is ever missing in one
//! language.

/// The languages the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Bahasa Indonesia: Socialchat's home market, and the default when nothing says otherwise.
    #[default]
    Id,
    En,
}

impl Lang {
    /// Reads a `lang` attribute or a browser language tag (`id`, `id-ID`, `en-US`, ...);
    /// `None` for a language the widget does not speak.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "id" | "in" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first of the browser's preferred languages that the widget speaks, else Indonesian.
    pub fn from_browser<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Lang {
        preferred
            .into_iter()
            .find_map(Lang::from_tag)
            .unwrap_or_default()
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// The sentence for `text` in this language.
    pub fn text(self, text: Text) -> &'static str {
        let table = match self {
            Lang::Id => ID,
            Lang::En => EN,
        };
        table
            .iter()
            .find(|(key, _)| *key == text)
            .map(|(_, s)| *s)
            // Unreachable while the tables are complete (tested); English is the safe fallback.
            .or_else(|| EN.iter().find(|(key, _)| *key == text).map(|(_, s)| *s))
            .unwrap_or("")
    }
}

/// The keys of the widget's sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    ConnectInstagram,
    ConnectMessenger,
    AllowAllHint,
    ConfigErrorTitle,
}

impl Text {
    /// Every key, for the completeness test.
    pub const ALL: [Text; 4] = [
        Text::ConnectInstagram,
        Text::ConnectMessenger,
        Text::AllowAllHint,
        Text::ConfigErrorTitle,
    ];
}

const ID: &[(Text, &str)] = &[
    (Text::ConnectInstagram, "Hubungkan Instagram"),
    (Text::ConnectMessenger, "Hubungkan Messenger"),
    (
        Text::AllowAllHint,
        "Di Facebook, izinkan semua Halaman dan akun Instagram agar semuanya bisa dipilih.",
    ),
    (
        Text::ConfigErrorTitle,
        "Widget Socialchat belum diatur dengan benar",
    ),
];

const EN: &[(Text, &str)] = &[
    (Text::ConnectInstagram, "Connect Instagram"),
    (Text::ConnectMessenger, "Connect Messenger"),
    (
        Text::AllowAllHint,
        "On Facebook, allow all Pages and Instagram accounts so that every one can be chosen.",
    ),
    (
        Text::ConfigErrorTitle,
        "The Socialchat widget is not set up correctly",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_tables_have_every_key_once_and_no_blank_sentence() {
        for (name, table) in [("id", ID), ("en", EN)] {
            for key in Text::ALL {
                let hits: Vec<_> = table.iter().filter(|(k, _)| *k == key).collect();
                assert_eq!(hits.len(), 1, "{name} has {key:?} {} times", hits.len());
                assert!(!hits[0].1.trim().is_empty(), "{name} {key:?} is blank");
            }
            assert_eq!(
                table.len(),
                Text::ALL.len(),
                "{name} has keys outside Text::ALL"
            );
        }
    }

    #[test]
    fn the_connect_button_reads_right_in_both_languages() {
        assert_eq!(Lang::Id.text(Text::ConnectInstagram), "Hubungkan Instagram");
        assert_eq!(Lang::En.text(Text::ConnectInstagram), "Connect Instagram");
    }

    #[test]
    fn language_tags_are_read_like_browsers_write_them() {
        assert_eq!(Lang::from_tag("id"), Some(Lang::Id));
        assert_eq!(Lang::from_tag("id-ID"), Some(Lang::Id));
        assert_eq!(Lang::from_tag("in"), Some(Lang::Id));
        assert_eq!(Lang::from_tag("EN-us"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::from_tag(""), None);
        assert_eq!(Lang::from_browser(["fr-FR", "en-GB", "id"]), Lang::En);
        assert_eq!(Lang::from_browser(["de"]), Lang::Id);
        assert_eq!(Lang::from_browser([]), Lang::Id);
    }
}
