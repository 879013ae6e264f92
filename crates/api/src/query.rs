//! Query strings, both ways: the widget builds `?token=…&nextOffset=…`, the callback page reads
//! `?token=…` or Facebook's `?error=…`. Small and dependency-free, so the wasm stays small.

/// Percent-encodes one query component (RFC 3986 unreserved characters stay as they are).
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Builds `a=1&b=2` from pairs, encoding each key and value.
pub fn build(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte; a
/// broken escape is kept literally and invalid UTF-8 becomes U+FFFD, as browsers do.
pub fn decode_component(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses `?a=1&b=2` (the leading `?` is optional) into decoded pairs, in order.
pub fn parse(query: &str) -> Vec<(String, String)> {
    query
        .strip_prefix('?')
        .unwrap_or(query)
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((k, v)) => (decode_component(k), decode_component(v)),
            None => (decode_component(part), String::new()),
        })
        .collect()
}

/// The first value of `key` in a parsed query.
pub fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_through_decoding() {
        for s in [
            "",
            "abc",
            "a b+c&d=e/f?g#h%",
            "Ωmega 🙂",
            "0jHNnNKM/+==",
            "~._-",
        ] {
            assert_eq!(decode_component(&encode_component(s)), s);
        }
        assert_eq!(encode_component("a b&c"), "a%20b%26c");
    }

    #[test]
    fn build_makes_a_query() {
        assert_eq!(
            build(&[("token", "t/1"), ("nextOffset", "a=b")]),
            "token=t%2F1&nextOffset=a%3Db"
        );
    }

    #[test]
    fn parse_reads_facebooks_error_parameters() {
        let q = parse(
            "?error=access_denied&error_reason=user_denied&error_description=Permissions+error.",
        );
        assert_eq!(first(&q, "error"), Some("access_denied"));
        assert_eq!(first(&q, "error_description"), Some("Permissions error."));
        assert_eq!(first(&q, "token"), None);
    }

    #[test]
    fn parse_survives_broken_input() {
        let q = parse("a=%&b=%zz&c=%4&&=x&d&e=%C3%28");
        assert_eq!(first(&q, "a"), Some("%"));
        assert_eq!(first(&q, "b"), Some("%zz"));
        assert_eq!(first(&q, "c"), Some("%4"));
        assert_eq!(first(&q, ""), Some("x"));
        assert_eq!(first(&q, "d"), Some(""));
        assert_eq!(first(&q, "e"), Some("\u{FFFD}("));
        assert!(parse("").is_empty());
        assert!(parse("?").is_empty());
    }
}
