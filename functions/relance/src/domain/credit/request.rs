//! A credit as finance asks for it: the request checked field by field,
//! then made into a credit with the policy's proposal.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Credit, CreditRefused, CreditStatus, Words, split_by_rate};
use crate::domain::goodwill::{Caps, Proposal, Severity, Situation};
use crate::domain::money::{Money, checked_sum};
use crate::domain::validation::{FieldError, Problems, text};
use crate::domain::{Actor, Invoice, InvoiceNumber, Locale};

/// The longest a person's words to the customer may be: a few sentences.
pub const WORDS_MAX_CHARS: usize = 600;

/// A credit as finance asks for it (quote and grant take the same body).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreditInput {
    pub situation: String,
    #[serde(default)]
    pub severity: Option<String>,
    /// The invoice the credit corrects (for thanks: the invoice it is
    /// attached to, usually the latest).
    pub invoice: String,
    /// For the customer, in their language: what happened (required for
    /// a repair) ...
    #[serde(default)]
    pub what_happened: Option<String>,
    /// ... and what was done about it (required for a repair).
    #[serde(default)]
    pub what_we_did: Option<String>,
    /// Less than the proposal, if finance decides so; never more.
    #[serde(default)]
    pub net_minor: Option<i64>,
}

/// A request whose fields were checked on their own, before the customer
/// or the invoice is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCredit {
    pub situation: Situation,
    pub severity: Option<Severity>,
    pub invoice: InvoiceNumber,
    pub words: Words,
    /// What finance asked for, if less than the proposal.
    pub net_minor: Option<i64>,
}

impl CreditInput {
    /// Checks what needs no read: known situation and severity, an invoice
    /// number, a repair's words (only a person knows what went wrong and
    /// what was done, so the request must say it), an amount within the
    /// per-credit maximum.
    pub fn check(&self, caps: &Caps, currency: crate::domain::Currency) -> Result<CheckedCredit, Vec<FieldError>> {
        let mut p = Problems::default();
        let situation = p.check("situation", Situation::parse(&self.situation));
        let severity = match self.severity.as_deref() {
            None => None,
            Some(s) => p.check("severity", Severity::parse(s)),
        };
        let invoice = p.check("invoice", InvoiceNumber::parse(self.invoice.trim()));
        let mut words = Words::default();
        for (field, value, slot) in [
            ("what_happened", &self.what_happened, &mut words.what_happened),
            ("what_we_did", &self.what_we_did, &mut words.what_we_did),
        ] {
            match value {
                Some(v) => *slot = p.check(field, text(v, WORDS_MAX_CHARS)),
                None if situation.is_some_and(Situation::is_repair) => p.push(
                    field,
                    format!(
                        "is required for a {}: the customer's email says it in your words",
                        situation.map(|s| s.name().replace('_', " ")).unwrap_or_default()
                    ),
                ),
                None => {}
            }
        }
        match self.net_minor {
            Some(n) if n <= 0 => p.push("net_minor", "must be greater than zero"),
            Some(n) if n > caps.per_credit_max_minor => p.push(
                "net_minor",
                format!(
                    "is above the per-credit maximum ({})",
                    Money::new(caps.per_credit_max_minor, currency).format(Locale::En)
                ),
            ),
            _ => {}
        }
        p.into_result(|| {
            Some(CheckedCredit {
                situation: situation?,
                severity,
                invoice: invoice?,
                words,
                net_minor: self.net_minor,
            })
        })
    }
}

/// What earlier credits on `invoice` already gave back (cancelled requests
/// gave nothing).
pub fn already_credited<'a>(credits: impl IntoIterator<Item = &'a Credit>, invoice: &InvoiceNumber) -> i64 {
    credits
        .into_iter()
        .filter(|c| &c.invoice == invoice && c.status != CreditStatus::Cancelled)
        .map(|c| c.net_minor)
        .fold(0i64, i64::saturating_add)
}

impl CheckedCredit {
    /// The credit this request becomes on `invoice`, with the policy's
    /// proposal: finance may grant less, never more, because the same
    /// situation gets the same gesture. It waits for its grant (or its
    /// approval) and has no number yet.
    pub fn into_credit(
        self,
        id: String,
        invoice: &Invoice,
        proposal: Proposal,
        by: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Credit, CreditRefused> {
        let money = |minor| Money::new(minor, invoice.currency).format(Locale::En);
        let net_minor = match self.net_minor {
            Some(n) if n > proposal.net_minor => {
                return Err(CreditRefused::field(
                    "net_minor",
                    format!(
                        "must not exceed the policy's proposal ({}): the same situation gets the same gesture",
                        money(proposal.net_minor)
                    ),
                ));
            }
            Some(n) => n,
            None => proposal.net_minor,
        };
        let mut reasons = proposal.reasons;
        if net_minor < proposal.net_minor {
            reasons.push(format!("granted less than proposed: {}", money(net_minor)));
        }
        let by_rate = split_by_rate(net_minor, &invoice.totals.by_rate);
        // The net is at most the invoice's net (the policy's room), so these
        // sums stay far inside i64; checked all the same.
        let too_large = || CreditRefused::field("net_minor", "is too large");
        let vat_minor = checked_sum(by_rate.iter().map(|r| r.vat_minor)).ok_or_else(too_large)?;
        let gross_minor = net_minor.checked_add(vat_minor).ok_or_else(too_large)?;
        Ok(Credit {
            id,
            customer_id: invoice.customer_id.clone(),
            status: CreditStatus::PendingApproval,
            situation: self.situation,
            severity: self.severity,
            invoice: self.invoice,
            invoice_date: invoice.issue_date,
            currency: invoice.currency,
            proposed_net_minor: proposal.net_minor,
            reasons,
            net_minor,
            by_rate,
            vat_minor,
            gross_minor,
            words: self.words,
            requested_by: by.clone(),
            requested_at: at,
            approved_by: None,
            number: None,
            issue_date: None,
            granted_at: None,
            seller: None,
            buyer: None,
            remaining_minor: 0,
            applications: Vec::new(),
            cancelled: None,
            email_message_id: None,
            follow_up_on: None,
            correction: None,
            lines: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures;
    use crate::domain::goodwill::GoodwillPolicy;
    use chrono::NaiveDate;

    fn policy() -> GoodwillPolicy {
        GoodwillPolicy::configured().unwrap_or_else(|e| panic!("{e}"))
    }

    fn input(situation: &str, severity: Option<&str>, words: bool, net_minor: Option<i64>) -> CreditInput {
        CreditInput {
            situation: situation.into(),
            severity: severity.map(str::to_string),
            invoice: "F2026-000001".into(),
            what_happened: words.then(|| "Le colis est arrivé en retard.".into()),
            what_we_did: words.then(|| "Nous avons changé de transporteur.".into()),
            net_minor,
        }
    }

    fn refused(result: Result<CheckedCredit, Vec<FieldError>>) -> Vec<String> {
        result.err().unwrap_or_default().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_request_says_what_happened_when_it_repairs_and_stays_under_the_maximum() {
        let policy = policy();
        let max = policy.caps.per_credit_max_minor;
        // (request, the fields refused)
        let cases: Vec<(CreditInput, &[&str])> = vec![
            (input("late_delivery", Some("minor"), true, None), &[]),
            (input("loyalty_thanks", None, false, None), &[]),
            (
                input("late_delivery", Some("minor"), false, None),
                &["what_happened", "what_we_did"],
            ),
            (input("late_arrival", None, false, None), &["situation"]),
            (input("late_delivery", Some("huge"), true, None), &["severity"]),
            (input("referral", None, false, Some(0)), &["net_minor"]),
            (input("referral", None, false, Some(max + 1)), &["net_minor"]),
            (input("referral", None, false, Some(max)), &[]),
            (
                CreditInput {
                    invoice: "not a number".into(),
                    ..input("referral", None, false, None)
                },
                &["invoice"],
            ),
            (
                CreditInput {
                    what_happened: Some("x".repeat(WORDS_MAX_CHARS + 1)),
                    ..input("referral", None, false, None)
                },
                &["what_happened"],
            ),
        ];
        for (request, want) in cases {
            assert_eq!(
                refused(request.check(&policy.caps, policy.currency)),
                want,
                "{request:?}"
            );
        }
    }

    #[test]
    fn finance_may_grant_less_than_the_proposal_never_more() {
        let policy = policy();
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        let invoice = fixtures::invoice(1, day(2), day(12), 10_000);
        let proposal = || Proposal {
            net_minor: 1_500,
            reasons: vec!["base".into()],
        };
        let credit = |net| {
            input("referral", None, false, net)
                .check(&policy.caps, policy.currency)
                .unwrap_or_else(|e| panic!("{e:?}"))
                .into_credit(
                    "id".into(),
                    &invoice,
                    proposal(),
                    &Actor::system("t"),
                    DateTime::UNIX_EPOCH,
                )
        };
        // (asked, granted net, VAT at the invoice's 20 %, reasons added)
        let cases = [
            (None, 1_500, 300, 1),
            (Some(1_500), 1_500, 300, 1),
            (Some(1_000), 1_000, 200, 2),
        ];
        for (asked, net, vat, reasons) in cases {
            let c = credit(asked).unwrap_or_else(|e| panic!("{asked:?}: {e:?}"));
            assert_eq!(
                (c.net_minor, c.vat_minor, c.gross_minor, c.reasons.len()),
                (net, vat, net + vat, reasons),
                "{asked:?}"
            );
            assert_eq!(c.status, CreditStatus::PendingApproval);
        }
        assert!(
            matches!(credit(Some(1_501)), Err(CreditRefused::Fields(f)) if f[0].field == "net_minor"),
            "more than the proposal"
        );
    }

    #[test]
    fn earlier_credits_count_unless_cancelled() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        let invoice = fixtures::invoice(1, day(2), day(12), 10_000);
        let policy = policy();
        let make = |net, status| Credit {
            status,
            ..input("referral", None, false, Some(net))
                .check(&policy.caps, policy.currency)
                .unwrap_or_else(|e| panic!("{e:?}"))
                .into_credit(
                    "id".into(),
                    &invoice,
                    Proposal {
                        net_minor: net,
                        reasons: Vec::new(),
                    },
                    &Actor::system("t"),
                    DateTime::UNIX_EPOCH,
                )
                .unwrap_or_else(|e| panic!("{e:?}"))
        };
        let credits = [
            make(1_000, CreditStatus::Granted),
            make(500, CreditStatus::PendingApproval),
            make(700, CreditStatus::Cancelled),
        ];
        assert_eq!(already_credited(&credits, &invoice.number), 1_500);
        assert_eq!(already_credited(&credits, &InvoiceNumber::new("F2026", 2)), 0);
    }
}
