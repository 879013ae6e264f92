//! What crosses between JavaScript values and Rust types, in one place: the proxy's answers,
//! callback messages, the redirect's storage records, event details. serde-wasm-bindgen reads and
//! writes the JavaScript values themselves; where text is needed (a stored record, a request
//! body, an error page) the browser's own `JSON` parses or prints it. So no JSON text parser or
//! printer is in the widget's WebAssembly.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use socialchat_api::lenient::Item;
use wasm_bindgen::JsValue;

/// A plain JavaScript value for `value`: objects (never `Map`s), arrays, strings, numbers,
/// `null` for `None`.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    let plain = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&plain).unwrap_or(JsValue::NULL)
}

/// Reads a JavaScript value as `T`, with a message when it is not one.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

/// The value `text` holds, parsed by the browser; `None` when it is not JSON.
pub fn parse(text: &str) -> Option<JsValue> {
    js_sys::JSON::parse(text).ok()
}

/// `value` as JSON text, printed by the browser.
pub fn stringify(value: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(value).ok()?.as_string()
}

/// Reads `text` (JSON) as `T`.
pub fn from_text<T: DeserializeOwned>(text: &str) -> Option<T> {
    from_js(parse(text)?).ok()
}

/// `value` as JSON text.
pub fn to_text<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    stringify(&to_js(value))
}

/// One item of a list, kept as the JavaScript value it came as, to be read on its own (see
/// [`Item`]): one odd account or channel is dropped, not the page.
#[derive(Clone)]
pub struct JsItem(JsValue);

impl JsItem {
    pub fn new(value: JsValue) -> JsItem {
        JsItem(value)
    }
}

impl<'de> Deserialize<'de> for JsItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_wasm_bindgen::preserve::deserialize(d).map(JsItem)
    }
}

impl Item for JsItem {
    fn read<T: DeserializeOwned>(self) -> Result<T, String> {
        from_js(self.0)
    }
}
