//! What the buyer's approved platform ("plateforme agréée") reports about
//! an invoice: its lifecycle statuses, and what each means for the
//! relationship. Platform-neutral: an adapter for one platform maps its
//! messages to these names (or to the French lifecycle codes 200–213).
//!
//! - refused or disputed by the buyer: a dispute is opened with the
//!   buyer's reason (no reminder until finance settles it), finance is
//!   alerted once;
//! - rejected (the buyer never received it) or suspended: no reminder
//!   while that is the current status, finance is alerted once;
//! - paid ("encaissée"): the payment is recorded, once, whatever else
//!   recorded it first;
//! - the others are recorded in the history.
//!
//! A status older than the current one is recorded without changing it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Dispute, Invoice};
use crate::domain::event::EventKind;
use crate::domain::ids::Actor;
use crate::domain::validation::{FieldError, Problems, text};

/// The longest reason or platform name kept.
pub const REASON_MAX_CHARS: usize = 500;
pub const ID_MAX_CHARS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformStatus {
    Deposited,
    Issued,
    Received,
    MadeAvailable,
    TakenOver,
    Approved,
    PartiallyApproved,
    Disputed,
    Suspended,
    Completed,
    Refused,
    PaymentSent,
    Paid,
    Rejected,
}

/// What a status does beyond being recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Record,
    /// The buyer contests the invoice: a dispute.
    Dispute,
    /// Reminders wait while this is the current status.
    Hold,
    /// The invoice is collected: record the payment.
    Paid,
}

impl PlatformStatus {
    pub const ALL: [PlatformStatus; 14] = [
        PlatformStatus::Deposited,
        PlatformStatus::Issued,
        PlatformStatus::Received,
        PlatformStatus::MadeAvailable,
        PlatformStatus::TakenOver,
        PlatformStatus::Approved,
        PlatformStatus::PartiallyApproved,
        PlatformStatus::Disputed,
        PlatformStatus::Suspended,
        PlatformStatus::Completed,
        PlatformStatus::Refused,
        PlatformStatus::PaymentSent,
        PlatformStatus::Paid,
        PlatformStatus::Rejected,
    ];

    /// The French lifecycle code (200 deposited … 213 rejected).
    pub fn code(self) -> u16 {
        200 + Self::ALL.iter().position(|s| *s == self).map_or(0, |i| i as u16)
    }

    pub fn name(self) -> &'static str {
        match self {
            PlatformStatus::Deposited => "deposited",
            PlatformStatus::Issued => "issued",
            PlatformStatus::Received => "received",
            PlatformStatus::MadeAvailable => "made_available",
            PlatformStatus::TakenOver => "taken_over",
            PlatformStatus::Approved => "approved",
            PlatformStatus::PartiallyApproved => "partially_approved",
            PlatformStatus::Disputed => "disputed",
            PlatformStatus::Suspended => "suspended",
            PlatformStatus::Completed => "completed",
            PlatformStatus::Refused => "refused",
            PlatformStatus::PaymentSent => "payment_sent",
            PlatformStatus::Paid => "paid",
            PlatformStatus::Rejected => "rejected",
        }
    }

    /// A name, or a code as text ("210").
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|s| s.name() == text || s.code().to_string() == text)
            .ok_or_else(|| {
                format!(
                    "is not a platform status: one of {} (or its code, 200 to 213)",
                    Self::ALL.map(Self::name).join(", ")
                )
            })
    }

    pub fn effect(self) -> Effect {
        match self {
            PlatformStatus::Refused | PlatformStatus::Disputed => Effect::Dispute,
            PlatformStatus::Rejected | PlatformStatus::Suspended => Effect::Hold,
            PlatformStatus::Paid => Effect::Paid,
            _ => Effect::Record,
        }
    }

    /// The French word the platforms use, for people.
    pub fn label_fr(self) -> &'static str {
        match self {
            PlatformStatus::Deposited => "déposée",
            PlatformStatus::Issued => "émise",
            PlatformStatus::Received => "reçue",
            PlatformStatus::MadeAvailable => "mise à disposition",
            PlatformStatus::TakenOver => "prise en charge",
            PlatformStatus::Approved => "approuvée",
            PlatformStatus::PartiallyApproved => "approuvée partiellement",
            PlatformStatus::Disputed => "en litige",
            PlatformStatus::Suspended => "suspendue",
            PlatformStatus::Completed => "complétée",
            PlatformStatus::Refused => "refusée",
            PlatformStatus::PaymentSent => "paiement transmis",
            PlatformStatus::Paid => "encaissée",
            PlatformStatus::Rejected => "rejetée",
        }
    }
}

/// The invoice's current platform status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformState {
    pub status: PlatformStatus,
    pub code: u16,
    pub status_id: String,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub platform: Option<String>,
}

impl PlatformState {
    pub fn holds_reminders(&self) -> bool {
        self.status.effect() == Effect::Hold
    }
}

/// A status as the platform (or its adapter) reports it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformStatusInput {
    /// A name (`refused`) or the French lifecycle code (`210`).
    pub status: String,
    /// The platform's own id for this status message: the same id is
    /// recorded once.
    pub status_id: String,
    /// When the platform recorded it, with its offset (RFC 3339).
    pub at: DateTime<chrono::FixedOffset>,
    /// The buyer's or the platform's reason (refused, rejected, disputed).
    #[serde(default)]
    pub reason: Option<String>,
    /// Which platform says it.
    #[serde(default)]
    pub platform: Option<String>,
    /// For `paid`: the amount collected; what is left when absent.
    #[serde(default)]
    pub amount_minor: Option<i64>,
}

impl PlatformStatusInput {
    pub fn check(&self) -> Result<PlatformState, Vec<FieldError>> {
        let mut p = Problems::default();
        let status = p.check("status", PlatformStatus::parse(&self.status));
        let status_id = p.check("status_id", text(&self.status_id, ID_MAX_CHARS));
        let reason = match &self.reason {
            Some(r) => p.check("reason", text(r, REASON_MAX_CHARS)),
            None => None,
        };
        let platform = match &self.platform {
            Some(r) => p.check("platform", text(r, ID_MAX_CHARS)),
            None => None,
        };
        match (status, self.amount_minor) {
            (Some(PlatformStatus::Paid), Some(n)) if n <= 0 => p.push("amount_minor", "must be greater than zero"),
            (Some(s), Some(_)) if s != PlatformStatus::Paid => p.push("amount_minor", "is only for a paid status"),
            _ => {}
        }
        p.into_result(|| {
            let status = status?;
            Some(PlatformState {
                status,
                code: status.code(),
                status_id: status_id?,
                at: self.at.with_timezone(&Utc),
                reason,
                platform,
            })
        })
    }
}

/// What a status did to an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusTaken {
    pub events: Vec<EventKind>,
    /// Finance must be told (once): why.
    pub alert: bool,
    /// Whether it became the current status.
    pub current: bool,
}

impl Invoice {
    /// Takes a platform status: recorded always; the current one only if
    /// not older than the one held; a contest opens a dispute and a hold
    /// pauses reminders, each alerting finance the first time.
    pub fn take_platform_status(&mut self, state: PlatformState, by: &Actor) -> StatusTaken {
        let current = self.platform.as_ref().is_none_or(|held| state.at >= held.at);
        let received = EventKind::PlatformStatusReceived {
            number: self.number.clone(),
            status: state.status.name().into(),
            code: state.code,
            status_id: state.status_id.clone(),
            reported_at: state.at,
            reason: state.reason.clone(),
            current,
        };
        if !current {
            return StatusTaken {
                events: vec![received],
                alert: false,
                current,
            };
        }
        let before = self.platform.replace(state.clone()).map(|s| s.status.effect());
        let mut events = vec![received];
        let alert = match state.status.effect() {
            Effect::Dispute if self.open_dispute().is_none() => {
                let reason = format!(
                    "facture {} par l'acheteur sur sa plateforme{}",
                    state.status.label_fr(),
                    state.reason.as_ref().map(|r| format!(" : {r}")).unwrap_or_default()
                );
                // No dispute is open, so this cannot be refused.
                let opened = self.open_new_dispute(Dispute {
                    reason: reason.clone(),
                    opened_by: by.clone(),
                    opened_at: state.at,
                    settled: None,
                });
                if opened.is_ok() {
                    events.push(EventKind::DisputeOpened {
                        number: self.number.clone(),
                        reason,
                    });
                }
                opened.is_ok()
            }
            Effect::Hold => before != Some(Effect::Hold),
            _ => false,
        };
        StatusTaken { events, alert, current }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures;
    use chrono::{NaiveDate, TimeZone};

    fn state(status: &str, id: &str, hour: u32) -> PlatformState {
        PlatformStatusInput {
            status: status.into(),
            status_id: id.into(),
            at: chrono::FixedOffset::east_opt(3600)
                .and_then(|o| o.with_ymd_and_hms(2026, 11, 20, hour, 0, 0).single())
                .unwrap_or_else(|| panic!("date")),
            reason: Some("Commande non reçue".into()),
            platform: Some("pa-test".into()),
            amount_minor: None,
        }
        .check()
        .unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn invoice() -> Invoice {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        fixtures::invoice(1, day(2), day(30), 10_000)
    }

    #[test]
    fn names_and_codes_name_the_same_statuses() {
        assert_eq!(PlatformStatus::Deposited.code(), 200);
        assert_eq!(PlatformStatus::Refused.code(), 210);
        assert_eq!(PlatformStatus::Paid.code(), 212);
        assert_eq!(PlatformStatus::Rejected.code(), 213);
        for s in PlatformStatus::ALL {
            assert_eq!(PlatformStatus::parse(s.name()), Ok(s));
            assert_eq!(PlatformStatus::parse(&s.code().to_string()), Ok(s));
        }
        assert!(PlatformStatus::parse("lost").is_err());
        assert!(PlatformStatus::parse("214").is_err());
    }

    #[test]
    fn a_status_names_its_bad_fields() {
        let base = || PlatformStatusInput {
            status: "paid".into(),
            status_id: "s1".into(),
            at: chrono::FixedOffset::east_opt(0)
                .and_then(|o| o.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).single())
                .unwrap_or_else(|| panic!("date")),
            reason: None,
            platform: None,
            amount_minor: None,
        };
        let fields = |i: PlatformStatusInput| -> Vec<String> {
            i.check()
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        let cases: Vec<(PlatformStatusInput, &[&str])> = vec![
            (base(), &[]),
            (
                PlatformStatusInput {
                    status: "lost".into(),
                    ..base()
                },
                &["status"],
            ),
            (
                PlatformStatusInput {
                    status_id: " ".into(),
                    ..base()
                },
                &["status_id"],
            ),
            (
                PlatformStatusInput {
                    amount_minor: Some(0),
                    ..base()
                },
                &["amount_minor"],
            ),
            (
                PlatformStatusInput {
                    status: "approved".into(),
                    amount_minor: Some(10),
                    ..base()
                },
                &["amount_minor"],
            ),
            (
                PlatformStatusInput {
                    reason: Some("x".repeat(REASON_MAX_CHARS + 1)),
                    ..base()
                },
                &["reason"],
            ),
        ];
        for (input, want) in cases {
            assert_eq!(fields(input.clone()), want, "{input:?}");
        }
    }

    #[test]
    fn each_status_does_what_it_means_once() {
        // (statuses in turn, each: alert?, dispute open after?, holds after?)
        type Step = (&'static str, &'static str, u32, bool, bool, bool);
        let walks: Vec<Vec<Step>> = vec![
            vec![
                ("deposited", "a", 9, false, false, false),
                ("refused", "b", 10, true, true, false),
                ("refused", "c", 11, false, true, false),
            ],
            vec![
                ("rejected", "a", 9, true, false, true),
                ("rejected", "b", 10, false, false, true),
                ("deposited", "c", 11, false, false, false),
                ("suspended", "d", 12, true, false, true),
            ],
            vec![
                ("approved", "a", 12, false, false, false),
                // Older than the approval: recorded, changes nothing.
                ("rejected", "b", 9, false, false, false),
                ("disputed", "c", 13, true, true, false),
            ],
        ];
        let by = Actor::system("platform");
        for walk in walks {
            let mut inv = invoice();
            for (status, id, hour, alert, dispute, holds) in walk.iter().copied() {
                let taken = inv.take_platform_status(state(status, id, hour), &by);
                assert_eq!(taken.alert, alert, "{status} {id}");
                assert_eq!(inv.open_dispute().is_some(), dispute, "{status} {id}");
                assert_eq!(
                    inv.platform.as_ref().is_some_and(PlatformState::holds_reminders),
                    holds,
                    "{status} {id}"
                );
                assert!(matches!(taken.events[0], EventKind::PlatformStatusReceived { .. }));
            }
        }
        let mut inv = invoice();
        inv.take_platform_status(state("approved", "a", 12), &by);
        let old = inv.take_platform_status(state("deposited", "z", 8), &by);
        assert!(!old.current);
        assert_eq!(inv.platform.map(|p| p.status), Some(PlatformStatus::Approved));
        assert_eq!(
            Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).single(),
            state("approved", "a", 9).at.into(),
            "the offset is kept: 09:00 at +01:00 is 08:00 UTC"
        );
    }
}
