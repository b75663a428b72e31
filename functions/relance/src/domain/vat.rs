//! VAT rates in basis points (hundredths of a percent).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::decimal::{format_scaled, parse_scaled};

/// A VAT rate such as 20 % (2000 bp) or 5.5 % (550 bp), between 0 and 100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct VatRate(u32);

impl VatRate {
    pub fn from_basis_points(bp: u32) -> Result<Self, String> {
        if bp > 10_000 {
            return Err(format!("{} % is above 100 %", format_scaled(u64::from(bp), 2)));
        }
        Ok(Self(bp))
    }

    /// Parses a percentage written by a person: "20", "5.5", "2.1", "0".
    pub fn parse_percent(text: &str) -> Result<Self, String> {
        let bp = parse_scaled(text, 2)?;
        let bp = u32::try_from(bp).map_err(|_| format!("`{text}` is above 100 %"))?;
        Self::from_basis_points(bp)
    }

    pub fn basis_points(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for VatRate {
    type Error = String;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::from_basis_points(value)
    }
}

impl From<VatRate> for u32 {
    fn from(value: VatRate) -> Self {
        value.0
    }
}

impl fmt::Display for VatRate {
    /// "20", "5.5": the number without the percent sign.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_scaled(u64::from(self.0), 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_french_rates() {
        for (text, bp) in [("20", 2000), ("10", 1000), ("5.5", 550), ("2.1", 210), ("0", 0)] {
            assert_eq!(VatRate::parse_percent(text).map(VatRate::basis_points), Ok(bp));
        }
        assert!(VatRate::parse_percent("100.01").is_err());
        assert!(VatRate::parse_percent("-20").is_err());
        assert_eq!(VatRate::from_basis_points(550).map(|r| r.to_string()), Ok("5.5".into()));
    }
}
