//! Money coming in from the bank: account numbers (IBAN), the reference a
//! customer's bank carries back (ISO 11649), a statement's entries and the
//! decision of which invoices each one pays.

pub mod entry;
pub mod epc;
pub mod iban;
pub mod matching;
pub mod reference;

pub use entry::{BankEntry, EntryId, Statement, StatementFormat};
pub use iban::Iban;
pub use matching::{Allocation, Candidate, Decision, Ledger, Payer, Rule};
pub use reference::CreditorReference;

/// A code in groups of four characters, as banks print IBANs and
/// references for a person to copy.
fn in_fours(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}
