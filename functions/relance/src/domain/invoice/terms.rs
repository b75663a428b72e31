//! Payment terms and the legal maximum between businesses.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// The longest payment term French law allows between businesses
/// (Code de commerce L441-10): 60 days from issue...
pub const MAX_TERM_DAYS: u64 = 60;
/// ...or 45 days end of month when agreed.
pub const MAX_TERM_DAYS_END_OF_MONTH: u64 = 45;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentTerms {
    /// N days from the issue date.
    Days(u16),
    /// N days, then to the end of that month ("45 jours fin de mois").
    DaysEndOfMonth(u16),
}

impl PaymentTerms {
    pub fn due_date(self, issue: NaiveDate) -> NaiveDate {
        match self {
            PaymentTerms::Days(d) => issue + Days::new(u64::from(d)),
            PaymentTerms::DaysEndOfMonth(d) => end_of_month(issue + Days::new(u64::from(d))),
        }
    }
}

pub fn end_of_month(date: NaiveDate) -> NaiveDate {
    let (y, m) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|first| first.pred_opt())
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_terms_give_due_dates() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(PaymentTerms::Days(30).due_date(d(2026, 1, 15)), d(2026, 2, 14));
        assert_eq!(
            PaymentTerms::DaysEndOfMonth(45).due_date(d(2026, 1, 15)),
            d(2026, 3, 31)
        );
        assert_eq!(end_of_month(d(2026, 12, 3)), d(2026, 12, 31));
        assert_eq!(end_of_month(d(2028, 2, 1)), d(2028, 2, 29));
    }
}
