//! "I have a difficulty": what a customer can ask for from a reminder.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelpChoice {
    /// "Call me": a person rings back.
    Call,
    PaymentPlan,
    MoreDays,
    /// Something is wrong with the invoice itself.
    Dispute,
}

impl HelpChoice {
    pub const ALL: [HelpChoice; 4] = [
        HelpChoice::Call,
        HelpChoice::PaymentPlan,
        HelpChoice::MoreDays,
        HelpChoice::Dispute,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HelpChoice::Call => "call",
            HelpChoice::PaymentPlan => "payment_plan",
            HelpChoice::MoreDays => "more_days",
            HelpChoice::Dispute => "dispute",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == text)
    }
}

/// Free text a customer may write in a help request: enough to explain,
/// short enough that it is not a place for a life story. It may say
/// something sensitive (illness, hardship), so it is kept apart from the
/// permanent history and deleted after `HELP_NOTE_DAYS`.
pub const HELP_NOTE_MAX_CHARS: usize = 500;
pub const HELP_NOTE_DAYS: i64 = 30;
