//! Gap-free, chronological numbering of invoices and credit notes: one
//! series per prefix and year, each document the next position, never
//! dated before the last one (French rule: "numérotation chronologique et
//! continue", CGI annexe II art. 242 nonies A).

use chrono::{Datelike, NaiveDate};

use super::InvoiceNumber;

/// The series a document dated `date` is numbered in (`F2026`).
pub fn series(prefix: &str, date: NaiveDate) -> String {
    format!("{prefix}{}", date.year())
}

/// A document would be dated before the last one of its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfOrder {
    pub last: NaiveDate,
}

/// The number after `position` in `series`, for a document dated `date`,
/// if that keeps the series chronological.
pub fn next_number(
    series: &str,
    position: u64,
    last_date: Option<NaiveDate>,
    date: NaiveDate,
) -> Result<InvoiceNumber, OutOfOrder> {
    match last_date {
        Some(last) if last > date => Err(OutOfOrder { last }),
        _ => Ok(InvoiceNumber::new(series, position.saturating_add(1))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_document_takes_the_next_position_never_dated_before_the_last() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
        // (position, last date, this date, the number or the refusal)
        let cases = [
            (0, None, day(1, 2), Ok("F2026-000001")),
            (41, Some(day(3, 1)), day(3, 1), Ok("F2026-000042")),
            (41, Some(day(3, 1)), day(3, 2), Ok("F2026-000042")),
            (41, Some(day(3, 2)), day(3, 1), Err(OutOfOrder { last: day(3, 2) })),
        ];
        for (position, last, date, want) in cases {
            let got = next_number(&series("F", date), position, last, date);
            assert_eq!(
                got,
                want.map(|n| InvoiceNumber::parse(n).unwrap_or_else(|e| panic!("{e}")))
            );
        }
        assert_eq!(series("AV", day(12, 31)), "AV2026");
    }
}
