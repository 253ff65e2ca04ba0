//! `zennet-qt`, the GUI wallet: an egui application that talks to `zennetd`
//! only over JSON-RPC (the `rpc` crate's client), from one backend thread.

pub mod amount;
pub mod app;
pub mod backend;
pub mod connect;
pub mod pages;
pub mod prefs;

pub use app::{Page, ZennetApp};
pub use connect::ConnectSettings;
