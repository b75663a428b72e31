//! Writes bank statements as banks do — camt.053 (001.02 or 001.08) and
//! CFONB 120 — for the tests and the benchmark to import. The layouts are
//! the formats' own; nothing here shares code with relance's readers.

use chrono::NaiveDate;

/// One booked movement to write.
#[derive(Debug, Clone)]
pub struct Movement {
    pub booked_on: NaiveDate,
    /// Positive: money in; negative: money out.
    pub amount_minor: i64,
    pub debtor_name: Option<String>,
    pub debtor_iban: Option<String>,
    /// What the payer wrote, line by line (35 characters each in CFONB
    /// complements, as banks wrap them).
    pub remittance: Vec<String>,
    /// A structured creditor reference (camt.053 `Strd/CdtrRefInf/Ref`).
    pub creditor_reference: Option<String>,
    /// The bank's own reference (camt.053 `AcctSvcrRef`).
    pub bank_reference: Option<String>,
}

impl Movement {
    pub fn credit(booked_on: NaiveDate, amount_minor: i64, debtor: &str, remittance: &[&str]) -> Self {
        Self {
            booked_on,
            amount_minor,
            debtor_name: Some(debtor.to_string()),
            debtor_iban: None,
            remittance: remittance.iter().map(|s| s.to_string()).collect(),
            creditor_reference: None,
            bank_reference: None,
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

/// A camt.053 statement of `iban` for November 2026, in `version` "02" or
/// "08" (whose party names sit in `Pty`, whose status sits in `Cd`).
pub fn camt053(version: &str, iban: &str, movements: &[Movement]) -> String {
    let v08 = version == "08";
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}\">\n<BkToCstmrStmt>\n<GrpHdr><MsgId>TEST-{version}</MsgId><CreDtTm>2026-11-30T22:00:00</CreDtTm></GrpHdr>\n<Stmt><Id>STMT-{version}</Id><CreDtTm>2026-11-30T22:00:00</CreDtTm>\n<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
    );
    for m in movements {
        let direction = if m.amount_minor >= 0 { "CRDT" } else { "DBIT" };
        let amount = decimal(m.amount_minor);
        let status = if v08 {
            "<Sts><Cd>BOOK</Cd></Sts>".to_string()
        } else {
            "<Sts>BOOK</Sts>".to_string()
        };
        xml.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>{status}<BookgDt><Dt>{}</Dt></BookgDt><ValDt><Dt>{}</Dt></ValDt>",
            m.booked_on, m.booked_on
        ));
        if let Some(r) = &m.bank_reference {
            xml.push_str(&format!("<AcctSvcrRef>{}</AcctSvcrRef>", escape(r)));
        }
        xml.push_str(
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>",
        );
        xml.push_str("<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>");
        if v08 {
            xml.push_str(&format!(
                "<Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>"
            ));
        } else {
            xml.push_str(&format!(
                "<AmtDtls><TxAmt><Amt Ccy=\"EUR\">{amount}</Amt></TxAmt></AmtDtls>"
            ));
        }
        if m.debtor_name.is_some() || m.debtor_iban.is_some() {
            xml.push_str("<RltdPties>");
            if let Some(name) = &m.debtor_name {
                if v08 {
                    xml.push_str(&format!("<Dbtr><Pty><Nm>{}</Nm></Pty></Dbtr>", escape(name)));
                } else {
                    xml.push_str(&format!("<Dbtr><Nm>{}</Nm></Dbtr>", escape(name)));
                }
            }
            if let Some(iban) = &m.debtor_iban {
                xml.push_str(&format!("<DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>"));
            }
            xml.push_str("</RltdPties>");
        }
        xml.push_str("<RmtInf>");
        for line in &m.remittance {
            xml.push_str(&format!("<Ustrd>{}</Ustrd>", escape(line)));
        }
        if let Some(r) = &m.creditor_reference {
            xml.push_str(&format!(
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp><Ref>{r}</Ref></CdtrRefInf></Strd>"
            ));
        }
        xml.push_str("</RmtInf></TxDtls></NtryDtls></Ntry>\n");
    }
    xml.push_str("</Stmt>\n</BkToCstmrStmt>\n</Document>\n");
    xml
}

/// A CFONB 120 amount: 14 characters, the last one carrying the sign.
fn cfonb_amount(minor: i64) -> String {
    let digits = format!("{:014}", minor.abs());
    let last = digits.as_bytes()[13] - b'0';
    let sign = if minor >= 0 {
        b"{ABCDEFGHI"[last as usize]
    } else {
        b"}JKLMNOPQR"[last as usize]
    };
    format!("{}{}", &digits[..13], sign as char)
}

fn padded(text: &str, width: usize) -> String {
    let cut: String = text.chars().take(width).collect();
    format!("{cut:<width$}")
}

/// A CFONB 120 statement of the French account (bank, branch, account)
/// for November 2026.
pub fn cfonb120(bank: &str, branch: &str, account: &str, movements: &[Movement]) -> String {
    let head = |code: &str, op: &str, date: NaiveDate| {
        format!("{code}{bank}{op}{branch}EUR2 {account}05{}", date.format("%d%m%y"))
    };
    let mut lines = Vec::new();
    let first = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
    lines.push(format!(
        "{}{}{}{}",
        head("01", "    ", first),
        " ".repeat(50),
        cfonb_amount(0),
        " ".repeat(16)
    ));
    for (i, m) in movements.iter().enumerate() {
        let label = m.remittance.first().cloned().unwrap_or_default();
        lines.push(format!(
            "{}  {}{}  {:07}  {}{}",
            head("04", "0005", m.booked_on),
            m.booked_on.format("%d%m%y"),
            padded(&label, 31),
            i + 1,
            cfonb_amount(m.amount_minor),
            " ".repeat(16)
        ));
        let detail = |qualifier: &str, text: &str| {
            format!(
                "{}     {qualifier}{}  ",
                head("05", "0005", m.booked_on),
                padded(text, 70)
            )
        };
        if let Some(name) = &m.debtor_name {
            lines.push(detail("NPY", name));
        }
        for line in m.remittance.iter().skip(1) {
            lines.push(detail("LIB", line));
        }
        if let Some(r) = &m.creditor_reference {
            lines.push(detail("RCN", r));
        }
    }
    lines.push(format!(
        "{}{}{}{}",
        head("07", "    ", last),
        " ".repeat(50),
        cfonb_amount(0),
        " ".repeat(16)
    ));
    for line in &lines {
        assert_eq!(line.chars().count(), 120, "a CFONB record is 120 characters: {line:?}");
    }
    lines.join("\r\n") + "\r\n"
}
