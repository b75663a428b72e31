//! The structured creditor reference (ISO 11649, "RF…") every invoice
//! carries: the customer's bank sends it back with the transfer, so the
//! payment finds its invoice without anyone reading a remittance line.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest reference ISO 11649 allows: "RF", two check digits and
/// up to 21 letters and digits.
const MAX_CHARS: usize = 25;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditorReference(String);

/// The remainder mod 97 of the number a string of letters and digits spells
/// when each letter is replaced by its value (A = 10 … Z = 35), as ISO 7064
/// MOD 97-10 reads it. Digit by digit, so any length fits in a u32.
fn mod97(text: &str) -> Option<u32> {
    let mut rest = 0u32;
    for c in text.chars() {
        let value = c.to_digit(36)?;
        rest = if value < 10 {
            (rest * 10 + value) % 97
        } else {
            (rest * 100 + value) % 97
        };
    }
    Some(rest)
}

impl CreditorReference {
    /// The reference of a document: its number's letters and digits
    /// (`F2026-000123` → `RF…F2026000123`) with their check digits.
    pub fn for_document(number: &str) -> Option<Self> {
        let body: String = number
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if body.is_empty() || body.len() > MAX_CHARS - 4 {
            return None;
        }
        let rest = mod97(&format!("{body}RF00"))?;
        Some(Self(format!("RF{:02}{body}", 98 - rest)))
    }

    /// Accepts the printed form (groups of four, any case).
    pub fn parse(text: &str) -> Result<Self, String> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let shaped = compact.len() > 4
            && compact.len() <= MAX_CHARS
            && compact.starts_with("RF")
            && compact[2..4].chars().all(|c| c.is_ascii_digit())
            && compact[4..].chars().all(|c| c.is_ascii_alphanumeric());
        if !shaped {
            return Err(format!(
                "`{text}` is not a creditor reference such as RF18 F202 6000 123"
            ));
        }
        let rotated = format!("{}{}", &compact[4..], &compact[..4]);
        if mod97(&rotated) != Some(1) {
            return Err(format!(
                "`{text}` is not a valid creditor reference: its check digits do not match (ISO 11649)"
            ));
        }
        Ok(Self(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// In groups of four, as it is printed for a person to copy.
    pub fn grouped(&self) -> String {
        super::in_fours(&self.0)
    }
}

impl TryFrom<String> for CreditorReference {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CreditorReference> for String {
    fn from(value: CreditorReference) -> Self {
        value.0
    }
}

impl fmt::Display for CreditorReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_is_the_number_with_iso_11649_check_digits() {
        // The standard's own example, then relance's numbers.
        let cases = [
            ("539007547034", "RF18539007547034"),
            ("F2026-000123", "RF86F2026000123"),
            ("AV2026-000001", "RF43AV2026000001"),
        ];
        for (number, want) in cases {
            let got = CreditorReference::for_document(number).map(|r| r.to_string());
            assert_eq!(got.as_deref(), Some(want), "{number}");
            // Whatever is derived parses back, in print or electronic form.
            let reference = CreditorReference::parse(want).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(CreditorReference::parse(&reference.grouped()), Ok(reference));
        }
        assert_eq!(CreditorReference::for_document("-"), None);
        assert_eq!(CreditorReference::for_document(&"9".repeat(22)), None);
    }

    #[test]
    fn a_reference_with_wrong_check_digits_is_refused() {
        let cases = [
            ("RF18 5390 0754 7034", true),
            ("rf18539007547034", true),
            ("RF19 5390 0754 7034", false),
            ("RF18 5390 0754 7035", false),
            ("RF1", false),
            ("XX18539007547034", false),
            ("RF18-5390", false),
        ];
        for (text, ok) in cases {
            assert_eq!(CreditorReference::parse(text).is_ok(), ok, "{text}");
        }
    }
}
