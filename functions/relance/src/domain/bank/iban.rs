//! An IBAN (ISO 13616), checked: the country's length and format and the
//! two check digits (mod 97). Every account relance reads or prints goes
//! through here, so none that a bank would refuse reaches a customer.

use std::fmt;
use std::str::FromStr as _;

use iban::IbanLike as _;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iban(String);

impl Iban {
    /// Accepts the printed form (groups of four, any case) and keeps the
    /// electronic one.
    pub fn parse(text: &str) -> Result<Self, String> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        match iban::Iban::from_str(&compact) {
            Ok(iban) => Ok(Self(iban.electronic_str().to_string())),
            Err(iban::ParseIbanError::InvalidBaseIban {
                source: iban::ParseBaseIbanError::InvalidChecksum,
            }) => Err(format!(
                "`{text}` is not a valid IBAN: its check digits do not match (ISO 13616)"
            )),
            Err(iban::ParseIbanError::InvalidBban(_)) => Err(format!(
                "`{text}` is not a valid IBAN: the account part has the wrong length or characters for its country"
            )),
            Err(iban::ParseIbanError::UnknownCountry(_)) => {
                Err(format!("`{text}` is not a valid IBAN: unknown country code"))
            }
            Err(_) => Err(format!(
                "`{text}` is not an IBAN (such as FR76 3000 4000 5000 0012 3456 733)"
            )),
        }
    }

    /// The electronic form, as XML documents and statements carry it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// In groups of four, as banks print it.
    pub fn grouped(&self) -> String {
        super::in_fours(&self.0)
    }
}

impl TryFrom<String> for Iban {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Iban> for String {
    fn from(value: Iban) -> Self {
        value.0
    }
}

impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iban_is_checked_by_country_length_and_check_digits() {
        // (as typed, the electronic form or the start of the refusal)
        let cases = [
            ("FR76 3000 4000 5000 0012 3456 733", Ok("FR7630004000500000123456733")),
            ("fr7630004000500000123456733", Ok("FR7630004000500000123456733")),
            ("DE89 3704 0044 0532 0130 00", Ok("DE89370400440532013000")),
            ("BE71 0961 2345 6769", Ok("BE71096123456769")),
            // The sample relance shipped with before: its check digits are wrong.
            ("FR76 3000 4000 0500 0012 3456 789", Err("its check digits")),
            ("FR76 3000 4000 5000 0012 3456 7", Err("its check digits")),
            // Right check digits, one character short for France.
            ("FR55 3000 4000 5000 0012 3456 73", Err("the account part")),
            ("XX90 3000 4000 5000 0012 3456 733", Err("unknown country")),
            ("not an iban", Err("is not an IBAN")),
            ("", Err("is not an IBAN")),
        ];
        for (text, want) in cases {
            match (Iban::parse(text), want) {
                (Ok(iban), Ok(electronic)) => assert_eq!(iban.as_str(), electronic, "{text}"),
                (Err(e), Err(reason)) => assert!(e.contains(reason), "{text}: {e}"),
                (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn an_iban_prints_in_groups_of_four() {
        let iban = Iban::parse("FR7630004000500000123456733").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(iban.grouped(), "FR76 3000 4000 5000 0012 3456 733");
    }
}
