//! Identifiers and small values parsed once at the boundary.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! string_newtype {
    ($name:ident, $parse:path) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $parse(&value)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// A customer's id, chosen by finance (usually their ERP's account code):
/// 1 to 64 characters among letters, digits, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CustomerId(String);

impl CustomerId {
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = !text.is_empty()
            && text.len() <= 64
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err("must be 1 to 64 letters, digits, '-' or '_'".into());
        }
        Ok(Self(text.to_string()))
    }
}
string_newtype!(CustomerId, CustomerId::parse);

/// An email address, checked for the shape SES will accept. Deliverability
/// is SES's business (bounces come back as events).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// One address in the shape RFC 5321 gives a mailbox: a dot-atom
    /// local part (no quoted strings, which no customer needs and which
    /// hide list separators), one `@`, and a domain of letters, digits and
    /// hyphens. A comma, a semicolon, a second `@` or a space would make
    /// one field carry two recipients: refused.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let Some((local, domain)) = text.split_once('@') else {
            return Err(format!("`{text}` is not an email address (no @)"));
        };
        let atom = |c: char| {
            c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c) || (!c.is_ascii() && c.is_alphanumeric())
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local.split('.').all(|part| !part.is_empty() && part.chars().all(atom));
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        let domain_ok = domain.contains('.') && domain.split('.').all(label_ok);
        if !local_ok || !domain_ok || text.len() > 254 {
            return Err(format!(
                "`{text}` is not one valid email address (name@example.fr, without spaces, commas or a second @)"
            ));
        }
        Ok(Self(text.to_string()))
    }

    /// The part after `@`: what logs may show instead of the address.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}
string_newtype!(Email, Email::parse);

/// An invoice or credit-note number: the series prefix and a zero-padded
/// position in a gap-free sequence, e.g. `F2026-000123`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InvoiceNumber(String);

impl InvoiceNumber {
    pub fn new(series: &str, position: u64) -> Self {
        Self(format!("{series}-{position:06}"))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = text.split_once('-').is_some_and(|(series, pos)| {
            !series.is_empty()
                && series.chars().all(|c| c.is_ascii_alphanumeric())
                && !pos.is_empty()
                && pos.chars().all(|c| c.is_ascii_digit())
        });
        if !ok {
            return Err(format!("`{text}` is not an invoice number such as F2026-000123"));
        }
        Ok(Self(text.to_string()))
    }
}
string_newtype!(InvoiceNumber, InvoiceNumber::parse);

/// A French SIREN: nine digits with a Luhn check digit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siren(String);

impl Siren {
    pub fn parse(text: &str) -> Result<Self, String> {
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        // A SIRET (14 digits) starts with the SIREN; accept it and keep both.
        let siren = match digits.len() {
            9 | 14 => &digits[..9],
            _ => {
                return Err(format!("`{text}` is not a SIREN (9 digits) or SIRET (14 digits)"));
            }
        };
        if !digits.chars().all(|c| c.is_ascii_digit()) || !luhn(siren) {
            return Err(format!("`{text}` is not a valid SIREN (check digit)"));
        }
        Ok(Self(digits))
    }

    /// The nine-digit SIREN, also when a SIRET was given.
    pub fn siren(&self) -> &str {
        &self.0[..9]
    }
}
string_newtype!(Siren, Siren::parse);

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// An intra-community VAT number: two-letter country code and 2 to 13
/// characters. French numbers (`FR` + key + SIREN) are checked in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VatNumber(String);

impl VatNumber {
    pub fn parse(text: &str) -> Result<Self, String> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let (country, rest) = compact.split_at(compact.len().min(2));
        let shape_ok = country.len() == 2
            && country.chars().all(|c| c.is_ascii_alphabetic())
            && (2..=13).contains(&rest.len())
            && rest.chars().all(|c| c.is_ascii_alphanumeric());
        if !shape_ok {
            return Err(format!("`{text}` is not a VAT number such as FR40303265045"));
        }
        if country == "FR" {
            let valid = rest.len() == 11
                && rest.chars().all(|c| c.is_ascii_digit())
                && rest[2..]
                    .parse::<u64>()
                    .ok()
                    .zip(rest[..2].parse::<u64>().ok())
                    .is_some_and(|(siren, key)| (12 + 3 * (siren % 97)) % 97 == key);
            if !valid {
                return Err(format!("`{text}` is not a valid French VAT number (key or SIREN)"));
            }
        }
        Ok(Self(compact))
    }
}
string_newtype!(VatNumber, VatNumber::parse);

/// The language a customer reads: every email and page exists in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Fr,
    En,
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }
}

/// Who caused a change: a finance user (their IAM identity once deployed),
/// the scheduler, or a customer acting through a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor(pub String);

impl Actor {
    pub fn system(name: &str) -> Self {
        Self(format!("system:{name}"))
    }
}

/// The 40 bits that set this process's ids apart from another's.
static PROCESS_TAG: std::sync::OnceLock<u128> = std::sync::OnceLock::new();

/// Sets this process's tag, once (later calls keep the first): the store
/// draws it when it is made, so every process that writes has one. The
/// domain draws nothing itself.
pub fn set_process_tag(tag: u64) {
    let _ = PROCESS_TAG.set(u128::from(tag) & ((1 << 40) - 1));
}

/// An id for something that happens at `at` (an event, a message): a
/// ULID whose time is that instant (never the wall clock), so a simulated
/// or replayed day writes ids of that day. Its other 80 bits keep ids
/// unique and ordered: the high 40 are the process's tag (two Lambda
/// instances writing in the same millisecond never collide), the low 40
/// count up, so events made in the same instant (a payment and the
/// `invoice_paid` it causes) keep the order they were created in; the key
/// sorts by time, then by id.
pub fn ulid_at(at: chrono::DateTime<chrono::Utc>) -> ulid::Ulid {
    static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let process = PROCESS_TAG.get().copied().unwrap_or(0);
    let count = u128::from(SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed) & ((1 << 40) - 1));
    let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    ulid::Ulid::from_parts(ms, (process << 40) | count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_ids() {
        assert!(CustomerId::parse("ACME-01_b").is_ok());
        for bad in ["", "a b", "a#b", &"x".repeat(65)] {
            assert!(CustomerId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn emails() {
        for good in [
            "camille.martin@atelier-durand.fr",
            "compta+relance@boulangerie.fr",
            "o'neil@example.ie",
            "élise@café.fr",
        ] {
            assert!(Email::parse(good).is_ok(), "{good:?}");
        }
        for bad in [
            "camille",
            "@x.fr",
            "a@b",
            "a b@c.fr",
            "a@.fr",
            "<a>@b.fr",
            "a@b.fr,c@d.fr",
            "a@b.fr;c@d.fr",
            "a@b@c.fr",
            "a..b@c.fr",
            ".a@c.fr",
            "a@-b.fr",
            "a@b..fr",
            "\"a,b\"@c.fr",
            "a\n@b.fr",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Email::parse("a@b.fr").map(|e| e.domain().to_string()),
            Ok("b.fr".into())
        );
    }

    #[test]
    fn sirens_and_vat_numbers() {
        // La Poste's public identifiers.
        assert!(Siren::parse("356 000 000").is_ok());
        assert!(Siren::parse("35600000000048").is_ok(), "SIRET");
        assert!(Siren::parse("356000001").is_err(), "bad check digit");
        assert!(VatNumber::parse("FR39356000000").is_ok());
        assert!(VatNumber::parse("FR00356000000").is_err(), "bad key");
        assert!(VatNumber::parse("DE123456789").is_ok());
        assert!(VatNumber::parse("12").is_err());
    }

    #[test]
    fn invoice_numbers() {
        assert_eq!(InvoiceNumber::new("F2026", 123).as_str(), "F2026-000123");
        assert!(InvoiceNumber::parse("F2026-000123").is_ok());
        assert!(InvoiceNumber::parse("F2026/1").is_err());
    }
}
