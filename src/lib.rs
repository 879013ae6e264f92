//! socialchat-connect: the `<socialchat-connect>` element that lets a partner's users connect
//! Instagram to Socialchat without leaving the partner's dashboard.
//!
//! The crate is split the way it is tested. The pure core ([`config`], [`i18n`]) has no web
//! dependency and is tested natively in milliseconds; the thin browser shell (`element`, `ui`)
//! exists only on wasm32 and is tested in headless Chromium (`tests/`).

pub mod config;
pub mod flow;
pub mod i18n;

#[cfg(target_arch = "wasm32")]
mod element;
#[cfg(target_arch = "wasm32")]
mod ui;

#[cfg(target_arch = "wasm32")]
pub use element::register;
