//! A request to the partner proxy, any bytes: the first line is the method and the path, the
//! second the query, the rest the body. Recognizing never panics, and a call recognized is
//! rebuilt (method, path, query, body) to a request that is recognized as the same call.
use socialchat_api::PartnerCall;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let mut parts = data.splitn(3, |&b| b == b'\n');
        let head = std::str::from_utf8(parts.next().unwrap_or_default()).unwrap_or("");
        let query = std::str::from_utf8(parts.next().unwrap_or_default()).unwrap_or("");
        let body = parts.next().unwrap_or_default();
        let (method, path) = head.split_once(' ').unwrap_or(("GET", head));
        if let Ok(call) = PartnerCall::from_request(method, path, Some(query), body) {
            let body = call
                .body()
                .map(|b| serde_json::to_vec(&b).expect("a body writes"))
                .unwrap_or_default();
            let again = PartnerCall::from_request(
                call.method().as_str(),
                &call.path(),
                Some(&call.query_string()),
                &body,
            );
            assert_eq!(again, Ok(call));
        }
    });
}
