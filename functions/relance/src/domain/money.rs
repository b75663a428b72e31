//! Money in integer minor units, never floating point.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency that relance can invoice in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub const EUR: Currency = Currency(iso_currency::Currency::EUR);

    /// Parses an ISO 4217 code such as `EUR`. Codes without minor-unit
    /// information (precious metals, testing codes) are refused: an invoice
    /// must know how many decimals its amounts have.
    pub fn parse(code: &str) -> Result<Self, String> {
        let currency = iso_currency::Currency::from_code(code)
            .ok_or_else(|| format!("`{code}` is not an ISO 4217 currency code"))?;
        currency
            .exponent()
            .ok_or_else(|| format!("`{code}` has no minor unit and cannot be invoiced"))?;
        Ok(Self(currency))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Number of decimals of the minor unit (2 for EUR, 0 for JPY).
    pub fn exponent(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(2))
    }

    pub fn symbol(self) -> String {
        self.0.symbol().to_string()
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.code().to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount in minor units (cents) of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Formats the amount for a reader of `locale`: `1 234,56 €` in French,
    /// `€1,234.56` in English. Grouping uses a narrow no-break space in
    /// French so the amount never wraps across lines.
    pub fn format(&self, locale: crate::domain::Locale) -> String {
        let exp = self.currency.exponent();
        let negative = self.minor < 0;
        let abs = self.minor.unsigned_abs();
        let divisor = 10u64.pow(exp);
        let units = abs / divisor;
        let fraction = abs % divisor;
        let (group_sep, decimal_sep) = match locale {
            crate::domain::Locale::Fr => ('\u{202f}', ','),
            crate::domain::Locale::En => (',', '.'),
        };
        let digits = units.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(group_sep);
            }
            grouped.push(c);
        }
        let number = if exp > 0 {
            format!("{grouped}{decimal_sep}{fraction:0width$}", width = exp as usize)
        } else {
            grouped
        };
        let sign = if negative { "-" } else { "" };
        let symbol = self.currency.symbol();
        match locale {
            crate::domain::Locale::Fr => format!("{sign}{number}\u{a0}{symbol}"),
            crate::domain::Locale::En => format!("{sign}{symbol}{number}"),
        }
    }
}

/// The largest amount relance accepts anywhere: a line, an invoice's
/// total, a payment, an instalment. 10^14 minor units is a thousand
/// billion euros — no real invoice comes near it — and keeps every sum of
/// such amounts (200 lines, their VAT, payments, credits) far inside `i64`,
/// so a typo is refused with the field's name instead of wrapping.
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000_000;

/// Adds amounts without wrapping: `None` when the sum does not fit in an
/// `i64`. Every total of outside amounts goes through here.
pub fn checked_sum(amounts: impl IntoIterator<Item = i64>) -> Option<i64> {
    amounts.into_iter().try_fold(0i64, i64::checked_add)
}

/// One total per currency, in the order each currency first appears:
/// amounts in different currencies are never added together. Sums
/// saturate (each amount is bounded far below `i64`).
pub fn totals_by_currency(amounts: impl IntoIterator<Item = Money>) -> Vec<Money> {
    let mut totals: Vec<Money> = Vec::new();
    for amount in amounts {
        match totals.iter_mut().find(|t| t.currency == amount.currency) {
            Some(total) => total.minor = total.minor.saturating_add(amount.minor),
            None => totals.push(amount),
        }
    }
    totals
}

/// Whether an amount is within relance's bounds (0 ..= `MAX_AMOUNT_MINOR`).
pub fn within_bounds(minor: i64) -> bool {
    (0..=MAX_AMOUNT_MINOR).contains(&minor)
}

/// Divides `numerator` by `denominator` and rounds half away from zero,
/// the commercial rounding used for every amount on an invoice.
pub fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0);
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.abs() * 2 >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Locale;

    #[test]
    fn parses_known_codes_and_refuses_others() {
        assert_eq!(Currency::parse("EUR").map(Currency::code), Ok("EUR"));
        assert_eq!(Currency::parse("JPY").map(Currency::exponent), Ok(0));
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("XAU").is_err(), "gold has no minor unit");
    }

    #[test]
    fn formats_per_locale() {
        let m = Money::new(123_456, Currency::EUR);
        assert_eq!(m.format(Locale::Fr), "1\u{202f}234,56\u{a0}€");
        assert_eq!(m.format(Locale::En), "€1,234.56");
        assert_eq!(Money::new(5, Currency::EUR).format(Locale::En), "€0.05");
        assert_eq!(Money::new(-4000, Currency::EUR).format(Locale::Fr), "-40,00\u{a0}€");
    }

    #[test]
    fn sums_refuse_to_wrap() {
        assert_eq!(checked_sum([1, 2, 3]), Some(6));
        assert_eq!(checked_sum([i64::MAX, 1]), None);
        assert_eq!(checked_sum([i64::MAX / 2 + 1, i64::MAX / 2 + 1]), None);
        assert_eq!(checked_sum([]), Some(0));
        assert!(within_bounds(MAX_AMOUNT_MINOR));
        assert!(!within_bounds(MAX_AMOUNT_MINOR + 1));
        assert!(!within_bounds(-1));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let cases = [
            (5, 10, 1),
            (4, 10, 0),
            (15, 10, 2),
            (-5, 10, -1),
            (-4, 10, 0),
            (25, 10, 3),
        ];
        for (n, d, want) in cases {
            assert_eq!(div_round_half_away(n, d), want, "{n}/{d}");
        }
    }
}
