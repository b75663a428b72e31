//! Corrective credit notes: an issued invoice credited in full (a
//! cancellation), by lines or quantities, or by an amount spread over its
//! VAT rates. The invoice itself is never edited; the credit note takes
//! back what was wrongly invoiced and reduces what the invoice still owes.
//!
//! What is left to credit is kept per VAT rate (and category): the
//! invoice's base and VAT at that rate, less what every earlier credit
//! note on the invoice took (corrections and goodwill gestures alike — each
//! is a reduction of that sale's price). A correction that takes the whole
//! base left at a rate takes the whole VAT left there too, so a full
//! cancellation after partial ones brings the invoice to exactly zero.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Credit, CreditRefused, CreditStatus, Words, split_by_rate};
use crate::domain::decimal::{format_scaled, parse_scaled};
use crate::domain::event::{EventKind, HistoryEvent};
use crate::domain::exemption::Exemption;
use crate::domain::goodwill::Situation;
use crate::domain::invoice::{InvoiceLine, QUANTITY_SCALE, QuantityInput, VatBreakdown};
use crate::domain::money::{Money, checked_sum, div_round_half_away};
use crate::domain::validation::{FieldError, Problems, text};
use crate::domain::vat::{VatCategory, VatRate};
use crate::domain::{Actor, Invoice, InvoiceStatus, Locale};

/// The longest reason: a sentence or two, printed on the credit note.
pub const REASON_MAX_CHARS: usize = 300;

/// How much of the invoice a correction takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Everything left to credit: the invoice is cancelled.
    Full,
    /// Chosen lines, whole or some of their quantity.
    Lines,
    /// A net amount spread over the VAT rates in proportion to their bases.
    Amount,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Full => "full",
            Scope::Lines => "lines",
            Scope::Amount => "amount",
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "full" => Ok(Scope::Full),
            "lines" => Ok(Scope::Lines),
            "amount" => Ok(Scope::Amount),
            other => Err(format!("must be full, lines or amount (not {other:?})")),
        }
    }
}

/// What a credit note corrects, as printed on it and said in its email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub scope: Scope,
    pub reason: String,
}

/// A line the credit note takes back: the invoice's line (`line`, from 1)
/// with the quantity credited and its net.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditedLine {
    pub line: u32,
    #[serde(flatten)]
    pub credited: InvoiceLine,
}

/// A correction as finance asks for it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    /// full, lines or amount.
    pub scope: String,
    /// Why the invoice is corrected, in the customer's language: printed on
    /// the credit note and said in its email.
    pub reason: String,
    /// For `lines`: which lines, and how much of each.
    #[serde(default)]
    pub lines: Option<Vec<LineCorrectionInput>>,
    /// For `amount`: the net (VAT excluded) to take back.
    #[serde(default)]
    pub net_minor: Option<i64>,
    /// Words for the customer's email, beyond the reason.
    #[serde(default)]
    pub what_we_did: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LineCorrectionInput {
    /// The invoice's line, from 1 (the order it was issued in).
    pub line: i64,
    /// How much of it to credit; all that is left of it when absent.
    #[serde(default)]
    pub quantity: Option<QuantityInput>,
}

/// The request checked on its own, before the invoice is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCorrection {
    pub scope: Scope,
    pub reason: String,
    pub what_we_did: Option<String>,
    /// (line from 1, quantity in thousandths; None: all that is left).
    pub lines: Vec<(u32, Option<u64>)>,
    pub net_minor: Option<i64>,
}

impl CorrectionInput {
    pub fn check(&self) -> Result<CheckedCorrection, Vec<FieldError>> {
        let mut p = Problems::default();
        let scope = p.check("scope", Scope::parse(self.scope.trim()));
        let reason = p.check("reason", text(&self.reason, REASON_MAX_CHARS));
        let what_we_did = match &self.what_we_did {
            Some(words) => p.check("what_we_did", text(words, super::WORDS_MAX_CHARS)),
            None => None,
        };
        let mut lines = Vec::new();
        match (scope, &self.lines) {
            (Some(Scope::Lines), None) => p.push("lines", "is required for a correction by lines"),
            (Some(Scope::Lines), Some(asked)) if asked.is_empty() => p.push("lines", "must name at least one line"),
            (Some(Scope::Lines), Some(asked)) => {
                for (i, l) in asked.iter().enumerate() {
                    let field = format!("lines[{i}]");
                    let line = p.check(
                        format!("{field}.line"),
                        u32::try_from(l.line)
                            .ok()
                            .filter(|n| *n >= 1)
                            .ok_or_else(|| "must be a line number of the invoice, from 1".to_string()),
                    );
                    let quantity = match &l.quantity {
                        None => Some(None),
                        Some(q) => p.check(format!("{field}.quantity"), quantity_milli(q)).map(Some),
                    };
                    if let (Some(line), Some(quantity)) = (line, quantity) {
                        if lines.iter().any(|(n, _)| *n == line) {
                            p.push(format!("{field}.line"), format!("names line {line} twice"));
                        }
                        lines.push((line, quantity));
                    }
                }
            }
            (Some(_), Some(_)) => p.push("lines", "is only for a correction by lines"),
            _ => {}
        }
        match (scope, self.net_minor) {
            (Some(Scope::Amount), None) => p.push("net_minor", "is required for a correction by amount"),
            (Some(Scope::Amount), Some(n)) if n <= 0 => p.push("net_minor", "must be greater than zero"),
            (Some(Scope::Full | Scope::Lines), Some(_)) => p.push("net_minor", "is only for a correction by amount"),
            _ => {}
        }
        p.into_result(|| {
            Some(CheckedCorrection {
                scope: scope?,
                reason: reason?,
                what_we_did,
                lines,
                net_minor: self.net_minor,
            })
        })
    }
}

fn quantity_milli(q: &QuantityInput) -> Result<u64, String> {
    match q {
        QuantityInput::Whole(n) if *n > 0 => u64::try_from(*n)
            .ok()
            .and_then(|n| n.checked_mul(1000))
            .ok_or_else(|| "is too large".to_string()),
        QuantityInput::Whole(_) => Err("must be greater than zero".into()),
        QuantityInput::Text(t) => match parse_scaled(t, QUANTITY_SCALE)? {
            0 => Err("must be greater than zero".into()),
            q => Ok(q),
        },
    }
}

type RateKey = (std::cmp::Reverse<VatRate>, VatCategory);

/// What is left to credit at one rate.
#[derive(Debug, Clone, Copy)]
struct Left {
    base: i64,
    vat: i64,
    exemption: Option<Exemption>,
}

/// What an invoice has left to credit: per rate, and per line (how much
/// quantity and net the line-based corrections left on each line).
#[derive(Debug, Clone)]
pub struct LeftToCredit {
    rates: BTreeMap<RateKey, Left>,
    /// (quantity, net) left per invoice line, in the invoice's order.
    lines: Vec<(u64, i64)>,
    /// Whether every earlier credit note named its lines: only then can a
    /// full cancellation list lines rather than one amount per rate.
    by_lines_only: bool,
    earlier: Vec<String>,
}

impl LeftToCredit {
    /// `earlier`: the customer's credits; those granted on this invoice count.
    pub fn of<'a>(invoice: &Invoice, earlier: impl IntoIterator<Item = &'a Credit>) -> Self {
        let mut rates: BTreeMap<RateKey, Left> = invoice
            .totals
            .by_rate
            .iter()
            .map(|b| {
                (
                    (std::cmp::Reverse(b.rate), b.category),
                    Left {
                        base: b.base_minor,
                        vat: b.vat_minor,
                        exemption: b.exemption,
                    },
                )
            })
            .collect();
        let mut lines: Vec<(u64, i64)> = invoice.lines.iter().map(|l| (l.quantity_milli, l.net_minor)).collect();
        let mut by_lines_only = true;
        let mut numbers = Vec::new();
        for credit in earlier {
            if credit.invoice != invoice.number || credit.status != CreditStatus::Granted {
                continue;
            }
            numbers.extend(credit.number.as_ref().map(ToString::to_string));
            for b in &credit.by_rate {
                if let Some(left) = rates.get_mut(&(std::cmp::Reverse(b.rate), b.category)) {
                    left.base = left.base.saturating_sub(b.base_minor);
                    left.vat = left.vat.saturating_sub(b.vat_minor);
                }
            }
            if credit.lines.is_empty() {
                by_lines_only = false;
            }
            for l in &credit.lines {
                if let Some((qty, net)) = usize::try_from(l.line)
                    .ok()
                    .and_then(|n| lines.get_mut(n.wrapping_sub(1)))
                {
                    *qty = qty.saturating_sub(l.credited.quantity_milli);
                    *net = net.saturating_sub(l.credited.net_minor);
                }
            }
        }
        Self {
            rates,
            lines,
            by_lines_only,
            earlier: numbers,
        }
    }

    /// The net left to credit on the whole invoice.
    pub fn net_minor(&self) -> i64 {
        self.rates
            .values()
            .fold(0i64, |sum, l| sum.saturating_add(l.base.max(0)))
    }

    /// The VAT per rate of `bases` (net per rate): rounded once per rate,
    /// or, where a base takes all that is left at its rate, all the VAT
    /// left there.
    fn breakdown(&self, bases: &BTreeMap<RateKey, i64>) -> Vec<VatBreakdown> {
        bases
            .iter()
            .filter(|(_, base)| **base > 0)
            .filter_map(|(key, base)| {
                let left = self.rates.get(key)?;
                let (std::cmp::Reverse(rate), category) = *key;
                let vat = if *base == left.base {
                    left.vat
                } else {
                    i64::try_from(div_round_half_away(
                        i128::from(*base) * i128::from(rate.basis_points()),
                        10_000,
                    ))
                    .ok()?
                };
                Some(VatBreakdown {
                    rate,
                    base_minor: *base,
                    vat_minor: vat,
                    category,
                    exemption: left.exemption,
                })
            })
            .collect()
    }
}

/// What a correction takes back: its lines (none for one by amount) and
/// its VAT per rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub lines: Vec<CreditedLine>,
    pub by_rate: Vec<VatBreakdown>,
}

fn refused(field: &str, reason: impl Into<String>) -> CreditRefused {
    CreditRefused::Fields(vec![FieldError::new(field, reason)])
}

impl CheckedCorrection {
    /// What this correction takes from `invoice`, given what is left.
    pub fn take(&self, invoice: &Invoice, left: &LeftToCredit) -> Result<Taken, CreditRefused> {
        let money = |minor| Money::new(minor, invoice.currency).format(Locale::En);
        if left.net_minor() <= 0 {
            return Err(refused(
                "scope",
                format!(
                    "nothing is left to credit on invoice {}: credit note{} {} already take{} it all back",
                    invoice.number,
                    if left.earlier.len() > 1 { "s" } else { "" },
                    left.earlier.join(", "),
                    if left.earlier.len() > 1 { "" } else { "s" },
                ),
            ));
        }
        let asked: Vec<(u32, Option<u64>)> = match self.scope {
            Scope::Amount => return self.by_amount(invoice, left),
            Scope::Full if !left.by_lines_only => return self.rest_by_rate(left),
            Scope::Full => (1..=invoice.lines.len())
                .filter_map(|n| u32::try_from(n).ok())
                .filter(|n| left.lines.get(*n as usize - 1).is_some_and(|(q, _)| *q > 0))
                .map(|n| (n, None))
                .collect(),
            Scope::Lines => self.lines.clone(),
        };
        let mut lines = Vec::with_capacity(asked.len());
        let mut bases: BTreeMap<RateKey, i64> = BTreeMap::new();
        for (i, (n, quantity)) in asked.iter().enumerate() {
            let field = format!("lines[{i}]");
            let index = *n as usize - 1;
            let (Some(line), Some((qty_left, net_left))) = (invoice.lines.get(index), left.lines.get(index)) else {
                return Err(refused(
                    &format!("{field}.line"),
                    format!("invoice {} has {} lines, not {n}", invoice.number, invoice.lines.len()),
                ));
            };
            let qty = quantity.unwrap_or(*qty_left);
            if qty == 0 || qty > *qty_left {
                return Err(refused(
                    &format!("{field}.quantity"),
                    format!(
                        "line {n} has {} left to credit (of {} invoiced)",
                        format_scaled(*qty_left, QUANTITY_SCALE),
                        line.quantity_text()
                    ),
                ));
            }
            // All that is left of the line takes all its net left, so the
            // roundings of partial credits never leave a cent behind.
            let net = if qty == *qty_left {
                *net_left
            } else {
                InvoiceLine::compute_net(qty, line.unit_price_minor, line.discount_bp)
                    .ok_or_else(|| refused(&format!("{field}.quantity"), "is too large"))?
                    .min(*net_left)
            };
            let key = (std::cmp::Reverse(line.vat_rate), line.vat_category);
            let base = bases.entry(key).or_insert(0);
            *base = base.saturating_add(net);
            lines.push(CreditedLine {
                line: *n,
                credited: InvoiceLine {
                    quantity_milli: qty,
                    net_minor: net,
                    ..line.clone()
                },
            });
        }
        for (key, base) in &bases {
            let available = left.rates.get(key).map_or(0, |l| l.base);
            if *base > available {
                return Err(refused(
                    "lines",
                    format!(
                        "take {} at {} % where {} is left to credit (earlier credit notes: {})",
                        money(*base),
                        key.0.0,
                        money(available.max(0)),
                        left.earlier.join(", ")
                    ),
                ));
            }
        }
        Ok(Taken {
            lines,
            by_rate: left.breakdown(&bases),
        })
    }

    fn by_amount(&self, invoice: &Invoice, left: &LeftToCredit) -> Result<Taken, CreditRefused> {
        let net = self.net_minor.unwrap_or(0);
        let available = left.net_minor();
        if net > available {
            return Err(refused(
                "net_minor",
                format!(
                    "is more than the {} left to credit on invoice {}",
                    Money::new(available, invoice.currency).format(Locale::En),
                    invoice.number
                ),
            ));
        }
        // Spread over what is left at each rate, in proportion to it.
        let rates: Vec<VatBreakdown> = left
            .rates
            .iter()
            .filter(|(_, l)| l.base > 0)
            .map(|((std::cmp::Reverse(rate), category), l)| VatBreakdown {
                rate: *rate,
                base_minor: l.base,
                vat_minor: l.vat,
                category: *category,
                exemption: l.exemption,
            })
            .collect();
        let bases = split_by_rate(net, &rates)
            .into_iter()
            .map(|b| ((std::cmp::Reverse(b.rate), b.category), b.base_minor))
            .collect();
        Ok(Taken {
            lines: Vec::new(),
            by_rate: left.breakdown(&bases),
        })
    }

    /// A cancellation after corrections that named no lines: all that is
    /// left at each rate.
    fn rest_by_rate(&self, left: &LeftToCredit) -> Result<Taken, CreditRefused> {
        let bases = left.rates.iter().map(|(key, l)| (*key, l.base.max(0))).collect();
        Ok(Taken {
            lines: Vec::new(),
            by_rate: left.breakdown(&bases),
        })
    }

    /// The credit note this correction becomes, not yet numbered.
    pub fn into_credit(
        self,
        id: String,
        invoice: &Invoice,
        taken: Taken,
        by: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Credit, CreditRefused> {
        let too_large = || refused("net_minor", "is too large");
        let net_minor = checked_sum(taken.by_rate.iter().map(|r| r.base_minor)).ok_or_else(too_large)?;
        let vat_minor = checked_sum(taken.by_rate.iter().map(|r| r.vat_minor)).ok_or_else(too_large)?;
        let gross_minor = net_minor.checked_add(vat_minor).ok_or_else(too_large)?;
        Ok(Credit {
            id,
            customer_id: invoice.customer_id.clone(),
            status: CreditStatus::PendingApproval,
            situation: Situation::BillingError,
            severity: None,
            invoice: invoice.number.clone(),
            invoice_date: invoice.issue_date,
            currency: invoice.currency,
            proposed_net_minor: net_minor,
            reasons: vec![format!("correction ({})", self.reason)],
            net_minor,
            by_rate: taken.by_rate,
            vat_minor,
            gross_minor,
            words: Words {
                what_happened: Some(self.reason.clone()),
                what_we_did: self.what_we_did,
            },
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
            correction: Some(Correction {
                scope: self.scope,
                reason: self.reason,
            }),
            lines: taken.lines,
        })
    }
}

impl Credit {
    /// Deducts a granted correction from the invoice it corrects: what the
    /// invoice still owes goes down by the credit note, never below zero;
    /// what the invoice no longer owed (it was paid) stays open on the
    /// credit, deducted from the next invoices. An invoice that owes
    /// nothing more is settled: `Credited` when nothing was paid on it.
    pub fn correct(&mut self, invoice: &mut Invoice, by: &Actor, now: DateTime<Utc>) -> Option<HistoryEvent> {
        let (Some(number), Some(issue_date), Some(correction)) =
            (self.number.clone(), self.issue_date, self.correction.as_ref())
        else {
            return None;
        };
        let amount = self.remaining_minor.min(invoice.remaining_minor()).max(0);
        self.remaining_minor = self.remaining_minor.saturating_sub(amount);
        self.applications.push(super::Application {
            invoice: invoice.number.clone(),
            amount_minor: amount,
            at: now,
        });
        invoice.corrections.push(crate::domain::invoice::CreditDeduction {
            number: number.clone(),
            issue_date,
            amount_minor: amount,
        });
        if invoice.remaining_minor() == 0 && invoice.status == InvoiceStatus::Open {
            invoice.status = if invoice.paid_minor == 0 {
                InvoiceStatus::Credited
            } else {
                InvoiceStatus::Paid
            };
        }
        Some(HistoryEvent::new(
            self.customer_id.clone(),
            now,
            by.clone(),
            EventKind::InvoiceCorrected {
                number: invoice.number.clone(),
                credit_note: number,
                scope: correction.scope.name().into(),
                reason: correction.reason.clone(),
                amount_minor: amount,
                remaining_minor: invoice.remaining_minor(),
                currency: invoice.currency.to_string(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::credit::Grant;
    use crate::domain::{InvoiceInput, InvoiceNumber, fixtures};
    use chrono::NaiveDate;

    /// Two rates, a discount and a quantity that does not divide evenly:
    /// 2 h × 95.00 and 3 × 12.90 − 10 % at 20 %; 1 book × 20.00 at 5.5 %.
    fn invoice() -> Invoice {
        let input: InvoiceInput = serde_json::from_value(serde_json::json!({
            "customer_id": "c1", "currency": "EUR", "issue_date": "2026-11-02", "due_date": "2026-12-02",
            "category": "mixed",
            "lines": [
                { "description": "Pose", "quantity": 2, "unit": "HUR", "unit_price_minor": 9500, "vat_rate": "20" },
                { "description": "Pièces", "quantity": 3, "unit_price_minor": 1290, "vat_rate": "20", "discount": "10" },
                { "description": "Guide d'entretien", "quantity": 1, "unit_price_minor": 2000, "vat_rate": "5.5" }
            ]
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        input.parse().unwrap_or_else(|e| panic!("{e:?}")).issue(
            InvoiceNumber::new("F2026", 1),
            crate::config::company().unwrap_or_else(|e| panic!("{e}")),
            fixtures::consumer("c1"),
            DateTime::<Utc>::UNIX_EPOCH,
            Actor("test".into()),
        )
    }

    fn request(body: serde_json::Value) -> CorrectionInput {
        serde_json::from_value(body).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Corrects `invoice` as asked, after `earlier`: the granted note.
    fn corrected(
        invoice: &mut Invoice,
        earlier: &[Credit],
        body: serde_json::Value,
        n: u64,
    ) -> Result<Credit, CreditRefused> {
        let checked = request(body).check().map_err(CreditRefused::Fields)?;
        let left = LeftToCredit::of(invoice, earlier);
        let taken = checked.take(invoice, &left)?;
        let mut credit = checked.into_credit(
            format!("c{n}"),
            invoice,
            taken,
            &Actor::system("t"),
            DateTime::UNIX_EPOCH,
        )?;
        let seller = crate::config::company().unwrap_or_else(|e| panic!("{e}"));
        let buyer = fixtures::consumer("c1");
        credit.grant(Grant {
            number: InvoiceNumber::new("AV2026", n),
            today: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default(),
            now: DateTime::UNIX_EPOCH,
            seller: &seller,
            buyer: &buyer,
            follow_up_days: 14,
            by: &Actor::system("t"),
        });
        credit.correct(invoice, &Actor::system("t"), DateTime::UNIX_EPOCH);
        Ok(credit)
    }

    fn fields(result: Result<CheckedCorrection, Vec<FieldError>>) -> Vec<String> {
        result.err().unwrap_or_default().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_request_names_what_it_credits_and_why() {
        let cases: Vec<(serde_json::Value, &[&str])> = vec![
            (
                serde_json::json!({ "scope": "full", "reason": "Facture en double." }),
                &[],
            ),
            (
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 2, "quantity": "1.5" }] }),
                &[],
            ),
            (
                serde_json::json!({ "scope": "amount", "reason": "x", "net_minor": 100 }),
                &[],
            ),
            (serde_json::json!({ "scope": "all", "reason": "x" }), &["scope"]),
            (serde_json::json!({ "scope": "full", "reason": "  " }), &["reason"]),
            (
                serde_json::json!({ "scope": "full", "reason": "x".repeat(REASON_MAX_CHARS + 1) }),
                &["reason"],
            ),
            (
                serde_json::json!({ "scope": "full", "reason": "x", "net_minor": 100 }),
                &["net_minor"],
            ),
            (
                serde_json::json!({ "scope": "full", "reason": "x", "lines": [] }),
                &["lines"],
            ),
            (serde_json::json!({ "scope": "lines", "reason": "x" }), &["lines"]),
            (
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [] }),
                &["lines"],
            ),
            (
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 0 }] }),
                &["lines[0].line"],
            ),
            (
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 1, "quantity": 0 }] }),
                &["lines[0].quantity"],
            ),
            (
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 1, "quantity": "abc" }] }),
                &["lines[0].quantity"],
            ),
            (
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 1 }, { "line": 1 }] }),
                &["lines[1].line"],
            ),
            (serde_json::json!({ "scope": "amount", "reason": "x" }), &["net_minor"]),
            (
                serde_json::json!({ "scope": "amount", "reason": "x", "net_minor": -5 }),
                &["net_minor"],
            ),
        ];
        for (body, want) in cases {
            assert_eq!(fields(request(body.clone()).check()), want, "{body}");
        }
    }

    #[test]
    fn a_cancellation_takes_back_exactly_what_was_invoiced() {
        let mut inv = invoice();
        let before = inv.totals.clone();
        let note = corrected(
            &mut inv,
            &[],
            serde_json::json!({ "scope": "full", "reason": "Facture en double." }),
            1,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(note.by_rate, before.by_rate, "same bases and VAT per rate");
        assert_eq!(
            (note.net_minor, note.vat_minor, note.gross_minor),
            (before.net_minor, before.vat_minor, before.gross_minor)
        );
        assert_eq!(
            note.lines
                .iter()
                .map(|l| (l.line, l.credited.clone()))
                .collect::<Vec<_>>(),
            inv.lines
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, l)| (i as u32 + 1, l))
                .collect::<Vec<_>>()
        );
        assert_eq!((inv.remaining_minor(), inv.status), (0, InvoiceStatus::Credited));
        assert_eq!(note.remaining_minor, 0, "nothing carried to the next invoice");
        assert_eq!(note.follow_up_on, None, "a correction is not a gesture to follow up");
        // A second cancellation finds nothing left.
        let again = corrected(
            &mut inv,
            &[note],
            serde_json::json!({ "scope": "full", "reason": "x" }),
            2,
        );
        assert!(
            matches!(&again, Err(CreditRefused::Fields(f)) if f[0].field == "scope" && f[0].reason.contains("AV2026-")),
            "{again:?}"
        );
    }

    #[test]
    fn partial_corrections_then_a_cancellation_add_up_to_the_invoice() {
        // (requests in turn) — whatever the path, the notes add up to the
        // invoice per rate, to the cent.
        let paths: Vec<Vec<serde_json::Value>> = vec![
            vec![
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 2, "quantity": 1 }] }),
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 2, "quantity": 1 }] }),
                serde_json::json!({ "scope": "full", "reason": "x" }),
            ],
            vec![
                serde_json::json!({ "scope": "amount", "reason": "x", "net_minor": 3_333 }),
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 1, "quantity": "0.5" }] }),
                serde_json::json!({ "scope": "full", "reason": "x" }),
            ],
            vec![
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 3 }, { "line": 1, "quantity": 1 }] }),
                serde_json::json!({ "scope": "amount", "reason": "x", "net_minor": 1 }),
                serde_json::json!({ "scope": "full", "reason": "x" }),
            ],
        ];
        for path in paths {
            let mut inv = invoice();
            let mut notes: Vec<Credit> = Vec::new();
            for (n, body) in path.iter().enumerate() {
                let note =
                    corrected(&mut inv, &notes, body.clone(), n as u64 + 1).unwrap_or_else(|e| panic!("{body}: {e:?}"));
                notes.push(note);
            }
            for rate in &inv.totals.by_rate {
                let (base, vat) = notes
                    .iter()
                    .flat_map(|n| &n.by_rate)
                    .filter(|b| b.rate == rate.rate && b.category == rate.category)
                    .fold((0, 0), |(b, v), x| (b + x.base_minor, v + x.vat_minor));
                assert_eq!(
                    (base, vat),
                    (rate.base_minor, rate.vat_minor),
                    "{path:?} at {}",
                    rate.rate
                );
            }
            assert_eq!(
                notes.iter().map(|n| n.gross_minor).sum::<i64>(),
                inv.totals.gross_minor,
                "{path:?}"
            );
            assert_eq!(
                (inv.remaining_minor(), inv.status),
                (0, InvoiceStatus::Credited),
                "{path:?}"
            );
        }
    }

    #[test]
    fn a_correction_cannot_take_more_than_is_left() {
        let mut inv = invoice();
        let first = corrected(
            &mut inv,
            &[],
            serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 2, "quantity": 2 }] }),
            1,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        // (request, the field refused)
        let cases = [
            (
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 2, "quantity": 2 }] }),
                "lines[0].quantity",
            ),
            (
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 1 }, { "line": 4 }] }),
                "lines[1].line",
            ),
            (
                serde_json::json!({ "scope": "amount", "reason": "x", "net_minor": inv.totals.net_minor }),
                "net_minor",
            ),
        ];
        for (body, field) in cases {
            let mut copy = inv.clone();
            let refused = corrected(&mut copy, std::slice::from_ref(&first), body.clone(), 2);
            assert!(
                matches!(&refused, Err(CreditRefused::Fields(f)) if f[0].field == field),
                "{body}: {refused:?}"
            );
            assert_eq!(copy, inv, "a refused correction changes nothing");
        }
        // What is left can be taken, exactly.
        let left = LeftToCredit::of(&inv, std::slice::from_ref(&first)).net_minor();
        assert_eq!(left, inv.totals.net_minor - first.net_minor);
        corrected(
            &mut inv,
            &[first],
            serde_json::json!({ "scope": "amount", "reason": "x", "net_minor": left }),
            2,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(inv.remaining_minor(), 0);
    }

    #[test]
    fn what_was_paid_stays_paid_and_the_rest_waits_for_the_next_invoice() {
        // (paid before the correction, the note takes off, carried to the
        // next invoice, status after)
        let gross = invoice().totals.gross_minor;
        let half = corrected(
            &mut invoice(),
            &[],
            serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 1 }] }),
            1,
        )
        .unwrap_or_else(|e| panic!("{e:?}"))
        .gross_minor;
        let cases = [
            (0, half, 0, InvoiceStatus::Open),
            (gross - half, half, 0, InvoiceStatus::Paid),
            (gross - 1_000, 1_000, half - 1_000, InvoiceStatus::Paid),
            (gross, 0, half, InvoiceStatus::Paid),
        ];
        for (paid, taken, carried, status) in cases {
            let mut inv = invoice();
            inv.paid_minor = paid;
            if inv.remaining_minor() == 0 {
                inv.status = InvoiceStatus::Paid;
            }
            let note = corrected(
                &mut inv,
                &[],
                serde_json::json!({ "scope": "lines", "reason": "x", "lines": [{ "line": 1 }] }),
                1,
            )
            .unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(
                (inv.corrected_minor(), note.remaining_minor, inv.status),
                (taken, carried, status),
                "paid {paid}"
            );
            assert_eq!(inv.remaining_minor(), gross - paid - taken, "paid {paid}");
        }
    }
}
