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

/// Where in France the seller charges VAT, which sets the rates a line
/// may carry (CGI art. 278 to 281 nonies, 297 for Corsica, 296 for the
/// overseas departments where VAT applies). Told by the seller's postal
/// code: 20xxx is Corsica, 971, 972 and 974 are Guadeloupe, Martinique and
/// La Réunion (in Guyane and Mayotte VAT does not apply yet: their sellers
/// use the `outside_scope` category).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VatTerritory {
    Metropolitan,
    Corsica,
    Overseas,
}

impl VatTerritory {
    pub fn of(postal_code: &str) -> Self {
        let code = postal_code.trim();
        if ["971", "972", "974"].iter().any(|p| code.starts_with(p)) {
            VatTerritory::Overseas
        } else if code.starts_with("20") {
            VatTerritory::Corsica
        } else {
            VatTerritory::Metropolitan
        }
    }

    /// The rates above 0 % a line may charge there, in basis points.
    pub fn rates(self) -> &'static [u32] {
        match self {
            // Normal, intermediate, reduced, super-reduced.
            VatTerritory::Metropolitan => &[2000, 1000, 550, 210],
            // The mainland rates, and Corsica's own 13 % and 0.9 %.
            VatTerritory::Corsica => &[2000, 1300, 1000, 550, 210, 90],
            // Normal 8.5 %, reduced 2.1 %, and the special 1.75 % and 1.05 %.
            VatTerritory::Overseas => &[850, 210, 175, 105],
        }
    }

    /// `rate` (above 0 %) if it is one of this territory's, else why not.
    pub fn check(self, rate: VatRate) -> Result<VatRate, String> {
        if rate.0 == 0 || self.rates().contains(&rate.0) {
            return Ok(rate);
        }
        let listed: Vec<String> = self.rates().iter().map(|bp| format_scaled(u64::from(*bp), 2)).collect();
        Err(format!(
            "{rate} % is not a French VAT rate{where_}: use one of {} (or 0 with a VAT category)",
            listed.join(", "),
            where_ = match self {
                VatTerritory::Metropolitan => "",
                VatTerritory::Corsica => " in Corsica",
                VatTerritory::Overseas => " in the overseas departments",
            }
        ))
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
    fn each_territory_allows_its_own_rates_and_names_them_otherwise() {
        let rate = |t: &str| VatRate::parse_percent(t).unwrap_or_else(|e| panic!("{e}"));
        let cases = [
            ("75011", "20", true),
            ("75011", "5.5", true),
            ("75011", "21.7", false),
            ("75011", "19.6", false),
            ("75011", "8.5", false),
            ("75011", "0", true),
            ("20000", "13", true),
            ("20090", "0.9", true),
            ("69002", "13", false),
            ("97400", "8.5", true),
            ("97200", "1.05", true),
            ("97100", "20", false),
        ];
        for (postal, text, ok) in cases {
            let checked = VatTerritory::of(postal).check(rate(text));
            assert_eq!(checked.is_ok(), ok, "{postal} {text}: {checked:?}");
        }
        let refused = VatTerritory::Metropolitan.check(rate("21.7")).err().unwrap_or_default();
        assert!(refused.contains("20, 10, 5.5, 2.1"), "{refused}");
    }

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
