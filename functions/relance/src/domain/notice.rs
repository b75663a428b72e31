//! The formal notice to pay ("mise en demeure de payer") that comes with
//! the final-notice stage for a business customer: the invoices concerned,
//! the late-payment interest each has run up since its due date at its own
//! penalty rate (the rate its issued terms state), the fixed recovery
//! indemnity per invoice (Code de commerce L441-10), the amount to pay and
//! the date to pay by. A consumer never receives one: the L441-10 terms
//! are business terms.
//!
//! Interest is simple interest on what is still owed, over the days from
//! the day after the due date to the notice's date, on a 365-day year,
//! rounded once per invoice half away from zero.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::customer::CustomerKind;
use super::invoice::Invoice;
use super::money::div_round_half_away;
use super::{Currency, InvoiceNumber};

/// How long the customer has to pay once the notice is dated.
pub const PAY_WITHIN_DAYS: u64 = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeLine {
    pub number: InvoiceNumber,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    /// What the invoice still owes.
    pub principal_minor: i64,
    pub days_late: i64,
    /// The invoice's penalty rate, in basis points a year.
    pub rate_bp: u64,
    pub interest_minor: i64,
    pub indemnity_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormalNotice {
    pub dated: NaiveDate,
    pub pay_by: NaiveDate,
    pub currency: Currency,
    pub lines: Vec<NoticeLine>,
    pub principal_minor: i64,
    pub interest_minor: i64,
    pub indemnities_minor: i64,
    pub total_minor: i64,
}

/// A notice's reference: its date and the customer's id. A customer gets
/// at most one final notice a day, so it names one letter; it is printed
/// on the letter, quoted in the transfer and names the archived file.
pub fn reference(customer: &super::CustomerId, dated: NaiveDate) -> String {
    format!("MED-{}-{customer}", dated.format("%Y%m%d"))
}

/// The interest `principal` has run up over `days` at `rate_bp` a year.
pub fn interest(principal_minor: i64, rate_bp: u64, days: i64) -> i64 {
    if principal_minor <= 0 || days <= 0 {
        return 0;
    }
    let scaled = i128::from(principal_minor) * i128::from(rate_bp) * i128::from(days);
    i64::try_from(div_round_half_away(scaled, 10_000 * 365)).unwrap_or(i64::MAX)
}

/// The notice for the overdue invoices among `invoices`, as of `dated`;
/// None when the buyer is a consumer or nothing is overdue. Invoices of
/// another currency than the first overdue one are left out (one notice,
/// one currency), as are disputed ones: a contested amount is not
/// demanded.
pub fn formal_notice(invoices: &[&Invoice], dated: NaiveDate) -> Option<FormalNotice> {
    let overdue: Vec<&&Invoice> = invoices
        .iter()
        .filter(|i| i.buyer.kind == CustomerKind::Business)
        .filter(|i| i.asks_payment() && i.due_date < dated)
        .collect();
    let currency = overdue.first()?.currency;
    let lines: Vec<NoticeLine> = overdue
        .into_iter()
        .filter(|i| i.currency == currency)
        .map(|i| {
            let days_late = (dated - i.due_date).num_days();
            let rate_bp = i.seller.terms.penalty_rate_bp();
            let principal_minor = i.remaining_minor();
            NoticeLine {
                number: i.number.clone(),
                issue_date: i.issue_date,
                due_date: i.due_date,
                principal_minor,
                days_late,
                rate_bp,
                interest_minor: interest(principal_minor, rate_bp, days_late),
                indemnity_minor: i.seller.terms.recovery_indemnity_minor,
            }
        })
        .collect();
    // Each figure is bounded by an invoice's own bounds; their count is
    // not, so the sums saturate rather than wrap.
    let sum = |f: fn(&NoticeLine) -> i64| lines.iter().map(f).fold(0i64, i64::saturating_add);
    let (principal_minor, interest_minor, indemnities_minor) = (
        sum(|l| l.principal_minor),
        sum(|l| l.interest_minor),
        sum(|l| l.indemnity_minor),
    );
    Some(FormalNotice {
        dated,
        pay_by: dated.checked_add_days(Days::new(PAY_WITHIN_DAYS)).unwrap_or(dated),
        currency,
        total_minor: principal_minor
            .saturating_add(interest_minor)
            .saturating_add(indemnities_minor),
        principal_minor,
        interest_minor,
        indemnities_minor,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn business_invoice(position: u64, due: NaiveDate, net: i64) -> Invoice {
        let issued = due.checked_sub_days(Days::new(30)).unwrap_or(due);
        let mut invoice = fixtures::invoice(position, issued, due, net);
        invoice.buyer = fixtures::business("c1", "FR", Some("FR44732829320"));
        invoice
    }

    #[test]
    fn a_reference_names_the_day_and_the_customer() {
        let customer = crate::domain::CustomerId::parse("hotel-des-quais").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reference(&customer, day(2026, 5, 4)), "MED-20260504-hotel-des-quais");
    }

    #[test]
    fn interest_is_simple_daily_interest_rounded_once() {
        // (principal, rate bp, days) → interest, each worked by hand:
        // 1 200.00 € × 12.15 % × 30 / 365 = 11.983… → 11.98
        // 574.84 € × 12.15 % × 61 / 365 = 11.672… → 11.67
        // 100.00 € × 10 % × 1 / 365 = 0.0273… → 0.03
        // 0.01 € × 12.15 % × 1 / 365 → 0.00
        let cases = [
            (120_000, 1_215, 30, 1_198),
            (57_484, 1_215, 61, 1_167),
            (10_000, 1_000, 1, 3),
            (1, 1_215, 1, 0),
            (10_000, 1_215, 0, 0),
            (10_000, 1_215, -5, 0),
            (0, 1_215, 30, 0),
        ];
        for (principal, rate, days, want) in cases {
            assert_eq!(
                interest(principal, rate, days),
                want,
                "{principal} × {rate} bp × {days} d"
            );
        }
    }

    #[test]
    fn three_overdue_invoices_each_with_its_rate_its_days_and_its_indemnity() {
        let mut a = business_invoice(1, day(2026, 2, 4), 100_000);
        let b = business_invoice(2, day(2026, 3, 6), 50_000);
        let mut c = business_invoice(3, day(2026, 3, 31), 20_000);
        // Issued under other terms: the invoice's own rate applies.
        c.seller.terms.late_penalty_ecb_plus_points = 12;
        a.paid_minor = 20_000;
        let not_due = business_invoice(4, day(2026, 4, 30), 10_000);
        let mut disputed = business_invoice(5, day(2026, 2, 1), 10_000);
        disputed.disputes.push(crate::domain::invoice::Dispute {
            reason: "x".into(),
            opened_by: crate::domain::Actor::system("t"),
            opened_at: chrono::DateTime::UNIX_EPOCH,
            settled: None,
        });
        let dated = day(2026, 4, 15);
        let notice = formal_notice(&[&a, &b, &c, &not_due, &disputed], dated).unwrap_or_else(|| panic!("a notice"));
        let rate = |i: &Invoice| i.seller.terms.penalty_rate_bp();
        let want: Vec<(i64, i64, u64)> = vec![
            (a.remaining_minor(), 70, rate(&a)),
            (b.remaining_minor(), 40, rate(&b)),
            (c.remaining_minor(), 15, rate(&c)),
        ];
        assert_eq!(
            notice
                .lines
                .iter()
                .map(|l| (l.principal_minor, l.days_late, l.rate_bp))
                .collect::<Vec<_>>(),
            want
        );
        assert_eq!(rate(&c), rate(&a) + 200);
        // An independent computation: principal × rate × days / 365 / 10 000
        // in floating point, rounded to the cent.
        for line in &notice.lines {
            let exact = line.principal_minor as f64 * line.rate_bp as f64 * line.days_late as f64 / 365.0 / 10_000.0;
            assert_eq!(line.interest_minor, exact.round() as i64, "{}", line.number);
            assert_eq!(line.indemnity_minor, 4_000, "40 € per invoice");
        }
        assert_eq!(notice.indemnities_minor, 12_000);
        assert_eq!(
            notice.total_minor,
            notice.principal_minor + notice.interest_minor + notice.indemnities_minor
        );
        assert_eq!(notice.pay_by, day(2026, 4, 23));
    }

    #[test]
    fn a_consumer_never_gets_one_nor_an_invoice_not_yet_due() {
        let mut consumer = business_invoice(1, day(2026, 2, 4), 10_000);
        consumer.buyer = fixtures::consumer("c1");
        assert_eq!(formal_notice(&[&consumer], day(2026, 4, 15)), None);
        let due_today = business_invoice(2, day(2026, 4, 15), 10_000);
        assert_eq!(formal_notice(&[&due_today], day(2026, 4, 15)), None);
    }
}
