//! A channel list or an error body from Socialchat, any bytes: reading never panics, and a list
//! read is written and read back the same.
use socialchat_api::{ApiError, ChannelList};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let _ = ApiError::from_response(400, text);
        if let Ok(list) = ChannelList::parse(text) {
            let again = ChannelList::parse(&list.value.to_json().to_string())
                .expect("a list's own JSON reads");
            assert_eq!(again.dropped, 0);
            assert_eq!(again.value, list.value);
        }
    });
}
