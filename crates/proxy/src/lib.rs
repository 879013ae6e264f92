//! `socialchat-proxy`: the reference partner proxy for socialchat-connect, as a library.
//!
//! - [`app`] is the HTTP server that `serve` and `sandbox` share: one axum router, its layers,
//!   and one typed pipeline for every widget call (recognize, authorize, call the backend,
//!   project the answer, finish it); [`options`] are its flags, checked; [`server`] runs it on
//!   hyper's connections within limits and drains them on SIGTERM; [`files`] serves
//!   `--static`.
//! - [`call`] is what a backend receives and answers; [`upstream`] (Socialchat over HTTPS with
//!   the API key) and [`sandbox`] (an in-process simulation of Socialchat and Facebook) are the
//!   two backends; [`client`] is the one outbound HTTP client (Socialchat, the webhook, the
//!   container's probe).
//! - [`project`] turns a backend's answer into what a browser may see; [`secret_shape`] tells
//!   whether an upstream message would show a secret.
//! - [`session`] checks who may call (the JWT the partner's backend mints) and what for;
//!   [`webhook`] tells the partner's backend of each channel connected, from the durable
//!   [`outbox`]; [`limit`] holds the
//!   rate limits; [`marks`] tells the picker which accounts the company already has.
//! - [`observe`] is what operators see: the log (`tracing`, text or JSON lines), the
//!   Prometheus metrics, and the facts each call leaves for both.
//! - [`set_callback`] is step 1 of the partner guide (`PUT /partner`).
//!
//! `main.rs` only reads the command line and calls into this crate, so the pipeline is tested
//! in-process (`Router` + `oneshot`) as well as over real HTTP against the binary.

pub mod app;
pub mod call;
pub mod client;
pub mod files;
pub mod limit;
pub mod marks;
pub mod observe;
pub mod options;
pub mod outbox;
pub mod problem;
pub mod project;
pub mod random;
pub mod sandbox;
pub mod secret_shape;
pub mod server;
pub mod session;
pub mod set_callback;
pub mod upstream;
pub mod webhook;
