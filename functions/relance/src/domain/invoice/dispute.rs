//! Disputes opened and settled on an invoice.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Invoice, InvoiceRuleError, Refused};
use crate::domain::event::EventKind;
use crate::domain::ids::Actor;
use crate::domain::validation::text;

/// The longest reason or resolution kept: a paragraph.
pub const NOTE_MAX_CHARS: usize = 1000;

/// A dispute opened by finance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisputeInput {
    pub reason: String,
}

/// A dispute settled by finance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementInput {
    pub resolution: String,
}

/// What finance does to a dispute, with its words.
pub enum DisputeChange {
    Open(String),
    Settle(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    pub reason: String,
    pub opened_by: Actor,
    pub opened_at: DateTime<Utc>,
    pub settled: Option<Settlement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub resolution: String,
    pub settled_by: Actor,
    pub settled_at: DateTime<Utc>,
}

impl Invoice {
    /// Opens or settles a dispute and says so in an event.
    pub fn change_dispute(
        &mut self,
        change: &DisputeChange,
        by: &Actor,
        at: DateTime<Utc>,
    ) -> Result<EventKind, Refused> {
        let (field, words) = match change {
            DisputeChange::Open(t) => ("reason", t),
            DisputeChange::Settle(t) => ("resolution", t),
        };
        let note = text(words, NOTE_MAX_CHARS).map_err(|r| Refused::field(field, r))?;
        let number = self.number.clone();
        Ok(match change {
            DisputeChange::Open(_) => {
                self.open_new_dispute(Dispute {
                    reason: note.clone(),
                    opened_by: by.clone(),
                    opened_at: at,
                    settled: None,
                })?;
                EventKind::DisputeOpened { number, reason: note }
            }
            DisputeChange::Settle(_) => {
                self.settle_dispute(Settlement {
                    resolution: note.clone(),
                    settled_by: by.clone(),
                    settled_at: at,
                })?;
                EventKind::DisputeSettled {
                    number,
                    resolution: note,
                }
            }
        })
    }

    pub fn open_new_dispute(&mut self, dispute: Dispute) -> Result<(), InvoiceRuleError> {
        if self.open_dispute().is_some() {
            return Err(InvoiceRuleError::DisputeAlreadyOpen);
        }
        self.disputes.push(dispute);
        Ok(())
    }

    pub fn settle_dispute(&mut self, settlement: Settlement) -> Result<(), InvoiceRuleError> {
        let dispute = self
            .disputes
            .iter_mut()
            .find(|d| d.settled.is_none())
            .ok_or(InvoiceRuleError::NoOpenDispute)?;
        dispute.settled = Some(settlement);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures;
    use chrono::NaiveDate;

    #[test]
    fn one_dispute_at_a_time_and_only_an_open_one_is_settled() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let by = Actor::system("test");
        let open = || DisputeChange::Open("Livraison incomplète".into());
        let settle = || DisputeChange::Settle("Pièce renvoyée".into());
        // (changes in order, what the last one answers)
        type Case = (Vec<DisputeChange>, Result<&'static str, Refused>);
        let cases: Vec<Case> = vec![
            (vec![open()], Ok("dispute_opened")),
            (
                vec![open(), open()],
                Err(Refused::Rule(InvoiceRuleError::DisputeAlreadyOpen)),
            ),
            (vec![settle()], Err(Refused::Rule(InvoiceRuleError::NoOpenDispute))),
            (vec![open(), settle()], Ok("dispute_settled")),
            (vec![open(), settle(), open()], Ok("dispute_opened")),
            (
                vec![DisputeChange::Open("  ".into())],
                Err(Refused::field("reason", "must not be empty")),
            ),
            (
                vec![open(), DisputeChange::Settle("x".repeat(NOTE_MAX_CHARS + 1))],
                Err(Refused::field(
                    "resolution",
                    format!("must be at most {NOTE_MAX_CHARS} characters"),
                )),
            ),
        ];
        for (changes, want) in cases {
            let mut invoice = fixtures::invoice(1, day(2), day(12), 10_000);
            let mut last = None;
            for change in &changes {
                last = Some(invoice.change_dispute(change, &by, at).map(|kind| kind.name()));
            }
            assert_eq!(last, Some(want));
        }
    }
}
