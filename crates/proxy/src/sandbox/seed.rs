//! The sandbox's seeded world: the simulated Facebook user's Instagram accounts and Pages, and
//! the company's existing channels (one connected and one disconnected Instagram channel among
//! them). Names carry Indonesian text, emoji and HTML-looking characters on purpose; one account
//! has no picture and one a picture that does not load.

use std::collections::HashMap;

use socialchat_api::{Account, ChannelId, ChannelKind};

use super::{Extra, StoredChannel};

const INSTAGRAM_NAMES: [&str; 23] = [
    "Toko Batik Sari",
    "Kopi Kenangan Senja",
    "Warung Makan Bu Tini 🍛",
    "<b>Toko \"Kopi\" & Teh</b>",
    "Kue Lapis Legit Mama Rina",
    "Sambal Bu Rudy 🌶️",
    "Butik Hijab Aisyah",
    "Bengkel Motor Jaya",
    "Salon Cantik Ayu 💇‍♀️",
    "Laundry Kilat Bersih",
    "Apotek Sehat Sentosa",
    "Rumah Makan Padang Sederhana",
    "Sepatu Lokal Bandung",
    "Kerajinan Rotan Cirebon",
    "Tenun Ikat Sumba",
    "Madu Hutan Kalimantan 🍯",
    "Kopi Gayo Aceh ☕",
    "Keripik Pedas Maicih",
    "Toko Buku Pelita",
    "Es Teh Manis Segar",
    "Pempek Palembang Cek Mia",
    "Souvenir Bali Indah 🌺",
    "Sate Madura Pak Kumis",
];

const MESSENGER_NAMES: [&str; 5] = [
    "Toko Batik Sari",
    "Kopi Kenangan Senja",
    "Warung Makan Bu Tini",
    "Butik Hijab Aisyah",
    "Bengkel Motor Jaya",
];

/// The Instagram account without a picture, and the one whose picture does not load (1-based).
pub const NO_PICTURE: usize = 5;
pub const BROKEN_PICTURE: usize = 7;

pub fn instagram_id(number: usize) -> String {
    format!("178414{number:011}")
}

fn messenger_id(number: usize) -> String {
    format!("1000{number:011}")
}

/// Pictures are relative until the sandbox knows its origin (see `Sandbox::set_origin`).
fn picture(number: usize) -> Option<String> {
    match number {
        NO_PICTURE => None,
        BROKEN_PICTURE => Some("/sandbox/avatar/missing.png".to_owned()),
        n => Some(format!("/sandbox/avatar/{n}.png")),
    }
}

pub fn accounts(count: usize) -> HashMap<ChannelKind, Vec<Account>> {
    let instagram = (1..=count)
        .filter_map(|n| {
            let base = INSTAGRAM_NAMES[(n - 1) % INSTAGRAM_NAMES.len()];
            let name = if n <= INSTAGRAM_NAMES.len() {
                base.to_owned()
            } else {
                format!("{base} {}", (n - 1) / INSTAGRAM_NAMES.len() + 1)
            };
            Some(Account {
                name,
                channel_id: ChannelId::new(instagram_id(n)).ok()?,
                picture: picture(n),
                connected: false,
                reconnect: None,
                taken: false,
            })
        })
        .collect();
    let messenger = MESSENGER_NAMES
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            Some(Account {
                name: (*name).to_owned(),
                channel_id: ChannelId::new(messenger_id(i + 1)).ok()?,
                picture: picture(i + 1),
                connected: false,
                reconnect: None,
                taken: false,
            })
        })
        .collect();
    HashMap::from([
        (ChannelKind::Instagram, instagram),
        (ChannelKind::Messenger, messenger),
    ])
}

/// The `_id` of the seeded connected and disconnected Instagram channels.
pub const CONNECTED_INSTAGRAM: &str = "65f0a1b2c3d4e5f6a7b8c901";
pub const DISCONNECTED_INSTAGRAM: &str = "65f0a1b2c3d4e5f6a7b8c902";
/// The seeded disconnected Telegram and WhatsApp channels.
pub const DISCONNECTED_TELEGRAM: &str = "65f0a1b2c3d4e5f6a7b8c904";
pub const DISCONNECTED_WHATSAPP: &str = "65f0a1b2c3d4e5f6a7b8c906";

pub fn channels() -> Vec<StoredChannel> {
    let channel = |id: &str,
                   name: &str,
                   channel_id: String,
                   kind: &str,
                   connected: bool,
                   picture: Option<String>| {
        StoredChannel {
            id: id.to_owned(),
            name: name.to_owned(),
            channel_id,
            channel_type: kind.to_owned(),
            is_connected: connected,
            picture,
            disconnected_at: (!connected).then(|| "2026-11-20T08:15:00.000Z".to_owned()),
            extra: Extra::Facebook,
        }
    };
    let with = |mut channel: StoredChannel, extra: Extra| {
        channel.extra = extra;
        channel
    };
    vec![
        channel(
            CONNECTED_INSTAGRAM,
            INSTAGRAM_NAMES[0],
            instagram_id(1),
            "instagram",
            true,
            picture(1),
        ),
        channel(
            DISCONNECTED_INSTAGRAM,
            INSTAGRAM_NAMES[1],
            instagram_id(2),
            "instagram",
            false,
            picture(2),
        ),
        with(
            channel(
                "65f0a1b2c3d4e5f6a7b8c903",
                "Website Toko Batik Sari",
                "wc-001".into(),
                "webchat",
                true,
                None,
            ),
            Extra::Webchat {
                website_url: "https://toko-batik-sari.example".into(),
            },
        ),
        // Its bot is the sandbox's known bot: reconnect it with that bot's token.
        with(
            channel(
                DISCONNECTED_TELEGRAM,
                "Bot Telegram CS",
                "7000000001".into(),
                "telegram",
                false,
                None,
            ),
            Extra::Telegram {
                bot_id: "7000000001".into(),
            },
        ),
        channel(
            "65f0a1b2c3d4e5f6a7b8c905",
            MESSENGER_NAMES[0],
            messenger_id(1),
            "messenger",
            true,
            picture(1),
        ),
        with(
            channel(
                DISCONNECTED_WHATSAPP,
                "WhatsApp Toko Batik Sari",
                "6281234567890".into(),
                "whatsapp-unofficial",
                false,
                None,
            ),
            Extra::Whatsapp {
                phone: "+6281234567890".into(),
                since: std::time::Instant::now(),
            },
        ),
    ]
}
