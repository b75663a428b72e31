//! Units of measure as UN/ECE Recommendation 20 codes (EN 16931 BT-130),
//! with the short label each language prints after a quantity.

use serde::{Deserialize, Serialize};

use super::ids::Locale;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitCode(&'static Unit);

#[derive(Debug, PartialEq, Eq, Hash)]
struct Unit {
    code: &'static str,
    fr: &'static str,
    en: &'static str,
}

const fn unit(code: &'static str, fr: &'static str, en: &'static str) -> Unit {
    Unit { code, fr, en }
}

/// The codes a French small or mid-sized business invoices in. The first
/// is the default: "one unit" of whatever the line describes.
const UNITS: &[Unit] = &[
    unit("C62", "unité", "unit"),
    unit("H87", "pièce", "piece"),
    unit("SET", "lot", "set"),
    unit("PR", "paire", "pair"),
    unit("MIN", "min", "min"),
    unit("HUR", "h", "h"),
    unit("DAY", "jour", "day"),
    unit("WEE", "semaine", "week"),
    unit("MON", "mois", "month"),
    unit("ANN", "an", "year"),
    unit("GRM", "g", "g"),
    unit("KGM", "kg", "kg"),
    unit("TNE", "t", "t"),
    unit("MTR", "m", "m"),
    unit("KMT", "km", "km"),
    unit("MTK", "m²", "m²"),
    unit("MTQ", "m³", "m³"),
    unit("LTR", "l", "l"),
    unit("KWH", "kWh", "kWh"),
];

impl UnitCode {
    pub fn parse(code: &str) -> Result<Self, String> {
        UNITS.iter().find(|u| u.code == code).map(UnitCode).ok_or_else(|| {
            let codes: Vec<&str> = UNITS.iter().map(|u| u.code).collect();
            format!(
                "`{code}` is not a unit code relance knows (UN/ECE Recommendation 20: {})",
                codes.join(", ")
            )
        })
    }

    pub fn code(self) -> &'static str {
        self.0.code
    }

    /// What follows the quantity on the document: "2,5 kg", "3 jour".
    pub fn label(self, locale: Locale) -> &'static str {
        match locale {
            Locale::Fr => self.0.fr,
            Locale::En => self.0.en,
        }
    }
}

impl Default for UnitCode {
    fn default() -> Self {
        UnitCode(&UNITS[0])
    }
}

impl TryFrom<String> for UnitCode {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<UnitCode> for String {
    fn from(value: UnitCode) -> Self {
        value.code().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_back_and_unknown_ones_list_the_known() {
        for u in UNITS {
            assert_eq!(UnitCode::parse(u.code).map(UnitCode::code), Ok(u.code));
        }
        assert_eq!(UnitCode::default().code(), "C62");
        assert_eq!(UnitCode::parse("KGM").map(|u| u.label(Locale::Fr)), Ok("kg"));
        assert_eq!(UnitCode::parse("DAY").map(|u| u.label(Locale::En)), Ok("day"));
        // A label is not a code: the formats need the code.
        assert!(UnitCode::parse("kg").is_err_and(|e| e.contains("KGM")));
    }
}
