//! Every sentence the widget shows, in Indonesian and English, in one table: each entry of
//! [`sentences!`] names a [`Text`] and spells it in both languages, and the macro makes the
//! `Text` enum and one exhaustive `match` of it. A sentence without both languages does not
//! compile.

/// The languages the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Bahasa Indonesia: Socialchat's home market, and the default when nothing says otherwise.
    #[default]
    Id,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Id, Lang::En];

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
}
/// Writes the [`Text`] enum and [`Lang::text`] from one table of `Key { id: "…", en: "…" }`.
macro_rules! sentences {
    ($($key:ident { id: $id:literal, en: $en:literal $(,)? })*) => {
        /// The keys of the widget's sentences. Placeholders in braces (`{kind}`, `{name}`,
        /// `{count}`, `{code}`) are filled by [`Lang::format`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Text {
            $($key,)*
        }

        impl Text {
            /// Every key, for the tests that compare the two languages.
            pub const ALL: &'static [Text] = &[$(Text::$key,)*];
        }

        impl Lang {
            /// The sentence for `text` in this language.
            pub fn text(self, text: Text) -> &'static str {
                match text {
                    $(Text::$key => match self {
                        Lang::Id => $id,
                        Lang::En => $en,
                    },)*
                }
            }
        }
    };
}

sentences! {
    ConnectKind {
        id: "Hubungkan {kind}",
        en: "Connect {kind}",
    }
    ReconnectKind {
        id: "Hubungkan ulang {kind}",
        en: "Reconnect {kind}",
    }
    AllowAllHint {
        id: "Di Facebook, izinkan semua Halaman dan akun Instagram agar semuanya bisa dipilih.",
        en: "On Facebook, allow all Pages and Instagram accounts so that every one can be chosen.",
    }
    ConfigErrorTitle {
        id: "Widget Socialchat belum diatur dengan benar",
        en: "The Socialchat widget is not set up correctly",
    }
    Opening {
        id: "Membuka Facebook…",
        en: "Opening Facebook…",
    }
    Redirecting {
        id: "Menuju Facebook…",
        en: "Taking you to Facebook…",
    }
    Waiting {
        id: "Menunggu Facebook…",
        en: "Waiting for Facebook…",
    }
    WaitingHint {
        id: "Selesaikan langkahnya di jendela Facebook yang terbuka.",
        en: "Finish the steps in the Facebook window that opened.",
    }
    Cancel {
        id: "Batal",
        en: "Cancel",
    }
    PopupClosed {
        id: "Jendela Facebook ditutup sebelum selesai.",
        en: "The Facebook window was closed before it finished.",
    }
    TryAgain {
        id: "Coba lagi",
        en: "Try again",
    }
    LoadingAccounts {
        id: "Memuat akun {kind} Anda…",
        en: "Loading your {kind} accounts…",
    }
    ChooseAccount {
        id: "Pilih akun yang akan dihubungkan",
        en: "Choose the account to connect",
    }
    SearchAccounts {
        id: "Cari akun",
        en: "Search accounts",
    }
    NoMatch {
        id: "Tidak ada akun yang cocok dengan pencarian.",
        en: "No account matches your search.",
    }
    LoadMore {
        id: "Muat lebih banyak",
        en: "Load more",
    }
    LoadingMore {
        id: "Memuat…",
        en: "Loading…",
    }
    AccountsShown {
        id: "{count} akun ditampilkan",
        en: "{count} accounts shown",
    }
    Connect {
        id: "Hubungkan",
        en: "Connect",
    }
    Connecting {
        id: "Menghubungkan…",
        en: "Connecting…",
    }
    Reconnecting {
        id: "Menghubungkan ulang…",
        en: "Reconnecting…",
    }
    EmptyAccounts {
        id: "Tidak ada akun {kind} yang ditemukan. Akun yang tidak Anda izinkan di Facebook tidak muncul di sini.",
        en: "No {kind} accounts were found. Accounts you did not allow on Facebook do not appear here.",
    }
    AuthorizeAgain {
        id: "Otorisasi ulang",
        en: "Authorize again",
    }
    Connected {
        id: "{name} sudah terhubung ke Socialchat.",
        en: "{name} is now connected to Socialchat.",
    }
    Reconnected {
        id: "{name} sudah terhubung kembali ke Socialchat.",
        en: "{name} is connected to Socialchat again.",
    }
    ConnectAnother {
        id: "Hubungkan akun lain",
        en: "Connect another account",
    }
    Denied {
        id: "Anda menolak akses di Facebook. Tidak ada yang dihubungkan.",
        en: "You declined access on Facebook. Nothing was connected.",
    }
    TimedOut {
        id: "Facebook terlalu lama. Tidak ada yang dihubungkan.",
        en: "Facebook took too long. Nothing was connected.",
    }
    ChannelsTitle {
        id: "Channel {kind} Anda",
        en: "Your {kind} channels",
    }
    LoadingChannels {
        id: "Memuat channel…",
        en: "Loading channels…",
    }
    NoChannels {
        id: "Belum ada channel {kind}.",
        en: "No {kind} channel yet.",
    }
    ChannelConnected {
        id: "Terhubung",
        en: "Connected",
    }
    ChannelDisconnected {
        id: "Terputus",
        en: "Disconnected",
    }
    Reconnect {
        id: "Hubungkan ulang",
        en: "Reconnect",
    }
    NoPicture {
        id: "Tanpa foto",
        en: "No picture",
    }
    ErrorPopupBlocked {
        id: "Browser memblokir jendela Facebook. Izinkan pop-up untuk situs ini, lalu coba lagi.",
        en: "Your browser blocked the Facebook window. Allow pop-ups for this site, then try again.",
    }
    ErrorNetwork {
        id: "Tidak dapat terhubung. Periksa koneksi internet Anda, lalu coba lagi.",
        en: "Could not connect. Check your internet connection, then try again.",
    }
    ErrorUnreachable {
        id: "Layanan Socialchat sedang tidak dapat dihubungi. Coba lagi sebentar lagi.",
        en: "The Socialchat service cannot be reached right now. Try again in a moment.",
    }
    ErrorAuthorize {
        id: "Tidak dapat memulai otorisasi Facebook. Coba lagi sebentar lagi.",
        en: "Could not start the Facebook authorization. Try again in a moment.",
    }
    ErrorAuthorization {
        id: "Otorisasi Facebook tidak berhasil. Silakan coba lagi.",
        en: "The Facebook authorization did not succeed. Please try again.",
    }
    ErrorAccounts {
        id: "Tidak dapat memuat daftar akun. Coba lagi sebentar lagi.",
        en: "Could not load the list of accounts. Try again in a moment.",
    }
    ErrorTokenExpired {
        id: "Otorisasi Facebook sudah kedaluwarsa. Silakan otorisasi ulang.",
        en: "The Facebook authorization has expired. Please authorize again.",
    }
    ErrorAlreadyConnected {
        id: "Akun ini sudah terhubung ke Socialchat.",
        en: "This account is already connected to Socialchat.",
    }
    ErrorConnect {
        id: "Akun tidak dapat dihubungkan. Coba lagi sebentar lagi.",
        en: "The account could not be connected. Try again in a moment.",
    }
    ErrorReconnect {
        id: "Channel tidak dapat dihubungkan ulang. Coba lagi.",
        en: "The channel could not be reconnected. Try again.",
    }
    ErrorChannels {
        id: "Tidak dapat memuat channel Anda.",
        en: "Could not load your channels.",
    }
    ErrorUnexpected {
        id: "Socialchat memberi jawaban yang tidak terduga. Coba lagi sebentar lagi.",
        en: "Socialchat gave an unexpected answer. Try again in a moment.",
    }
    ErrorResume {
        id: "Koneksi yang dimulai sebelum pindah ke Facebook tidak dapat dilanjutkan di halaman ini. Mulai lagi.",
        en: "The connection started before going to Facebook could not be continued on this page. Start again.",
    }
    ErrorSessionSetup {
        id: "Koneksi dasbor ini ke Socialchat belum diatur dengan benar. Beri tahu administratornya beserta kode di bawah.",
        en: "This dashboard's connection to Socialchat is not set up correctly. Tell its administrator, with the code below.",
    }
    ErrorSessionExpired {
        id: "Sesi Anda di dasbor ini sudah berakhir. Muat ulang halaman, lalu coba lagi.",
        en: "Your session on this dashboard has ended. Reload the page, then try again.",
    }
    ErrorSessionUnavailable {
        id: "Dasbor ini tidak memberi sesi untuk Socialchat. Periksa koneksi Anda atau masuk lagi, lalu coba lagi.",
        en: "This dashboard gave no session for Socialchat. Check your connection or sign in again, then try again.",
    }
    ErrorKindNotAllowed {
        id: "Akun Anda tidak diizinkan menghubungkan jenis channel ini di sini. Tanyakan kepada administrator dasbor.",
        en: "Your account may not connect this kind of channel here. Ask the dashboard's administrator.",
    }
    ErrorChannelNotAllowed {
        id: "Akun Anda tidak diizinkan memakai channel ini. Tanyakan kepada administrator dasbor.",
        en: "Your account may not use this channel. Ask the dashboard's administrator.",
    }
    ErrorBotTokenRefused {
        id: "Telegram tidak menerima token bot ini. Pastikan itu token bot ini, disalin utuh dari BotFather.",
        en: "Telegram did not accept this bot token. Check that it is this bot's token, copied whole from BotFather.",
    }
    ErrorRateLimited {
        id: "Terlalu banyak channel dihubungkan dalam waktu singkat. Tunggu sebentar, lalu coba lagi.",
        en: "Too many channels were connected in a short time. Wait a moment, then try again.",
    }
    ErrorLoadFailed {
        id: "Widget Socialchat tidak dapat dimuat. Periksa koneksi Anda, lalu muat ulang halaman.",
        en: "The Socialchat widget could not load. Check your connection, then reload the page.",
    }
    ErrorChannelFailed {
        id: "Kode QR tidak dapat dimuat. Coba lagi.",
        en: "The QR code could not be loaded. Try again.",
    }
    KindHintWhatsapp {
        id: "Anda akan memindai kode QR dengan WhatsApp di ponsel Anda.",
        en: "You will scan a QR code with WhatsApp on your phone.",
    }
    KindHintTelegram {
        id: "Anda memerlukan token bot Anda dari BotFather di Telegram.",
        en: "You need your bot's token from BotFather in Telegram.",
    }
    KindHintWebchat {
        id: "Tambahkan kotak chat Socialchat ke situs web Anda.",
        en: "Add a Socialchat chat box to your website.",
    }
    FormTitleWhatsapp {
        id: "Hubungkan nomor WhatsApp",
        en: "Connect a WhatsApp number",
    }
    FormTitleTelegram {
        id: "Hubungkan bot Telegram",
        en: "Connect a Telegram bot",
    }
    FormTitleTelegramReconnect {
        id: "Hubungkan ulang bot Telegram",
        en: "Reconnect the Telegram bot",
    }
    FormTitleWebchat {
        id: "Buat webchat untuk situs Anda",
        en: "Create a webchat for your website",
    }
    FieldName {
        id: "Nama",
        en: "Name",
    }
    FieldWhatsappName {
        id: "Nama tampilan",
        en: "Display name",
    }
    FieldPhone {
        id: "Nomor WhatsApp",
        en: "WhatsApp number",
    }
    PhoneHint {
        id: "Nomor Indonesia boleh diawali 08; nomor lain diawali + dan kode negara.",
        en: "An Indonesian number may start with 08; others start with + and the country code.",
    }
    FieldBotToken {
        id: "Token bot",
        en: "Bot token",
    }
    BotTokenHint {
        id: "Di Telegram, buka @BotFather, kirim /newbot (atau /token untuk bot yang sudah ada), lalu salin token yang diberikan.",
        en: "In Telegram, open @BotFather, send /newbot (or /token for a bot you have), then copy the token it gives.",
    }
    FieldWebsite {
        id: "Alamat situs web",
        en: "Website address",
    }
    WebsiteHint {
        id: "Tempat kotak chat akan muncul, misalnya https://toko.example",
        en: "Where the chat box will appear, for example https://toko.example",
    }
    InvalidName {
        id: "Isi nama, paling banyak 100 karakter.",
        en: "Enter a name of at most 100 characters.",
    }
    InvalidPhone {
        id: "Isi nomor WhatsApp: 08… untuk Indonesia, atau + dan kode negara.",
        en: "Enter a WhatsApp number: 08… for Indonesia, or + and the country code.",
    }
    InvalidBotToken {
        id: "Ini bukan token bot. Salin seluruh token dari BotFather, seperti 123456789:AA…",
        en: "This is not a bot token. Copy the whole token BotFather gave, like 123456789:AA…",
    }
    InvalidWebsite {
        id: "Isi alamat situs web, seperti https://toko.example",
        en: "Enter the website's address, like https://toko.example",
    }
    ShowQrCode {
        id: "Tampilkan kode QR",
        en: "Show the QR code",
    }
    Sending {
        id: "Mengirim…",
        en: "Sending…",
    }
    ScanTitle {
        id: "Pindai kode QR dengan WhatsApp",
        en: "Scan the QR code with WhatsApp",
    }
    ScanSteps {
        id: "Di ponsel, buka WhatsApp › Setelan (atau ⋮) › Perangkat tertaut › Tautkan perangkat, lalu arahkan kamera ke kode ini.",
        en: "On your phone, open WhatsApp › Settings (or ⋮) › Linked devices › Link a device, then point the camera at this code.",
    }
    ScanWaiting {
        id: "Menunggu pemindaian… Kode diperbarui sendiri.",
        en: "Waiting for the scan… The code refreshes by itself.",
    }
    ScanLoading {
        id: "Menyiapkan kode QR…",
        en: "Preparing the QR code…",
    }
    QrAlt {
        id: "Kode QR untuk menautkan WhatsApp",
        en: "QR code to link WhatsApp",
    }
    ScanTrouble {
        id: "Kode QR belum bisa diperbarui; mencoba lagi…",
        en: "The QR code could not be refreshed yet; trying again…",
    }
    ScanExpired {
        id: "Kode QR tidak dipindai tepat waktu. Tidak ada yang dihubungkan.",
        en: "The QR code was not scanned in time. Nothing was connected.",
    }
    AlreadyConnected {
        id: "Sudah terhubung",
        en: "Already connected",
    }
    TakenBySomeoneElse {
        id: "Sudah dihubungkan orang lain di perusahaan Anda",
        en: "Connected in your company by someone else",
    }
    ErrorStatus {
        id: "Kode: {code}",
        en: "Code: {code}",
    }
    CallbackWorking {
        id: "Mengirim hasil ke dasbor…",
        en: "Sending the result to your dashboard…",
    }
    CallbackDone {
        id: "Selesai. Jendela ini akan tertutup.",
        en: "Done. This window will close.",
    }
    CallbackCloseHint {
        id: "Anda bisa menutup jendela ini dan kembali ke dasbor.",
        en: "You can close this window and return to your dashboard.",
    }
    CallbackDeclined {
        id: "Otorisasi Facebook ditolak atau tidak berhasil. Tidak ada yang dihubungkan.",
        en: "The Facebook authorization was declined or did not succeed. Nothing was connected.",
    }
    CallbackLost {
        id: "Halaman ini dibuka tanpa dasbor. Kembali ke dasbor dan mulai lagi dari tombol Hubungkan.",
        en: "This page was opened without its dashboard. Go back to your dashboard and start again from the Connect button.",
    }
    CallbackReturning {
        id: "Kembali ke dasbor…",
        en: "Returning to your dashboard…",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_sentence_is_blank() {
        for lang in [Lang::Id, Lang::En] {
            for key in Text::ALL {
                assert!(
                    !lang.text(*key).trim().is_empty(),
                    "{lang:?} {key:?} is blank"
                );
            }
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
        for &key in Text::ALL {
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
