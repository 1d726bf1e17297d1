//! The app loop (TUI) and its headless variant. OWNER: ui helper (mod.rs), model helper (headless.rs).
pub mod headless;
pub mod redraw;
pub mod snapshot;
pub mod terminal;
