//! What happens to a credit after it is asked for: granted as a credit
//! note (at once, or once a second person approves it), cancelled while it
//! waits, followed up some days after its grant. Each step says what it
//! did in a history event.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::{Cancellation, Credit, CreditRefused, CreditStatus};
use crate::domain::event::{EventKind, HistoryEvent};
use crate::domain::message::{Message, Purpose};
use crate::domain::validation::text;
use crate::domain::{Actor, Customer, InvoiceNumber, Seller};

/// The longest reason for cancelling a request: a sentence or two.
pub const CANCEL_REASON_MAX_CHARS: usize = 300;

/// What a grant gives a credit: its number in the credit-note series,
/// the day, the parties as printed, and when to follow up.
pub struct Grant<'a> {
    pub number: InvoiceNumber,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    pub seller: &'a Seller,
    pub buyer: &'a Customer,
    pub follow_up_days: u32,
    pub by: &'a Actor,
}

impl CreditStatus {
    pub fn describe(self) -> &'static str {
        match self {
            CreditStatus::PendingApproval => "waiting for approval",
            CreditStatus::Granted => "granted",
            CreditStatus::Cancelled => "cancelled",
        }
    }
}

impl Credit {
    /// The event of a request that waits for a second person.
    pub fn requested_event(&self) -> HistoryEvent {
        HistoryEvent::new(
            self.customer_id.clone(),
            self.requested_at,
            self.requested_by.clone(),
            EventKind::CreditRequested {
                credit_id: self.id.clone(),
                situation: self.situation.name().into(),
                severity: self.severity.map(|s| s.name().into()),
                invoice: self.invoice.clone(),
                net_minor: self.net_minor,
                currency: self.currency.to_string(),
            },
        )
    }

    /// Makes the credit a credit note: its number and date, the parties
    /// frozen as printed, all of it left to deduct, the day of its
    /// follow-up, and the email that tells the customer.
    pub fn grant(&mut self, grant: Grant<'_>) -> (Message, HistoryEvent) {
        self.status = CreditStatus::Granted;
        self.number = Some(grant.number.clone());
        self.issue_date = Some(grant.today);
        self.granted_at = Some(grant.now);
        self.seller = Some(grant.seller.clone());
        self.buyer = Some(grant.buyer.clone());
        self.remaining_minor = self.gross_minor;
        // A correction is not a gesture: nobody asks whether it was enough.
        self.follow_up_on = self
            .correction
            .is_none()
            .then(|| grant.today + Days::new(u64::from(grant.follow_up_days)));
        let message = Message::new(
            self.customer_id.clone(),
            Purpose::Credit {
                credit_id: self.id.clone(),
                number: grant.number.clone(),
            },
            grant.now,
        );
        self.email_message_id = Some(message.id);
        let event = HistoryEvent::new(
            self.customer_id.clone(),
            grant.now,
            grant.by.clone(),
            EventKind::CreditGranted {
                credit_id: self.id.clone(),
                number: grant.number,
                situation: self.situation.name().into(),
                severity: self.severity.map(|s| s.name().into()),
                invoice: self.invoice.clone(),
                net_minor: self.net_minor,
                gross_minor: self.gross_minor,
                currency: self.currency.to_string(),
                approved_by: self.approved_by.as_ref().map(|a| a.0.clone()),
                correction: self.correction.as_ref().map(|c| c.scope.name().to_string()),
            },
        );
        (message, event)
    }

    /// Only a request that waits can be approved or cancelled; a credit
    /// note is a legal document and stays.
    pub fn check_pending(&self) -> Result<(), CreditRefused> {
        match self.status {
            CreditStatus::PendingApproval => Ok(()),
            CreditStatus::Granted => Err(CreditRefused::Conflict(format!(
                "this credit is already granted (credit note {}); a credit note is a legal document and stays",
                self.number.as_ref().map_or("", InvoiceNumber::as_str)
            ))),
            CreditStatus::Cancelled => Err(CreditRefused::Conflict("this credit was cancelled".into())),
        }
    }

    /// A second person approves a waiting request; the grant follows.
    pub fn approve(&mut self, by: &Actor) -> Result<(), CreditRefused> {
        self.check_pending()?;
        if &self.requested_by == by {
            return Err(CreditRefused::SameApprover);
        }
        self.approved_by = Some(by.clone());
        Ok(())
    }

    /// Withdraws a waiting request, with the reason.
    pub fn cancel(&mut self, reason: &str, by: &Actor, at: DateTime<Utc>) -> Result<HistoryEvent, CreditRefused> {
        let reason = text(reason, CANCEL_REASON_MAX_CHARS).map_err(|r| CreditRefused::field("reason", r))?;
        self.check_pending()?;
        self.status = CreditStatus::Cancelled;
        self.cancelled = Some(Cancellation {
            by: by.clone(),
            at,
            reason: reason.clone(),
        });
        Ok(HistoryEvent::new(
            self.customer_id.clone(),
            at,
            by.clone(),
            EventKind::CreditCancelled {
                credit_id: self.id.clone(),
                reason,
            },
        ))
    }

    /// The follow-up of a credit note whose day has come, once: it is
    /// cleared as it is taken.
    pub fn take_follow_up(&mut self, today: NaiveDate, at: DateTime<Utc>) -> Option<HistoryEvent> {
        let number = self.number.clone()?;
        self.follow_up_on.filter(|on| *on <= today)?;
        self.follow_up_on = None;
        Some(HistoryEvent::new(
            self.customer_id.clone(),
            at,
            Actor::system("scheduler"),
            EventKind::CreditFollowUpDue { number },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::credit::CreditInput;
    use crate::domain::fixtures;
    use crate::domain::goodwill::{GoodwillPolicy, Proposal};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
    }

    fn requested_by(who: &str) -> Credit {
        let policy = GoodwillPolicy::configured().unwrap_or_else(|e| panic!("{e}"));
        let input = CreditInput {
            situation: "referral".into(),
            severity: None,
            invoice: "F2026-000001".into(),
            what_happened: None,
            what_we_did: None,
            net_minor: None,
        };
        let proposal = Proposal {
            net_minor: 2_000,
            reasons: Vec::new(),
        };
        input
            .check(&policy.caps, policy.currency)
            .unwrap_or_else(|e| panic!("{e:?}"))
            .into_credit(
                "c-1".into(),
                &fixtures::invoice(1, day(2), day(12), 10_000),
                proposal,
                &Actor(who.into()),
                DateTime::UNIX_EPOCH,
            )
            .unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn granted(credit: &mut Credit, today: NaiveDate) {
        let seller = crate::config::company().unwrap_or_else(|e| panic!("{e}"));
        let buyer = fixtures::consumer("c1");
        credit.grant(Grant {
            number: InvoiceNumber::new("AV2026", 1),
            today,
            now: DateTime::UNIX_EPOCH,
            seller: &seller,
            buyer: &buyer,
            follow_up_days: 14,
            by: &Actor("bob".into()),
        });
    }

    #[test]
    fn a_grant_makes_a_credit_note_to_deduct_in_full_and_follow_up() {
        let mut credit = requested_by("alice");
        granted(&mut credit, day(20));
        assert_eq!(credit.status, CreditStatus::Granted);
        assert_eq!(credit.number, Some(InvoiceNumber::new("AV2026", 1)));
        assert_eq!((credit.remaining_minor, credit.gross_minor), (2_400, 2_400));
        assert_eq!(credit.follow_up_on, Some(day(20) + Days::new(14)));
        assert!(credit.email_message_id.is_some());
        // The follow-up comes on its day, once.
        assert!(credit.take_follow_up(day(30), DateTime::UNIX_EPOCH).is_none());
        assert!(
            credit
                .take_follow_up(day(20) + Days::new(14), DateTime::UNIX_EPOCH)
                .is_some()
        );
        assert!(
            credit
                .take_follow_up(day(20) + Days::new(15), DateTime::UNIX_EPOCH)
                .is_none()
        );
    }

    #[test]
    fn four_eyes_and_what_each_state_allows() {
        // (state before, who acts, action, the refusal)
        #[derive(Debug, Clone, Copy)]
        enum Action {
            Approve,
            Cancel,
        }
        let conflict = |text: &str| Some(CreditRefused::Conflict(text.into()));
        let granted_text =
            "this credit is already granted (credit note AV2026-000001); a credit note is a legal document and stays";
        let cases: [(CreditStatus, &str, Action, Option<CreditRefused>); 6] = [
            (CreditStatus::PendingApproval, "bob", Action::Approve, None),
            (
                CreditStatus::PendingApproval,
                "alice",
                Action::Approve,
                Some(CreditRefused::SameApprover),
            ),
            (CreditStatus::PendingApproval, "alice", Action::Cancel, None),
            (CreditStatus::Granted, "bob", Action::Approve, conflict(granted_text)),
            (CreditStatus::Granted, "bob", Action::Cancel, conflict(granted_text)),
            (
                CreditStatus::Cancelled,
                "bob",
                Action::Approve,
                conflict("this credit was cancelled"),
            ),
        ];
        for (state, who, action, want) in cases {
            let mut credit = requested_by("alice");
            match state {
                CreditStatus::Granted => granted(&mut credit, day(20)),
                CreditStatus::Cancelled => {
                    credit
                        .cancel("en double", &Actor("alice".into()), DateTime::UNIX_EPOCH)
                        .unwrap_or_else(|e| panic!("{e:?}"));
                }
                CreditStatus::PendingApproval => {}
            }
            let by = Actor(who.into());
            let got = match action {
                Action::Approve => credit.approve(&by).err(),
                Action::Cancel => credit.cancel("demande en double", &by, DateTime::UNIX_EPOCH).err(),
            };
            assert_eq!(got, want, "{state:?} {who} {action:?}");
        }
        let mut credit = requested_by("alice");
        assert!(
            matches!(credit.cancel(" ", &Actor("bob".into()), DateTime::UNIX_EPOCH), Err(CreditRefused::Fields(f)) if f[0].field == "reason")
        );
        assert_eq!(
            credit.status,
            CreditStatus::PendingApproval,
            "a refused cancel changes nothing"
        );
    }
}
