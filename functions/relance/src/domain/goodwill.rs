//! The goodwill policy: which gesture a situation deserves, and why.
//! Pure: the same facts always give the same proposal, so two customers in
//! the same situation are treated alike (seed 004: "manque de cohérence").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Locale;
use super::decimal::{format_scaled, parse_scaled};
use super::money::{Currency, Money, div_round_half_away};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Situation {
    BillingError,
    LateDelivery,
    DefectiveProduct,
    PoorService,
    LoyaltyThanks,
    Referral,
}

impl Situation {
    pub const ALL: [Situation; 6] = [
        Situation::BillingError,
        Situation::LateDelivery,
        Situation::DefectiveProduct,
        Situation::PoorService,
        Situation::LoyaltyThanks,
        Situation::Referral,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Situation::BillingError => "billing_error",
            Situation::LateDelivery => "late_delivery",
            Situation::DefectiveProduct => "defective_product",
            Situation::PoorService => "poor_service",
            Situation::LoyaltyThanks => "loyalty_thanks",
            Situation::Referral => "referral",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|s| s.name() == text.trim()).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|s| s.name()).collect();
            format!("`{}` is not a situation; use one of {}", text.trim(), names.join(", "))
        })
    }

    /// A repair answers something that went wrong (an apology); the
    /// others thank the customer.
    pub fn is_repair(self) -> bool {
        !matches!(self, Situation::LoyaltyThanks | Situation::Referral)
    }

    fn words(self) -> &'static str {
        self.name().split('_').next().unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Minor,
    Major,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "minor" => Ok(Severity::Minor),
            "major" => Ok(Severity::Major),
            "critical" => Ok(Severity::Critical),
            other => Err(format!("`{other}` is not a severity; use minor, major or critical")),
        }
    }
}

/// The policy file as written (`config/goodwill.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    currency: String,
    rounding_minor: i64,
    caps: Caps,
    follow_up: FollowUp,
    repair: BTreeMap<Situation, RepairFile>,
    thanks: BTreeMap<Situation, ThanksFile>,
    value: Vec<ValueTierFile>,
    tenure: Vec<TenureTierFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RepairFile {
    minor: String,
    major: String,
    critical: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThanksFile {
    amount_minor: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueTierFile {
    from_minor: i64,
    factor: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenureTierFile {
    from_years: i64,
    factor: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caps {
    pub per_credit_max_minor: i64,
    pub per_customer_year_max_minor: i64,
    pub monthly_budget_minor: i64,
    pub approval_above_minor: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    pub days: u32,
}

/// What a situation's base is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// Basis points of the related invoice's net amount, by severity.
    Repair { minor: u32, major: u32, critical: u32 },
    /// A fixed net amount.
    Thanks { amount_minor: i64 },
}

/// A tier: from this threshold on, the base is multiplied by `factor`
/// (in hundredths: 110 = × 1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    pub from: i64,
    pub factor: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodwillPolicy {
    pub currency: Currency,
    pub rounding_minor: i64,
    pub caps: Caps,
    pub follow_up: FollowUp,
    pub bases: BTreeMap<Situation, Base>,
    pub value: Vec<Tier>,
    pub tenure: Vec<Tier>,
}

fn factor(text: &str, what: &str) -> Result<u32, String> {
    parse_scaled(text, 2)
        .ok()
        .and_then(|f| u32::try_from(f).ok())
        .filter(|f| (50..=300).contains(f))
        .ok_or_else(|| format!("{what}: factor `{text}` must be a decimal between 0.5 and 3"))
}

fn percent_bp(text: &str, what: &str) -> Result<u32, String> {
    parse_scaled(text, 2)
        .ok()
        .and_then(|bp| u32::try_from(bp).ok())
        .filter(|bp| *bp <= 10_000)
        .ok_or_else(|| format!("{what}: `{text}` must be a percentage between 0 and 100"))
}

impl GoodwillPolicy {
    pub fn configured() -> Result<Self, String> {
        Self::parse(include_str!("../../../../config/goodwill.toml"))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut bases = BTreeMap::new();
        for (situation, r) in &file.repair {
            if !situation.is_repair() {
                return Err(format!("[repair.{}]: this situation is a thank-you", situation.name()));
            }
            let what = format!("repair.{}", situation.name());
            bases.insert(
                *situation,
                Base::Repair {
                    minor: percent_bp(&r.minor, &what)?,
                    major: percent_bp(&r.major, &what)?,
                    critical: percent_bp(&r.critical, &what)?,
                },
            );
        }
        for (situation, t) in &file.thanks {
            if situation.is_repair() {
                return Err(format!("[thanks.{}]: this situation is a repair", situation.name()));
            }
            if t.amount_minor <= 0 {
                return Err(format!("thanks.{}: amount_minor must be positive", situation.name()));
            }
            bases.insert(
                *situation,
                Base::Thanks {
                    amount_minor: t.amount_minor,
                },
            );
        }
        if let Some(missing) = Situation::ALL.iter().find(|s| !bases.contains_key(s)) {
            return Err(format!("the policy says nothing about {}", missing.name()));
        }
        let tiers = |raw: Vec<(i64, String)>, what: &str| -> Result<Vec<Tier>, String> {
            let tiers = raw
                .into_iter()
                .map(|(from, f)| {
                    Ok(Tier {
                        from,
                        factor: factor(&f, what)?,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            if tiers.first().map(|t| t.from) != Some(0) || tiers.windows(2).any(|w| w[0].from >= w[1].from) {
                return Err(format!("[[{what}]] tiers must start at 0 and increase"));
            }
            Ok(tiers)
        };
        let caps = file.caps;
        if caps.per_credit_max_minor <= 0
            || caps.per_customer_year_max_minor < caps.per_credit_max_minor
            || caps.monthly_budget_minor < caps.per_credit_max_minor
            || caps.approval_above_minor < 0
        {
            return Err("caps: every cap must be positive and at least per_credit_max_minor".into());
        }
        if file.rounding_minor <= 0 {
            return Err("rounding_minor must be positive".into());
        }
        Ok(Self {
            currency: Currency::parse(&file.currency)?,
            rounding_minor: file.rounding_minor,
            caps,
            follow_up: file.follow_up,
            bases,
            value: tiers(
                file.value.into_iter().map(|t| (t.from_minor, t.factor)).collect(),
                "value",
            )?,
            tenure: tiers(
                file.tenure.into_iter().map(|t| (t.from_years, t.factor)).collect(),
                "tenure",
            )?,
        })
    }
}

/// Everything a proposal depends on, read from the request and the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoodwillFacts {
    pub situation: Situation,
    pub severity: Option<Severity>,
    /// The related invoice's net amount.
    pub invoice_net_minor: i64,
    /// What earlier credits on the same invoice already gave back.
    pub already_credited_minor: i64,
    /// Gross amount invoiced over the last 12 months.
    pub revenue_12m_minor: i64,
    pub tenure_years: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    /// Net of VAT.
    pub net_minor: i64,
    /// How the amount was reached, one step per line, for the person who
    /// grants it and for the record.
    pub reasons: Vec<String>,
}

/// Why no proposal can be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyProblem {
    pub field: &'static str,
    pub reason: String,
}

impl GoodwillPolicy {
    fn money(&self, minor: i64) -> String {
        Money::new(minor, self.currency).format(Locale::En)
    }

    fn tier(tiers: &[Tier], value: i64) -> Tier {
        tiers
            .iter()
            .rev()
            .find(|t| value >= t.from)
            .copied()
            .unwrap_or(Tier { from: 0, factor: 100 })
    }

    /// The proposal for `facts`: the situation's base, scaled by the
    /// customer's value and tenure, rounded, then capped by the per-credit
    /// maximum and by what the invoice has left to credit. Each step that
    /// changes the amount says so in the reasons.
    pub fn propose(&self, facts: &GoodwillFacts) -> Result<Proposal, PolicyProblem> {
        let mut reasons = Vec::new();
        let base = self.base(facts, &mut reasons)?;
        let rounded = self.scaled(base, facts, &mut reasons);
        let net = self.capped(rounded, facts, &mut reasons)?;
        Ok(Proposal {
            net_minor: net,
            reasons,
        })
    }

    /// The situation's base amount: a share of the invoice for a repair,
    /// by severity, or a fixed amount for thanks.
    fn base(&self, facts: &GoodwillFacts, reasons: &mut Vec<String>) -> Result<i64, PolicyProblem> {
        let label = facts.situation.name().replace('_', " ");
        let base = match (self.bases.get(&facts.situation), facts.severity) {
            (Some(Base::Repair { minor, major, critical }), Some(severity)) => {
                let bp = match severity {
                    Severity::Minor => *minor,
                    Severity::Major => *major,
                    Severity::Critical => *critical,
                };
                let amount = div_round_half_away(i128::from(facts.invoice_net_minor) * i128::from(bp), 10_000);
                let amount = i64::try_from(amount).unwrap_or(i64::MAX);
                reasons.push(format!(
                    "{label}, {}: {}% of the invoice's net amount ({}) = {}",
                    severity.name(),
                    format_scaled(u64::from(bp), 2),
                    self.money(facts.invoice_net_minor),
                    self.money(amount)
                ));
                amount
            }
            (Some(Base::Repair { .. }), None) => {
                return Err(PolicyProblem {
                    field: "severity",
                    reason: format!("is required for a {label}: minor, major or critical"),
                });
            }
            (Some(Base::Thanks { amount_minor }), None) => {
                reasons.push(format!("{label}: {}", self.money(*amount_minor)));
                *amount_minor
            }
            (Some(Base::Thanks { .. }), Some(_)) => {
                return Err(PolicyProblem {
                    field: "severity",
                    reason: format!("does not apply to {label}: leave it out"),
                });
            }
            (None, _) => {
                return Err(PolicyProblem {
                    field: "situation",
                    reason: format!("the policy has no rule for {}", facts.situation.words()),
                });
            }
        };
        Ok(base)
    }

    /// The base scaled by the value and tenure tiers, rounded to the
    /// policy's step.
    fn scaled(&self, base: i64, facts: &GoodwillFacts, reasons: &mut Vec<String>) -> i64 {
        let value = Self::tier(&self.value, facts.revenue_12m_minor);
        let tenure = Self::tier(&self.tenure, facts.tenure_years);
        let scaled = div_round_half_away(
            i128::from(base) * i128::from(value.factor) * i128::from(tenure.factor),
            10_000,
        );
        let scaled = i64::try_from(scaled).unwrap_or(i64::MAX);
        if value.factor != 100 {
            reasons.push(format!(
                "customer value: {} invoiced over 12 months (tier from {}): × {}",
                self.money(facts.revenue_12m_minor),
                self.money(value.from),
                format_scaled(u64::from(value.factor), 2)
            ));
        }
        if tenure.factor != 100 {
            reasons.push(format!(
                "tenure: {} years (tier from {} years): × {}",
                facts.tenure_years,
                tenure.from,
                format_scaled(u64::from(tenure.factor), 2)
            ));
        }
        let rounded = i64::try_from(div_round_half_away(i128::from(scaled), i128::from(self.rounding_minor)))
            .unwrap_or(0)
            .saturating_mul(self.rounding_minor);
        if rounded != base {
            reasons.push(format!("scaled and rounded: {}", self.money(rounded)));
        }
        rounded
    }

    /// The amount within the per-credit maximum and what the invoice has
    /// left to credit; nothing left is a refusal.
    fn capped(&self, rounded: i64, facts: &GoodwillFacts, reasons: &mut Vec<String>) -> Result<i64, PolicyProblem> {
        let mut net = rounded;
        if net > self.caps.per_credit_max_minor {
            net = self.caps.per_credit_max_minor;
            reasons.push(format!("capped at the per-credit maximum: {}", self.money(net)));
        }
        // A credit gives back part of a sale; it can never give back more
        // than the sale's net amount, counting earlier credits on it.
        let room = facts
            .invoice_net_minor
            .saturating_sub(facts.already_credited_minor)
            .max(0);
        if net > room {
            net = room;
            reasons.push(format!(
                "limited to what the invoice has left to credit: {}",
                self.money(net)
            ));
        }
        if net <= 0 {
            return Err(PolicyProblem {
                field: "invoice",
                reason: "leaves nothing to credit: earlier credits already gave its whole net amount back".into(),
            });
        }
        Ok(net)
    }

    /// Whether a credit of `net_minor` waits for a second person.
    pub fn needs_approval(&self, net_minor: i64) -> bool {
        net_minor > self.caps.approval_above_minor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> GoodwillPolicy {
        GoodwillPolicy::configured().unwrap_or_else(|e| panic!("config/goodwill.toml: {e}"))
    }

    fn facts(situation: Situation, severity: Option<Severity>, invoice_net: i64) -> GoodwillFacts {
        GoodwillFacts {
            situation,
            severity,
            invoice_net_minor: invoice_net,
            already_credited_minor: 0,
            revenue_12m_minor: 0,
            tenure_years: 0,
        }
    }

    use Severity::{Critical, Major, Minor};
    use Situation::*;

    /// What, situation, severity, invoice net, 12-month revenue, tenure,
    /// and the proposed net.
    type Case = (&'static str, Situation, Option<Severity>, i64, i64, i64, i64);

    /// The policy as a table: situation, severity, invoice net, 12-month
    /// revenue, tenure → proposed net. Read it like the policy file.
    #[test]
    fn proposals_follow_the_policy() {
        let cases: &[Case] = &[
            // A new, small customer: the base alone, rounded to euros.
            (
                "billing error, minor: 5 %",
                BillingError,
                Some(Minor),
                120_000,
                0,
                0,
                6_000,
            ),
            (
                "billing error, major: 7.5 %",
                BillingError,
                Some(Major),
                120_000,
                0,
                0,
                9_000,
            ),
            (
                "billing error, critical: 10 %",
                BillingError,
                Some(Critical),
                120_000,
                0,
                0,
                12_000,
            ),
            (
                "late delivery, major: 10 %",
                LateDelivery,
                Some(Major),
                120_000,
                0,
                0,
                12_000,
            ),
            (
                "defective product, critical: 30 %",
                DefectiveProduct,
                Some(Critical),
                120_000,
                0,
                0,
                36_000,
            ),
            (
                "poor service, minor: 5 %",
                PoorService,
                Some(Minor),
                80_000,
                0,
                0,
                4_000,
            ),
            ("loyalty thanks: a fixed 50 €", LoyaltyThanks, None, 80_000, 0, 0, 5_000),
            ("referral: a fixed 50 €", Referral, None, 80_000, 0, 0, 5_000),
            // Rounding: 5 % of 1 234,56 € = 61,73 € → 62 €.
            (
                "rounded to whole euros",
                BillingError,
                Some(Minor),
                123_456,
                0,
                0,
                6_200,
            ),
            // Value: ≥ 10 000 € invoiced over 12 months → × 1.1; ≥ 50 000 € → × 1.25.
            (
                "valued customer",
                BillingError,
                Some(Critical),
                120_000,
                1_000_000,
                0,
                13_200,
            ),
            (
                "just below the value tier",
                BillingError,
                Some(Critical),
                120_000,
                999_999,
                0,
                12_000,
            ),
            (
                "key account",
                BillingError,
                Some(Critical),
                120_000,
                5_000_000,
                0,
                15_000,
            ),
            // Tenure: 3 years → × 1.1; 10 years → × 1.2.
            ("three years", LoyaltyThanks, None, 80_000, 0, 3, 5_500),
            ("ten years", LoyaltyThanks, None, 80_000, 0, 10, 6_000),
            (
                "both: 120 € × 1.25 × 1.2",
                BillingError,
                Some(Critical),
                120_000,
                5_000_000,
                12,
                18_000,
            ),
            // Caps: never above 1 500 € per credit...
            (
                "per-credit cap",
                DefectiveProduct,
                Some(Critical),
                1_000_000,
                0,
                0,
                150_000,
            ),
            // ...nor above the invoice's net amount.
            ("never more than the sale", LoyaltyThanks, None, 3_000, 0, 0, 3_000),
        ];
        let p = policy();
        for (what, situation, severity, net, revenue, tenure, want) in cases {
            let f = GoodwillFacts {
                revenue_12m_minor: *revenue,
                tenure_years: *tenure,
                ..facts(*situation, *severity, *net)
            };
            let got = p.propose(&f).map(|p| p.net_minor);
            assert_eq!(got, Ok(*want), "{what}");
        }
    }

    #[test]
    fn the_same_facts_give_the_same_proposal() {
        let p = policy();
        let f = GoodwillFacts {
            revenue_12m_minor: 2_000_000,
            tenure_years: 4,
            ..facts(LateDelivery, Some(Major), 250_000)
        };
        let first = p.propose(&f);
        for _ in 0..10 {
            assert_eq!(p.propose(&f), first);
        }
    }

    #[test]
    fn reasons_show_each_step() {
        let f = GoodwillFacts {
            revenue_12m_minor: 5_000_000,
            tenure_years: 12,
            ..facts(BillingError, Some(Critical), 120_000)
        };
        let proposal = policy().propose(&f).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            proposal.reasons,
            [
                "billing error, critical: 10% of the invoice's net amount (€1,200.00) = €120.00",
                "customer value: €50,000.00 invoiced over 12 months (tier from €50,000.00): × 1.25",
                "tenure: 12 years (tier from 10 years): × 1.2",
                "scaled and rounded: €180.00",
            ]
        );
    }

    #[test]
    fn earlier_credits_on_the_same_invoice_leave_less_room() {
        let p = policy();
        let f = GoodwillFacts {
            already_credited_minor: 115_000,
            ..facts(DefectiveProduct, Some(Critical), 120_000)
        };
        assert_eq!(p.propose(&f).map(|p| p.net_minor), Ok(5_000));
        let f = GoodwillFacts {
            already_credited_minor: 120_000,
            ..f
        };
        assert_eq!(p.propose(&f).map_err(|e| e.field), Err("invoice"));
    }

    #[test]
    fn severity_is_required_for_repairs_and_refused_for_thanks() {
        let p = policy();
        let e = p.propose(&facts(PoorService, None, 10_000)).err();
        assert_eq!(e.map(|e| e.field), Some("severity"));
        let e = p.propose(&facts(Referral, Some(Minor), 10_000)).err();
        assert_eq!(e.map(|e| e.field), Some("severity"));
    }

    #[test]
    fn approval_is_needed_above_the_threshold() {
        let p = policy();
        assert!(!p.needs_approval(30_000));
        assert!(p.needs_approval(30_001));
    }

    #[test]
    fn situations_and_severities_parse_with_reasons() {
        assert_eq!(Situation::parse("late_delivery"), Ok(LateDelivery));
        assert!(Situation::parse("bad_weather").is_err_and(|e| e.contains("billing_error")));
        assert_eq!(Severity::parse("major"), Ok(Major));
        assert!(Severity::parse("huge").is_err());
    }

    #[test]
    fn a_policy_missing_a_situation_is_refused() {
        let text = include_str!("../../../../config/goodwill.toml").replace("[thanks.referral]", "[thanks.other]");
        assert!(GoodwillPolicy::parse(&text).is_err());
        let text = include_str!("../../../../config/goodwill.toml").replace("factor = \"1.25\"", "factor = \"9\"");
        assert!(GoodwillPolicy::parse(&text).is_err_and(|e| e.contains("factor")));
    }
}
