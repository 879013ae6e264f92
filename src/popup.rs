//! The authorization popup: opened blank and centred inside the click (popup blockers allow
//! only that), pointed at Facebook when the URL arrives, watched for closing, closed at the end.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen::JsValue;
#[cfg(target_arch = "wasm32")]
use web_sys::Window;

/// The popup's size; Facebook's dialog fits it on desktop.
const WIDTH: i32 = 600;
const HEIGHT: i32 = 720;

/// The `window.open` features that centre a `WIDTH`×`HEIGHT` popup over the opener's window.
pub fn centred_features(
    screen_x: i32,
    screen_y: i32,
    outer_width: i32,
    outer_height: i32,
) -> String {
    let left = screen_x + ((outer_width - WIDTH) / 2).max(0);
    let top = screen_y + ((outer_height - HEIGHT) / 2).max(0);
    format!("popup=yes,width={WIDTH},height={HEIGHT},left={left},top={top}")
}

#[cfg(target_arch = "wasm32")]
pub struct Popup {
    window: Window,
}

#[cfg(target_arch = "wasm32")]
impl Popup {
    /// Opens a blank popup. Call it synchronously in a click handler, before any `await`.
    /// `None` when the browser blocked it.
    pub fn open_blank(name: &str, waiting_text: &str) -> Option<Popup> {
        let opener = web_sys::window()?;
        let number =
            |v: Result<JsValue, JsValue>| v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as i32;
        let features = centred_features(
            number(opener.screen_x()),
            number(opener.screen_y()),
            number(opener.outer_width()),
            number(opener.outer_height()),
        );
        let window = opener
            .open_with_url_and_target_and_features("", name, &features)
            .ok()
            .flatten()?;
        // A word in the blank window while the authorization URL is on its way.
        if let Some(body) = window.document().and_then(|d| d.body()) {
            body.set_text_content(Some(waiting_text));
        }
        Some(Popup { window })
    }

    pub fn navigate(&self, url: &str) {
        let _ = self.window.location().set_href(url);
    }

    /// True once the popup is closed, or once Facebook's Cross-Origin-Opener-Policy has severed
    /// it (then it reads closed although it is open).
    pub fn is_closed(&self) -> bool {
        self.window.closed().unwrap_or(true)
    }

    pub fn close(&self) {
        let _ = self.window.close();
    }

    /// Whether a message's `source` is this popup.
    pub fn is_source(&self, source: &JsValue) -> bool {
        js_sys::Object::is(self.window.as_ref(), source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_popup_is_centred_over_the_opener() {
        assert_eq!(
            centred_features(100, 50, 1400, 900),
            "popup=yes,width=600,height=720,left=500,top=140"
        );
        // A window smaller than the popup: align to its corner, never off-screen to the left.
        assert_eq!(
            centred_features(0, 0, 360, 640),
            "popup=yes,width=600,height=720,left=0,top=0"
        );
    }
}
