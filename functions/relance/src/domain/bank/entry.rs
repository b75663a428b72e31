//! A bank statement as relance reads it, whatever its file format: the
//! account it is for and its booked entries.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Iban;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementFormat {
    /// ISO 20022 bank-to-customer statement (camt.053).
    Camt053,
    /// The French banks' 120-character statement (CFONB 120).
    Cfonb120,
    /// Not a statement: the card provider reported the payment itself.
    Stripe,
}

impl StatementFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Camt053 => "camt053",
            Self::Cfonb120 => "cfonb120",
            Self::Stripe => "stripe",
        }
    }
}

/// Where an account is named: an IBAN (camt.053), or the French bank,
/// branch and account numbers (CFONB 120), which are the IBAN's BBAN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountId {
    Iban(Iban),
    /// Bank code (5), branch code (5), account number (11).
    French {
        bank: String,
        branch: String,
        account: String,
    },
}

impl AccountId {
    /// Whether this names the company's account `iban`.
    pub fn is(&self, iban: &Iban) -> bool {
        match self {
            Self::Iban(own) => own == iban,
            Self::French { bank, branch, account } => {
                let s = iban.as_str();
                s.starts_with("FR")
                    && s.get(4..9) == Some(bank.as_str())
                    && s.get(9..14) == Some(branch.as_str())
                    && s.get(14..25) == Some(account.as_str())
            }
        }
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Iban(iban) => f.write_str(&iban.grouped()),
            Self::French { bank, branch, account } => write!(f, "{bank} {branch} {account}"),
        }
    }
}

/// One statement: an account, and what was booked on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub format: StatementFormat,
    pub account: AccountId,
    /// The bank's id of the statement, when it gives one.
    pub id: Option<String>,
    pub entries: Vec<BankEntry>,
}

/// An entry's stable id: the same booking read from the same file, from a
/// later file that overlaps it, or from the other format of the same
/// month, gets the same id — so it is applied at most once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EntryId(String);

impl EntryId {
    /// The id of an entry the bank named (camt.053 `AcctSvcrRef`).
    pub fn reference(account: &str, reference: &str) -> Self {
        Self::hashed(&[account, "ref", reference])
    }

    /// The id of a booking by what no format changes: its day, direction,
    /// amount and currency, and its rank among the bookings of that day
    /// equal in all four — so the same month read as camt.053 and as
    /// CFONB 120 gives the same ids, and two equal transfers stay two.
    pub fn fingerprint(account: &str, entry: &BankEntry, rank: u32) -> Self {
        Self::hashed(&[
            account,
            "booking",
            &entry.booked_on.to_string(),
            if entry.credit { "C" } else { "D" },
            &entry.amount_minor.to_string(),
            &entry.currency,
            &rank.to_string(),
        ])
    }

    fn hashed(parts: &[&str]) -> Self {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update(part.as_bytes());
            hash.update(b"\0");
        }
        let digest = hash.finalize();
        let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        Self(format!("BE-{hex}"))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = text
            .strip_prefix("BE-")
            .is_some_and(|h| h.len() == 24 && h.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        if ok {
            Ok(Self(text.to_string()))
        } else {
            Err(format!(
                "`{text}` is not a bank entry id such as BE-0123456789abcdef01234567"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EntryId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EntryId> for String {
    fn from(value: EntryId) -> Self {
        value.0
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One booked movement on the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankEntry {
    /// Set by `Statement::identify` once the file is read: the bank's
    /// reference's id when it gave one, else the booking's fingerprint.
    pub id: Option<EntryId>,
    /// The booking's fingerprint (see `EntryId::fingerprint`).
    pub fingerprint: Option<EntryId>,
    /// The bank's own reference for the entry (camt.053 `AcctSvcrRef`),
    /// the surest key there is.
    pub bank_reference: Option<String>,
    pub booked_on: NaiveDate,
    /// Money in (a credit) or out.
    pub credit: bool,
    /// Always positive: the direction is `credit`.
    pub amount_minor: i64,
    pub currency: String,
    /// What the payer wrote, line by line, and any structured reference.
    pub remittance: Vec<String>,
    pub debtor_name: Option<String>,
    /// The payer's account, when the bank gives it and it is a valid IBAN.
    pub debtor_iban: Option<Iban>,
    /// Where the entry is in its file, for messages: "line 12", "Ntry 3".
    pub position: String,
}

impl Statement {
    /// Gives every entry its stable ids.
    pub fn identify(&mut self, account: &Iban) {
        let account = account.as_str();
        let mut ranks: std::collections::HashMap<(NaiveDate, bool, i64, String), u32> =
            std::collections::HashMap::new();
        for entry in &mut self.entries {
            let rank = ranks
                .entry((
                    entry.booked_on,
                    entry.credit,
                    entry.amount_minor,
                    entry.currency.clone(),
                ))
                .or_insert(0);
            let fingerprint = EntryId::fingerprint(account, entry, *rank);
            *rank += 1;
            entry.id = Some(match &entry.bank_reference {
                Some(reference) => EntryId::reference(account, reference),
                None => fingerprint.clone(),
            });
            entry.fingerprint = Some(fingerprint);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(amount: i64, remittance: &str, reference: Option<&str>) -> BankEntry {
        BankEntry {
            id: None,
            fingerprint: None,
            bank_reference: reference.map(str::to_string),
            booked_on: NaiveDate::from_ymd_opt(2026, 11, 12).unwrap_or_default(),
            credit: true,
            amount_minor: amount,
            currency: "EUR".into(),
            remittance: vec![remittance.into()],
            debtor_name: Some("SARL MARTIN".into()),
            debtor_iban: None,
            position: "line 1".into(),
        }
    }

    #[test]
    fn equal_bookings_keep_distinct_ids_and_every_read_gives_the_same_ids() {
        let account = Iban::parse("FR7630004000500000123456733").unwrap_or_else(|e| panic!("{e}"));
        let read = || {
            let mut s = Statement {
                format: StatementFormat::Cfonb120,
                account: AccountId::Iban(account.clone()),
                id: None,
                entries: vec![
                    entry(5_000, "LOYER", None),
                    entry(5_000, "LOYER", None),
                    entry(7_000, "F2026-000001", None),
                    entry(7_000, "F2026-000001", Some("BANKREF1")),
                ],
            };
            s.identify(&account);
            s.entries
                .into_iter()
                .filter_map(|e| e.id.zip(e.fingerprint))
                .collect::<Vec<_>>()
        };
        let pairs = read();
        assert_eq!(pairs, read(), "a second read gives the same ids");
        let ids: Vec<EntryId> = pairs.iter().map(|(id, _)| id.clone()).collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 4, "{ids:?}");
        // The two equal rents differ by rank; the third entry's booking is
        // the fourth's too, at the next rank, whatever the remittance says.
        assert_eq!(pairs[0].0, pairs[0].1);
        assert_ne!(pairs[0].1, pairs[1].1);
        assert_ne!(pairs[3].0, pairs[3].1, "a bank reference names the entry");
        for id in &ids {
            assert_eq!(EntryId::parse(id.as_str()).as_ref(), Ok(id));
        }
    }

    #[test]
    fn a_french_account_names_the_iban_by_its_bban() {
        let iban = Iban::parse("FR7630004000500000123456733").unwrap_or_else(|e| panic!("{e}"));
        let own = AccountId::French {
            bank: "30004".into(),
            branch: "00050".into(),
            account: "00001234567".into(),
        };
        let other = AccountId::French {
            bank: "30004".into(),
            branch: "00050".into(),
            account: "00001234568".into(),
        };
        assert!(own.is(&iban));
        assert!(!other.is(&iban));
    }
}
