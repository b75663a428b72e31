//! CFONB 120, the French banks' statement of 120-character records, read
//! line by line: 01 opens an account's statement (previous balance), 04 is
//! an entry, 05 adds to the entry before it (the payer's name, more of
//! what they wrote), 07 closes the statement (new balance).
//!
//! Positions (1-based, as the CFONB's "relevé de compte" describes them):
//! 3–7 bank code, 12–16 branch code, 17–19 currency, 20 number of
//! decimals, 22–32 account number, 35–40 booking date (DDMMYY), 49–79 the
//! entry's label, 91–104 the amount (its last character carries the sign
//! and the last digit: `{`, A–I positive, `}`, J–R negative), 105–120 a
//! reference; in a 05 record, 46–48 the qualifier and 49–118 the text.

use std::io::BufRead;

use chrono::NaiveDate;
use relance::domain::bank::entry::AccountId;
use relance::domain::bank::{BankEntry, Statement, StatementFormat};
use relance::domain::money::MAX_AMOUNT_MINOR;

use crate::error::FileError;

const RECORD: usize = 120;

/// A record's characters `from`–`to`, 1-based and inclusive, trimmed.
fn field(chars: &[char], from: usize, to: usize) -> String {
    chars[from - 1..to].iter().collect::<String>().trim().to_string()
}

/// The signed amount in minor units: digits, then the overpunched last
/// character; `decimals` tells where the point is.
fn amount(text: &str, decimals: u32, currency_exponent: u32) -> Result<i64, String> {
    let (digits, last) = text.split_at(text.len().saturating_sub(1));
    let (sign, digit) = match last.chars().next() {
        Some('{') => (1, 0),
        Some('}') => (-1, 0),
        Some(c @ 'A'..='I') => (1, c as i64 - 'A' as i64 + 1),
        Some(c @ 'J'..='R') => (-1, c as i64 - 'J' as i64 + 1),
        _ => {
            return Err(format!(
                "`{text}` does not end with a sign character ({{, A–I, }} or J–R)"
            ));
        }
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("`{text}` is not an amount"));
    }
    let value: i64 = digits
        .parse::<i64>()
        .ok()
        .and_then(|v| v.checked_mul(10))
        .and_then(|v| v.checked_add(digit))
        .ok_or_else(|| format!("`{text}` is too large"))?;
    // Bring the file's decimals to the currency's.
    let minor = if decimals >= currency_exponent {
        let divisor = 10i64.pow(decimals - currency_exponent);
        if value % divisor != 0 {
            return Err(format!("`{text}` has more decimals than the currency"));
        }
        value / divisor
    } else {
        value
            .checked_mul(10i64.pow(currency_exponent - decimals))
            .ok_or_else(|| format!("`{text}` is too large"))?
    };
    if minor > MAX_AMOUNT_MINOR {
        return Err(format!("`{text}` is larger than relance's bound"));
    }
    Ok(sign * minor)
}

fn date(text: &str) -> Option<NaiveDate> {
    let day: u32 = text.get(0..2)?.parse().ok()?;
    let month: u32 = text.get(2..4)?.parse().ok()?;
    let year: i32 = text.get(4..6)?.parse().ok()?;
    // Two-digit years: CFONB files of the last century are not imported.
    NaiveDate::from_ymd_opt(2000 + year, month, day)
}

/// Text from bytes: UTF-8, or Latin-1 (ISO 8859-1/15) as French banks
/// often write it.
fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

#[derive(Debug)]
struct Open {
    account: AccountId,
    entries: Vec<BankEntry>,
}

/// Reads every statement of a CFONB 120 file.
pub fn read(mut input: impl BufRead) -> Result<Vec<Statement>, FileError> {
    let mut statements = Vec::new();
    let mut open: Option<Open> = None;
    let mut line_no = 0usize;
    let mut raw = Vec::new();
    loop {
        raw.clear();
        let read = input
            .read_until(b'\n', &mut raw)
            .map_err(|e| FileError::new(format!("line {}", line_no + 1), e.to_string()))?;
        if read == 0 {
            break;
        }
        let text = decode(&raw);
        let text = text.trim_end_matches(['\n', '\r']);
        // Some banks write the records without line breaks.
        let length = text.chars().count();
        let records: Vec<Vec<char>> = if length > RECORD && length.is_multiple_of(RECORD) {
            text.chars()
                .collect::<Vec<_>>()
                .chunks(RECORD)
                .map(<[char]>::to_vec)
                .collect()
        } else {
            vec![text.chars().collect()]
        };
        for chars in records {
            line_no += 1;
            let at = format!("line {line_no}");
            if chars.is_empty() {
                continue;
            }
            if chars.len() != RECORD {
                return Err(FileError::new(
                    at,
                    format!("is {} characters long: a CFONB 120 record has exactly 120", chars.len()),
                ));
            }
            record(&chars, &at, &mut open, &mut statements)?;
        }
    }
    if let Some(open) = open {
        return Err(FileError::new(
            format!("line {line_no}"),
            format!(
                "the statement of account {} has no closing 07 record: the file is truncated",
                open.account
            ),
        ));
    }
    if statements.is_empty() {
        return Err(FileError::new("the file", "holds no statement (no 01 record)"));
    }
    Ok(statements)
}

fn account_of(chars: &[char]) -> AccountId {
    AccountId::French {
        bank: field(chars, 3, 7),
        branch: field(chars, 12, 16),
        account: field(chars, 22, 32),
    }
}

fn record(chars: &[char], at: &str, open: &mut Option<Open>, statements: &mut Vec<Statement>) -> Result<(), FileError> {
    let code = field(chars, 1, 2);
    match code.as_str() {
        "01" => {
            if open.is_some() {
                return Err(FileError::new(
                    at,
                    "a new statement (01) starts before the last one closed (07)",
                ));
            }
            *open = Some(Open {
                account: account_of(chars),
                entries: Vec::new(),
            });
        }
        "04" => {
            let statement = open
                .as_mut()
                .ok_or_else(|| FileError::new(at, "an entry (04) outside a statement (no 01 before it)"))?;
            if account_of(chars) != statement.account {
                return Err(FileError::new(at, "an entry of another account than its statement's"));
            }
            statement.entries.push(entry(chars, at)?);
        }
        "05" => {
            let last = open
                .as_mut()
                .and_then(|s| s.entries.last_mut())
                .ok_or_else(|| FileError::new(at, "a complement (05) with no entry (04) before it"))?;
            let qualifier = field(chars, 46, 48);
            let text = field(chars, 49, 118);
            match qualifier.as_str() {
                // The payer's name.
                "NPY" => last.debtor_name = Some(text),
                // Labels, the payer's reference, remittance.
                _ if !text.is_empty() => last.remittance.push(text),
                _ => {}
            }
        }
        "07" => {
            let closed = open
                .take()
                .ok_or_else(|| FileError::new(at, "a closing balance (07) with no statement open"))?;
            if account_of(chars) != closed.account {
                return Err(FileError::new(at, "closes another account's statement"));
            }
            statements.push(Statement {
                format: StatementFormat::Cfonb120,
                account: closed.account,
                id: None,
                entries: closed.entries,
            });
        }
        other => {
            return Err(FileError::new(
                at,
                format!("`{other}` is not a CFONB 120 record code (01, 04, 05 or 07)"),
            ));
        }
    }
    Ok(())
}

fn entry(chars: &[char], at: &str) -> Result<BankEntry, FileError> {
    let currency = field(chars, 17, 19);
    let currency = relance::domain::Currency::parse(&currency)
        .map_err(|e| FileError::new(format!("{at}, characters 17–19"), e))?;
    let decimals = field(chars, 20, 20)
        .parse::<u32>()
        .ok()
        .filter(|d| *d <= 6)
        .ok_or_else(|| FileError::new(format!("{at}, character 20"), "the number of decimals is not a digit"))?;
    let booked = field(chars, 35, 40);
    let booked_on = date(&booked).ok_or_else(|| {
        FileError::new(
            format!("{at}, characters 35–40"),
            format!("`{booked}` is not a date (DDMMYY)"),
        )
    })?;
    let signed = amount(&field(chars, 91, 104), decimals, currency.exponent())
        .map_err(|r| FileError::new(format!("{at}, characters 91–104"), r))?;
    let label = field(chars, 49, 79);
    Ok(BankEntry {
        id: None,
        fingerprint: None,
        bank_reference: None,
        booked_on,
        credit: signed > 0,
        amount_minor: signed.abs(),
        currency: currency.code().to_string(),
        remittance: if label.is_empty() { Vec::new() } else { vec![label] },
        debtor_name: None,
        debtor_iban: None,
        position: at.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_carry_their_sign_in_the_last_character() {
        let cases = [
            ("0000000014405{", 2, Ok(144_050)),
            ("0000000014405}", 2, Ok(-144_050)),
            ("0000000000012C", 2, Ok(123)),
            ("0000000000012L", 2, Ok(-123)),
            ("0000000001440E", 1, Ok(144_050)),
            ("000000001234 5", 2, Err(())),
            ("00000000012345", 2, Err(())),
        ];
        for (text, decimals, want) in cases {
            assert_eq!(amount(text, decimals, 2).map_err(|_| ()), want, "{text}");
        }
    }
}
