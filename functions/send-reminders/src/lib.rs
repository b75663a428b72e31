//! `send-reminders`: the daily reminder pass (and the follow-ups of
//! goodwill credits whose day has come). EventBridge Scheduler invokes
//! it on business days with `{"as_of": "YYYY-MM-DD"}` (optional: today in
//! Paris by default), so any day's pass can be replayed. Outside Lambda it
//! runs one pass: `send-reminders [YYYY-MM-DD] [--dry-run]`, printing the
//! summary as JSON. `main.rs` only wires the runtime to what is here.

use chrono::{DateTime, NaiveDate, Utc};
use relance::delivery::Deliverer;
use relance::domain::CustomerId;
use relance::domain::calendar::{business_date, pass_instant};
use relance::domain::dunning::Policy;
use relance::mail::Mailer;
use relance::reminders::{Pace, Pass, PassRecord, PassSummary};
use relance::store::Store;
use serde::{Deserialize, Serialize};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Time kept back before the Lambda limit to finish the customers under
/// way and hand over.
pub const MARGIN: std::time::Duration = std::time::Duration::from_secs(60);

/// What one invocation is asked to do.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Request {
    pub as_of: Option<NaiveDate>,
    #[serde(default)]
    pub dry_run: bool,
    /// Set by the function itself when a pass continues in a new invocation.
    #[serde(default)]
    pub resume_after: Option<CustomerId>,
}

impl Request {
    /// The invocation's payload. A scheduler event without a body, or with
    /// other fields only, is today's pass; a malformed `as_of` is refused,
    /// not guessed.
    pub fn from_event(payload: serde_json::Value) -> Result<Self, serde_json::Error> {
        match payload {
            serde_json::Value::Object(map)
                if ["as_of", "dry_run", "resume_after"]
                    .iter()
                    .any(|k| map.contains_key(*k)) =>
            {
                serde_json::from_value(serde_json::Value::Object(map))
            }
            _ => Ok(Self::default()),
        }
    }

    /// The command line: an optional date and `--dry-run`.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut request = Self::default();
        for arg in args {
            if arg == "--dry-run" {
                request.dry_run = true;
            } else {
                request.as_of = Some(
                    arg.parse()
                        .map_err(|e| format!("`{arg}` is not a date (YYYY-MM-DD): {e}"))?,
                );
            }
        }
        Ok(request)
    }

    /// The request that finishes a pass stopped at its deadline, if it was.
    pub fn continuation(&self, summary: &PassSummary) -> Option<Self> {
        summary.resume_after.as_ref().map(|after| Self {
            as_of: summary.as_of,
            dry_run: self.dry_run,
            resume_after: Some(after.clone()),
        })
    }
}

/// The function's parts, built once per instance.
pub struct Function<M> {
    pub store: Store,
    pub deliverer: Deliverer<M>,
    pub policy: Policy,
    pub ses_per_second: u32,
}

impl<M: Mailer> Function<M> {
    /// One pass as `request` asks, at `wall` (the edge reads the clock).
    pub async fn run(
        &self,
        request: &Request,
        wall: DateTime<Utc>,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<PassSummary, Error> {
        // A pass replayed as of another day runs as if it were that day's
        // morning (08:00 in Paris), so the contact budget matches the date.
        let as_of = request.as_of.unwrap_or_else(|| business_date(wall));
        let now = pass_instant(as_of, wall);
        let pace = Pace::new(self.ses_per_second);
        let pass = Pass {
            dry_run: request.dry_run,
            deadline,
            resume_after: request.resume_after.clone(),
            ..Pass::new(&self.store, &self.deliverer, &self.policy, as_of, now, &pace)
        };
        let mut summary = pass.run().await?;
        if !request.dry_run {
            // Kept for the console's "last passes"; the pass itself is done,
            // so a failure here is logged, not a failed pass to retry.
            let record = PassRecord::new(&summary, as_of, wall, request.resume_after.is_some());
            if let Err(err) = self.store.record_pass(&record).await {
                tracing::error!(error = %err, %as_of, "the pass's record was not kept");
            }
        }
        if !request.dry_run && request.resume_after.is_none() {
            // Credits granted some days ago: their follow-up question is
            // due (the survey dispatcher decides whether to ask it).
            let follow_ups = relance::credits::follow_up_credits(&self.store, as_of, now).await?;
            tracing::info!(%as_of, follow_ups, "credit follow-ups written");
            // Promises to customers past their 48 hours: the second person
            // hears of each, once.
            summary.escalations = relance::escalations::escalate(&self.store, &self.deliverer, now).await?;
        }
        tracing::info!(
            %as_of,
            customers = summary.customers,
            emails_sent = summary.emails_sent,
            emails_pending = summary.emails_pending,
            handed_off = summary.handed_off,
            skipped = ?summary.skipped,
            resume_after = ?summary.resume_after,
            "reminder pass done"
        );
        Ok(summary)
    }
}

/// The pass's figures as one metrics line; the template's alarms watch them.
pub fn metrics(summary: &PassSummary, function: &str, now: DateTime<Utc>) -> String {
    relance::telemetry::metrics(
        ("Function", function),
        &[
            ("RemindersSent", summary.emails_sent),
            ("EmailsPending", summary.emails_pending),
            ("EmailsStuckSending", summary.stuck_sending),
            ("FinanceAlerts", summary.finance_alerts),
        ],
        now,
    )
}
