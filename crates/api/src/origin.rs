//! Lists of web origins, as partners write them: the proxy's `--allow-origin` (the pages that
//! may call it from a browser) and the widget's `callback-origin` attribute (the pages whose
//! callback messages it accepts) read the same rule from here.
//!
//! An origin is written the way browsers serialize one: `https://dashboard.example` or
//! `http://127.0.0.1:8080`, a scheme, a host and an optional port, nothing after. A list
//! separates them with commas or spaces; each is kept in lower case, as browsers compare them.
//! `*`, `null`, a path and an empty list are refused: each would allow more than the partner
//! meant, or nothing at all.
//!
//! ## Usage
//!
//! ```
//! use socialchat_api::origin::{parse_origin_list, InvalidOrigin};
//!
//! assert_eq!(
//!     parse_origin_list("https://Dash.example, http://127.0.0.1:8080"),
//!     Ok(vec!["https://dash.example".to_owned(), "http://127.0.0.1:8080".to_owned()])
//! );
//! assert_eq!(parse_origin_list(" , "), Err(InvalidOrigin::Empty));
//! assert!(parse_origin_list("https://dash.example/").is_err());
//! ```

use crate::error::truncate_chars;

/// The longest host and port: a DNS name of 253 characters and `:65535`.
const MAX_HOST_AND_PORT: usize = 253 + 6;

/// Why a list of origins is refused; the message ends a sentence that names the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOrigin {
    /// Nothing but separators.
    #[error(
        "lists no origin: give one or more like https://dashboard.example, separated by commas \
         or spaces"
    )]
    Empty,
    /// One entry that is not an origin (the entry, cut to 100 characters).
    #[error(
        "must list origins like https://dashboard.example (scheme, host, optional port, \
         nothing after), not {0:?}"
    )]
    NotAnOrigin(String),
}

/// Whether `text` is a serialized origin: `http://` or `https://` (in lower case, as browsers
/// write it), then a host and an optional port (letters, digits, `.`, `-`, `:`, `[`, `]`),
/// nothing after. No `*`, no `null`, no path, not even a trailing `/`.
pub fn is_origin(text: &str) -> bool {
    let Some(host_and_port) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    !host_and_port.is_empty()
        && host_and_port.len() <= MAX_HOST_AND_PORT
        && host_and_port
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// The entries of a list of origins: separated by commas or spaces, empty ones skipped.
pub fn split_origin_list(value: &str) -> impl Iterator<Item = &str> {
    value.split([',', ' ']).filter(|entry| !entry.is_empty())
}

/// Reads entries (of [`split_origin_list`], or adjusted by a caller) as origins, each in lower
/// case; there must be at least one.
pub fn parse_origins<'a>(
    entries: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, InvalidOrigin> {
    let origins = entries
        .into_iter()
        .map(|entry| {
            if is_origin(entry) {
                Ok(entry.to_ascii_lowercase())
            } else {
                Err(InvalidOrigin::NotAnOrigin(truncate_chars(entry, 100)))
            }
        })
        .collect::<Result<Vec<String>, InvalidOrigin>>()?;
    if origins.is_empty() {
        return Err(InvalidOrigin::Empty);
    }
    Ok(origins)
}

/// Reads a list of origins like `https://a.example, https://b.example:8443`: each entry an
/// origin ([`is_origin`]), kept in lower case; at least one.
pub fn parse_origin_list(value: &str) -> Result<Vec<String>, InvalidOrigin> {
    parse_origins(split_origin_list(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_split_on_commas_and_spaces_and_lowercased() {
        assert_eq!(
            parse_origin_list("https://a.example, https://B.example:8443").unwrap(),
            ["https://a.example", "https://b.example:8443"]
        );
        assert_eq!(
            parse_origin_list("https://Dash.example http://127.0.0.1:8080,,http://[::1]:3000")
                .unwrap(),
            [
                "https://dash.example",
                "http://127.0.0.1:8080",
                "http://[::1]:3000"
            ]
        );
        assert_eq!(
            parse_origin_list("https://a.example").unwrap(),
            ["https://a.example"]
        );
    }

    #[test]
    fn anything_but_an_origin_is_refused_naming_it() {
        for bad in [
            "https://a.example/",
            "https://a.example/x",
            "https://dash.example/callback",
            "a.example",
            "dash.example",
            "//a.example",
            "ftp://a.example",
            "HTTPS://a.example",
            "https://",
            "https://a.example?x",
            "https://a.example#x",
            "https://user@a.example",
            "https://a_b.example",
            "https://ä.example",
            "*",
            "null",
            "https://a.example, *",
            "https://a.example,null",
        ] {
            let e = parse_origin_list(bad).unwrap_err();
            assert!(
                matches!(&e, InvalidOrigin::NotAnOrigin(entry) if bad.contains(entry.as_str())),
                "{bad}: {e:?}"
            );
            assert!(e.to_string().contains("https://dashboard.example"), "{e}");
        }
    }

    #[test]
    fn an_empty_list_is_refused() {
        for empty in ["", " ", ",", " , ,"] {
            assert_eq!(
                parse_origin_list(empty),
                Err(InvalidOrigin::Empty),
                "{empty:?}"
            );
        }
        assert!(InvalidOrigin::Empty.to_string().contains("lists no origin"));
    }

    #[test]
    fn a_host_longer_than_a_dns_name_is_refused() {
        let longest = format!("https://{}:65535", "a".repeat(253));
        assert!(is_origin(&longest));
        let longer = format!("https://{}:65535", "a".repeat(254));
        assert!(!is_origin(&longer));
        let e = parse_origin_list(&format!("https://{}", "a".repeat(10_000))).unwrap_err();
        assert!(e.to_string().len() < 300, "the entry is cut: {e}");
    }

    #[test]
    fn one_origin_is_checked_as_written() {
        assert!(is_origin("https://dash.example"));
        assert!(is_origin("http://localhost:8080"));
        assert!(is_origin("https://Dash.Example"), "a host in any case");
        for bad in ["https://dash.example/", "https://dash.example ", "", "null"] {
            assert!(!is_origin(bad), "{bad:?}");
        }
    }
}
