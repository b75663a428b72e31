//! The aged balance: what each customer still owes, by how late it is —
//! not yet due, 1–30, 31–60, 61–90 and over 90 days past due — per
//! currency, with the totals. Pure: the open invoices come from the
//! open-invoices index (`store::Store::open_lines`), one line each.

use chrono::NaiveDate;
use serde::Serialize;

/// One open invoice as the aged balance needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenLine {
    pub customer_id: String,
    pub number: String,
    pub due_date: NaiveDate,
    pub remaining_minor: i64,
    pub currency: String,
    pub disputed: bool,
    pub help_requested: bool,
    pub promised: bool,
    pub on_plan: bool,
}

/// The five ages, in order.
pub const BUCKETS: [&str; 5] = ["not_due", "1_30", "31_60", "61_90", "over_90"];

/// Which bucket an amount due on `due` falls in on `today`.
pub fn bucket(due: NaiveDate, today: NaiveDate) -> usize {
    match (today - due).num_days() {
        d if d <= 0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

/// Which open invoices a filter keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    All,
    Overdue,
    Disputed,
    Promised,
    OnPlan,
    /// A help request waits: the customer's reminders are paused.
    Paused,
}

impl Filter {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "" | "all" => Filter::All,
            "overdue" => Filter::Overdue,
            "disputed" => Filter::Disputed,
            "promised" => Filter::Promised,
            "plan" => Filter::OnPlan,
            "paused" => Filter::Paused,
            _ => return None,
        })
    }

    fn keeps(self, line: &OpenLine, today: NaiveDate) -> bool {
        match self {
            Filter::All => true,
            Filter::Overdue => line.due_date < today,
            Filter::Disputed => line.disputed,
            Filter::Promised => line.promised,
            Filter::OnPlan => line.on_plan,
            Filter::Paused => line.help_requested,
        }
    }
}

/// One customer's row in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgedRow {
    pub customer_id: String,
    pub currency: String,
    pub buckets: [i64; 5],
    pub total: i64,
    pub invoices: usize,
    /// The oldest due date among them.
    pub oldest_due: NaiveDate,
}

/// The whole balance, per currency: its rows and its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aged {
    pub currency: String,
    pub rows: Vec<AgedRow>,
    pub totals: [i64; 5],
    pub total: i64,
}

/// The aged balance on `today` of the lines `filter` keeps, one table per
/// currency (amounts of different currencies are never added), rows by
/// customer id. Sums saturate: amounts are bounded far below `i64`.
pub fn aged(lines: &[OpenLine], today: NaiveDate, filter: Filter) -> Vec<Aged> {
    use std::collections::BTreeMap;
    let mut by: BTreeMap<(String, String), AgedRow> = BTreeMap::new();
    for line in lines.iter().filter(|l| filter.keeps(l, today) && l.remaining_minor > 0) {
        let row = by
            .entry((line.currency.clone(), line.customer_id.clone()))
            .or_insert_with(|| AgedRow {
                customer_id: line.customer_id.clone(),
                currency: line.currency.clone(),
                buckets: [0; 5],
                total: 0,
                invoices: 0,
                oldest_due: line.due_date,
            });
        let b = bucket(line.due_date, today);
        row.buckets[b] = row.buckets[b].saturating_add(line.remaining_minor);
        row.total = row.total.saturating_add(line.remaining_minor);
        row.invoices += 1;
        row.oldest_due = row.oldest_due.min(line.due_date);
    }
    let mut out: BTreeMap<String, Aged> = BTreeMap::new();
    for ((currency, _), row) in by {
        let table = out.entry(currency.clone()).or_insert_with(|| Aged {
            currency,
            rows: Vec::new(),
            totals: [0; 5],
            total: 0,
        });
        for (t, v) in table.totals.iter_mut().zip(row.buckets) {
            *t = t.saturating_add(v);
        }
        table.total = table.total.saturating_add(row.total);
        table.rows.push(row);
    }
    out.into_values().collect()
}

/// How the rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// The largest balance first.
    Total,
    /// The longest overdue first.
    Oldest,
    Customer,
}

impl Sort {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "" | "total" => Sort::Total,
            "oldest" => Sort::Oldest,
            "customer" => Sort::Customer,
            _ => return None,
        })
    }

    pub fn apply(self, rows: &mut [AgedRow]) {
        match self {
            Sort::Total => rows.sort_by(|a, b| b.total.cmp(&a.total).then(a.customer_id.cmp(&b.customer_id))),
            Sort::Oldest => {
                rows.sort_by(|a, b| a.oldest_due.cmp(&b.oldest_due).then(a.customer_id.cmp(&b.customer_id)))
            }
            Sort::Customer => rows.sort_by(|a, b| a.customer_id.cmp(&b.customer_id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    fn line(customer: &str, due: NaiveDate, amount: i64, currency: &str) -> OpenLine {
        OpenLine {
            customer_id: customer.into(),
            number: format!("F-{customer}-{due}"),
            due_date: due,
            remaining_minor: amount,
            currency: currency.into(),
            disputed: false,
            help_requested: false,
            promised: false,
            on_plan: false,
        }
    }

    #[test]
    fn each_day_late_falls_in_its_bucket() {
        let today = day(6, 30);
        // (due date, bucket): the edges of each age.
        let cases = [
            (day(7, 15), 0),
            (day(6, 30), 0),
            (day(6, 29), 1),
            (day(5, 31), 1),
            (day(5, 30), 2),
            (day(5, 1), 2),
            (day(4, 30), 3),
            (day(4, 1), 3),
            (day(3, 31), 4),
        ];
        for (due, want) in cases {
            assert_eq!(bucket(due, today), want, "due {due}");
        }
    }

    #[test]
    fn the_totals_are_the_sum_of_the_rows_and_currencies_stay_apart() {
        let today = day(6, 30);
        let mut disputed = line("b", day(3, 1), 700, "EUR");
        disputed.disputed = true;
        let lines = vec![
            line("a", day(7, 1), 1_000, "EUR"),
            line("a", day(6, 1), 200, "EUR"),
            disputed,
            line("c", day(6, 1), 5_000, "USD"),
            line("a", day(6, 1), 0, "EUR"),
        ];
        let all = aged(&lines, today, Filter::All);
        assert_eq!(all.len(), 2);
        let eur = &all[0];
        assert_eq!(
            (eur.currency.as_str(), eur.total, eur.totals),
            ("EUR", 1_900, [1_000, 200, 0, 0, 700])
        );
        assert_eq!(eur.rows.iter().map(|r| r.total).sum::<i64>(), eur.total);
        assert_eq!(eur.rows[0].invoices, 2, "a settled line is not counted");
        let overdue = aged(&lines, today, Filter::Overdue);
        assert_eq!(overdue[0].total, 900);
        let only_disputed = aged(&lines, today, Filter::Disputed);
        assert_eq!((only_disputed.len(), only_disputed[0].total), (1, 700));
        let mut rows = all[0].rows.clone();
        Sort::Oldest.apply(&mut rows);
        assert_eq!(rows[0].customer_id, "b");
        Sort::Total.apply(&mut rows);
        assert_eq!(rows[0].customer_id, "a");
    }
}
