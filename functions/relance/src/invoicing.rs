//! The finance use cases on invoices: issue, record a payment, open and
//! settle a dispute. Each validates, decides, and writes in one
//! transaction; retries are safe (idempotency keys, versions).

use crate::replay::{ReplayError, first_answer};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::context::{Call, IssueGate};
use crate::domain::credit::{Credit, apply_credits};
pub use crate::domain::invoice::{
    Arrangement, DisputeChange, DisputeInput, InstalmentInput, PaymentInput, PlanInput, PromiseInput, SettlementInput,
};
use crate::domain::invoice::{InvoiceRuleError, Refused};
use crate::domain::message::{Message, Purpose};
use crate::domain::numbering;
use crate::domain::{
    Actor, Customer, CustomerId, EventKind, FieldError, HistoryEvent, Invoice, InvoiceDraft, InvoiceInput,
    InvoiceNumber, Seller,
};
use crate::retry::Retry;
use crate::store::{IdempotencyWrite, IssueOutcome, IssueWrite, Store, StoreError, TxOutcome, Versioned};

#[derive(Debug, thiserror::Error)]
pub enum InvoicingError {
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    #[error("no such customer")]
    UnknownCustomer,
    #[error("no such invoice")]
    UnknownInvoice,
    #[error("this Idempotency-Key was already used with a different request")]
    KeyReused,
    #[error("{0}")]
    Rule(#[from] InvoiceRuleError),
    #[error("too many concurrent changes; try again")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not encode the answer: {0}")]
    Encode(#[source] serde_json::Error),
}

impl InvoicingError {
    fn field(field: &str, reason: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, reason)])
    }
}

pub use crate::replay::{Answer, request_hash};

/// An idempotency key: what clients put in `Idempotency-Key`.
pub fn parse_key(key: Option<&str>) -> Result<String, InvoicingError> {
    crate::replay::parse_key(key).map_err(|e| InvoicingError::Invalid(vec![e]))
}

impl From<Refused> for InvoicingError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Fields(fields) => InvoicingError::Invalid(fields),
            Refused::Rule(rule) => InvoicingError::Rule(rule),
        }
    }
}

impl From<ReplayError> for InvoicingError {
    fn from(err: ReplayError) -> Self {
        match err {
            ReplayError::KeyReused => InvoicingError::KeyReused,
            ReplayError::Store(e) => InvoicingError::Store(e),
        }
    }
}

/// What an issued invoice answers: the invoice and the email carrying it.
#[derive(Debug, Serialize, Deserialize)]
pub struct IssuedInvoice {
    #[serde(flatten)]
    pub invoice: Invoice,
}

pub struct IssueCommand<'a> {
    pub input: &'a InvoiceInput,
    pub idempotency_key: &'a str,
    pub request_hash: &'a str,
    pub actor: Actor,
    pub now: DateTime<Utc>,
    /// The business date of `now` in the company's time zone.
    pub today: NaiveDate,
}

/// The result of issuing: the answer, and the email to send now (none
/// when the answer is a replay).
pub struct Issued {
    pub answer: Answer,
    pub message: Option<(CustomerId, Ulid)>,
}

const ISSUE_SCOPE: &str = "issue_invoice";

pub async fn issue(
    store: &Store,
    gate: &IssueGate,
    seller: &Seller,
    series_prefix: &str,
    cmd: IssueCommand<'_>,
) -> Result<Issued, InvoicingError> {
    let draft = cmd
        .input
        .parse_under(seller.vat_regime, seller.vat_territory())
        .map_err(InvoicingError::Invalid)?;
    if draft.issue_date > cmd.today {
        return Err(InvoicingError::field(
            "issue_date",
            format!("must not be after today ({})", cmd.today),
        ));
    }
    let series = numbering::series(series_prefix, draft.issue_date);
    let mut retry = Retry::contention();
    let replayed = || first_answer(store, ISSUE_SCOPE, cmd.idempotency_key, cmd.request_hash, cmd.now);
    let replay = |answer| Issued { answer, message: None };
    if let Some(answer) = replayed().await? {
        return Ok(replay(answer));
    }
    let customer = store
        .get_customer(&draft.customer_id)
        .await?
        .ok_or(InvoicingError::UnknownCustomer)?
        .value;
    draft.check_buyer(&customer).map_err(InvoicingError::Invalid)?;
    loop {
        let turn = gate.0.lock().await;
        let (position, last_issue_date) = store.sequence_state(&series).await?;
        let number = numbering::next_number(&series, position, last_issue_date, draft.issue_date).map_err(|o| {
            InvoicingError::field(
                "issue_date",
                format!(
                    "numbering is chronological: the last invoice of series {series} is dated {}",
                    o.last
                ),
            )
        })?;
        let numbered = number_invoice(store, &draft, number.clone(), seller, &customer, &cmd).await?;
        let idempotency = IdempotencyWrite::new(
            ISSUE_SCOPE,
            cmd.idempotency_key,
            cmd.request_hash,
            201,
            numbered.body.clone(),
            cmd.now,
        );
        let credits: Vec<(&Credit, u64)> = numbered.credits.iter().map(|(c, version)| (c, *version)).collect();
        let write = numbered.write(&series, position + 1, &idempotency, &credits);
        let outcome = store.issue_invoice(write, cmd.now).await?;
        drop(turn);
        match outcome {
            IssueOutcome::Issued => {
                tracing::info!(invoice = %number, customer = %numbered.invoice.customer_id, attempts = retry.attempts(), "invoice issued");
                return Ok(Issued {
                    answer: Answer::first(201, numbered.body),
                    message: Some((numbered.invoice.customer_id, numbered.message.id)),
                });
            }
            // The same request committed first (a concurrent retry): answer
            // with what it answered.
            IssueOutcome::KeyAlreadyUsed => {
                if let Some(answer) = replayed().await? {
                    return Ok(replay(answer));
                }
            }
            IssueOutcome::NumberTaken => {}
        }
        retry.again().await.map_err(|_| InvoicingError::Busy)?;
    }
}

/// An invoice numbered and ready to commit, with everything written with it.
struct Numbered {
    invoice: Invoice,
    message: Message,
    /// The answer, as stored for replays.
    body: String,
    events: Vec<HistoryEvent>,
    /// The credits it deducts, as they will be, each with the version it
    /// was read at (so none is spent twice).
    credits: Vec<(Credit, u64)>,
}

impl Numbered {
    /// The one transaction that issues it: the number, the invoice, its
    /// events and email, the credits it deducts and the idempotency record.
    fn write<'a>(
        &'a self,
        series: &'a str,
        position: u64,
        idempotency: &'a IdempotencyWrite,
        credits: &'a [(&'a Credit, u64)],
    ) -> IssueWrite<'a> {
        IssueWrite {
            series,
            position,
            issue_date: self.invoice.issue_date,
            invoice: &self.invoice,
            events: &self.events,
            idempotency,
            message: &self.message,
            credits,
        }
    }
}

/// Gives the draft its number, its email and the open credit notes it
/// deducts, oldest first, and says what happened in events.
async fn number_invoice(
    store: &Store,
    draft: &InvoiceDraft,
    number: InvoiceNumber,
    seller: &Seller,
    customer: &Customer,
    cmd: &IssueCommand<'_>,
) -> Result<Numbered, InvoicingError> {
    let mut invoice = draft.clone().issue(
        number.clone(),
        seller.clone(),
        customer.clone(),
        cmd.now,
        cmd.actor.clone(),
    );
    let message = Message::new(
        invoice.customer_id.clone(),
        Purpose::Invoice { number: number.clone() },
        cmd.now,
    );
    invoice.email_message_id = Some(message.id);
    let open: Vec<Versioned<Credit>> = store
        .customer_credits(&invoice.customer_id)
        .await?
        .into_iter()
        .filter(|c| c.value.is_open())
        .collect();
    let mut credits: Vec<Credit> = open.iter().map(|c| c.value.clone()).collect();
    let applied = apply_credits(&mut invoice, &mut credits, cmd.now);
    let body = serde_json::to_string(&IssuedInvoice {
        invoice: invoice.clone(),
    })
    .map_err(InvoicingError::Encode)?;
    let event = |kind| HistoryEvent::new(invoice.customer_id.clone(), cmd.now, cmd.actor.clone(), kind);
    let mut events = vec![event(EventKind::InvoiceIssued {
        number: number.clone(),
        gross_minor: invoice.totals.gross_minor,
        currency: invoice.currency.to_string(),
        due_date: invoice.due_date,
    })];
    let mut deducted = Vec::with_capacity(applied.len());
    for (i, amount) in applied {
        let credit = &credits[i];
        if let Some(credit_number) = &credit.number {
            events.push(event(EventKind::CreditApplied {
                number: credit_number.clone(),
                invoice: number.clone(),
                amount_minor: amount,
                remaining_minor: credit.remaining_minor,
            }));
        }
        deducted.push((credit.clone(), open[i].version));
    }
    Ok(Numbered {
        invoice,
        message,
        body,
        events,
        credits: deducted,
    })
}

const PAYMENT_SCOPE: &str = "record_payment";

/// Records a payment. A full payment closes the invoice (it leaves the
/// open-invoices index) and writes `invoice_paid`.
pub async fn record_payment(
    store: &Store,
    customer: &CustomerId,
    number: &InvoiceNumber,
    input: &PaymentInput,
    key: &str,
    hash: &str,
    ctx: Call<'_>,
) -> Result<(Answer, Option<(CustomerId, Ulid)>), InvoicingError> {
    let checked = input.check(ctx.today).map_err(InvoicingError::Invalid)?;
    let mut retry = Retry::contention();
    loop {
        if let Some(answer) = first_answer(store, PAYMENT_SCOPE, key, hash, ctx.now).await? {
            return Ok((answer, None));
        }
        let Versioned {
            value: mut invoice,
            version,
        } = store
            .get_invoice(customer, number)
            .await?
            .ok_or(InvoicingError::UnknownInvoice)?;
        let (_, events) = invoice.take_payment(&checked, ctx.now, ctx.actor)?;
        // A customer who had been reminded and now pays is thanked, not
        // met with silence. Only a payment in full asks (one more read).
        let paid_in_full = invoice.remaining_minor() == 0;
        let dunning = if paid_in_full {
            Some(store.get_dunning(customer).await?)
        } else {
            None
        };
        let thanks = dunning
            .as_ref()
            .is_some_and(|d| d.value.stage_of(number).is_some())
            .then(|| Message::new(customer.clone(), Purpose::Thanks { number: number.clone() }, ctx.now));
        let body = serde_json::to_string(&invoice).map_err(InvoicingError::Encode)?;
        let idem = IdempotencyWrite::new(PAYMENT_SCOPE, key, hash, 200, body.clone(), ctx.now);
        let outcome = match &dunning {
            Some(d) => {
                store
                    .record_payment((&invoice, version), d.version, &events, thanks.as_ref(), &idem, ctx.now)
                    .await?
            }
            None => {
                store
                    .update_invoices(&[(&invoice, version)], &events, None, Some(&idem), ctx.now)
                    .await?
            }
        };
        match outcome {
            TxOutcome::Committed => {
                return Ok((Answer::first(200, body), thanks.map(|m| (customer.clone(), m.id))));
            }
            _ => retry.again().await.map_err(|_| InvoicingError::Busy)?,
        }
    }
}

/// Opens or settles a dispute on an invoice.
pub async fn change_dispute(
    store: &Store,
    customer: &CustomerId,
    number: &InvoiceNumber,
    change: DisputeChange,
    ctx: Call<'_>,
) -> Result<Invoice, InvoicingError> {
    change_invoice(store, customer, number, &ctx, |invoice| {
        Ok(invoice.change_dispute(&change, ctx.actor, ctx.now)?)
    })
    .await
}

/// Reads an invoice, lets `change` modify it and say what happened, and
/// saves both if nobody changed the invoice meanwhile — with a fresh read
/// and another try when someone did. Finance's changes to an invoice go
/// through here, so none is saved without its history event.
async fn change_invoice(
    store: &Store,
    customer: &CustomerId,
    number: &InvoiceNumber,
    ctx: &Call<'_>,
    mut change: impl FnMut(&mut Invoice) -> Result<EventKind, InvoicingError>,
) -> Result<Invoice, InvoicingError> {
    let mut retry = Retry::contention();
    loop {
        let Versioned {
            value: mut invoice,
            version,
        } = store
            .get_invoice(customer, number)
            .await?
            .ok_or(InvoicingError::UnknownInvoice)?;
        let kind = change(&mut invoice)?;
        let event = HistoryEvent::new(customer.clone(), ctx.now, ctx.actor.clone(), kind);
        match store.update_invoice(&invoice, version, &[event], None, ctx.now).await? {
            TxOutcome::Committed => return Ok(invoice),
            _ => retry.again().await.map_err(|_| InvoicingError::Busy)?,
        }
    }
}

/// Records a promise to pay or a payment plan on an open invoice.
pub async fn arrange(
    store: &Store,
    customer: &CustomerId,
    number: &InvoiceNumber,
    arrangement: Arrangement,
    ctx: Call<'_>,
) -> Result<Invoice, InvoicingError> {
    change_invoice(store, customer, number, &ctx, |invoice| {
        Ok(invoice.arrange(&arrangement, ctx.today)?)
    })
    .await
}
