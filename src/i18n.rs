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

    /// The sentence for `text` with its placeholders filled, e.g. `("name", "Toko Batik")`.
    pub fn format(self, text: Text, values: &[(&str, &str)]) -> String {
        let mut sentence = self.text(text).to_owned();
        for (key, value) in values {
            sentence = sentence.replace(&format!("{{{key}}}"), value);
        }
        sentence
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

/// The keys of the widget's sentences. Placeholders in braces (`{kind}`, `{name}`, `{count}`,
/// `{code}`) are filled by [`Lang::format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    ConnectKind,
    ReconnectKind,
    AllowAllHint,
    ConfigErrorTitle,
    Opening,
    Redirecting,
    Waiting,
    WaitingHint,
    Cancel,
    PopupClosed,
    TryAgain,
    LoadingAccounts,
    ChooseAccount,
    SearchAccounts,
    NoMatch,
    LoadMore,
    LoadingMore,
    AccountsShown,
    Connect,
    Connecting,
    Reconnecting,
    EmptyAccounts,
    AuthorizeAgain,
    Connected,
    Reconnected,
    ConnectAnother,
    Denied,
    TimedOut,
    ChannelsTitle,
    LoadingChannels,
    NoChannels,
    ChannelConnected,
    ChannelDisconnected,
    Reconnect,
    NoPicture,
    ErrorPopupBlocked,
    ErrorNetwork,
    ErrorAuthorize,
    ErrorAuthorization,
    ErrorAccounts,
    ErrorTokenExpired,
    ErrorAlreadyConnected,
    ErrorConnect,
    ErrorReconnect,
    ErrorChannels,
    ErrorUnexpected,
    ErrorResume,
    ErrorStatus,
    CallbackWorking,
    CallbackDone,
    CallbackCloseHint,
    CallbackDeclined,
    CallbackLost,
    CallbackReturning,
}

impl Text {
    /// Every key, for the completeness test.
    pub const ALL: [Text; 54] = [
        Text::ConnectKind,
        Text::ReconnectKind,
        Text::AllowAllHint,
        Text::ConfigErrorTitle,
        Text::Opening,
        Text::Redirecting,
        Text::Waiting,
        Text::WaitingHint,
        Text::Cancel,
        Text::PopupClosed,
        Text::TryAgain,
        Text::LoadingAccounts,
        Text::ChooseAccount,
        Text::SearchAccounts,
        Text::NoMatch,
        Text::LoadMore,
        Text::LoadingMore,
        Text::AccountsShown,
        Text::Connect,
        Text::Connecting,
        Text::Reconnecting,
        Text::EmptyAccounts,
        Text::AuthorizeAgain,
        Text::Connected,
        Text::Reconnected,
        Text::ConnectAnother,
        Text::Denied,
        Text::TimedOut,
        Text::ChannelsTitle,
        Text::LoadingChannels,
        Text::NoChannels,
        Text::ChannelConnected,
        Text::ChannelDisconnected,
        Text::Reconnect,
        Text::NoPicture,
        Text::ErrorPopupBlocked,
        Text::ErrorNetwork,
        Text::ErrorAuthorize,
        Text::ErrorAuthorization,
        Text::ErrorAccounts,
        Text::ErrorTokenExpired,
        Text::ErrorAlreadyConnected,
        Text::ErrorConnect,
        Text::ErrorReconnect,
        Text::ErrorChannels,
        Text::ErrorUnexpected,
        Text::ErrorResume,
        Text::ErrorStatus,
        Text::CallbackWorking,
        Text::CallbackDone,
        Text::CallbackCloseHint,
        Text::CallbackDeclined,
        Text::CallbackLost,
        Text::CallbackReturning,
    ];
}

const ID: &[(Text, &str)] = &[
    (Text::ConnectKind, "Hubungkan {kind}"),
    (Text::ReconnectKind, "Hubungkan ulang {kind}"),
    (Text::AllowAllHint, "Di Facebook, izinkan semua Halaman dan akun Instagram agar semuanya bisa dipilih."),
    (Text::ConfigErrorTitle, "Widget Socialchat belum diatur dengan benar"),
    (Text::Opening, "Membuka Facebook…"),
    (Text::Redirecting, "Menuju Facebook…"),
    (Text::ErrorResume, "Koneksi yang dimulai sebelum pindah ke Facebook tidak dapat dilanjutkan di halaman ini. Mulai lagi."),
    (Text::CallbackReturning, "Kembali ke dasbor…"),
    (Text::Waiting, "Menunggu Facebook…"),
    (Text::WaitingHint, "Selesaikan langkahnya di jendela Facebook yang terbuka."),
    (Text::Cancel, "Batal"),
    (Text::PopupClosed, "Jendela Facebook ditutup sebelum selesai."),
    (Text::TryAgain, "Coba lagi"),
    (Text::LoadingAccounts, "Memuat akun {kind} Anda…"),
    (Text::ChooseAccount, "Pilih akun yang akan dihubungkan"),
    (Text::SearchAccounts, "Cari akun"),
    (Text::NoMatch, "Tidak ada akun yang cocok dengan pencarian."),
    (Text::LoadMore, "Muat lebih banyak"),
    (Text::LoadingMore, "Memuat…"),
    (Text::AccountsShown, "{count} akun ditampilkan"),
    (Text::Connect, "Hubungkan"),
    (Text::Connecting, "Menghubungkan…"),
    (Text::Reconnecting, "Menghubungkan ulang…"),
    (Text::EmptyAccounts, "Tidak ada akun {kind} yang ditemukan. Akun yang tidak Anda izinkan di Facebook tidak muncul di sini."),
    (Text::AuthorizeAgain, "Otorisasi ulang"),
    (Text::Connected, "{name} sudah terhubung ke Socialchat."),
    (Text::Reconnected, "{name} sudah terhubung kembali ke Socialchat."),
    (Text::ConnectAnother, "Hubungkan akun lain"),
    (Text::Denied, "Anda menolak akses di Facebook. Tidak ada yang dihubungkan."),
    (Text::TimedOut, "Facebook terlalu lama. Tidak ada yang dihubungkan."),
    (Text::ChannelsTitle, "Channel {kind} Anda"),
    (Text::LoadingChannels, "Memuat channel…"),
    (Text::NoChannels, "Belum ada channel {kind}."),
    (Text::ChannelConnected, "Terhubung"),
    (Text::ChannelDisconnected, "Terputus"),
    (Text::Reconnect, "Hubungkan ulang"),
    (Text::NoPicture, "Tanpa foto"),
    (Text::ErrorPopupBlocked, "Browser memblokir jendela Facebook. Izinkan pop-up untuk situs ini, lalu coba lagi."),
    (Text::ErrorNetwork, "Tidak dapat terhubung. Periksa koneksi internet Anda, lalu coba lagi."),
    (Text::ErrorAuthorize, "Tidak dapat memulai otorisasi Facebook. Coba lagi sebentar lagi."),
    (Text::ErrorAuthorization, "Otorisasi Facebook tidak berhasil. Silakan coba lagi."),
    (Text::ErrorAccounts, "Tidak dapat memuat daftar akun. Coba lagi sebentar lagi."),
    (Text::ErrorTokenExpired, "Otorisasi Facebook sudah kedaluwarsa. Silakan otorisasi ulang."),
    (Text::ErrorAlreadyConnected, "Akun ini sudah terhubung ke Socialchat."),
    (Text::ErrorConnect, "Akun tidak dapat dihubungkan. Coba lagi sebentar lagi."),
    (Text::ErrorReconnect, "Channel tidak dapat dihubungkan ulang. Coba lagi."),
    (Text::ErrorChannels, "Tidak dapat memuat channel Anda."),
    (Text::ErrorUnexpected, "Socialchat memberi jawaban yang tidak terduga. Coba lagi sebentar lagi."),
    (Text::ErrorStatus, "Kode: {code}"),
    (Text::CallbackWorking, "Mengirim hasil ke dasbor…"),
    (Text::CallbackDone, "Selesai. Jendela ini akan tertutup."),
    (Text::CallbackCloseHint, "Anda bisa menutup jendela ini dan kembali ke dasbor."),
    (Text::CallbackDeclined, "Otorisasi Facebook ditolak atau tidak berhasil. Tidak ada yang dihubungkan."),
    (Text::CallbackLost, "Halaman ini dibuka tanpa dasbor. Kembali ke dasbor dan mulai lagi dari tombol Hubungkan."),
];

const EN: &[(Text, &str)] = &[
    (Text::ConnectKind, "Connect {kind}"),
    (Text::ReconnectKind, "Reconnect {kind}"),
    (
        Text::AllowAllHint,
        "On Facebook, allow all Pages and Instagram accounts so that every one can be chosen.",
    ),
    (
        Text::ConfigErrorTitle,
        "The Socialchat widget is not set up correctly",
    ),
    (Text::Opening, "Opening Facebook…"),
    (Text::Redirecting, "Taking you to Facebook…"),
    (
        Text::ErrorResume,
        "The connection started before going to Facebook could not be continued on this page. Start again.",
    ),
    (Text::CallbackReturning, "Returning to your dashboard…"),
    (Text::Waiting, "Waiting for Facebook…"),
    (
        Text::WaitingHint,
        "Finish the steps in the Facebook window that opened.",
    ),
    (Text::Cancel, "Cancel"),
    (
        Text::PopupClosed,
        "The Facebook window was closed before it finished.",
    ),
    (Text::TryAgain, "Try again"),
    (Text::LoadingAccounts, "Loading your {kind} accounts…"),
    (Text::ChooseAccount, "Choose the account to connect"),
    (Text::SearchAccounts, "Search accounts"),
    (Text::NoMatch, "No account matches your search."),
    (Text::LoadMore, "Load more"),
    (Text::LoadingMore, "Loading…"),
    (Text::AccountsShown, "{count} accounts shown"),
    (Text::Connect, "Connect"),
    (Text::Connecting, "Connecting…"),
    (Text::Reconnecting, "Reconnecting…"),
    (
        Text::EmptyAccounts,
        "No {kind} accounts were found. Accounts you did not allow on Facebook do not appear here.",
    ),
    (Text::AuthorizeAgain, "Authorize again"),
    (Text::Connected, "{name} is now connected to Socialchat."),
    (
        Text::Reconnected,
        "{name} is connected to Socialchat again.",
    ),
    (Text::ConnectAnother, "Connect another account"),
    (
        Text::Denied,
        "You declined access on Facebook. Nothing was connected.",
    ),
    (
        Text::TimedOut,
        "Facebook took too long. Nothing was connected.",
    ),
    (Text::ChannelsTitle, "Your {kind} channels"),
    (Text::LoadingChannels, "Loading channels…"),
    (Text::NoChannels, "No {kind} channel yet."),
    (Text::ChannelConnected, "Connected"),
    (Text::ChannelDisconnected, "Disconnected"),
    (Text::Reconnect, "Reconnect"),
    (Text::NoPicture, "No picture"),
    (
        Text::ErrorPopupBlocked,
        "Your browser blocked the Facebook window. Allow pop-ups for this site, then try again.",
    ),
    (
        Text::ErrorNetwork,
        "Could not connect. Check your internet connection, then try again.",
    ),
    (
        Text::ErrorAuthorize,
        "Could not start the Facebook authorization. Try again in a moment.",
    ),
    (
        Text::ErrorAuthorization,
        "The Facebook authorization did not succeed. Please try again.",
    ),
    (
        Text::ErrorAccounts,
        "Could not load the list of accounts. Try again in a moment.",
    ),
    (
        Text::ErrorTokenExpired,
        "The Facebook authorization has expired. Please authorize again.",
    ),
    (
        Text::ErrorAlreadyConnected,
        "This account is already connected to Socialchat.",
    ),
    (
        Text::ErrorConnect,
        "The account could not be connected. Try again in a moment.",
    ),
    (
        Text::ErrorReconnect,
        "The channel could not be reconnected. Try again.",
    ),
    (Text::ErrorChannels, "Could not load your channels."),
    (
        Text::ErrorUnexpected,
        "Socialchat gave an unexpected answer. Try again in a moment.",
    ),
    (Text::ErrorStatus, "Code: {code}"),
    (Text::CallbackWorking, "Sending the result to your dashboard…"),
    (Text::CallbackDone, "Done. This window will close."),
    (Text::CallbackCloseHint, "You can close this window and return to your dashboard."),
    (Text::CallbackDeclined, "The Facebook authorization was declined or did not succeed. Nothing was connected."),
    (Text::CallbackLost, "This page was opened without its dashboard. Go back to your dashboard and start again from the Connect button."),
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
        let kind = [("kind", "Instagram")];
        assert_eq!(
            Lang::Id.format(Text::ConnectKind, &kind),
            "Hubungkan Instagram"
        );
        assert_eq!(
            Lang::En.format(Text::ConnectKind, &kind),
            "Connect Instagram"
        );
    }

    #[test]
    fn both_languages_use_the_same_placeholders() {
        for key in Text::ALL {
            let holes = |s: &str| {
                let mut found: Vec<String> = s
                    .split('{')
                    .skip(1)
                    .filter_map(|rest| rest.split_once('}').map(|(k, _)| k.to_owned()))
                    .collect();
                found.sort();
                found
            };
            assert_eq!(
                holes(Lang::Id.text(key)),
                holes(Lang::En.text(key)),
                "{key:?}"
            );
        }
        assert_eq!(
            Lang::En.format(Text::Connected, &[("name", "<b>Toko</b>")]),
            "<b>Toko</b> is now connected to Socialchat."
        );
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
