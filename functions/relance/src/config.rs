//! Settings from the environment only, read once at start-up. Local
//! endpoints come from the SDK's own `AWS_ENDPOINT_URL_*` variables.

use crate::domain::{Email, Seller};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error("config/company.toml is invalid: {0}")]
    Company(String),
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// `RELANCE_TABLE`: the customer-history table.
    pub table: String,
    /// `RELANCE_SENDER`: the verified SES identity emails come from,
    /// e.g. `Atelier Durand <factures@atelier-durand.fr>`.
    pub sender: String,
    /// `RELANCE_REPLY_TO`: where customer replies go (a person's inbox).
    pub reply_to: Option<Email>,
    /// `RELANCE_TRANSACTIONAL_CONFIGURATION_SET`: SES configuration set for
    /// invoices, reminders and credits.
    pub transactional_configuration_set: Option<String>,
    /// `RELANCE_SURVEY_CONFIGURATION_SET`: SES configuration set for
    /// surveys, apart so that complaints about surveys cannot harm the
    /// reputation invoices are sent with.
    pub survey_configuration_set: Option<String>,
    /// `RELANCE_PUBLIC_URL`: base of the customer links, no trailing slash.
    pub public_url: String,
    /// `RELANCE_INVOICE_SERIES` (default `F`): the series prefix; the
    /// issue year is appended (`F2026-000123`).
    pub invoice_series: String,
    /// `RELANCE_CREDIT_SERIES` (default `AV`, for "avoir"): the credit-note
    /// series prefix; the year is appended (`AV2026-000007`).
    pub credit_series: String,
    /// `RELANCE_LINK_TTL_DAYS` (default 180): how long an emailed link works.
    pub link_ttl_days: i64,
    /// `RELANCE_SES_MAX_PER_SECOND` (default 14): the SES account's maximum
    /// send rate; the reminder pass never sends faster.
    pub ses_max_per_second: u32,
}

fn var(name: &'static str) -> Result<String, ConfigError> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        _ => Err(ConfigError::Missing(name)),
    }
}

fn optional(name: &'static str) -> Option<String> {
    var(name).ok()
}

/// An optional whole-number variable: `default` when unset, refused with
/// `reason` when it is not a number within `range`.
fn bounded<T>(
    name: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
    reason: &str,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd,
{
    match optional(name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| ConfigError::Invalid {
                var: name,
                reason: reason.into(),
            }),
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        let public_url = var("RELANCE_PUBLIC_URL")?.trim_end_matches('/').to_string();
        if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                var: "RELANCE_PUBLIC_URL",
                reason: "must be an http(s) URL".into(),
            });
        }
        let link_ttl_days = bounded("RELANCE_LINK_TTL_DAYS", 180, 1..=730, "must be 1 to 730 days")?;
        let invoice_series = optional("RELANCE_INVOICE_SERIES").unwrap_or_else(|| "F".into());
        if !invoice_series.chars().all(|c| c.is_ascii_alphanumeric()) || invoice_series.len() > 8 {
            return Err(ConfigError::Invalid {
                var: "RELANCE_INVOICE_SERIES",
                reason: "must be at most 8 letters or digits".into(),
            });
        }
        let credit_series = optional("RELANCE_CREDIT_SERIES").unwrap_or_else(|| "AV".into());
        if !credit_series.chars().all(|c| c.is_ascii_alphanumeric())
            || credit_series.len() > 8
            || credit_series == invoice_series
        {
            return Err(ConfigError::Invalid {
                var: "RELANCE_CREDIT_SERIES",
                reason: "must be at most 8 letters or digits, and differ from the invoice series".into(),
            });
        }
        let reply_to = optional("RELANCE_REPLY_TO")
            .map(|v| {
                Email::parse(&v).map_err(|reason| ConfigError::Invalid {
                    var: "RELANCE_REPLY_TO",
                    reason,
                })
            })
            .transpose()?;
        let ses_max_per_second = bounded(
            "RELANCE_SES_MAX_PER_SECOND",
            14,
            1..=10_000,
            "must be a number of emails per second, 1 to 10000",
        )?;
        Ok(Self {
            ses_max_per_second,
            table: var("RELANCE_TABLE")?,
            sender: var("RELANCE_SENDER")?,
            reply_to,
            transactional_configuration_set: optional("RELANCE_TRANSACTIONAL_CONFIGURATION_SET"),
            survey_configuration_set: optional("RELANCE_SURVEY_CONFIGURATION_SET"),
            public_url,
            invoice_series,
            credit_series,
            link_ttl_days,
        })
    }
}

/// The company file, `config/company.toml`: the issuing company as printed
/// on invoices, and where the books' copies go.
#[derive(Debug, Clone)]
struct CompanyFile {
    seller: Seller,
    books: Option<Email>,
    payout_names: Vec<String>,
    escalation: Option<Escalation>,
}

/// `[escalation]` of the company file: the second person told when a
/// customer's help request or unhappy answer is still unanswered after
/// the 48 hours promised.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    pub name: String,
    pub email: Email,
}

/// `[bank]` of the company file: how the card provider's payouts read on
/// the bank statement, so they are not taken for customers' transfers.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Bank {
    #[serde(default)]
    payout_names: Vec<String>,
}

/// `[books]` of the company file.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Books {
    inbox: Email,
}

/// The contact budget's gap (`contact_gap_hours` of `config/dunning.toml`),
/// read once per process. The file is embedded at build time and its
/// tests parse it, so the fallback is only the documented default.
pub fn contact_gap() -> chrono::Duration {
    static GAP: std::sync::LazyLock<chrono::Duration> = std::sync::LazyLock::new(|| {
        chrono::Duration::hours(
            crate::domain::dunning::Policy::configured().map_or(48, |policy| policy.contact_gap_hours),
        )
    });
    *GAP
}

fn company_file() -> Result<CompanyFile, ConfigError> {
    // Parsed once per process: alerts and survey emails ask for it often.
    static FILE: std::sync::LazyLock<Result<CompanyFile, String>> = std::sync::LazyLock::new(|| {
        let text = include_str!("../../../config/company.toml");
        let mut table: toml::Table = toml::from_str(text).map_err(|e: toml::de::Error| e.to_string())?;
        // Not printed on invoices, so not part of the seller they store.
        let books = match table.remove("books") {
            Some(books) => Some(books.try_into::<Books>().map_err(|e| format!("[books]: {e}"))?.inbox),
            None => None,
        };
        let escalation = match table.remove("escalation") {
            Some(e) => Some(e.try_into::<Escalation>().map_err(|e| format!("[escalation]: {e}"))?),
            None => None,
        };
        let bank = match table.remove("bank") {
            Some(bank) => bank.try_into::<Bank>().map_err(|e| format!("[bank]: {e}"))?,
            None => Bank::default(),
        };
        let seller: Seller = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string())?;
        // A void penalty clause would be printed on every invoice: refuse
        // to start rather than issue one.
        seller.terms.check()?;
        seller.payment.account()?;
        Ok(CompanyFile {
            seller,
            books,
            payout_names: bank.payout_names,
            escalation,
        })
    });
    FILE.clone().map_err(ConfigError::Company)
}

/// The issuing company, from `config/company.toml`, embedded at build time
/// (Lambda ships only the binary) and checked by a test.
pub fn company() -> Result<Seller, ConfigError> {
    company_file().map(|file| file.seller)
}

/// The accounting inbox that receives a copy of every issued invoice and
/// credit note (`[books] inbox`), if the company asked for one.
pub fn books_inbox() -> Result<Option<Email>, ConfigError> {
    company_file().map(|file| file.books)
}

/// Who hears of a promise missed (`[escalation]`), if anyone.
pub fn escalation_contact() -> Result<Option<Escalation>, ConfigError> {
    company_file().map(|file| file.escalation)
}

/// How card providers' payouts read on the company's bank statements
/// (`[bank] payout_names`).
pub fn payout_names() -> Result<Vec<String>, ConfigError> {
    company_file().map(|file| file.payout_names)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_company_file_parses() {
        let seller = super::company();
        assert!(seller.is_ok(), "{seller:?}");
        let books = super::books_inbox();
        assert!(matches!(books, Ok(Some(_))), "{books:?}");
        let escalation = super::escalation_contact();
        assert!(matches!(escalation, Ok(Some(_))), "{escalation:?}");
    }
}
