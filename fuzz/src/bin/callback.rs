//! What reaches the callback page and the widget: a callback URL's query and a message from
//! another window, any bytes. Reading never panics; a message read from the URL is sent and
//! received the same; a received message that validates is sent again the same.
use socialchat_api::callback::{channel_of_callback, MessageWire};
use socialchat_api::CallbackMessage;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let kind = channel_of_callback("/callback.html", text);
        let message = CallbackMessage::from_callback_query(kind, text);
        let wire = serde_json::to_value(message.to_wire()).expect("a message writes");
        let received = CallbackMessage::from_wire(serde_json::from_value(wire).ok());
        assert_eq!(received, Ok(message));
        if let Ok(wire) = serde_json::from_str::<MessageWire>(text) {
            if let Ok(message) = CallbackMessage::from_wire(Some(wire)) {
                let again = serde_json::to_value(message.to_wire()).expect("a message writes");
                let again = CallbackMessage::from_wire(serde_json::from_value(again).ok());
                assert_eq!(again, Ok(message));
            }
        }
    });
}
