//! Statement files as banks write them (`tests/files/`), read back: what
//! each entry says, and a clear refusal naming the line or element for
//! every file relance must not import.

use std::path::Path;

use bank_statements::{FileError, read};
use relance::domain::bank::entry::AccountId;
use relance::domain::bank::{Iban, Statement, StatementFormat};

fn file(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/files").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn statements(name: &str) -> Vec<Statement> {
    read(file(name).as_slice()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn refusal(name: &str) -> FileError {
    match read(file(name).as_slice()) {
        Ok(s) => panic!("{name} was read: {s:?}"),
        Err(e) => e,
    }
}

fn own() -> Iban {
    Iban::parse("FR76 3000 4000 5000 0012 3456 733").unwrap_or_else(|e| panic!("{e}"))
}

/// (booked on, credit, amount, payer, remittance joined, bank reference)
type Seen = (String, bool, i64, Option<String>, String, Option<String>);

fn seen(statement: &Statement) -> Vec<Seen> {
    statement
        .entries
        .iter()
        .map(|e| {
            (
                e.booked_on.to_string(),
                e.credit,
                e.amount_minor,
                e.debtor_name.clone(),
                e.remittance.join(" | "),
                e.bank_reference.clone(),
            )
        })
        .collect()
}

fn s(text: &str) -> Option<String> {
    Some(text.to_string())
}

#[test]
fn a_camt053_001_02_statement_is_read_entry_by_entry() {
    let read = statements("camt053-v02.xml");
    assert_eq!(read.len(), 1);
    let statement = &read[0];
    assert_eq!(statement.format, StatementFormat::Camt053);
    assert!(statement.account.is(&own()), "{}", statement.account);
    assert_eq!(statement.id.as_deref(), Some("2026-11-30-FR76300040005"));
    // The pending entry is not money on the account; the batch of two
    // transfers is two payments, each with its own reference.
    assert_eq!(
        seen(statement),
        vec![
            (
                "2026-11-03".into(),
                true,
                144_050,
                s("MENUISERIE MARTIN SARL"),
                "RF86F2026000123".into(),
                s("20261103-000101")
            ),
            (
                "2026-11-04".into(),
                false,
                82_000,
                None,
                "PRLV SEPA URSSAF".into(),
                s("20261104-000102")
            ),
            (
                "2026-11-12".into(),
                true,
                30_000,
                s("Dupont & Fils"),
                "FACTURE F2026-000124".into(),
                s("20261112-000140-1")
            ),
            (
                "2026-11-12".into(),
                true,
                45_000,
                s("BOULANGERIE LEFÈVRE"),
                "f2026000125".into(),
                s("20261112-000140-2")
            ),
        ]
    );
    assert_eq!(
        statement.entries[0].debtor_iban.as_ref().map(Iban::as_str),
        Some("DE89370400440532013000")
    );
}

#[test]
fn a_camt053_001_08_statement_is_read_with_its_newer_shapes() {
    let read = statements("camt053-v08.xml");
    let statement = &read[0];
    assert_eq!(
        seen(statement),
        vec![
            (
                "2026-11-03".into(),
                true,
                144_050,
                s("Menuiserie Martin SARL"),
                "REGLEMENT FACT F2026-00 | 0123 MERCI".into(),
                s("20261103-000101")
            ),
            (
                "2026-11-05".into(),
                true,
                245_000,
                s("STRIPE PAYMENTS UK LTD"),
                "STRIPE PAYOUT PO_1N2X".into(),
                s("20261105-000103")
            ),
        ]
    );
}

#[test]
fn a_cfonb_120_statement_is_read_record_by_record() {
    let read = statements("cfonb120.txt");
    assert_eq!(read.len(), 1);
    let statement = &read[0];
    assert_eq!(statement.format, StatementFormat::Cfonb120);
    assert_eq!(
        statement.account,
        AccountId::French {
            bank: "30004".into(),
            branch: "00050".into(),
            account: "00001234567".into()
        }
    );
    assert!(statement.account.is(&own()));
    assert_eq!(
        seen(statement),
        vec![
            (
                "2026-11-03".into(),
                true,
                144_050,
                s("MENUISERIE MARTIN SARL"),
                "VIR SEPA MENUISERIE MARTIN | REGLEMENT FACT F2026-00 | 0123 MERCI".into(),
                None
            ),
            (
                "2026-11-04".into(),
                false,
                82_000,
                None,
                "PRLV SEPA URSSAF".into(),
                None
            ),
            (
                "2026-11-05".into(),
                true,
                245_000,
                s("STRIPE PAYMENTS UK LTD"),
                "VIR STRIPE PAYMENTS UK".into(),
                None
            ),
            (
                "2026-11-06".into(),
                true,
                45_000,
                s("BOULANGERIE LEFEVRE"),
                "VIR SEPA BOULANGERIE LEFEVRE".into(),
                None
            ),
        ]
    );
}

#[test]
fn the_same_booking_gets_the_same_fingerprint_in_both_formats() {
    let mut camt = statements("camt053-v02.xml");
    let mut cfonb = statements("cfonb120.txt");
    relance::bank::accept(&mut camt, &own()).unwrap_or_else(|e| panic!("{e}"));
    relance::bank::accept(&mut cfonb, &own()).unwrap_or_else(|e| panic!("{e}"));
    // The Martin transfer of 3 November: the bank's reference in camt.053,
    // none in CFONB — one booking all the same.
    assert_eq!(camt[0].entries[0].fingerprint, cfonb[0].entries[0].fingerprint);
    assert_ne!(camt[0].entries[0].id, cfonb[0].entries[0].id);
}

#[test]
fn files_relance_must_not_import_are_refused_with_where_and_why() {
    // (file, where, the start of why)
    let cases = [
        ("export.csv", "the file", "is neither a camt.053 statement"),
        (
            "camt054.xml",
            "Document",
            "`urn:iso:std:iso:20022:tech:xsd:camt.054.001.08` is not a bank-to-customer statement",
        ),
        (
            "camt053-truncated.xml",
            "Document/BkToCstmrStmt/Stmt/Ntry",
            "not well-formed XML at byte",
        ),
        (
            "camt053-cut.xml",
            "Document/BkToCstmrStmt/Stmt",
            "the file ends inside this element",
        ),
        (
            "camt053-bad-amount.xml",
            "Stmt/Ntry[2]/Amt",
            "`2 450,00` is not a decimal number",
        ),
        ("cfonb120-short-line.txt", "line 6", "is 119 characters long"),
        ("cfonb120-truncated.txt", "line 10", "has no closing 07 record"),
    ];
    for (name, at, why) in cases {
        let e = refusal(name);
        assert_eq!(e.at, at, "{name}: {e}");
        assert!(e.reason.contains(why), "{name}: {e}");
    }
}

#[test]
fn a_statement_of_another_account_is_refused_before_anything_is_read_into_the_books() {
    for name in ["camt053-other-account.xml", "cfonb120-other-account.txt"] {
        let mut read = statements(name);
        match relance::bank::accept(&mut read, &own()) {
            Err(relance::bank::BankError::OtherAccount { account, own, .. }) => {
                assert_ne!(account, own, "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}
