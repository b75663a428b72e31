//! Dunning decisions: which stage an invoice is at, and which tone a
//! customer's reminder takes. Pure functions of (facts, policy, today).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub contact_gap_hours: i64,
    pub skip_weekends: bool,
    pub stages: Vec<StageDef>,
    pub tone: TonePolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageDef {
    pub name: String,
    pub offset_days: i64,
    /// The final notice: never the first reminder a customer sees.
    #[serde(default)]
    pub r#final: bool,
    /// `false` for the hand-off to a person: no email, finance is alerted.
    #[serde(default = "yes")]
    pub email: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TonePolicy {
    pub detractor_memory_days: i64,
    pub complaint_memory_days: i64,
    pub direct_after_late_payments: u32,
    pub direct_after_ignored_reminders: u32,
    pub warm_min_tenure_years: i64,
}

impl Policy {
    /// Parses and checks a policy: stages in increasing offset order, names
    /// unique and usable in template names.
    pub fn parse(text: &str) -> Result<Self, String> {
        let policy: Policy = toml::from_str(text).map_err(|e| e.to_string())?;
        if policy.stages.is_empty() {
            return Err("at least one stage is needed".into());
        }
        for pair in policy.stages.windows(2) {
            if pair[0].offset_days >= pair[1].offset_days {
                return Err(format!("stage {} must come after {}", pair[1].name, pair[0].name));
            }
        }
        for stage in &policy.stages {
            if stage.name.is_empty() || !stage.name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return Err(format!("stage name `{}` must be lowercase letters and _", stage.name));
            }
        }
        Ok(policy)
    }

    /// The policy in `config/dunning.toml`.
    pub fn configured() -> Result<Self, String> {
        Self::parse(include_str!("../../../../config/dunning.toml"))
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.name == name)
    }

    /// How many days before its due date an invoice can first be reminded.
    pub fn lead_days(&self) -> i64 {
        self.stages.first().map_or(0, |s| (-s.offset_days).max(0))
    }

    pub fn sends_on(&self, day: NaiveDate) -> bool {
        !(self.skip_weekends && super::calendar::is_weekend(day))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageDecision {
    /// Not yet due for its next stage.
    NotYet,
    /// The stage it is at has been sent already.
    AlreadySent,
    /// Send this stage (index into the policy). After missed passes this is
    /// the stage the invoice is at now, never the ones it skipped.
    Send(usize),
}

/// Which stage an invoice should get as of `today`.
/// `reference` is its due date (or the date a plan or broken promise sets);
/// `last_sent` the index of the last stage already claimed for it;
/// `customer_reminded_before` whether this customer has ever been sent a
/// reminder (the final notice is never the first).
pub fn decide_stage(
    policy: &Policy,
    reference: NaiveDate,
    today: NaiveDate,
    last_sent: Option<usize>,
    customer_reminded_before: bool,
) -> StageDecision {
    let days = (today - reference).num_days();
    let Some(mut at) = policy.stages.iter().rposition(|s| s.offset_days <= days) else {
        return StageDecision::NotYet;
    };
    if policy.stages[at].r#final && last_sent.is_none() && !customer_reminded_before && at > 0 {
        at -= 1;
    }
    match last_sent {
        Some(sent) if sent >= at => StageDecision::AlreadySent,
        _ => StageDecision::Send(at),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// A loyal customer, late for once: thanks first, no pressure.
    Warm,
    Standard,
    /// A customer we recently let down (a complaint, a bad score): we
    /// apologise and give a named person.
    Attentive,
    /// A customer who repeatedly pays late or does not answer: clear and
    /// short. Always polite.
    Direct,
}

impl Tone {
    pub const ALL: [Tone; 4] = [Tone::Warm, Tone::Standard, Tone::Attentive, Tone::Direct];

    pub fn name(self) -> &'static str {
        match self {
            Tone::Warm => "warm",
            Tone::Standard => "standard",
            Tone::Attentive => "attentive",
            Tone::Direct => "direct",
        }
    }
}

/// What the history says about a customer, as of a pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFacts {
    pub tenure_years: i64,
    /// Invoices paid after their due date in the last 24 months.
    pub late_payments: u32,
    /// The worst lateness in the last 24 months, in days.
    pub max_days_late: i64,
    /// Invoiced in the last 12 months, minor units, per currency code:
    /// amounts in different currencies are never added.
    pub revenue_12m: std::collections::BTreeMap<String, i64>,
    /// Days since the last dispute was opened, if any.
    pub days_since_complaint: Option<i64>,
    /// Days since the last detractor survey answer, if any.
    pub days_since_detractor: Option<i64>,
    /// Reminders of the last 12 months that had to be repeated before the
    /// invoice was paid (counted on settled invoices only).
    pub ignored_reminders: u32,
    /// Whether any reminder was ever sent to this customer.
    pub reminded_before: bool,
    /// The last email relance sent, or the last reply from a person.
    pub last_contact: Option<DateTime<Utc>>,
    /// An unhappy answer alerted finance and no person has answered the
    /// customer since: the chase waits, as it does for a help request.
    /// An answer that looks like a mail scanner's does not count.
    pub detractor_waiting: bool,
    /// The customer wrote back by email and no person has answered since:
    /// the chase waits, as for a help request.
    pub reply_waiting: bool,
    /// An automatic answer said the customer is away until this day: no
    /// reminder before it.
    pub away_until: Option<NaiveDate>,
}

impl CustomerFacts {
    /// Invoiced in the last 12 months in `currency`, minor units.
    pub fn revenue_12m_in(&self, currency: &str) -> i64 {
        self.revenue_12m.get(currency).copied().unwrap_or(0)
    }
}

/// Picks the tone and says why, in words finance can read in the history.
pub fn decide_tone(policy: &TonePolicy, facts: &CustomerFacts) -> (Tone, String) {
    if let Some(days) = facts
        .days_since_detractor
        .filter(|d| *d <= policy.detractor_memory_days)
    {
        return (
            Tone::Attentive,
            format!("gave a low satisfaction score {days} days ago"),
        );
    }
    if let Some(days) = facts
        .days_since_complaint
        .filter(|d| *d <= policy.complaint_memory_days)
    {
        return (Tone::Attentive, format!("opened a dispute {days} days ago"));
    }
    if facts.ignored_reminders >= policy.direct_after_ignored_reminders {
        return (
            Tone::Direct,
            format!("{} reminders in the last year went unanswered", facts.ignored_reminders),
        );
    }
    if facts.late_payments >= policy.direct_after_late_payments {
        return (
            Tone::Direct,
            format!(
                "{} late payments in 24 months (up to {} days)",
                facts.late_payments, facts.max_days_late
            ),
        );
    }
    if facts.tenure_years >= policy.warm_min_tenure_years && facts.late_payments == 0 {
        return (
            Tone::Warm,
            format!("customer for {} years who has always paid on time", facts.tenure_years),
        );
    }
    (Tone::Standard, "no particular history".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::configured().unwrap_or_else(|e| panic!("config/dunning.toml: {e}"))
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    #[test]
    fn the_configured_policy_parses() {
        let p = policy();
        let names: Vec<&str> = p.stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["courtesy", "help_first", "check_in", "firm", "final_notice", "handoff"]
        );
        assert_eq!(p.lead_days(), 3);
        assert!(!p.stages[5].email);
    }

    #[test]
    fn stages_follow_the_due_date() {
        let p = policy();
        let due = day(3, 31);
        let idx = |n: &str| p.index_of(n).unwrap_or(99);
        // (today, last stage sent, reminded before, expected)
        let cases: Vec<(NaiveDate, Option<&str>, bool, StageDecision)> = vec![
            (day(3, 27), None, false, StageDecision::NotYet), // 4 days before
            (day(3, 28), None, false, StageDecision::Send(idx("courtesy"))), // 3 days before
            (day(3, 30), Some("courtesy"), false, StageDecision::AlreadySent), // courtesy sent
            (
                day(4, 3),
                Some("courtesy"),
                true,
                StageDecision::Send(idx("help_first")),
            ), // 3 days late
            (
                day(4, 12),
                Some("help_first"),
                true,
                StageDecision::Send(idx("check_in")),
            ),
            (day(4, 25), Some("check_in"), true, StageDecision::Send(idx("firm"))),
            (day(5, 10), Some("firm"), true, StageDecision::Send(idx("final_notice"))),
            (
                day(5, 20),
                Some("final_notice"),
                true,
                StageDecision::Send(idx("handoff")),
            ),
            (day(6, 30), Some("handoff"), true, StageDecision::AlreadySent),
        ];
        for (today, last, before, want) in cases {
            let got = decide_stage(&p, due, today, last.and_then(|n| p.index_of(n)), before);
            assert_eq!(got, want, "as of {today}, last sent {last:?}");
        }
    }

    #[test]
    fn catching_up_sends_only_the_stage_the_invoice_is_at_now() {
        let p = policy();
        // An invoice imported 26 days late, never reminded: firm, not four letters.
        let got = decide_stage(&p, day(3, 1), day(3, 27), None, true);
        assert_eq!(got, StageDecision::Send(p.index_of("firm").unwrap_or(99)));
    }

    #[test]
    fn the_final_notice_is_never_the_first_reminder() {
        let p = policy();
        let firm = p.index_of("firm").unwrap_or(99);
        let final_notice = p.index_of("final_notice").unwrap_or(99);
        // 42 days late and never reminded: the firm reminder comes first…
        assert_eq!(
            decide_stage(&p, day(3, 1), day(4, 12), None, false),
            StageDecision::Send(firm)
        );
        // …and the final notice on a later pass.
        assert_eq!(
            decide_stage(&p, day(3, 1), day(4, 15), Some(firm), true),
            StageDecision::Send(final_notice)
        );
    }

    #[test]
    fn bad_policies_are_refused() {
        let out_of_order = "contact_gap_hours = 48\nskip_weekends = true\n[[stages]]\nname = \"b\"\noffset_days = 5\n[[stages]]\nname = \"a\"\noffset_days = 1\n[tone]\ndetractor_memory_days = 1\ncomplaint_memory_days = 1\ndirect_after_late_payments = 1\ndirect_after_ignored_reminders = 1\nwarm_min_tenure_years = 1\n";
        assert!(Policy::parse(out_of_order).is_err());
        assert!(Policy::parse("contact_gap_hours = 48").is_err());
    }

    #[test]
    fn the_tone_reads_the_relationship() {
        let t = policy().tone;
        let loyal = CustomerFacts {
            tenure_years: 10,
            ..Default::default()
        };
        // (who, facts, expected tone)
        let cases = vec![
            ("ten-year customer, always on time", loyal.clone(), Tone::Warm),
            (
                "new customer",
                CustomerFacts {
                    tenure_years: 0,
                    ..Default::default()
                },
                Tone::Standard,
            ),
            (
                "two years, never late",
                CustomerFacts {
                    tenure_years: 2,
                    ..Default::default()
                },
                Tone::Standard,
            ),
            (
                "loyal but once late",
                CustomerFacts {
                    late_payments: 1,
                    ..loyal.clone()
                },
                Tone::Standard,
            ),
            (
                "chronically late",
                CustomerFacts {
                    late_payments: 4,
                    max_days_late: 35,
                    ..Default::default()
                },
                Tone::Direct,
            ),
            (
                "ignored three reminders",
                CustomerFacts {
                    ignored_reminders: 3,
                    ..Default::default()
                },
                Tone::Direct,
            ),
            (
                "complained last month",
                CustomerFacts {
                    days_since_complaint: Some(30),
                    ..loyal.clone()
                },
                Tone::Attentive,
            ),
            (
                "complained long ago",
                CustomerFacts {
                    days_since_complaint: Some(400),
                    ..loyal.clone()
                },
                Tone::Warm,
            ),
            (
                "recent detractor who is also late",
                CustomerFacts {
                    days_since_detractor: Some(10),
                    late_payments: 5,
                    ..Default::default()
                },
                Tone::Attentive,
            ),
        ];
        for (who, facts, want) in cases {
            let (tone, reason) = decide_tone(&t, &facts);
            assert_eq!(tone, want, "{who}: {reason}");
            assert!(!reason.is_empty());
        }
    }

    #[test]
    fn weekends_are_quiet() {
        let p = policy();
        assert!(!p.sends_on(day(3, 28)), "a Saturday");
        assert!(p.sends_on(day(3, 30)), "a Monday");
    }
}
