//! VAT rates in basis points (hundredths of a percent), and the VAT
//! category of a line (EN 16931 BT-151, UNTDID 5305 codes).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::decimal::{format_scaled, parse_scaled};

/// A VAT rate such as 20 % (2000 bp) or 5.5 % (550 bp), between 0 and 100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct VatRate(u32);

impl VatRate {
    pub const ZERO: VatRate = VatRate(0);

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

/// How VAT applies to a line. Every category but `Standard` charges no
/// VAT and, except `Zero`, needs an exemption reason on the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatCategory {
    /// A positive rate (20, 10, 5.5, 2.1 % in mainland France).
    Standard,
    /// Taxable at 0 % (rare in France; kept for EU buyers' platforms).
    Zero,
    /// Exempt with a legal basis (health, education, franchise en base…).
    Exempt,
    /// The buyer accounts for the VAT ("autoliquidation").
    ReverseCharge,
    /// Intra-community supply of goods to an EU business.
    IntraCommunity,
    /// Goods exported outside the EU.
    Export,
    /// Outside the scope of VAT altogether.
    OutsideScope,
}

impl VatCategory {
    pub const ALL: [VatCategory; 7] = [
        Self::Standard,
        Self::Zero,
        Self::Exempt,
        Self::ReverseCharge,
        Self::IntraCommunity,
        Self::Export,
        Self::OutsideScope,
    ];

    /// The UNTDID 5305 code the formats carry.
    pub fn code(self) -> &'static str {
        match self {
            Self::Standard => "S",
            Self::Zero => "Z",
            Self::Exempt => "E",
            Self::ReverseCharge => "AE",
            Self::IntraCommunity => "K",
            Self::Export => "G",
            Self::OutsideScope => "O",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Zero => "zero",
            Self::Exempt => "exempt",
            Self::ReverseCharge => "reverse_charge",
            Self::IntraCommunity => "intra_community",
            Self::Export => "export",
            Self::OutsideScope => "outside_scope",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|c| c.name() == text).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|c| c.name()).collect();
            format!("`{text}` is not a VAT category (one of: {})", names.join(", "))
        })
    }

    /// Whether the document must say why no VAT is charged.
    pub fn needs_exemption(self) -> bool {
        !matches!(self, Self::Standard | Self::Zero)
    }

    /// Whether the buyer's VAT number must be on the document.
    pub fn needs_buyer_vat_number(self) -> bool {
        matches!(self, Self::ReverseCharge | Self::IntraCommunity)
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

    #[test]
    fn categories_parse_by_name_and_carry_their_code() {
        for category in VatCategory::ALL {
            assert_eq!(VatCategory::parse(category.name()), Ok(category));
        }
        let codes: Vec<&str> = VatCategory::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes, ["S", "Z", "E", "AE", "K", "G", "O"]);
        assert!(VatCategory::parse("reduced").is_err_and(|e| e.contains("reverse_charge")));
    }
}
