//! An account page from Socialchat, any bytes: reading never panics, and a page read is written
//! and read back the same.
use socialchat_api::AccountPage;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if let Ok(page) = AccountPage::parse(text) {
            let again = AccountPage::parse(&page.value.to_json().to_string())
                .expect("a page's own JSON reads");
            assert_eq!(again.dropped, 0);
            assert_eq!(again.value, page.value);
        }
    });
}
