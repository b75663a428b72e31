//! The relationship balance on the table's data: every customer's history,
//! read from the customers index and each customer's partition, counted by
//! the same pure function the demo prints (`domain::balance`). A report
//! read once a month: its cost grows with the portfolio's history, which is
//! said in BENCHMARKS.md, not hidden.

use chrono::{Datelike, Months, NaiveDate};
use futures::{StreamExt, TryStreamExt};

use crate::domain::HistoryEvent;
use crate::domain::balance::{Balance, balance};
use crate::store::{Store, StoreError};

/// Histories read at once: enough to hide each Query's latency, few
/// enough to stay well under a table's burst.
const CONCURRENT_READS: usize = 16;

/// Every customer's whole history.
pub async fn histories(store: &Store) -> Result<Vec<Vec<HistoryEvent>>, StoreError> {
    let ids = store.customer_ids().await?;
    futures::stream::iter(ids)
        .map(|id| async move { store.full_history(&id).await })
        .buffer_unordered(CONCURRENT_READS)
        .try_collect()
        .await
}

/// The balance of the portfolio for `from..=to`.
pub async fn for_period(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Balance, StoreError> {
    let all = histories(store).await?;
    Ok(balance(all.iter().map(Vec::as_slice), from, to))
}

/// The calendar months that end the trend at `to`'s month, oldest first:
/// `(first day, last day)` of each, the last cut at `to`.
pub fn months_to(to: NaiveDate, count: u32) -> Vec<(NaiveDate, NaiveDate)> {
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    (0..count)
        .rev()
        .filter_map(|back| {
            let start = first_of(to).checked_sub_months(Months::new(back))?;
            let end = start.checked_add_months(Months::new(1))?.pred_opt()?;
            Some((start, end.min(to)))
        })
        .collect()
}

/// One balance per month of `months`, from one read of the histories.
pub fn monthly(histories: &[Vec<HistoryEvent>], months: &[(NaiveDate, NaiveDate)]) -> Vec<Balance> {
    months
        .iter()
        .map(|(from, to)| balance(histories.iter().map(Vec::as_slice), *from, *to))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trend_months_end_at_the_day_asked() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(
            months_to(day(2026, 2, 14), 3),
            vec![
                (day(2025, 12, 1), day(2025, 12, 31)),
                (day(2026, 1, 1), day(2026, 1, 31)),
                (day(2026, 2, 1), day(2026, 2, 14)),
            ]
        );
    }
}
