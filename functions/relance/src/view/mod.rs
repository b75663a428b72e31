//! What templates see: plain, pre-formatted values in the reader's
//! language, so people who edit templates never format a number.

mod alert;
mod books;
mod credit;
mod invoice;
pub mod preview;
pub mod qr;
mod reminder;
pub mod sample;
mod survey;
pub mod timeline;

pub use alert::{AlertLine, EscalationEmail, FinanceAlert, recent_lines};
pub use books::BookCopyEmail;
pub use credit::{CorrectionView, CreditEmail};
pub use invoice::{
    BuyerView, DeductionView, InvoiceEmail, InvoiceView, LineView, SellerView, VatView, payment_code,
    transfer_reference,
};
pub use reminder::{ReminderEmail, ReminderLine};
pub use survey::{CustomerAlert, ScoreLink, SurveyEmail};

use chrono::{Datelike, NaiveDate};

use crate::domain::Locale;
use crate::domain::decimal::format_scaled;

/// French month names, lower case as French writes them in dates.
pub const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "22 novembre 2026", "22 November 2026".
pub fn format_date(date: NaiveDate, locale: Locale) -> String {
    let month = date.month0() as usize;
    match locale {
        Locale::Fr if date.day() == 1 => format!("1er {} {}", MONTHS_FR[month], date.year()),
        Locale::Fr => format!("{} {} {}", date.day(), MONTHS_FR[month], date.year()),
        Locale::En => format!("{} {} {}", date.day(), MONTHS_EN[month], date.year()),
    }
}

/// A total per currency in words: "1 200,00 € et 350,00 $",
/// "€1,200.00 and $350.00"; empty when there is nothing.
pub fn format_totals(amounts: impl IntoIterator<Item = crate::domain::Money>, locale: Locale) -> String {
    let parts: Vec<String> = crate::domain::money::totals_by_currency(amounts)
        .iter()
        .map(|m| m.format(locale))
        .collect();
    let and = match locale {
        Locale::Fr => " et ",
        Locale::En => " and ",
    };
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{}{and}{last}", rest.join(", ")),
        _ => parts.concat(),
    }
}

pub(crate) fn percent(bp: u32, locale: Locale) -> String {
    let number = format_scaled(u64::from(bp), 2);
    match locale {
        Locale::Fr => format!("{}\u{a0}%", number.replace('.', ",")),
        Locale::En => format!("{number}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(format_date(d(2026, 11, 22), Locale::Fr), "22 novembre 2026");
        assert_eq!(format_date(d(2026, 8, 1), Locale::Fr), "1er août 2026");
        assert_eq!(format_date(d(2026, 8, 1), Locale::En), "1 August 2026");
        assert_eq!(percent(550, Locale::Fr), "5,5\u{a0}%");
        assert_eq!(percent(2000, Locale::En), "20%");
    }

    #[test]
    fn totals_keep_each_currency_apart() {
        use crate::domain::{Currency, Money};
        let usd = Currency::parse("USD").unwrap_or_else(|e| panic!("{e}"));
        let amounts = [
            Money::new(120_000, Currency::EUR),
            Money::new(35_000, usd),
            Money::new(30_000, Currency::EUR),
        ];
        assert_eq!(
            format_totals(amounts, Locale::Fr),
            "1\u{202f}500,00\u{a0}€ et 350,00\u{a0}$"
        );
        assert_eq!(format_totals(amounts, Locale::En), "€1,500.00 and $350.00");
        assert_eq!(format_totals(amounts[..1].to_vec(), Locale::En), "€1,200.00");
        assert_eq!(format_totals(Vec::new(), Locale::En), "");
    }
}
