//! What every use case is called with, and what calls in one process
//! share: who calls and when (one [`Call`]), how the edge reads the time
//! (one [`Clock`]), and the per-process turn on a numbered series
//! ([`IssueGate`]).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::Actor;
use crate::domain::calendar::business_date;

/// Reads the time. Only the edge reads the wall clock; tests and the demo
/// pass another.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The wall clock, for the functions as deployed.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// Who calls a use case and when: the instant recorded on what it writes,
/// and the business date it decides by.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
}

impl<'a> Call<'a> {
    /// A call at `now`, dated by the business calendar (Paris).
    pub fn at(actor: &'a Actor, now: DateTime<Utc>) -> Self {
        Self {
            actor,
            now,
            today: business_date(now),
        }
    }
}

/// Lets one issue at a time per process read a series' sequence and
/// commit. Writers in the same process would otherwise collide on the
/// sequence and waste transactions; writers in other processes (other
/// Lambda instances) are still kept apart by the conditional write.
#[derive(Default)]
pub struct IssueGate(pub(crate) tokio::sync::Mutex<()>);
