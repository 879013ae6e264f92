//! The authorization popup: opened blank and centred inside the click (popup blockers allow
//! only that), pointed at Facebook when the URL arrives, watched for closing and for the
//! authorization's time limit, closed at the end. The watch lives here beside the popup it
//! watches (as auth0-spa-js keeps `runPopup` beside `openPopup`): dropping a [`Popup`] stops its
//! timers and closes its window, so whoever holds it releases everything by letting it go.

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

#[cfg(all(target_arch = "wasm32", feature = "element"))]
pub use browser::Popup;

/// Opens a blank, centred popup named `name`, with `waiting_text` in it while the authorization
/// URL is on its way. Call it synchronously in a click handler, before any `await`. `None` when
/// the browser blocked it.
#[cfg(target_arch = "wasm32")]
pub fn open_blank_window(name: &str, waiting_text: &str) -> Option<web_sys::Window> {
    use wasm_bindgen::JsValue;
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
    if let Some(body) = window.document().and_then(|d| d.body()) {
        body.set_text_content(Some(waiting_text));
    }
    Some(window)
}

#[cfg(all(target_arch = "wasm32", feature = "element"))]
mod browser {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;

    use leptos::prelude::{
        set_interval_with_handle, set_timeout_with_handle, IntervalHandle, TimeoutHandle,
    };
    use wasm_bindgen::JsValue;
    use web_sys::Window;

    /// How often the popup is checked for being closed.
    const POLL: Duration = Duration::from_millis(500);

    pub struct Popup {
        window: Window,
        watch: Option<Watch>,
    }

    /// The timers of a watched popup, cleared when it is dropped.
    struct Watch {
        poll: Rc<Cell<Option<IntervalHandle>>>,
        timeout: Option<TimeoutHandle>,
    }

    impl Drop for Watch {
        fn drop(&mut self) {
            if let Some(poll) = self.poll.take() {
                poll.clear();
            }
            if let Some(timeout) = self.timeout.take() {
                timeout.clear();
            }
        }
    }

    impl Popup {
        /// Opens a blank popup. Call it synchronously in a click handler, before any `await`.
        /// `None` when the browser blocked it.
        pub fn open_blank(name: &str, waiting_text: &str) -> Option<Popup> {
            super::open_blank_window(name, waiting_text).map(Popup::adopt)
        }

        /// A popup opened already (by the first module's button, in the click).
        pub fn adopt(window: Window) -> Popup {
            Popup {
                window,
                watch: None,
            }
        }

        /// Points the popup at `url` and watches it: `on_closed` runs once when it reads closed
        /// (closed by the user, or severed by Facebook's Cross-Origin-Opener-Policy, when it
        /// reads closed although it is open), `on_timeout` once `timeout` has passed.
        pub fn navigate_and_watch(
            &mut self,
            url: &str,
            timeout: Duration,
            on_closed: impl FnOnce() + 'static,
            on_timeout: impl FnOnce() + 'static,
        ) {
            let _ = self.window.location().set_href(url);
            let poll: Rc<Cell<Option<IntervalHandle>>> = Rc::new(Cell::new(None));
            let window = self.window.clone();
            let on_closed = Cell::new(Some(on_closed));
            let own_poll = poll.clone();
            let handle = set_interval_with_handle(
                move || {
                    if window.closed().unwrap_or(true) {
                        if let Some(handle) = own_poll.take() {
                            handle.clear();
                        }
                        if let Some(on_closed) = on_closed.take() {
                            on_closed();
                        }
                    }
                },
                POLL,
            )
            .ok();
            poll.set(handle);
            self.watch = Some(Watch {
                poll,
                timeout: set_timeout_with_handle(on_timeout, timeout).ok(),
            });
        }

        /// Whether a message's `source` is this popup.
        pub fn is_source(&self, source: &JsValue) -> bool {
            js_sys::Object::is(self.window.as_ref(), source)
        }
    }

    impl Drop for Popup {
        fn drop(&mut self) {
            self.watch = None;
            let _ = self.window.close();
        }
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
