//! The integration tests: one crate, so the library and its test support are built once.
//!
//! Each module drives the real thing from the outside: the engine on the shipped knowledge
//! ([`answers`], [`figures_seed`], [`input_props`]), live reload and the persistent index
//! ([`reload`]), the scam scanner ([`scan`]), and the bot — the real dispatcher and the real
//! binary against a mock Bot API on 127.0.0.1 ([`bot`], [`bot_reload`], [`bot_scam`]) — and
//! series and their charts ([`charts`]). Shared helpers (the mock API, update builders, the
//! harness, the process runner) are in [`support`].

mod support;

mod answers;
mod bot;
mod bot_reload;
mod bot_scam;
mod charts;
mod figures_seed;
mod input_props;
mod reload;
mod scan;
