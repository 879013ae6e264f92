//! The package's types (`loader/socialchat-connect.d.ts`, what TypeScript partners compile
//! against) checked against the widget: every attribute the element observes, every channel
//! kind, error code and cancel reason is named there, so a new one cannot ship untyped. The
//! types' own correctness is checked by `tsc --strict` on the examples (scripts/examples).

use socialchat_api::ChannelKind;

use crate::config::OBSERVED_ATTRIBUTES;
use crate::flow::{CancelReason, ErrorCode};

const TYPES: &str = include_str!("../loader/socialchat-connect.d.ts");

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
