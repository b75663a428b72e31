//! The main job on one command: Atelier Durand's month with relance — a
//! dozen customers, their invoices, the daily reminder passes, a customer
//! asking for help and others answering surveys through the real pages, a
//! billing error repaired with a credit — against the local stack.

pub mod browser;
pub mod local;
pub mod portfolio;
pub mod report;
pub mod scenario;

pub use local::Ports;
pub use scenario::{Options, Outcome, run};
