//! Browser tests of the kinds connected without Facebook (WhatsApp through its QR code, Telegram
//! with a bot token, webchat) and of the picker's marks, in headless Chromium against the real
//! sandbox over HTTP. The sandbox stands in for the phone that scans (`/sandbox/whatsapp/scan`)
//! and for a channel that breaks (`/sandbox/disconnect`).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The sandbox's known bots (see the sandbox in crates/proxy).
const SANDBOX_BOT: &str = "7000000001:AAFsandboxBotOfTheCustomerServiceTeam01";
const OTHER_BOT: &str = "7000000002:AAGsandboxAnotherBotOfAnotherCompany02";
const DISCONNECTED_TELEGRAM: &str = "65f0a1b2c3d4e5f6a7b8c904";
const DISCONNECTED_WHATSAPP: &str = "65f0a1b2c3d4e5f6a7b8c906";
const CONNECTED_INSTAGRAM: &str = "65f0a1b2c3d4e5f6a7b8c901";
const DISCONNECTED_INSTAGRAM: &str = "65f0a1b2c3d4e5f6a7b8c902";

/// A widget of `kind` in English whose session may use that kind.
async fn widget(kind: &str, extra: &[(&str, &str)]) -> (web_sys::HtmlElement, EventLog) {
    let proxy = proxy();
    let session = session_url(&[("kinds", kind)]);
    let mut attributes = vec![
        ("proxy", proxy.as_str()),
        ("lang", "en"),
        ("channel", kind),
        ("session-url", session.as_str()),
    ];
    attributes.extend_from_slice(extra);
    add_widget(&attributes).await
}

fn qr_image(host: &web_sys::HtmlElement) -> Option<web_sys::HtmlImageElement> {
    shadow(host)
        .query_selector(".sc-qr img")
        .ok()
        .flatten()
        .and_then(|img| img.dyn_into().ok())
}

fn invalid_fields(host: &web_sys::HtmlElement) -> Vec<String> {
    let list = shadow(host)
        .query_selector_all("[aria-invalid=true]")
        .unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
        .map(|e| e.id())
        .collect()
}

#[wasm_bindgen_test]
async fn a_whatsapp_number_connects_once_its_qr_code_is_scanned() {
    let (host, events) = widget("whatsapp", &[]).await;
    assert!(text(&host).contains("You will scan a QR code with WhatsApp on your phone."));
    click(&host, "Connect WhatsApp").await;
    wait_for_text(&host, "Connect a WhatsApp number").await;
    wait_for("focus on the first field", || {
        focused_id(&host).as_deref() == Some("sc-field-name")
    })
    .await;

    // An empty form says what is wrong next to each field, and sends nothing.
    click(&host, "Show the QR code").await;
    wait_for("the fields marked wrong", || {
        invalid_fields(&host).len() == 2
    })
    .await;
    assert!(text(&host).contains("Enter a name of at most 100 characters."));
    assert!(text(&host).contains("Enter a WhatsApp number: 08… for Indonesia"));
    let phone = field(&host, "WhatsApp number");
    let described = phone.get_attribute("aria-describedby").unwrap();
    assert!(
        described.contains("sc-field-phone-error") && described.contains("sc-field-phone-hint"),
        "the reason and the hint are read with the field: {described}"
    );
    assert_eq!(phone.type_(), "tel");
    assert_eq!(events.names(), ["socialchat:ready"], "nothing was sent");

    fill(&host, "Display name", "Toko Kain Nusantara").await;
    fill(&host, "WhatsApp number", "0812 1111 2222").await;
    assert!(
        invalid_fields(&host).is_empty(),
        "editing clears the complaint"
    );
    click(&host, "Show the QR code").await;
    wait_for_text(&host, "Scan the QR code with WhatsApp").await;
    wait_for("the QR code", || {
        qr_image(&host).is_some_and(|img| img.src().starts_with("data:image/png;base64,"))
    })
    .await;
    let img = qr_image(&host).unwrap();
    assert_eq!(img.alt(), "QR code to link WhatsApp");
    wait_for("the image decoded", || {
        img.complete() && img.natural_width() > 0
    })
    .await;
    assert!(text(&host).contains("Waiting for the scan…"));

    // The phone scans: the next poll sees the number linked.
    sandbox_scan("+6281211112222").await;
    wait_for_text(&host, "Toko Kain Nusantara is now connected to Socialchat.").await;
    let connected = &events.details("socialchat:connected")[0];
    assert_eq!(connected["channel"], "whatsapp");
    assert_eq!(connected["reconnected"], false);
    assert_eq!(connected["channelId"], "6281211112222");
    assert!(connected["id"].as_str().is_some_and(|id| id.len() == 24));
    assert!(
        !events.everything().contains("data:image"),
        "the QR code stays in the widget"
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn a_broken_whatsapp_number_shows_its_code_and_cancel_stops_asking() {
    sandbox_disconnect(DISCONNECTED_WHATSAPP).await;
    let (host, events) = widget("whatsapp", &[("reconnect", DISCONNECTED_WHATSAPP)]).await;
    click(&host, "Reconnect WhatsApp").await;
    wait_for("the QR code at once, without a form", || {
        qr_image(&host).is_some()
    })
    .await;
    click(&host, "Cancel").await;
    assert!(button(&host, "Reconnect WhatsApp").is_some());
    assert_eq!(events.details("socialchat:cancelled")[0]["reason"], "user");
    // A scan after the cancel is not reported by this widget.
    sandbox_scan("6281234567890").await;
    sleep(3500).await;
    assert!(events.details("socialchat:connected").is_empty());

    // Asked again, the number is linked already: done at the first look.
    click(&host, "Reconnect WhatsApp").await;
    wait_for_text(
        &host,
        "WhatsApp Toko Batik Sari is connected to Socialchat again.",
    )
    .await;
    assert_eq!(
        events.details("socialchat:connected")[0]["id"],
        DISCONNECTED_WHATSAPP
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn a_telegram_bot_connects_with_its_token_and_a_wrong_one_is_refused_in_words() {
    let (host, events) = widget("telegram", &[]).await;
    click(&host, "Connect Telegram").await;
    wait_for_text(&host, "Connect a Telegram bot").await;
    let token = field(&host, "Bot token");
    assert_eq!(token.type_(), "password");
    assert_eq!(token.get_attribute("autocomplete").as_deref(), Some("off"));
    assert!(text(&host).contains("open @BotFather"));

    // Not a token at all: said at once, nothing sent.
    fill(&host, "Bot token", "my bot").await;
    click(&host, "Connect").await;
    wait_for_text(&host, "This is not a bot token.").await;
    assert_eq!(invalid_fields(&host), ["sc-field-bot-token"]);

    // A token Telegram does not know: refused by the API, said in words, and forgotten.
    let unknown = "7000000009:AAHunknownBotTokenThatTelegramRefuses99";
    fill(&host, "Bot token", unknown).await;
    click(&host, "Connect").await;
    wait_for_text(&host, "Telegram did not accept this bot token.").await;
    assert_eq!(
        events.details("socialchat:error")[0]["code"],
        "bot-token-refused"
    );
    assert_eq!(
        field(&host, "Bot token").value(),
        "",
        "the token is not kept"
    );

    fill(&host, "Bot token", OTHER_BOT).await;
    click(&host, "Connect").await;
    wait_for_text(&host, "is now connected to Socialchat.").await;
    let connected = &events.details("socialchat:connected")[0];
    assert_eq!(connected["channel"], "telegram");
    assert_eq!(connected["channelId"], "7000000002");
    let everything = events.everything();
    assert!(
        !everything.contains("AAG") && !everything.contains("AAH"),
        "no bot token in any event: {everything}"
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn a_telegram_reconnect_refuses_another_bots_token_in_indonesian() {
    sandbox_disconnect(DISCONNECTED_TELEGRAM).await;
    let (host, events) = widget(
        "telegram",
        &[("reconnect", DISCONNECTED_TELEGRAM), ("lang", "id")],
    )
    .await;
    click(&host, "Hubungkan ulang Telegram").await;
    wait_for_text(&host, "Hubungkan ulang bot Telegram").await;
    fill(&host, "Token bot", OTHER_BOT).await;
    click(&host, "Hubungkan ulang").await;
    wait_for_text(&host, "Telegram tidak menerima token bot ini.").await;
    assert_eq!(
        events.details("socialchat:error")[0]["code"],
        "bot-token-refused"
    );
    fill(&host, "Token bot", SANDBOX_BOT).await;
    click(&host, "Hubungkan ulang").await;
    wait_for_text(
        &host,
        "Bot Telegram CS sudah terhubung kembali ke Socialchat.",
    )
    .await;
    let connected = &events.details("socialchat:connected")[0];
    assert_eq!(connected["reconnected"], true);
    assert_eq!(connected["id"], DISCONNECTED_TELEGRAM);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_webchat_is_created_for_a_website() {
    let (host, events) = widget("webchat", &[("lang", "id")]).await;
    click(&host, "Hubungkan Webchat").await;
    wait_for_text(&host, "Buat webchat untuk situs Anda").await;
    fill(&host, "Nama", "Chat Toko Kain").await;
    fill(&host, "Alamat situs web", "javascript:alert(1)").await;
    click(&host, "Hubungkan").await;
    wait_for_text(&host, "Isi alamat situs web, seperti https://toko.example").await;
    fill(&host, "Alamat situs web", "toko-kain.example").await;
    click(&host, "Hubungkan").await;
    wait_for_text(&host, "Chat Toko Kain sudah terhubung ke Socialchat.").await;
    let connected = &events.details("socialchat:connected")[0];
    assert_eq!(connected["channel"], "webchat");
    assert!(connected["id"].as_str().is_some_and(|id| id.len() == 24));
    host.remove();
}

#[wasm_bindgen_test]
async fn a_webchat_reconnect_is_a_setup_error() {
    let (host, _events) = widget("webchat", &[("reconnect", "65f0a1b2c3d4e5f6a7b8c903")]).await;
    wait_for_text(&host, "attribute \"reconnect\"").await;
    assert!(buttons(&host).is_empty());
    host.remove();
}

#[wasm_bindgen_test]
async fn the_picker_marks_connected_accounts_and_reconnects_a_broken_one() {
    sandbox_disconnect(DISCONNECTED_INSTAGRAM).await;
    let (host, events) = add_widget(&[("proxy", proxy().as_str()), ("lang", "en")]).await;
    click(&host, "Connect Instagram").await;
    wait_for_text(&host, "Waiting for Facebook…").await;
    broadcast(&callback_json(&sandbox_token(None).await));
    wait_for("the accounts", || radios(&host).len() == 10).await;
    let shown = text(&host);
    assert!(shown.contains("Already connected"), "{shown}");
    let (connected_radio, _) = radios(&host)
        .into_iter()
        .find(|(_, name)| name == "Toko Batik Sari")
        .unwrap();
    assert!(
        connected_radio.disabled(),
        "a connected account is not a choice"
    );
    connected_radio.click();
    leptos::task::tick().await;
    assert!(is_disabled(&host, "Connect"));

    let reconnect: web_sys::HtmlElement = shadow(&host)
        .query_selector("button[aria-label='Reconnect Kopi Kenangan Senja']")
        .unwrap()
        .expect("a Reconnect on the broken account")
        .dyn_into()
        .unwrap();
    reconnect.click();
    wait_for_text(
        &host,
        "Kopi Kenangan Senja is connected to Socialchat again.",
    )
    .await;
    let connected = &events.details("socialchat:connected")[0];
    assert_eq!(connected["reconnected"], true);
    assert_eq!(connected["id"], DISCONNECTED_INSTAGRAM);
    assert_ne!(connected["id"], CONNECTED_INSTAGRAM);
    host.remove();
}

#[wasm_bindgen_test]
async fn channel_names_wrap_by_words_in_a_narrow_column() {
    // The preview's third card is about 330 px wide; the issue saw "Ko / pi / Ke / na …" there.
    sandbox_disconnect(DISCONNECTED_INSTAGRAM).await;
    for lang in ["en", "id"] {
        let (host, _events) = add_widget(&[
            ("proxy", proxy().as_str()),
            ("lang", lang),
            ("list-channels", ""),
            ("style", "display:block;width:280px"),
        ])
        .await;
        wait_for_text(&host, "Kopi Kenangan Senja").await;
        for width in (280..=480).step_by(10) {
            host.style()
                .set_property("width", &format!("{width}px"))
                .unwrap();
            let names = shadow(&host)
                .query_selector_all(".sc-channel .sc-name")
                .unwrap();
            assert!(names.length() >= 2);
            for i in 0..names.length() {
                let name: web_sys::HtmlElement = names.item(i).unwrap().dyn_into().unwrap();
                let words = name.text_content().unwrap_or_default();
                // Wide enough for whole words (the badge and the button go below it instead).
                let shown = name.offset_width();
                assert!(
                    shown >= 100,
                    "{lang} at {width}px: {words:?} is squeezed into {shown}px"
                );
                assert!(
                    name.scroll_width() <= name.client_width() + 1,
                    "{lang} at {width}px: {words:?} overflows its box"
                );
            }
            // The badge and the Reconnect button stay whole, inside the widget.
            let widget = shadow(&host).query_selector(".sc-widget").unwrap().unwrap();
            assert!(
                widget.scroll_width() <= widget.client_width(),
                "{lang} at {width}px: the rows overflow the widget"
            );
            let parts = shadow(&host)
                .query_selector_all(".sc-channel .sc-badge, .sc-channel button")
                .unwrap();
            for i in 0..parts.length() {
                let part: web_sys::HtmlElement = parts.item(i).unwrap().dyn_into().unwrap();
                assert!(
                    part.scroll_width() <= part.client_width() + 1,
                    "{lang} at {width}px"
                );
            }
        }
        host.remove();
    }
}

#[wasm_bindgen_test]
async fn the_channel_list_shows_each_kind_with_reconnect_where_it_exists() {
    sandbox_disconnect(DISCONNECTED_WHATSAPP).await;
    let (whatsapp, _events) = widget("whatsapp", &[("list-channels", "")]).await;
    wait_for_text(&whatsapp, "WhatsApp Toko Batik Sari").await;
    let reconnect: web_sys::HtmlElement = shadow(&whatsapp)
        .query_selector("button[aria-label='Reconnect WhatsApp Toko Batik Sari']")
        .unwrap()
        .expect("a Reconnect on the broken number")
        .dyn_into()
        .unwrap();
    reconnect.click();
    wait_for("its QR code", || qr_image(&whatsapp).is_some()).await;
    click(&whatsapp, "Cancel").await;
    whatsapp.remove();

    // A webchat is never reconnected: a broken one is listed without the action.
    sandbox_disconnect("65f0a1b2c3d4e5f6a7b8c903").await;
    let (webchat, _events) = widget("webchat", &[("list-channels", "")]).await;
    wait_for_text(&webchat, "Website Toko Batik Sari").await;
    wait_for_text(&webchat, "Disconnected").await;
    assert!(
        button(&webchat, "Reconnect").is_none(),
        "{:?}",
        buttons(&webchat)
    );
    webchat.remove();
}

/// How many requests for the channel `id` this page has made so far.
fn polls_of(id: &str) -> u32 {
    let script = format!(
        "performance.getEntriesByType('resource').filter(e => e.name.endsWith('/partner/channel/{id}')).length"
    );
    js_sys::eval(&script).unwrap().as_f64().unwrap() as u32
}

#[wasm_bindgen_test]
async fn polling_stops_when_the_element_is_removed_or_cancelled() {
    sandbox_disconnect(DISCONNECTED_WHATSAPP).await;
    let (host, _events) = widget("whatsapp", &[("reconnect", DISCONNECTED_WHATSAPP)]).await;
    click(&host, "Reconnect WhatsApp").await;
    wait_for("the QR code", || qr_image(&host).is_some()).await;
    // It keeps asking while the code is on show (every 3 s)...
    let first = polls_of(DISCONNECTED_WHATSAPP);
    wait_for("a second poll", || polls_of(DISCONNECTED_WHATSAPP) > first).await;
    // ...and not once more after the element is gone.
    host.remove();
    sleep(100).await;
    let at_removal = polls_of(DISCONNECTED_WHATSAPP);
    sleep(3500).await;
    assert_eq!(polls_of(DISCONNECTED_WHATSAPP), at_removal);

    let (host, _events) = widget("whatsapp", &[("reconnect", DISCONNECTED_WHATSAPP)]).await;
    click(&host, "Reconnect WhatsApp").await;
    wait_for("the QR code", || qr_image(&host).is_some()).await;
    click(&host, "Cancel").await;
    sleep(100).await;
    let at_cancel = polls_of(DISCONNECTED_WHATSAPP);
    sleep(3500).await;
    assert_eq!(polls_of(DISCONNECTED_WHATSAPP), at_cancel);
    host.remove();
}
