//! The command line's parts, apart from argument parsing.

pub mod api;
pub mod import;
