//! The EPC QR code's text ("SEPA credit transfer", EPC069-12 version 002):
//! a banking app scans it and fills in the transfer — account, name,
//! amount and the creditor reference — so nothing is mistyped.

use super::{CreditorReference, Iban};

/// The largest amount the code may carry: 999 999 999.99 EUR.
const MAX_MINOR: i64 = 99_999_999_999;

/// The payload, line by line, or None when no code can be offered: the
/// standard is for euros only, and for 0.01 to 999 999 999.99.
pub fn payload(
    name: &str,
    iban: &Iban,
    bic: &str,
    amount_minor: i64,
    currency: &str,
    reference: &CreditorReference,
) -> Option<String> {
    if currency != "EUR" || amount_minor <= 0 || amount_minor > MAX_MINOR {
        return None;
    }
    // The beneficiary's name is at most 70 characters; cut on a character.
    let name: String = name.trim().chars().take(70).collect();
    let lines = [
        "BCD".to_string(),
        "002".to_string(),
        // 1: UTF-8.
        "1".to_string(),
        "SCT".to_string(),
        bic.trim().to_string(),
        name,
        iban.as_str().to_string(),
        format!("EUR{}.{:02}", amount_minor / 100, amount_minor % 100),
        // No purpose code.
        String::new(),
        // The structured reference; the unstructured line stays empty
        // (the standard allows one or the other).
        reference.as_str().to_string(),
    ];
    Some(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_follows_epc069_12() {
        let iban = Iban::parse("FR76 3000 4000 5000 0012 3456 733").unwrap_or_else(|e| panic!("{e}"));
        let reference = CreditorReference::for_document("F2026-000123").unwrap_or_else(|| panic!("reference"));
        let got = payload("Atelier Durand", &iban, "BNPAFRPPXXX", 144_050, "EUR", &reference);
        assert_eq!(
            got.as_deref(),
            Some(
                "BCD\n002\n1\nSCT\nBNPAFRPPXXX\nAtelier Durand\nFR7630004000500000123456733\nEUR1440.50\n\nRF86F2026000123"
            )
        );
        assert_eq!(
            payload("A", &iban, "", 5, "EUR", &reference).map(|p| p.contains("EUR0.05")),
            Some(true)
        );
        for (amount, currency) in [(0, "EUR"), (-1, "EUR"), (MAX_MINOR + 1, "EUR"), (100, "USD")] {
            assert_eq!(
                payload("A", &iban, "", amount, currency, &reference),
                None,
                "{amount} {currency}"
            );
        }
    }
}
