//! Crossing between JavaScript values and JSON, in one place: event details and messages go out
//! as plain objects, received message data comes in as `serde_json::Value` for the api crate's
//! validation. The browser's own `JSON` does the work, which keeps the bundle small.

use wasm_bindgen::JsValue;

/// A plain JavaScript value (objects, arrays, strings, numbers, `null`) for `value`.
pub fn to_js(value: &serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap_or(JsValue::NULL)
}

/// `value` as JSON; `Null` for anything JSON cannot hold (functions, cycles, undefined).
pub fn from_js(value: &JsValue) -> serde_json::Value {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}
