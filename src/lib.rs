//! socialchat-connect: the `<socialchat-connect>` element that lets a partner's users connect
//! Instagram to Socialchat without leaving the partner's dashboard.
//!
//! The crate is split the way it is tested. The pure core ([`config`], [`flow`], [`i18n`],
//! [`redirect`] and the pure parts of [`popup`]) has no web dependency and is tested natively in
//! milliseconds; the thin browser shell (`element`, `client`, `events`, `wire`, `storage`,
//! `callback_page`, `ui`) exists only on wasm32 and is tested in headless Chromium (`tests/`).
//! The element's part of the shell (`element`, `client`, `ui`, with Leptos) is the
//! default feature `element`; without it the wasm is the partner bundle's small first module
//! (scripts/bundle): the callback page, and `button`, which draws each element's Connect button
//! and takes its click until the element's module has loaded (`element_class`).

pub mod attempt;
pub mod channels;
pub mod config;
pub mod flow;
pub mod i18n;
pub mod popup;
pub mod redirect;
pub mod session;
pub mod view;

#[cfg(test)]
mod contract;

#[cfg(all(target_arch = "wasm32", not(feature = "element")))]
mod button;
#[cfg(target_arch = "wasm32")]
mod callback_page;
#[cfg(all(target_arch = "wasm32", feature = "element"))]
mod client;
#[cfg(all(target_arch = "wasm32", feature = "element"))]
mod element;
#[cfg(target_arch = "wasm32")]
mod element_class;
#[cfg(target_arch = "wasm32")]
// Shared by the element and the first module (which tells only `load-failed`).
#[cfg_attr(not(feature = "element"), allow(dead_code))]
mod events;
#[cfg(target_arch = "wasm32")]
// Shared by the element and the callback page: without the element, its half is unused.
#[cfg_attr(not(feature = "element"), allow(dead_code))]
mod storage;
#[cfg(target_arch = "wasm32")]
mod style;
#[cfg(all(target_arch = "wasm32", feature = "element"))]
mod ui;
#[cfg(target_arch = "wasm32")]
// Shared by the element and the callback page: without the element, its half is unused.
#[cfg_attr(not(feature = "element"), allow(dead_code))]
mod wire;

#[cfg(all(target_arch = "wasm32", not(feature = "element")))]
pub use button::register_button;
#[cfg(target_arch = "wasm32")]
pub use callback_page::run_callback_page;
#[cfg(all(target_arch = "wasm32", feature = "element"))]
pub use element::register;
