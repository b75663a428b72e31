//! ISO 20022 camt.053 (bank-to-customer statement), versions 001.02 to
//! 001.13, read as a stream of XML events: only the current entry is held
//! in memory, whatever the file's size.
//!
//! What relance reads of each booked entry (`Sts` BOOK): its amount and
//! currency, credit or debit, booking date, the bank's reference
//! (`AcctSvcrRef`), and per transaction the payer's name and account and
//! what they wrote (`RmtInf/Ustrd`, `RmtInf/Strd/CdtrRefInf/Ref`). An
//! entry that batches several transactions with their own amounts becomes
//! one payment per transaction.

use std::io::BufRead;

use chrono::NaiveDate;
use quick_xml::Reader;
use quick_xml::events::Event;
use relance::domain::bank::entry::AccountId;
use relance::domain::bank::{BankEntry, Iban, Statement, StatementFormat};

use crate::amount::minor_units;
use crate::error::FileError;

/// One transaction of an entry, as far as it has been read.
#[derive(Debug, Default)]
struct Tx {
    amount: Option<(String, String)>,
    credit: Option<bool>,
    bank_reference: Option<String>,
    debtor_name: Option<String>,
    debtor_iban: Option<String>,
    remittance: Vec<String>,
}

/// One entry, as far as it has been read.
#[derive(Debug, Default)]
struct Entry {
    amount: Option<(String, String)>,
    credit: Option<bool>,
    reversal: bool,
    status: Option<String>,
    booked: Option<String>,
    bank_reference: Option<String>,
    info: Vec<String>,
    txs: Vec<Tx>,
}

#[derive(Debug, Default)]
struct Stmt {
    id: Option<String>,
    iban: Option<String>,
    entries: Vec<BankEntry>,
}

/// The element names from `Stmt` down, as a path ("Ntry/Amt").
fn under_stmt(path: &[String]) -> Option<String> {
    let at = path.iter().position(|p| p == "Stmt")?;
    Some(path[at + 1..].join("/"))
}

fn text_of(attr_value: &[u8]) -> String {
    String::from_utf8_lossy(attr_value).into_owned()
}

/// Reads every statement of a camt.053 file.
pub fn read(input: impl BufRead) -> Result<Vec<Statement>, FileError> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut currency_attr: Option<String> = None;
    let mut statements: Vec<Statement> = Vec::new();
    let mut stmt: Option<Stmt> = None;
    let mut entry: Option<Entry> = None;
    let mut entry_count = 0usize;
    let mut saw_root = false;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            let at = if path.is_empty() {
                "the file".to_string()
            } else {
                path.join("/")
            };
            FileError::new(
                at,
                format!(
                    "not well-formed XML at byte {} ({e}): the file is truncated or damaged",
                    reader.error_position()
                ),
            )
        })?;
        match event {
            Event::Start(e) => {
                let name = text_of(e.local_name().as_ref());
                if !saw_root {
                    check_root(&name, &e)?;
                    saw_root = true;
                }
                currency_attr = None;
                if name == "Amt" {
                    for attr in e.attributes().flatten() {
                        if attr.key.local_name().as_ref() == b"Ccy" {
                            currency_attr = Some(text_of(&attr.value));
                        }
                    }
                }
                path.push(name.clone());
                text.clear();
                let at = under_stmt(&path);
                match at.as_deref() {
                    Some("") => stmt = Some(Stmt::default()),
                    Some("Ntry") => {
                        entry_count += 1;
                        entry = Some(Entry::default());
                    }
                    Some("Ntry/NtryDtls/TxDtls") => {
                        if let Some(entry) = entry.as_mut() {
                            entry.txs.push(Tx::default());
                        }
                    }
                    _ => {}
                }
            }
            Event::Empty(e) if !saw_root => {
                check_root(&text_of(e.local_name().as_ref()), &e)?;
                saw_root = true;
            }
            Event::Text(t) => {
                let part = t.decode().map_err(|e| FileError::new(path.join("/"), e.to_string()))?;
                text.push_str(&part);
            }
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten().map(String::from)
                } else {
                    let name = r.decode().unwrap_or_default();
                    quick_xml::escape::resolve_xml_entity(&name).map(str::to_string)
                };
                text.push_str(&resolved.unwrap_or_default());
            }
            Event::End(_) => {
                let at = under_stmt(&path).unwrap_or_default();
                let value = std::mem::take(&mut text).trim().to_string();
                let here = || format!("Stmt/{at}");
                if let Some(s) = stmt.as_mut() {
                    match at.as_str() {
                        "Id" => s.id = Some(value.clone()),
                        "Acct/Id/IBAN" => s.iban = Some(value.clone()),
                        "" => {
                            let done = stmt.take().unwrap_or_default();
                            statements.push(finish_statement(done, statements.len())?);
                        }
                        _ => {}
                    }
                }
                if let Some(e) = entry.as_mut() {
                    read_entry_field(e, &at, value, currency_attr.take()).map_err(|r| FileError::new(here(), r))?;
                    if at == "Ntry" {
                        let done = entry.take().unwrap_or_default();
                        let at = format!("Stmt/Ntry[{entry_count}]");
                        let read = finish_entry(done, &at)?;
                        if let Some(s) = stmt.as_mut() {
                            s.entries.extend(read);
                        }
                    }
                }
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_root {
        return Err(FileError::new("the file", "is empty"));
    }
    if !path.is_empty() {
        return Err(FileError::new(
            path.join("/"),
            "the file ends inside this element: it is truncated",
        ));
    }
    if statements.is_empty() {
        return Err(FileError::new("Document/BkToCstmrStmt", "holds no statement (Stmt)"));
    }
    Ok(statements)
}

fn check_root(name: &str, e: &quick_xml::events::BytesStart<'_>) -> Result<(), FileError> {
    if name != "Document" {
        return Err(FileError::new(
            name,
            "is not an ISO 20022 Document: expected a camt.053 statement",
        ));
    }
    let namespace = e
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == b"xmlns")
        .map(|a| text_of(&a.value))
        .unwrap_or_default();
    let version = namespace
        .strip_prefix("urn:iso:std:iso:20022:tech:xsd:camt.053.001.")
        .and_then(|v| v.parse::<u32>().ok());
    match version {
        Some(2..=13) => Ok(()),
        Some(v) => Err(FileError::new(
            "Document",
            format!("camt.053.001.{v:02} is not a version relance reads (001.02 to 001.13)"),
        )),
        None if namespace.contains("camt.") => Err(FileError::new(
            "Document",
            format!("`{namespace}` is not a bank-to-customer statement: relance imports camt.053"),
        )),
        None => Err(FileError::new(
            "Document",
            format!("`{namespace}` is not a camt.053 namespace"),
        )),
    }
}

fn read_entry_field(e: &mut Entry, at: &str, value: String, currency: Option<String>) -> Result<(), String> {
    // An element with children ends with no text of its own.
    if value.is_empty() {
        return Ok(());
    }
    let tx = || "Ntry/NtryDtls/TxDtls/";
    if let Some(field) = at.strip_prefix(tx()) {
        let Some(t) = e.txs.last_mut() else {
            return Ok(());
        };
        match field {
            "Amt" | "AmtDtls/TxAmt/Amt" => {
                let currency = currency.ok_or("has no Ccy attribute")?;
                t.amount = Some((value, currency));
            }
            "CdtDbtInd" => t.credit = Some(direction(&value)?),
            "Refs/AcctSvcrRef" => t.bank_reference = Some(value),
            "RltdPties/Dbtr/Nm" | "RltdPties/Dbtr/Pty/Nm" => t.debtor_name = Some(value),
            "RltdPties/DbtrAcct/Id/IBAN" => t.debtor_iban = Some(value),
            "RmtInf/Ustrd" | "RmtInf/Strd/CdtrRefInf/Ref" | "AddtlTxInf" => t.remittance.push(value),
            _ => {}
        }
        return Ok(());
    }
    match at {
        "Ntry/Amt" => {
            let currency = currency.ok_or("has no Ccy attribute")?;
            e.amount = Some((value, currency));
        }
        "Ntry/CdtDbtInd" => e.credit = Some(direction(&value)?),
        "Ntry/RvslInd" => e.reversal = value == "true" || value == "1",
        // 001.02–001.06 write the code directly, later versions in Cd.
        "Ntry/Sts" | "Ntry/Sts/Cd" => e.status = Some(value),
        "Ntry/BookgDt/Dt" | "Ntry/BookgDt/DtTm" => e.booked = Some(value),
        "Ntry/AcctSvcrRef" => e.bank_reference = Some(value),
        "Ntry/AddtlNtryInf" => e.info.push(value),
        _ => {}
    }
    Ok(())
}

fn direction(value: &str) -> Result<bool, String> {
    match value {
        "CRDT" => Ok(true),
        "DBIT" => Ok(false),
        other => Err(format!("`{other}` is neither CRDT nor DBIT")),
    }
}

fn date(text: &str) -> Option<NaiveDate> {
    // A date, or the date part of a date-time.
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

fn finish_statement(s: Stmt, index: usize) -> Result<Statement, FileError> {
    let at = format!("Stmt[{}]/Acct/Id/IBAN", index + 1);
    let iban = s
        .iban
        .ok_or_else(|| FileError::new(&at, "is missing: relance reads statements of an IBAN account"))?;
    let iban = Iban::parse(&iban).map_err(|e| FileError::new(&at, e))?;
    Ok(Statement {
        format: StatementFormat::Camt053,
        account: AccountId::Iban(iban),
        id: s.id,
        entries: s.entries,
    })
}

/// The payments an entry stands for: none if it is not booked, one, or
/// one per transaction when it batches several with their own amounts.
fn finish_entry(e: Entry, at: &str) -> Result<Vec<BankEntry>, FileError> {
    let status = e.status.clone().unwrap_or_default();
    if status != "BOOK" {
        // Pending and information-only entries are not money on the account.
        return Ok(Vec::new());
    }
    let (amount, currency) = e
        .amount
        .clone()
        .ok_or_else(|| FileError::new(format!("{at}/Amt"), "is missing"))?;
    let (amount_minor, currency) =
        minor_units(&amount, &currency).map_err(|r| FileError::new(format!("{at}/Amt"), r))?;
    let credit = e
        .credit
        .ok_or_else(|| FileError::new(format!("{at}/CdtDbtInd"), "is missing"))?;
    let booked_on = e
        .booked
        .as_deref()
        .ok_or_else(|| FileError::new(format!("{at}/BookgDt"), "is missing"))
        .and_then(|d| date(d).ok_or_else(|| FileError::new(format!("{at}/BookgDt"), format!("`{d}` is not a date"))))?;
    // A reversed credit is money going back out: never a customer payment.
    let credit = credit && !e.reversal;
    let own_amounts = e.txs.len() > 1 && e.txs.iter().all(|t| t.amount.is_some());
    if !own_amounts {
        let tx = e.txs.into_iter().next().unwrap_or_default();
        let mut remittance = tx.remittance;
        remittance.extend(e.info);
        return Ok(vec![BankEntry {
            id: None,
            fingerprint: None,
            bank_reference: e.bank_reference.or(tx.bank_reference),
            booked_on,
            credit,
            amount_minor,
            currency,
            remittance,
            debtor_name: tx.debtor_name,
            debtor_iban: tx.debtor_iban.and_then(|i| Iban::parse(&i).ok()),
            position: at.to_string(),
        }]);
    }
    let mut out = Vec::with_capacity(e.txs.len());
    for (i, tx) in e.txs.into_iter().enumerate() {
        let tx_at = format!("{at}/NtryDtls/TxDtls[{}]", i + 1);
        let (amount, tx_currency) = tx.amount.unwrap_or_default();
        let (tx_minor, tx_currency) =
            minor_units(&amount, &tx_currency).map_err(|r| FileError::new(format!("{tx_at}/Amt"), r))?;
        let bank_reference = tx
            .bank_reference
            .or_else(|| e.bank_reference.as_ref().map(|r| format!("{r}/{}", i + 1)));
        out.push(BankEntry {
            id: None,
            fingerprint: None,
            bank_reference,
            booked_on,
            credit: tx.credit.unwrap_or(credit) && !e.reversal,
            amount_minor: tx_minor,
            currency: tx_currency,
            remittance: tx.remittance,
            debtor_name: tx.debtor_name,
            debtor_iban: tx.debtor_iban.and_then(|i| Iban::parse(&i).ok()),
            position: tx_at,
        });
    }
    Ok(out)
}
