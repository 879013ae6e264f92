//! The package's types (`loader/socialchat-connect.d.ts`, what TypeScript partners compile
//! against) checked against the widget: every attribute the element observes, every channel
//! kind, error code and cancel reason is named there, so a new one cannot ship untyped. The
//! types' own correctness is checked by `tsc --strict` on the examples (scripts/examples).
//!
//! The book's reference pages (`docs/src/reference/`) are checked against the widget the same
//! way, both ways: every attribute, event, error code and cancel reason is in their tables,
//! and their tables name nothing the widget lacks.

use socialchat_api::ChannelKind;

use crate::config::OBSERVED_ATTRIBUTES;
use crate::flow::{CancelReason, ErrorCode};

const TYPES: &str = include_str!("../loader/socialchat-connect.d.ts");
const ATTRIBUTES_PAGE: &str = include_str!("../docs/src/reference/attributes.md");
const EVENTS_PAGE: &str = include_str!("../docs/src/reference/events.md");
const ERRORS_PAGE: &str = include_str!("../docs/src/reference/errors.md");

/// The first column of the table in `page` whose header row starts with `header`, each cell
/// without its backticks.
fn first_column(page: &str, header: &str) -> Vec<String> {
    let mut lines = page.lines().skip_while(|line| !line.starts_with(header));
    assert!(lines.next().is_some(), "a table headed {header:?}");
    lines
        .skip(1)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            line.split('|')
                .nth(1)
                .unwrap_or("")
                .trim()
                .trim_matches('`')
                .to_owned()
        })
        .collect()
}

/// The same names, in any order, each once.
fn assert_same(documented: Vec<String>, code: impl IntoIterator<Item = String>, what: &str) {
    let mut documented = documented;
    let mut code: Vec<String> = code.into_iter().collect();
    documented.sort();
    code.sort();
    assert_eq!(
        documented, code,
        "{what}: the book's table (left) against the widget (right)"
    );
}

#[test]
fn the_books_attributes_are_the_elements() {
    assert_same(
        first_column(ATTRIBUTES_PAGE, "| attribute |"),
        OBSERVED_ATTRIBUTES
            .iter()
            .chain(&["session", "id"])
            .map(|a| a.to_string()),
        "attributes",
    );
}

#[test]
fn the_books_events_and_cancel_reasons_are_the_elements() {
    assert_same(
        first_column(EVENTS_PAGE, "| event |"),
        crate::flow::HostEvent::NAMES.map(str::to_owned),
        "events",
    );
    for reason in CancelReason::ALL {
        assert!(
            EVENTS_PAGE.contains(&format!("`{}`", reason.as_str())),
            "the cancel reason {} in the book's events page",
            reason.as_str()
        );
    }
}

#[test]
fn the_books_error_codes_are_the_widgets_and_the_proxys() {
    assert_same(
        first_column(ERRORS_PAGE, "| code | when |"),
        ErrorCode::ALL.map(|c| c.as_str().to_owned()),
        "the widget's error codes",
    );
    assert_same(
        first_column(ERRORS_PAGE, "| code | status |"),
        socialchat_api::RefusalCode::ALL.map(|c| c.as_str().to_owned()),
        "the proxy's refusal codes",
    );
}

#[test]
fn every_error_code_is_typed() {
    for code in ErrorCode::ALL {
        let quoted = format!("| \"{}\"", code.as_str());
        assert!(TYPES.contains(&quoted), "ErrorCode in the types: {quoted}");
    }
    let typed = TYPES
        .split("export type ErrorCode =")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .expect("the types declare ErrorCode");
    assert_eq!(
        typed.matches("| \"").count(),
        ErrorCode::ALL.len(),
        "no code typed that the widget lacks"
    );
}

#[test]
fn every_cancel_reason_and_kind_is_typed() {
    let reasons = TYPES
        .lines()
        .find(|l| l.starts_with("export type CancelReason ="))
        .expect("the types declare CancelReason");
    for reason in CancelReason::ALL {
        assert!(
            reasons.contains(&format!("\"{}\"", reason.as_str())),
            "{reason:?}"
        );
    }
    assert_eq!(reasons.matches('"').count(), 2 * CancelReason::ALL.len());
    let kinds = TYPES
        .lines()
        .find(|l| l.starts_with("export type ChannelKind ="))
        .expect("the types declare ChannelKind");
    for kind in ChannelKind::ALL {
        assert!(
            kinds.contains(&format!("\"{}\"", kind.as_str())),
            "{kind:?}"
        );
    }
    assert_eq!(kinds.matches('"').count(), 2 * ChannelKind::ALL.len());
}

#[test]
fn every_attribute_is_typed() {
    let attributes = TYPES
        .split("export interface SocialchatConnectAttributes {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("the types declare the attributes");
    let declared = |name: &str| {
        attributes.lines().any(|line| {
            let line = line.trim_start();
            line.starts_with(&format!("{name}:"))
                || line.starts_with(&format!("{name}?:"))
                || line.starts_with(&format!("\"{name}\"?:"))
        })
    };
    for name in OBSERVED_ATTRIBUTES.iter().copied().chain(["session", "id"]) {
        assert!(declared(name), "the attribute {name} in the types");
    }
}
