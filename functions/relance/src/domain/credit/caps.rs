//! The caps a grant must fit: the month's goodwill budget and the
//! customer's yearly allowance.

use serde::Serialize;

use super::CreditRefused;
use crate::domain::{Currency, Money};

/// Where a cap stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Room {
    pub cap_minor: i64,
    pub spent_minor: i64,
    pub remaining_minor: i64,
}

impl Room {
    /// What is left of `cap` once `spent` is spent (never below zero: a
    /// cap lowered after the spending leaves no room, not a debt).
    pub fn new(cap_minor: i64, spent_minor: i64) -> Self {
        Self {
            cap_minor,
            spent_minor,
            remaining_minor: cap_minor.saturating_sub(spent_minor).max(0),
        }
    }
}

/// Whether a credit of `net_minor` fits both caps; the customer's own cap
/// is named first, because it is the one finance can explain to them.
pub fn fits(month: &Room, year: &Room, net_minor: i64, currency: Currency) -> Result<(), CreditRefused> {
    let over = |cap, room: &Room| CreditRefused::OverCap {
        cap,
        remaining: Money::new(room.remaining_minor, currency),
        needed: Money::new(net_minor, currency),
    };
    if net_minor > year.remaining_minor {
        return Err(over("the customer's yearly cap", year));
    }
    if net_minor > month.remaining_minor {
        return Err(over("this month's goodwill budget", month));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credit_fits_when_both_caps_have_room() {
        let eur = Currency::parse("EUR").unwrap_or_else(|e| panic!("{e}"));
        // (month cap, month spent, year cap, year spent, credit, the cap refusing)
        let cases = [
            (100_000, 0, 30_000, 0, 30_000, None),
            (100_000, 0, 30_000, 1, 30_000, Some("the customer's yearly cap")),
            (100_000, 80_000, 30_000, 0, 20_001, Some("this month's goodwill budget")),
            (
                100_000,
                80_000,
                30_000,
                29_000,
                20_001,
                Some("the customer's yearly cap"),
            ),
            (100_000, 120_000, 30_000, 0, 1, Some("this month's goodwill budget")),
        ];
        for (month_cap, month_spent, year_cap, year_spent, net, want) in cases {
            let month = Room::new(month_cap, month_spent);
            let year = Room::new(year_cap, year_spent);
            let got = match fits(&month, &year, net, eur) {
                Ok(()) => None,
                Err(CreditRefused::OverCap { cap, remaining, needed }) => {
                    assert_eq!(needed.minor, net);
                    assert!(remaining.minor < net);
                    Some(cap)
                }
                Err(other) => panic!("{other:?}"),
            };
            assert_eq!(got, want, "{month:?} {year:?} {net}");
        }
        assert_eq!(
            Room::new(100, 150).remaining_minor,
            0,
            "an overspent cap leaves nothing"
        );
    }
}
