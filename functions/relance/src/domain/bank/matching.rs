//! Which invoices a bank entry pays: one pure decision, most certain rule
//! first, as a finance clerk would go down the statement.
//!
//! 1. Money out is not a customer payment; nor is a card provider's payout
//!    (its payments were recorded when the provider reported them).
//! 2. The creditor reference (RF…) or an invoice number in what the payer
//!    wrote, however it was spelled or wrapped.
//! 3. The payer's account is a customer's known IBAN, and the amount is
//!    what one open invoice, or a set of them, still owes (oldest first).
//! 4. The payer's name is a customer's, and the amount is what one open
//!    invoice or a set of them owes — with a confidence, and only above a
//!    threshold.
//!
//! Anything else, or anything that points at two customers, goes to a
//! person. The decision never writes: the import applies it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{BankEntry, CreditorReference, Iban};
use crate::domain::{CustomerId, InvoiceNumber};

/// An open invoice, as the matcher sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub customer: CustomerId,
    pub number: InvoiceNumber,
    pub currency: String,
    pub remaining_minor: i64,
    pub issue_date: NaiveDate,
}

impl Candidate {
    fn reference(&self) -> Option<CreditorReference> {
        CreditorReference::for_document(self.number.as_str())
    }
}

/// A customer, as the matcher sees them: the names a bank may print for
/// them and the accounts they paid from before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payer {
    pub customer: CustomerId,
    pub names: Vec<String>,
    pub ibans: Vec<Iban>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The invoice's creditor reference (ISO 11649) was in the remittance.
    CreditorReference,
    /// The invoice's number was in the remittance.
    InvoiceNumber,
    /// The payer's IBAN is the customer's, the amount an open balance.
    KnownAccount,
    /// The payer's name is the customer's, the amount an open balance.
    NameAndAmount,
    /// A person assigned it from the review queue.
    Assigned,
    /// The card provider reported it (its webhook).
    CardProvider,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreditorReference => "creditor_reference",
            Self::InvoiceNumber => "invoice_number",
            Self::KnownAccount => "known_account",
            Self::NameAndAmount => "name_and_amount",
            Self::Assigned => "assigned",
            Self::CardProvider => "card_provider",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub customer: CustomerId,
    pub number: InvoiceNumber,
    pub amount_minor: i64,
}

/// Why an entry waits for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewReason {
    /// Nothing points at an invoice.
    Unmatched,
    /// It points at more than one customer.
    Ambiguous,
    /// The payer is known but the amount is what no set of invoices owes.
    AmountMismatch,
    /// A name that resembles a customer's, not closely enough to act.
    LowConfidence,
    /// Not in the currency of the invoices it could pay.
    OtherCurrency,
    /// It paid its invoices and more: the rest is held for the customer
    /// until finance refunds it or it is deducted from the next invoice.
    Overpaid,
}

impl ReviewReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unmatched => "unmatched",
            Self::Ambiguous => "ambiguous",
            Self::AmountMismatch => "amount_mismatch",
            Self::LowConfidence => "low_confidence",
            Self::OtherCurrency => "other_currency",
            Self::Overpaid => "overpaid",
        }
    }
}

/// Why an entry is not a customer payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IgnoreReason {
    /// Money going out.
    Debit,
    /// A card provider's payout of payments already recorded one by one.
    Payout,
}

impl IgnoreReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debit => "debit",
            Self::Payout => "payout",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Record these payments. `held_minor` is what the entry paid beyond
    /// them, held for the customer (and shown to finance).
    Apply {
        allocations: Vec<Allocation>,
        held_minor: i64,
        rule: Rule,
        /// 0–100: how sure the rule is.
        confidence: u8,
    },
    /// A person decides; `suggestion` is what the matcher would do.
    Review {
        reason: ReviewReason,
        suggestion: Vec<Allocation>,
        confidence: u8,
    },
    Ignore {
        reason: IgnoreReason,
    },
}

/// What the matcher knows besides the entry: the open invoices of every
/// customer, the customers, the payout names — indexed once for a whole
/// statement, and kept current as its entries pay invoices.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    open: Vec<Candidate>,
    payers: Vec<Payer>,
    /// Each payer's names, folded once.
    folded: Vec<Vec<String>>,
    /// How card providers' payouts read on the statement ("STRIPE").
    payout_names: Vec<String>,
    /// An invoice's number and creditor reference, letters and digits
    /// only, to the invoice; and the lengths those keys have.
    by_key: std::collections::HashMap<String, Vec<(usize, Rule)>>,
    key_lengths: Vec<usize>,
}

impl Ledger {
    pub fn new(open: Vec<Candidate>, payers: Vec<Payer>, payout_names: Vec<String>) -> Self {
        let mut by_key: std::collections::HashMap<String, Vec<(usize, Rule)>> = std::collections::HashMap::new();
        for (i, invoice) in open.iter().enumerate() {
            let compact: String = invoice
                .number
                .as_str()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase())
                .collect();
            by_key.entry(compact).or_default().push((i, Rule::InvoiceNumber));
            if let Some(reference) = invoice.reference() {
                by_key
                    .entry(reference.to_string())
                    .or_default()
                    .push((i, Rule::CreditorReference));
            }
        }
        let mut key_lengths: Vec<usize> = by_key.keys().map(String::len).collect();
        key_lengths.sort_unstable();
        key_lengths.dedup();
        let folded = payers
            .iter()
            .map(|p| p.names.iter().map(|n| folded_name(n)).collect())
            .collect();
        Self {
            open,
            payers,
            folded,
            payout_names,
            by_key,
            key_lengths,
        }
    }

    pub fn open(&self) -> &[Candidate] {
        &self.open
    }

    /// Takes what `allocations` paid off the invoices' balances, so the
    /// next entry of the statement sees them as they now are.
    pub fn paid(&mut self, allocations: &[Allocation]) {
        for a in allocations {
            if let Some(c) = self.open.iter_mut().find(|c| c.number == a.number) {
                c.remaining_minor = c.remaining_minor.saturating_sub(a.amount_minor).max(0);
            }
        }
    }

    /// Replaces what is known of one customer's open invoices (after they
    /// were read again).
    pub fn refresh(&mut self, customer: &CustomerId, invoices: Vec<Candidate>) {
        for c in self.open.iter_mut().filter(|c| &c.customer == customer) {
            c.remaining_minor = invoices
                .iter()
                .find(|i| i.number == c.number)
                .map_or(0, |i| i.remaining_minor);
        }
    }

    /// The invoices whose number or reference `entry`'s remittance
    /// spells: candidates found by key lookup on the text with its
    /// separators removed, then confirmed by `spelled_in`.
    fn named(&self, entry: &BankEntry) -> (Vec<&Candidate>, Rule) {
        let joined = entry.remittance.join("\n");
        let text: Vec<char> = joined.chars().collect();
        let compact: Vec<char> = text
            .iter()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let mut found: Vec<usize> = Vec::new();
        let mut rule = Rule::InvoiceNumber;
        for start in 0..compact.len() {
            for &len in &self.key_lengths {
                let Some(window) = compact.get(start..start + len) else {
                    break;
                };
                let key: String = window.iter().collect();
                let Some(hits) = self.by_key.get(&key) else {
                    continue;
                };
                if !spelled_in(&text, &key) {
                    continue;
                }
                for (i, by) in hits {
                    if *by == Rule::CreditorReference {
                        rule = Rule::CreditorReference;
                    }
                    if !found.contains(i) {
                        found.push(*i);
                    }
                }
            }
        }
        (found.into_iter().map(|i| &self.open[i]).collect(), rule)
    }
}

/// A name is taken as the customer's from this similarity (0–1) up.
const NAME_APPLIES: f64 = 0.93;
/// Two customers whose names both score this high are both plausible.
const NAME_PLAUSIBLE: f64 = 0.85;
/// A subset search past this many open invoices would explode; past it,
/// only single invoices and the oldest-first run are tried.
const SUBSET_LIMIT: usize = 12;

pub fn decide(entry: &BankEntry, ledger: &Ledger) -> Decision {
    if !entry.credit {
        return Decision::Ignore {
            reason: IgnoreReason::Debit,
        };
    }
    if is_payout(entry, &ledger.payout_names) {
        return Decision::Ignore {
            reason: IgnoreReason::Payout,
        };
    }
    if let Some(decision) = by_reference(entry, ledger) {
        return decision;
    }
    if let Some(decision) = by_account(entry, ledger) {
        return decision;
    }
    if let Some(decision) = by_name(entry, ledger) {
        return decision;
    }
    review(ReviewReason::Unmatched, Vec::new(), 0)
}

fn review(reason: ReviewReason, suggestion: Vec<Allocation>, confidence: u8) -> Decision {
    Decision::Review {
        reason,
        suggestion,
        confidence,
    }
}

fn is_payout(entry: &BankEntry, names: &[String]) -> bool {
    let says = |text: &str| {
        let text = text.to_uppercase();
        names
            .iter()
            .any(|n| !n.trim().is_empty() && text.contains(&n.trim().to_uppercase()))
    };
    entry.debtor_name.as_deref().is_some_and(says) || entry.remittance.iter().any(|l| says(l))
}

/// Whether `needle` (letters and digits) is spelled in `text`: any case,
/// with spaces, dashes, dots, slashes or line breaks between its
/// characters, and not running on into more digits.
fn spelled_in(text: &[char], needle: &str) -> bool {
    let needle: Vec<char> = needle.chars().collect();
    let separator = |c: char| matches!(c, ' ' | '-' | '.' | '/' | '_' | '\n' | '\t');
    let Some(first) = needle.first() else {
        return false;
    };
    for start in 0..text.len() {
        if text[start].to_ascii_uppercase() != *first {
            continue;
        }
        // Not the tail of a longer number.
        if first.is_ascii_digit() && start > 0 && text[start - 1].is_ascii_digit() {
            continue;
        }
        let (mut i, mut j) = (start, 0);
        while i < text.len() && j < needle.len() {
            let c = text[i].to_ascii_uppercase();
            if c == needle[j] {
                j += 1;
                i += 1;
            } else if j > 0 && separator(c) {
                i += 1;
            } else {
                break;
            }
        }
        if j == needle.len() && text.get(i).is_none_or(|c| !c.is_ascii_digit()) {
            return true;
        }
    }
    false
}

/// Rule 2: the invoices the remittance names, oldest first, paid in
/// full in that order; what is left over is held.
fn by_reference(entry: &BankEntry, ledger: &Ledger) -> Option<Decision> {
    let (mut named, rule) = ledger.named(entry);
    // An invoice issued after the money came cannot be what it paid.
    named.retain(|c| c.issue_date <= entry.booked_on && c.remaining_minor > 0);
    if named.is_empty() {
        return None;
    }
    let mut customers: Vec<&CustomerId> = named.iter().map(|c| &c.customer).collect();
    customers.sort();
    customers.dedup();
    if customers.len() > 1 {
        return Some(review(ReviewReason::Ambiguous, Vec::new(), 0));
    }
    if named.iter().all(|c| c.currency != entry.currency) {
        return Some(review(ReviewReason::OtherCurrency, Vec::new(), 0));
    }
    named.retain(|c| c.currency == entry.currency);
    named.sort_by(|a, b| (a.issue_date, &a.number).cmp(&(b.issue_date, &b.number)));
    let (allocations, held_minor) = spread(entry.amount_minor, &named);
    let confidence = if rule == Rule::CreditorReference { 100 } else { 97 };
    Some(Decision::Apply {
        allocations,
        held_minor,
        rule,
        confidence,
    })
}

/// Pays `invoices` in order, each in full while the money lasts; returns
/// the allocations and what is left.
fn spread(amount: i64, invoices: &[&Candidate]) -> (Vec<Allocation>, i64) {
    let mut left = amount;
    let mut allocations = Vec::new();
    for invoice in invoices {
        if left == 0 {
            break;
        }
        let paid = left.min(invoice.remaining_minor);
        if paid > 0 {
            allocations.push(Allocation {
                customer: invoice.customer.clone(),
                number: invoice.number.clone(),
                amount_minor: paid,
            });
            left -= paid;
        }
    }
    (allocations, left)
}

/// A customer's open invoices in the entry's currency, oldest first.
fn owed_by<'a>(customer: &CustomerId, entry: &BankEntry, open: &'a [Candidate]) -> Vec<&'a Candidate> {
    let mut owed: Vec<&Candidate> = open
        .iter()
        .filter(|c| {
            &c.customer == customer
                && c.currency == entry.currency
                && c.remaining_minor > 0
                && c.issue_date <= entry.booked_on
        })
        .collect();
    owed.sort_by(|a, b| (a.issue_date, &a.number).cmp(&(b.issue_date, &b.number)));
    owed
}

/// The set of `owed` (oldest first) whose balances add up to `amount`,
/// preferring the oldest invoices; and whether it was the only one.
fn exact_set<'a>(amount: i64, owed: &[&'a Candidate]) -> Option<(Vec<&'a Candidate>, bool)> {
    let mut found: Vec<Vec<usize>> = Vec::new();
    if owed.len() <= SUBSET_LIMIT {
        for mask in 1u32..(1u32 << owed.len()) {
            let set: Vec<usize> = (0..owed.len()).filter(|i| mask & (1 << i) != 0).collect();
            let sum = set
                .iter()
                .try_fold(0i64, |acc, &i| acc.checked_add(owed[i].remaining_minor));
            if sum == Some(amount) {
                found.push(set);
            }
        }
    } else {
        let mut sum = 0i64;
        for (i, invoice) in owed.iter().enumerate() {
            sum = sum.saturating_add(invoice.remaining_minor);
            if sum == amount {
                found.push((0..=i).collect());
            }
            if invoice.remaining_minor == amount && i > 0 {
                found.push(vec![i]);
            }
        }
    }
    let only = found.len() == 1;
    // The lexicographically smallest index list: the oldest invoices.
    found.sort();
    found
        .into_iter()
        .next()
        .map(|set| (set.into_iter().map(|i| owed[i]).collect(), only))
}

fn paid_in_full(set: &[&Candidate]) -> Vec<Allocation> {
    set.iter()
        .map(|c| Allocation {
            customer: c.customer.clone(),
            number: c.number.clone(),
            amount_minor: c.remaining_minor,
        })
        .collect()
}

/// Rule 3: the payer's IBAN is a customer's.
fn by_account(entry: &BankEntry, ledger: &Ledger) -> Option<Decision> {
    let iban = entry.debtor_iban.as_ref()?;
    let payers: Vec<&Payer> = ledger.payers.iter().filter(|p| p.ibans.contains(iban)).collect();
    match payers.as_slice() {
        [] => None,
        [payer] => {
            let owed = owed_by(&payer.customer, entry, &ledger.open);
            let elsewhere = ledger
                .open
                .iter()
                .any(|c| c.customer == payer.customer && c.currency != entry.currency);
            if owed.is_empty() && elsewhere {
                return Some(review(ReviewReason::OtherCurrency, Vec::new(), 0));
            }
            Some(by_amount(entry, &owed, Rule::KnownAccount, 95))
        }
        _ => Some(review(ReviewReason::Ambiguous, Vec::new(), 0)),
    }
}

/// Applies when the amount is exactly what a set of `owed` owes; else
/// suggests paying the oldest first and leaves it to a person.
fn by_amount(entry: &BankEntry, owed: &[&Candidate], rule: Rule, confidence: u8) -> Decision {
    match exact_set(entry.amount_minor, owed) {
        Some((set, only)) => Decision::Apply {
            allocations: paid_in_full(&set),
            held_minor: 0,
            rule,
            // Several sets would do: the oldest are taken, less surely.
            confidence: if only {
                confidence
            } else {
                confidence.saturating_sub(10)
            },
        },
        None => {
            let (suggestion, _) = spread(entry.amount_minor, owed);
            review(ReviewReason::AmountMismatch, suggestion, confidence.saturating_sub(30))
        }
    }
}

/// A name folded for comparison: no accents, no case, no punctuation, no
/// legal form or civility, words in order.
pub fn folded_name(name: &str) -> String {
    const NOISE: [&str; 16] = [
        "SAS", "SASU", "SARL", "EURL", "SA", "SCI", "SNC", "SELARL", "STE", "SOCIETE", "ETS", "M", "MR", "MME", "MLLE",
        "MONSIEUR",
    ];
    let ascii = deunicode::deunicode(name).to_uppercase();
    let words: Vec<&str> = ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !NOISE.contains(w) && *w != "MADAME")
        .collect();
    words.join(" ")
}

/// How alike two names are, 0–1, whatever the order of their words.
#[cfg(test)]
fn likeness(a: &str, b: &str) -> f64 {
    likeness_folded(&folded_name(a), &folded_name(b))
}

fn likeness_folded(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let sorted = |s: &str| {
        let mut w: Vec<&str> = s.split(' ').collect();
        w.sort_unstable();
        w.join(" ")
    };
    strsim::jaro_winkler(a, b).max(strsim::jaro_winkler(&sorted(a), &sorted(b)))
}

/// Rule 4: the payer's name is one customer's, clearly.
fn by_name(entry: &BankEntry, ledger: &Ledger) -> Option<Decision> {
    let debtor = folded_name(entry.debtor_name.as_deref()?);
    let mut scored: Vec<(f64, &Payer)> = ledger
        .payers
        .iter()
        .zip(&ledger.folded)
        .map(|(p, names)| {
            let best = names.iter().map(|n| likeness_folded(&debtor, n)).fold(0.0, f64::max);
            (best, p)
        })
        .filter(|(score, _)| *score >= NAME_PLAUSIBLE)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (best, payer) = *scored.first()?;
    if scored.get(1).is_some_and(|(second, _)| best - second < 0.05) {
        return Some(review(ReviewReason::Ambiguous, Vec::new(), 0));
    }
    // 0.93 → 83, 1.0 → 90: a name is never as sure as a reference.
    let confidence = (best * 90.0).round().clamp(0.0, 90.0) as u8;
    let owed = owed_by(&payer.customer, entry, &ledger.open);
    if best < NAME_APPLIES {
        let suggestion = exact_set(entry.amount_minor, &owed)
            .map(|(s, _)| paid_in_full(&s))
            .unwrap_or_default();
        return Some(review(ReviewReason::LowConfidence, suggestion, confidence));
    }
    Some(by_amount(entry, &owed, Rule::NameAndAmount, confidence))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
    }

    fn id(s: &str) -> CustomerId {
        CustomerId::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn number(position: u32) -> InvoiceNumber {
        InvoiceNumber::new("F2026", u64::from(position))
    }

    fn iban(s: &str) -> Iban {
        Iban::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The portfolio every case reads: Martin owes 123 (1 200.00, the
    /// oldest), 124 (300.00) and 130 (300.00); Lefèvre owes 125 (450.00);
    /// Dupont Conseil owes 126 (980.00); Dupond Conseil owes 127 (980.00);
    /// Smith owes 128 in dollars.
    fn open() -> Vec<Candidate> {
        let c = |customer: &str, n: u32, amount: i64, issued: u32, currency: &str| Candidate {
            customer: id(customer),
            number: number(n),
            currency: currency.into(),
            remaining_minor: amount,
            issue_date: day(issued),
        };
        vec![
            c("martin", 123, 120_000, 2, "EUR"),
            c("martin", 124, 30_000, 5, "EUR"),
            c("martin", 130, 30_000, 9, "EUR"),
            c("lefevre", 125, 45_000, 3, "EUR"),
            c("dupont", 126, 98_000, 4, "EUR"),
            c("dupond", 127, 98_000, 4, "EUR"),
            c("smith", 128, 50_000, 4, "USD"),
        ]
    }

    fn payers() -> Vec<Payer> {
        let p = |customer: &str, names: &[&str], ibans: &[&str]| Payer {
            customer: id(customer),
            names: names.iter().map(|s| s.to_string()).collect(),
            ibans: ibans.iter().map(|s| iban(s)).collect(),
        };
        vec![
            p(
                "martin",
                &["Menuiserie Martin SARL", "Paul Martin"],
                &["DE89 3704 0044 0532 0130 00"],
            ),
            p("lefevre", &["Boulangerie Lefèvre", "Anne Lefèvre"], &[]),
            p("dupont", &["Dupont Conseil", "Luc Dupont"], &[]),
            p("dupond", &["Dupond Conseil", "Marc Dupond"], &[]),
            p("smith", &["Smith Ltd"], &[]),
        ]
    }

    fn credit(amount: i64, remittance: &[&str], name: Option<&str>, account: Option<&str>) -> BankEntry {
        BankEntry {
            id: None,
            fingerprint: None,
            bank_reference: None,
            booked_on: day(20),
            credit: true,
            amount_minor: amount,
            currency: "EUR".into(),
            remittance: remittance.iter().map(|s| s.to_string()).collect(),
            debtor_name: name.map(str::to_string),
            debtor_iban: account.map(iban),
            position: "test".into(),
        }
    }

    fn paid(pairs: &[(&str, u32, i64)]) -> Vec<Allocation> {
        pairs
            .iter()
            .map(|(c, n, a)| Allocation {
                customer: id(c),
                number: number(*n),
                amount_minor: *a,
            })
            .collect()
    }

    fn apply(pairs: &[(&str, u32, i64)], held_minor: i64, rule: Rule, confidence: u8) -> Decision {
        Decision::Apply {
            allocations: paid(pairs),
            held_minor,
            rule,
            confidence,
        }
    }

    fn to_review(reason: ReviewReason) -> Decision {
        review(reason, Vec::new(), 0)
    }

    #[test]
    fn the_clerks_checklist() {
        let open = open();
        let payers = payers();
        let payout_names = vec!["STRIPE".to_string()];
        let ledger = Ledger::new(open, payers, payout_names);
        let rf123 = CreditorReference::for_document("F2026-000123")
            .map(|r| r.grouped())
            .unwrap_or_default();
        let debit = BankEntry {
            credit: false,
            ..credit(120_000, &["F2026-000123"], None, None)
        };
        let dollars = BankEntry {
            currency: "USD".into(),
            ..credit(50_000, &["F2026-000125"], None, None)
        };
        // (what the clerk sees on the statement, what relance does)
        let cases: Vec<(&str, BankEntry, Decision)> = vec![
            (
                "money out is not a payment",
                debit,
                Decision::Ignore {
                    reason: IgnoreReason::Debit,
                },
            ),
            (
                "a card provider's payout was recorded payment by payment",
                credit(
                    245_000,
                    &["VIR STRIPE PAYMENTS UK LTD", "PAYOUT PO_1N2"],
                    Some("STRIPE"),
                    None,
                ),
                Decision::Ignore {
                    reason: IgnoreReason::Payout,
                },
            ),
            (
                "the creditor reference, as printed",
                credit(120_000, &[rf123.as_str()], None, None),
                apply(&[("martin", 123, 120_000)], 0, Rule::CreditorReference, 100),
            ),
            (
                "the invoice number after a word",
                credit(120_000, &["FACT F2026-000123"], None, None),
                apply(&[("martin", 123, 120_000)], 0, Rule::InvoiceNumber, 97),
            ),
            (
                "the invoice number in lower case, no dash",
                credit(120_000, &["reglement f2026000123 merci"], None, None),
                apply(&[("martin", 123, 120_000)], 0, Rule::InvoiceNumber, 97),
            ),
            (
                "the invoice number with spaces",
                credit(120_000, &["F 2026 000 123"], None, None),
                apply(&[("martin", 123, 120_000)], 0, Rule::InvoiceNumber, 97),
            ),
            (
                "the invoice number wrapped across two lines",
                credit(120_000, &["VIR SEPA MENUISERIE MARTIN F2026-00", "0123"], None, None),
                apply(&[("martin", 123, 120_000)], 0, Rule::InvoiceNumber, 97),
            ),
            (
                "a longer number is not this invoice's",
                credit(120_000, &["F2026-0001234"], None, None),
                to_review(ReviewReason::Unmatched),
            ),
            (
                "two invoices in one transfer, each paid in full",
                credit(150_000, &["F2026-000124 F2026-000123"], None, None),
                apply(
                    &[("martin", 123, 120_000), ("martin", 124, 30_000)],
                    0,
                    Rule::InvoiceNumber,
                    97,
                ),
            ),
            (
                "a partial payment leaves the rest due",
                credit(50_000, &["FACTURE F2026-000123 ACOMPTE"], None, None),
                apply(&[("martin", 123, 50_000)], 0, Rule::InvoiceNumber, 97),
            ),
            (
                "an overpayment pays the invoice and the rest is held",
                credit(130_000, &["F2026-000123"], None, None),
                apply(&[("martin", 123, 120_000)], 10_000, Rule::InvoiceNumber, 97),
            ),
            (
                "numbers of two customers in one transfer",
                credit(165_000, &["F2026-000123 F2026-000125"], None, None),
                to_review(ReviewReason::Ambiguous),
            ),
            (
                "another currency than the invoice's",
                dollars,
                to_review(ReviewReason::OtherCurrency),
            ),
            (
                "no reference, the customer's known account, one invoice's amount",
                credit(30_000, &["VIREMENT"], None, Some("DE89370400440532013000")),
                apply(&[("martin", 124, 30_000)], 0, Rule::KnownAccount, 85),
            ),
            (
                "the known account and the sum of all three invoices",
                credit(180_000, &[], None, Some("DE89370400440532013000")),
                apply(
                    &[
                        ("martin", 123, 120_000),
                        ("martin", 124, 30_000),
                        ("martin", 130, 30_000),
                    ],
                    0,
                    Rule::KnownAccount,
                    95,
                ),
            ),
            (
                "the known account, an amount two sets owe: the oldest are paid",
                credit(150_000, &[], None, Some("DE89370400440532013000")),
                apply(
                    &[("martin", 123, 120_000), ("martin", 124, 30_000)],
                    0,
                    Rule::KnownAccount,
                    85,
                ),
            ),
            (
                "the known account, an amount no set of invoices owes",
                credit(100_000, &[], None, Some("DE89370400440532013000")),
                review(ReviewReason::AmountMismatch, paid(&[("martin", 123, 100_000)]), 65),
            ),
            (
                "the name without accents and the amount of the one invoice",
                credit(45_000, &["VIR SEPA"], Some("BOULANGERIE LEFEVRE"), None),
                apply(&[("lefevre", 125, 45_000)], 0, Rule::NameAndAmount, 90),
            ),
            (
                "a name that nearly matches two customers",
                credit(98_000, &["HONORAIRES"], Some("DUPONT CONSEIL SARL"), None),
                to_review(ReviewReason::Ambiguous),
            ),
            (
                "a stranger with an amount someone owes",
                credit(45_000, &["CADEAU"], Some("JEAN VALJEAN"), None),
                to_review(ReviewReason::Unmatched),
            ),
        ];
        for (case, entry, want) in cases {
            assert_eq!(decide(&entry, &ledger), want, "{case}");
        }
    }

    #[test]
    fn names_fold_accents_legal_forms_and_order() {
        assert_eq!(
            folded_name("Boulangerie Lefèvre S.A.R.L."),
            "BOULANGERIE LEFEVRE S A R L"
        );
        assert_eq!(folded_name("SARL Menuiserie-Martin"), "MENUISERIE MARTIN");
        assert!(likeness("MARTIN PAUL", "Paul Martin") > 0.99);
        assert!(likeness("DUPONT CONSEIL", "Dupond Conseil") > NAME_PLAUSIBLE);
        assert!(likeness("JEAN VALJEAN", "Paul Martin") < NAME_PLAUSIBLE);
    }

    #[test]
    fn spellings_are_found_and_longer_numbers_are_not() {
        let found = |text: &str| spelled_in(&text.chars().collect::<Vec<_>>(), "F2026000123");
        for text in [
            "F2026-000123",
            "fact f2026000123",
            "F2026.000.123/",
            "xF2026 000123 12/11",
            "F2026-00\n0123",
        ] {
            assert!(found(text), "{text}");
        }
        for text in ["F2026-0001234", "F2026-000124", "2026-000123", ""] {
            assert!(!found(text), "{text}");
        }
    }
}
