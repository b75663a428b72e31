//! Use cases: import a bank statement (every entry applied at most once,
//! matched to invoices by `domain::bank::matching`), list the entries
//! waiting for a person, and record a person's decision on one.
//!
//! A payment recorded here is recorded exactly as one typed by finance:
//! `payment_recorded` (and `invoice_paid`) on each invoice, the customer's
//! dunning moved on in the same transaction — so a reminder decided on the
//! unpaid invoice cannot be claimed any more, and one already claimed is
//! withdrawn when it is composed — and a thank-you when a reminded invoice
//! is settled. `payment_received` says where the money came from.

use std::collections::HashMap;

use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;

use crate::context::Call;
use crate::domain::bank::matching::{ReviewReason, decide};
use crate::domain::bank::{
    Allocation, BankEntry, Candidate, Decision, EntryId, Iban, Ledger, Payer, Rule, Statement, StatementFormat,
};
use crate::domain::event::PaidInvoice;
use crate::domain::invoice::{CheckedPayment, PaymentMethod};
use crate::domain::message::{Message, Purpose};
use crate::domain::{Customer, CustomerId, EventKind, FieldError, HistoryEvent, Invoice, InvoiceNumber, InvoiceStatus};
use crate::retry::Retry;
use crate::store::{
    BankRecord, EntryOutcome, EntryOutcomeWrite, EntryWrite, Store, StoreError, TxOutcome, Versioned, keys,
};

#[derive(Debug, thiserror::Error)]
pub enum BankError {
    /// The file names an account that is not the company's: nothing from
    /// it is recorded.
    #[error("{at}: the statement is for account {account}, not the company's ({own})")]
    OtherAccount { at: String, account: String, own: String },
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    #[error("no such bank entry")]
    UnknownEntry,
    /// The decision asks what cannot be: more than an invoice owes, an
    /// invoice that is not open, more than the entry brought.
    #[error("{0}")]
    Refused(String),
    #[error("too many concurrent changes; try again")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did, entry by entry, added up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub statements: usize,
    /// Booked entries read (credits and debits).
    pub entries: usize,
    /// Entries recorded as payments.
    pub applied: usize,
    /// Entries waiting for a person (overpaid ones included).
    pub review: usize,
    /// Debits and card payouts.
    pub ignored: usize,
    /// Entries this file shares with one imported before: nothing new.
    pub already_imported: usize,
    /// Invoices this import settled in full.
    pub invoices_settled: usize,
    /// What the applied entries paid on invoices, in minor units.
    pub paid_minor: i64,
    /// What overpayments left held for customers.
    pub held_minor: i64,
}

/// Checks that every statement is the company's account and gives its
/// entries their ids: the whole file is refused before anything is
/// written if one is not.
pub fn accept(statements: &mut [Statement], own: &Iban) -> Result<(), BankError> {
    for (i, statement) in statements.iter_mut().enumerate() {
        if !statement.account.is(own) {
            return Err(BankError::OtherAccount {
                at: format!("statement {}", i + 1),
                account: statement.account.to_string(),
                own: own.grouped(),
            });
        }
        statement.identify(own);
    }
    Ok(())
}

/// One customer's standing as the import reads it.
struct Book {
    customer: Customer,
    invoices: Vec<Versioned<Invoice>>,
}

impl Book {
    /// Replaces one invoice by what was written, at its new version.
    fn update(&mut self, invoice: Invoice, version: u64) {
        if let Some(found) = self.invoices.iter_mut().find(|i| i.value.number == invoice.number) {
            *found = Versioned {
                value: invoice,
                version,
            };
        }
    }
}

fn candidates(book: &Book) -> Vec<Candidate> {
    book.invoices
        .iter()
        .filter(|i| i.value.status == InvoiceStatus::Open && i.value.remaining_minor() > 0)
        .map(|i| Candidate {
            customer: i.value.customer_id.clone(),
            number: i.value.number.clone(),
            currency: i.value.currency.code().to_string(),
            remaining_minor: i.value.remaining_minor(),
            issue_date: i.value.issue_date,
        })
        .collect()
}

fn payer(customer: &Customer) -> Payer {
    let mut names = vec![customer.contact_name.clone()];
    names.extend(customer.company_name.clone());
    Payer {
        customer: customer.id.clone(),
        names,
        ibans: customer.ibans.clone(),
    }
}

/// Every customer with an open invoice, and their invoices: one pass over
/// the open-invoices index, then two reads per customer.
async fn read_books(store: &Store) -> Result<HashMap<CustomerId, Book>, StoreError> {
    // The index's sort keys start with the due date as text: the bound
    // must be a four-digit year ("+262142-12-31" would sort first).
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default();
    let shards =
        futures::future::try_join_all((0..keys::SHARDS).map(|shard| store.open_invoice_keys(shard, far))).await?;
    let mut customers: Vec<CustomerId> = shards.into_iter().flatten().map(|(c, _)| c).collect();
    customers.sort();
    customers.dedup();
    let books: Vec<Option<Book>> = futures::stream::iter(customers)
        .map(|id| async move { read_book(store, &id).await })
        .buffer_unordered(16)
        .try_collect()
        .await?;
    Ok(books
        .into_iter()
        .flatten()
        .map(|b| (b.customer.id.clone(), b))
        .collect())
}

async fn read_book(store: &Store, id: &CustomerId) -> Result<Option<Book>, StoreError> {
    let (customer, invoices) = futures::future::try_join(store.get_customer(id), store.customer_invoices(id)).await?;
    Ok(customer.map(|c| Book {
        customer: c.value,
        invoices,
    }))
}

fn ledger_of(books: &HashMap<CustomerId, Book>, payout_names: &[String]) -> Ledger {
    let mut ids: Vec<&CustomerId> = books.keys().collect();
    ids.sort();
    let open = ids.iter().flat_map(|id| candidates(&books[*id])).collect();
    let payers = ids.iter().map(|id| payer(&books[*id].customer)).collect();
    Ledger::new(open, payers, payout_names.to_vec())
}

/// What recording `allocations` writes: the invoices changed, their
/// events, the thank-yous; refused if an invoice cannot take its share.
struct Payments {
    invoices: Vec<(Invoice, u64)>,
    events: Vec<HistoryEvent>,
    thanks: Vec<Message>,
    settled: usize,
}

struct Source<'a> {
    entry: &'a BankEntry,
    format: StatementFormat,
    rule: Rule,
    confidence: u8,
    held_minor: i64,
}

fn payments(
    book: &Book,
    allocations: &[Allocation],
    source: &Source<'_>,
    dunning: Option<&crate::domain::dunning_state::DunningState>,
    ctx: Call<'_>,
) -> Result<Payments, String> {
    let entry = source.entry;
    let id = entry.id.as_ref().map(EntryId::to_string).unwrap_or_default();
    let mut out = Payments {
        invoices: Vec::new(),
        events: Vec::new(),
        thanks: Vec::new(),
        settled: 0,
    };
    let reference = entry.remittance.first().cloned();
    for a in allocations {
        let Some(found) = book.invoices.iter().find(|i| i.value.number == a.number) else {
            return Err(format!("{} is not an invoice of {}", a.number, book.customer.id));
        };
        let mut invoice = found.value.clone();
        // A card payment is the provider's; anything else came by transfer.
        let (method, origin) = match (source.format, &entry.bank_reference) {
            (StatementFormat::Stripe, Some(payment_id)) => (PaymentMethod::Card, format!("stripe:{payment_id}")),
            _ => (PaymentMethod::Transfer, format!("bank:{id}")),
        };
        let payment = CheckedPayment::received(
            a.amount_minor,
            &entry.currency,
            entry.booked_on,
            method,
            reference.clone(),
            origin,
        );
        let (_, events) = invoice
            .take_payment(&payment, ctx.now, ctx.actor)
            .map_err(|e| match e {
                crate::domain::invoice::Refused::Rule(rule) => rule.to_string(),
                crate::domain::invoice::Refused::Fields(fields) => fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.reason))
                    .collect::<Vec<_>>()
                    .join("; "),
            })?;
        if invoice.remaining_minor() == 0 {
            out.settled += 1;
            if dunning.is_some_and(|d| d.stage_of(&a.number).is_some()) {
                out.thanks.push(Message::new(
                    book.customer.id.clone(),
                    Purpose::Thanks {
                        number: a.number.clone(),
                    },
                    ctx.now,
                ));
            }
        }
        out.events.extend(events);
        out.invoices.push((invoice, found.version));
    }
    out.events.push(HistoryEvent::new(
        book.customer.id.clone(),
        ctx.now,
        ctx.actor.clone(),
        EventKind::PaymentReceived {
            entry: id,
            source: source.format.as_str().to_string(),
            rule: source.rule.as_str().to_string(),
            confidence: source.confidence,
            amount_minor: entry.amount_minor,
            currency: entry.currency.clone(),
            booked_on: entry.booked_on,
            invoices: allocations
                .iter()
                .map(|a| PaidInvoice {
                    number: a.number.clone(),
                    amount_minor: a.amount_minor,
                })
                .collect(),
            held_minor: source.held_minor,
        },
    ));
    Ok(out)
}

/// Imports accepted statements (see `accept`): each entry decided against
/// the invoices as the import found them and as its earlier entries left
/// them, and recorded at most once. Returns what it did and the thank-yous
/// to send now.
pub async fn import(
    store: &Store,
    statements: &[Statement],
    own: &Iban,
    payout_names: &[String],
    ctx: Call<'_>,
) -> Result<(ImportSummary, Vec<(CustomerId, ulid::Ulid)>), BankError> {
    let mut books = read_books(store).await?;
    let mut ledger = ledger_of(&books, payout_names);
    let mut summary = ImportSummary {
        statements: statements.len(),
        ..ImportSummary::default()
    };
    let mut thanks = Vec::new();
    for statement in statements {
        let format = statement.format;
        // What an earlier import recorded is skipped after one batched
        // read; the write's own condition still catches a concurrent one.
        let known = store
            .known_bank_entries(&statement.entries.iter().collect::<Vec<_>>())
            .await?;
        for entry in &statement.entries {
            summary.entries += 1;
            if entry.id.as_ref().is_some_and(|id| known.contains(id)) {
                summary.already_imported += 1;
                continue;
            }
            let mut retry = Retry::contention();
            let mut patient = true;
            loop {
                let from = Origin { own, format, patient };
                let step = import_entry(store, &books, &ledger, entry, from, ctx).await?;
                match step {
                    Step::Done {
                        outcome,
                        messages,
                        settled,
                        written,
                    } => {
                        count(&mut summary, &outcome);
                        summary.invoices_settled += settled;
                        if let EntryOutcome::Applied { allocations, .. } = &outcome {
                            ledger.paid(allocations);
                        }
                        // The invoices as this entry wrote them, at their
                        // new versions: the next entry needs no read.
                        for (invoice, version) in written {
                            if let Some(book) = books.get_mut(&invoice.customer_id) {
                                book.update(invoice, version + 1);
                            }
                        }
                        thanks.extend(messages);
                        break;
                    }
                    Step::Already => {
                        summary.already_imported += 1;
                        break;
                    }
                    Step::Moved(customer) => {
                        reread(store, &mut books, &mut ledger, &customer).await?;
                        retry.again().await.map_err(|_| BankError::Busy)?;
                    }
                    Step::InFlight => {
                        // Waited a whole contention budget: its sender is
                        // gone, and its retry will find the invoice paid.
                        if retry.again().await.is_err() {
                            patient = false;
                            retry = Retry::contention();
                        }
                    }
                }
            }
        }
    }
    Ok((summary, thanks))
}

fn count(summary: &mut ImportSummary, outcome: &EntryOutcome) {
    match outcome {
        EntryOutcome::Applied {
            allocations,
            held_minor,
            ..
        } => {
            summary.applied += 1;
            summary.paid_minor = summary
                .paid_minor
                .saturating_add(allocations.iter().map(|a| a.amount_minor).sum::<i64>());
            summary.held_minor = summary.held_minor.saturating_add(*held_minor);
            if *held_minor > 0 {
                summary.review += 1;
            }
        }
        EntryOutcome::Review { .. } => summary.review += 1,
        EntryOutcome::Ignored { .. } => summary.ignored += 1,
        EntryOutcome::Resolved { .. } => {}
    }
}

/// Reads one customer's invoices again after they changed.
async fn reread(
    store: &Store,
    books: &mut HashMap<CustomerId, Book>,
    ledger: &mut Ledger,
    customer: &CustomerId,
) -> Result<(), StoreError> {
    if let Some(book) = read_book(store, customer).await? {
        ledger.refresh(customer, candidates(&book));
        books.insert(customer.clone(), book);
    }
    Ok(())
}

/// Whether a reminder to this customer is being sent right now: claimed
/// (SENDING within its lease) and not yet recorded as sent. Its sender
/// read the invoices before this payment; were the payment recorded now,
/// the reminder would still go out after it. The import waits for it to
/// land — then thanks, as for any reminded invoice — or for its lease to
/// end (its sender died: the pass sends it again from the records as they
/// will be, and a paid invoice's reminder is withdrawn). A claim made
/// after this check moves the dunning version, which the payment's
/// transaction is conditioned on.
async fn reminder_in_flight(
    store: &Store,
    customer: &CustomerId,
    dunning: &crate::domain::dunning_state::DunningState,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, StoreError> {
    use crate::domain::dunning_state::Flight;
    use crate::domain::message::MessageStatus;
    let sending = dunning.message.as_ref().is_some_and(|m| {
        matches!(m.purpose, Purpose::Reminder { .. }) && m.status == MessageStatus::Sending && m.next_attempt_at > now
    });
    if !sending {
        return Ok(false);
    }
    let (state, history) = store.dunning_and_history(customer, true).await?;
    Ok(matches!(state.value.flight(&history, now), Flight::Waiting))
}

/// Where an entry comes from, and whether to wait for a reminder in flight.
#[derive(Clone, Copy)]
struct Origin<'a> {
    own: &'a Iban,
    format: StatementFormat,
    patient: bool,
}

enum Step {
    Done {
        outcome: EntryOutcome,
        messages: Vec<(CustomerId, ulid::Ulid)>,
        settled: usize,
        /// The invoices written, at the version they were read at.
        written: Vec<(Invoice, u64)>,
    },
    Already,
    /// This customer's invoices or dunning moved: read again, decide again.
    Moved(CustomerId),
    /// A reminder to this customer is being sent: wait for it to land.
    InFlight,
}

async fn import_entry(
    store: &Store,
    books: &HashMap<CustomerId, Book>,
    ledger: &Ledger,
    entry: &BankEntry,
    from: Origin<'_>,
    ctx: Call<'_>,
) -> Result<Step, BankError> {
    let Origin { own, format, patient } = from;
    let decision = decide(entry, ledger);
    let (outcome, waiting) = match &decision {
        Decision::Apply {
            allocations,
            held_minor,
            rule,
            confidence,
        } => (
            EntryOutcome::Applied {
                allocations: allocations.clone(),
                held_minor: *held_minor,
                rule: *rule,
                confidence: *confidence,
            },
            (*held_minor > 0).then_some(ReviewReason::Overpaid),
        ),
        Decision::Review {
            reason,
            suggestion,
            confidence,
        } => (
            EntryOutcome::Review {
                reason: *reason,
                suggestion: suggestion.clone(),
                confidence: *confidence,
            },
            Some(*reason),
        ),
        Decision::Ignore { reason } => (EntryOutcome::Ignored { reason: *reason }, None),
    };
    let record = BankRecord {
        entry: entry.clone(),
        account: own.to_string(),
        format,
        imported_at: ctx.now,
        imported_by: ctx.actor.clone(),
        outcome: outcome.clone(),
        waiting,
    };
    let Decision::Apply {
        allocations,
        held_minor,
        rule,
        confidence,
    } = &decision
    else {
        let write = EntryWrite {
            record: &record,
            invoices: &[],
            dunning_version: None,
            events: &[],
            messages: &[],
        };
        return Ok(match store.record_bank_entry(write).await? {
            EntryOutcomeWrite::Recorded => Step::Done {
                outcome,
                messages: Vec::new(),
                settled: 0,
                written: Vec::new(),
            },
            EntryOutcomeWrite::AlreadyImported | EntryOutcomeWrite::Moved => Step::Already,
        });
    };
    let customer = allocations
        .first()
        .map(|a| a.customer.clone())
        .ok_or_else(|| BankError::Refused("a payment decision pays no invoice".into()))?;
    let Some(book) = books.get(&customer) else {
        return Ok(Step::Moved(customer));
    };
    let dunning = store.get_dunning(&customer).await?;
    if patient && reminder_in_flight(store, &customer, &dunning.value, ctx.now).await? {
        return Ok(Step::InFlight);
    }
    let source = Source {
        entry,
        format,
        rule: *rule,
        confidence: *confidence,
        held_minor: *held_minor,
    };
    let Ok(paid) = payments(book, allocations, &source, Some(&dunning.value), ctx) else {
        // The invoices moved under the ledger (paid by hand meanwhile).
        return Ok(Step::Moved(customer));
    };
    let invoices: Vec<(&Invoice, u64)> = paid.invoices.iter().map(|(i, v)| (i, *v)).collect();
    let write = EntryWrite {
        record: &record,
        invoices: &invoices,
        dunning_version: Some(dunning.version),
        events: &paid.events,
        messages: &paid.thanks,
    };
    Ok(match store.record_bank_entry(write).await? {
        EntryOutcomeWrite::Recorded => Step::Done {
            outcome,
            messages: paid.thanks.iter().map(|m| (customer.clone(), m.id)).collect(),
            settled: paid.settled,
            written: paid.invoices,
        },
        EntryOutcomeWrite::AlreadyImported => Step::Already,
        EntryOutcomeWrite::Moved => Step::Moved(customer),
    })
}

/// A payment the card provider reported: which payment (its id, the
/// same in every event about it), which invoice it was for (the checkout's
/// metadata), how much, when.
#[derive(Debug, Clone)]
pub struct CardPayment {
    pub payment_id: String,
    pub customer: CustomerId,
    pub number: InvoiceNumber,
    pub amount_minor: i64,
    pub currency: String,
    pub paid_on: NaiveDate,
}

/// What recording a card payment did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CardOutcome {
    /// Recorded on its invoice (what it paid beyond it is held).
    Recorded,
    /// This payment was recorded before: by another event about it, or
    /// this very event delivered again.
    AlreadyRecorded,
    /// Its invoice is not open any more: the money is held for the
    /// customer and waits in the review queue.
    Held,
}

/// Records a card payment exactly as a bank entry matched with certainty
/// (rule `card_provider`, confidence 100): once per payment id, whichever
/// of its events arrives and however often; thanks and dunning follow. The
/// bank's later payout of it is recognised by `[bank] payout_names`.
pub async fn record_card_payment(
    store: &Store,
    payment: &CardPayment,
    ctx: Call<'_>,
) -> Result<(CardOutcome, Vec<(CustomerId, ulid::Ulid)>), BankError> {
    let account = crate::card::PROVIDER_ACCOUNT;
    let entry = BankEntry {
        id: Some(EntryId::reference(account, &payment.payment_id)),
        fingerprint: Some(EntryId::reference("stripe payment", &payment.payment_id)),
        bank_reference: Some(payment.payment_id.clone()),
        booked_on: payment.paid_on,
        credit: true,
        amount_minor: payment.amount_minor,
        currency: payment.currency.to_uppercase(),
        remittance: vec![format!("{} {}", payment.payment_id, payment.number)],
        debtor_name: None,
        debtor_iban: None,
        position: payment.payment_id.clone(),
    };
    let mut retry = Retry::contention();
    loop {
        let Some(book) = read_book(store, &payment.customer).await? else {
            return Err(BankError::Refused(format!("no customer {}", payment.customer)));
        };
        let owed = book
            .invoices
            .iter()
            .find(|i| i.value.number == payment.number)
            .filter(|i| i.value.status == InvoiceStatus::Open && i.value.currency.code() == entry.currency)
            .map_or(0, |i| i.value.remaining_minor());
        let paid = payment.amount_minor.min(owed);
        let allocations: Vec<Allocation> = (paid > 0)
            .then(|| Allocation {
                customer: payment.customer.clone(),
                number: payment.number.clone(),
                amount_minor: paid,
            })
            .into_iter()
            .collect();
        let held_minor = payment.amount_minor - paid;
        let outcome = if allocations.is_empty() {
            EntryOutcome::Review {
                reason: ReviewReason::Overpaid,
                suggestion: Vec::new(),
                confidence: 100,
            }
        } else {
            EntryOutcome::Applied {
                allocations: allocations.clone(),
                held_minor,
                rule: Rule::CardProvider,
                confidence: 100,
            }
        };
        let record = BankRecord {
            entry: entry.clone(),
            account: account.into(),
            format: StatementFormat::Stripe,
            imported_at: ctx.now,
            imported_by: ctx.actor.clone(),
            outcome,
            waiting: (held_minor > 0).then_some(ReviewReason::Overpaid),
        };
        let dunning = store.get_dunning(&payment.customer).await?;
        if reminder_in_flight(store, &payment.customer, &dunning.value, ctx.now).await? {
            retry.again().await.map_err(|_| BankError::Busy)?;
            continue;
        }
        let source = Source {
            entry: &entry,
            format: StatementFormat::Stripe,
            rule: Rule::CardProvider,
            confidence: 100,
            held_minor,
        };
        let written = if allocations.is_empty() {
            None
        } else {
            Some(payments(&book, &allocations, &source, Some(&dunning.value), ctx).map_err(BankError::Refused)?)
        };
        let invoices: Vec<(&Invoice, u64)> = written
            .as_ref()
            .map(|p| p.invoices.iter().map(|(i, v)| (i, *v)).collect())
            .unwrap_or_default();
        let write = EntryWrite {
            record: &record,
            invoices: &invoices,
            dunning_version: written.as_ref().map(|_| dunning.version),
            events: written.as_ref().map_or(&[][..], |p| &p.events),
            messages: written.as_ref().map_or(&[][..], |p| &p.thanks),
        };
        match store.record_bank_entry(write).await? {
            EntryOutcomeWrite::Recorded => {
                let thanks = written
                    .map(|p| p.thanks.iter().map(|m| (payment.customer.clone(), m.id)).collect())
                    .unwrap_or_default();
                let outcome = if held_minor > 0 && paid == 0 {
                    CardOutcome::Held
                } else {
                    CardOutcome::Recorded
                };
                return Ok((outcome, thanks));
            }
            EntryOutcomeWrite::AlreadyImported => return Ok((CardOutcome::AlreadyRecorded, Vec::new())),
            EntryOutcomeWrite::Moved => retry.again().await.map_err(|_| BankError::Busy)?,
        }
    }
}

/// The entries waiting for a person.
pub async fn review_queue(store: &Store) -> Result<Vec<Versioned<BankRecord>>, BankError> {
    Ok(store.review_queue().await?)
}

/// A person's decision on an entry: the invoices it pays (of one
/// customer), or none — "not a customer payment".
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The invoices the entry pays and how much each.
    #[serde(default)]
    pub allocations: Vec<AssignedInvoice>,
    /// The entry is not a customer's payment (a refund received, a
    /// transfer between the company's accounts…).
    #[serde(default)]
    pub not_a_customer_payment: bool,
    /// Why, in a few words, for the history.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignedInvoice {
    pub customer_id: String,
    pub number: String,
    pub amount_minor: i64,
}

/// What an assignment asks, checked on its own.
fn check_assignment(input: &Assignment, entry: &BankEntry, available: i64) -> Result<Vec<Allocation>, BankError> {
    let mut p = crate::domain::validation::Problems::default();
    if input.not_a_customer_payment && !input.allocations.is_empty() {
        p.push("allocations", "must be empty when not_a_customer_payment is true");
    }
    if !input.not_a_customer_payment && input.allocations.is_empty() {
        p.push(
            "allocations",
            "name at least one invoice, or set not_a_customer_payment to true",
        );
    }
    if let Some(note) = &input.note {
        p.check("note", crate::domain::validation::text(note, 200));
    }
    let mut out = Vec::new();
    for (i, a) in input.allocations.iter().enumerate() {
        let customer = p.check(
            format!("allocations[{i}].customer_id"),
            CustomerId::parse(&a.customer_id),
        );
        let number = p.check(format!("allocations[{i}].number"), InvoiceNumber::parse(&a.number));
        if a.amount_minor <= 0 {
            p.push(format!("allocations[{i}].amount_minor"), "must be greater than zero");
        }
        if let (Some(customer), Some(number)) = (customer, number) {
            out.push(Allocation {
                customer,
                number,
                amount_minor: a.amount_minor,
            });
        }
    }
    let mut customers: Vec<&CustomerId> = out.iter().map(|a| &a.customer).collect();
    customers.sort();
    customers.dedup();
    if customers.len() > 1 {
        p.push("allocations", "one entry pays the invoices of one customer");
    }
    let total = out.iter().try_fold(0i64, |acc, a| acc.checked_add(a.amount_minor));
    if !entry.credit && !out.is_empty() {
        p.push("allocations", "this entry is money going out: it pays no invoice");
    }
    p.into_result(|| Some(())).map_err(BankError::Invalid)?;
    match total {
        Some(total) if total <= available => Ok(out),
        _ => Err(BankError::Refused(format!(
            "the allocations add up to more than the entry left to assign ({available} in minor units)"
        ))),
    }
}

/// Records a person's decision on an entry waiting for review.
pub async fn assign(
    store: &Store,
    id: &EntryId,
    input: &Assignment,
    ctx: Call<'_>,
) -> Result<(BankRecord, Vec<(CustomerId, ulid::Ulid)>), BankError> {
    let mut retry = Retry::contention();
    loop {
        let Versioned { value: record, version } = store.bank_entry(id).await?.ok_or(BankError::UnknownEntry)?;
        if record.waiting.is_none() {
            return Err(BankError::Refused(
                "this entry is not waiting for review: it was applied, ignored or assigned already".into(),
            ));
        }
        // An overpaid entry paid its invoices already: only what is held
        // is left to assign.
        let available = match &record.outcome {
            EntryOutcome::Applied { held_minor, .. } => *held_minor,
            _ => record.entry.amount_minor,
        };
        let allocations = check_assignment(input, &record.entry, available)?;
        let assigned: i64 = allocations.iter().map(|a| a.amount_minor).sum();
        let mut resolved = record.clone();
        resolved.waiting = None;
        resolved.outcome = EntryOutcome::Resolved {
            allocations: allocations.clone(),
            held_minor: if input.not_a_customer_payment {
                0
            } else {
                available - assigned
            },
            by: ctx.actor.clone(),
            resolved_at: ctx.now,
            note: input.note.clone(),
        };
        let Some(customer) = allocations.first().map(|a| a.customer.clone()) else {
            match store
                .resolve_bank_entry((&resolved, version), &[], None, &[], &[])
                .await?
            {
                TxOutcome::Committed => return Ok((resolved, Vec::new())),
                _ => {
                    retry.again().await.map_err(|_| BankError::Busy)?;
                    continue;
                }
            }
        };
        let book = read_book(store, &customer)
            .await?
            .ok_or_else(|| BankError::Refused(format!("no customer {customer}")))?;
        let dunning = store.get_dunning(&customer).await?;
        let source = Source {
            entry: &record.entry,
            format: record.format,
            rule: Rule::Assigned,
            confidence: 100,
            held_minor: available - assigned,
        };
        let paid = payments(&book, &allocations, &source, Some(&dunning.value), ctx).map_err(BankError::Refused)?;
        let invoices: Vec<(&Invoice, u64)> = paid.invoices.iter().map(|(i, v)| (i, *v)).collect();
        match store
            .resolve_bank_entry(
                (&resolved, version),
                &invoices,
                Some(dunning.version),
                &paid.events,
                &paid.thanks,
            )
            .await?
        {
            TxOutcome::Committed => {
                let thanks = paid.thanks.iter().map(|m| (customer.clone(), m.id)).collect();
                return Ok((resolved, thanks));
            }
            _ => retry.again().await.map_err(|_| BankError::Busy)?,
        }
    }
}
