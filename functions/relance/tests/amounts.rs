//! Property tests over money: whatever finance submits within the field
//! limits, an invoice's totals add up, are never negative and never wrap;
//! a credit split over VAT rates gives back exactly its net; deducting
//! credits never takes an invoice below zero nor loses a cent; a payment
//! plan is accepted only when its instalments really add up.

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use relance::config::company;
use relance::domain::credit::{Credit, CreditStatus, Words, apply_credits, split_by_rate};
use relance::domain::goodwill::Situation;
use relance::domain::invoice::{LineInput, OperationCategory, PaymentTerms, QuantityInput};
use relance::domain::money::{MAX_AMOUNT_MINOR, checked_sum, div_round_half_away};
use relance::domain::{Actor, Currency, CustomerId, CustomerInput, Invoice, InvoiceInput, InvoiceNumber};
use serde_json::json;

// The mainland rates (the seller of these tests is in Paris): any other is
// refused by the territory check, which has its own test.
const RATES: [&str; 5] = ["20", "10", "5.5", "2.1", "0"];

fn line_strategy() -> impl Strategy<Value = LineInput> {
    (
        prop_oneof![
            (1i64..=i64::MAX).prop_map(QuantityInput::Whole),
            (1u64..=u64::MAX).prop_map(|q| QuantityInput::Text(format!("{}.{:03}", q / 1000, q % 1000))),
            (1i64..=10_000).prop_map(QuantityInput::Whole),
        ],
        prop_oneof![0i64..=i64::MAX, 0i64..=1_000_000],
        0usize..RATES.len(),
        prop::option::of(0u32..=100),
    )
        .prop_map(|(quantity, unit_price_minor, rate, discount)| LineInput {
            description: "Prestation".into(),
            quantity,
            unit: None,
            unit_price_minor,
            vat_rate: Some(RATES[rate].into()),
            // A 0 % line says why: here, a zero-rated supply.
            vat_category: (RATES[rate] == "0").then(|| "zero".into()),
            vat_exemption: None,
            discount: discount.map(|d| d.to_string()),
        })
}

/// Lines any real invoice has: always accepted.
fn everyday_line() -> impl Strategy<Value = LineInput> {
    (1i64..=10_000, 0i64..=1_000_000, 0usize..RATES.len()).prop_map(|(q, price, rate)| LineInput {
        description: "Prestation".into(),
        quantity: QuantityInput::Whole(q),
        unit: None,
        unit_price_minor: price,
        vat_rate: Some(RATES[rate].into()),
        // A 0 % line says why: here, a zero-rated supply.
        vat_category: (RATES[rate] == "0").then(|| "zero".into()),
        vat_exemption: None,
        discount: None,
    })
}

fn input(lines: Vec<LineInput>) -> InvoiceInput {
    InvoiceInput {
        customer_id: "c1".into(),
        currency: "EUR".into(),
        issue_date: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default(),
        sale_date: None,
        due_date: None,
        payment_terms: Some(PaymentTerms::Days(30)),
        category: OperationCategory::Services,
        purchase_order: None,
        delivery_address: None,
        lines,
    }
}

fn issued(lines: Vec<LineInput>) -> Option<Invoice> {
    let draft = input(lines).parse().ok()?;
    let customer: CustomerInput = serde_json::from_value(json!({
        "contact_name": "Camille Martin", "email": "compta@example.test", "locale": "fr", "kind": "consumer",
        "billing_address": { "lines": ["3 place Bellecour"], "postal_code": "69002", "city": "Lyon", "country": "FR" },
        "customer_since": "2020-01-01"
    }))
    .expect("customer input");
    let customer = customer
        .parse(CustomerId::parse("c1").expect("id"))
        .expect("a valid customer");
    let now = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).single()?;
    Some(draft.issue(
        InvoiceNumber::new("F2026", 1),
        company().expect("company"),
        customer,
        now,
        Actor("test".into()),
    ))
}

fn credit(position: u64, gross_minor: i64) -> Credit {
    let at = Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).single().unwrap_or_default();
    Credit {
        id: format!("credit-{position}"),
        customer_id: CustomerId::parse("c1").unwrap_or_else(|e| panic!("{e}")),
        status: CreditStatus::Granted,
        situation: Situation::BillingError,
        severity: None,
        invoice: InvoiceNumber::new("F2026", 0),
        invoice_date: at.date_naive(),
        currency: Currency::EUR,
        proposed_net_minor: gross_minor,
        reasons: Vec::new(),
        net_minor: gross_minor,
        by_rate: Vec::new(),
        vat_minor: 0,
        gross_minor,
        words: Words::default(),
        requested_by: Actor("a".into()),
        requested_at: at,
        approved_by: None,
        number: Some(InvoiceNumber::new("AV2026", position)),
        issue_date: Some(at.date_naive()),
        granted_at: Some(at),
        seller: None,
        buyer: None,
        remaining_minor: gross_minor,
        applications: Vec::new(),
        cancelled: None,
        email_message_id: None,
        follow_up_on: None,
        correction: None,
        lines: Vec::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Accepted or refused by field, never a panic; when accepted, the
    /// breakdown adds up exactly and stays within bounds.
    #[test]
    fn invoice_totals_add_up_or_are_refused(
        lines in prop::collection::vec(prop_oneof![2 => everyday_line(), 1 => line_strategy()], 1..8),
    ) {
        let count = lines.len();
        match input(lines).parse() {
            Err(errors) => prop_assert!(errors.iter().all(|e| e.field.starts_with("lines") && !e.reason.is_empty())),
            Ok(draft) => {
                let t = &draft.totals;
                prop_assert_eq!(draft.lines.len(), count);
                prop_assert!(t.net_minor >= 0 && t.vat_minor >= 0 && t.discount_minor >= 0);
                prop_assert_eq!(Some(t.gross_minor), t.net_minor.checked_add(t.vat_minor));
                prop_assert!(t.gross_minor <= MAX_AMOUNT_MINOR);
                prop_assert_eq!(Some(t.net_minor), checked_sum(draft.lines.iter().map(|l| l.net_minor)));
                prop_assert_eq!(Some(t.net_minor), checked_sum(t.by_rate.iter().map(|b| b.base_minor)));
                prop_assert_eq!(Some(t.vat_minor), checked_sum(t.by_rate.iter().map(|b| b.vat_minor)));
                for b in &t.by_rate {
                    let want = div_round_half_away(i128::from(b.base_minor) * i128::from(b.rate.basis_points()), 10_000);
                    prop_assert_eq!(i128::from(b.vat_minor), want, "VAT once per rate");
                }
            }
        }
    }

    /// A credit's net split over the invoice's rates gives back the net
    /// exactly, each share positive and at most its rate's base.
    #[test]
    fn a_credit_split_over_rates_gives_back_its_net(
        lines in prop::collection::vec(everyday_line(), 1..6),
        share in 0u32..=10_000,
    ) {
        let draft = input(lines).parse().expect("everyday lines are accepted");
        let rates = &draft.totals.by_rate;
        let net = i64::try_from(div_round_half_away(i128::from(draft.totals.net_minor) * i128::from(share), 10_000))
            .unwrap_or(0);
        let split = split_by_rate(net, rates);
        prop_assert_eq!(checked_sum(split.iter().map(|b| b.base_minor)), Some(net));
        for b in &split {
            prop_assert!(b.base_minor > 0 && b.vat_minor >= 0);
        }
    }

    /// Credits deducted from a new invoice: never below zero, nothing lost,
    /// and the invoice is paid exactly when the credits covered it.
    #[test]
    fn credits_deducted_never_take_an_invoice_below_zero(
        lines in prop::collection::vec(everyday_line(), 1..4),
        credits in prop::collection::vec(prop_oneof![1i64..=MAX_AMOUNT_MINOR, 1i64..=100_000], 0..5),
    ) {
        let mut invoice = issued(lines).expect("everyday lines are accepted");
        let before: i64 = credits.iter().sum();
        let mut credits: Vec<Credit> = credits.iter().enumerate()
            .map(|(i, gross)| credit(u64::try_from(i).unwrap_or(0) + 1, *gross))
            .collect();
        let now = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).single().unwrap_or_default();
        let applied = apply_credits(&mut invoice, &mut credits, now);
        let given: i64 = applied.iter().map(|(_, a)| *a).sum();
        prop_assert!(invoice.remaining_minor() >= 0);
        prop_assert_eq!(invoice.remaining_minor(), invoice.totals.gross_minor - given);
        prop_assert_eq!(before - given, credits.iter().map(|c| c.remaining_minor).sum::<i64>());
        prop_assert!(credits.iter().all(|c| c.remaining_minor >= 0));
        prop_assert_eq!(invoice.remaining_minor() == 0, invoice.status == relance::domain::InvoiceStatus::Paid);
    }

    /// Sums of instalments: the checked sum is the true sum when it fits,
    /// and reports anything that would wrap (two i64::MAX "adding up" to a
    /// small balance was accepted before).
    #[test]
    fn instalment_sums_never_wrap(amounts in prop::collection::vec(1i64..=i64::MAX, 1..24)) {
        let wide: i128 = amounts.iter().map(|a| i128::from(*a)).sum();
        match checked_sum(amounts.iter().copied()) {
            Some(sum) => prop_assert_eq!(i128::from(sum), wide),
            None => prop_assert!(wide > i128::from(i64::MAX)),
        }
    }
}
