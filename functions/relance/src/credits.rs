//! The finance use cases on goodwill credits: quote, grant (or request
//! approval), approve, cancel, list, and the follow-up some days later.
//!
//! A credit's amount is the policy's proposal (finance may grant less,
//! never more). Granting takes the next credit-note number, the month's
//! budget and the customer's yearly allowance in one transaction whose
//! conditions keep the caps, whatever runs at the same time.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use ulid::Ulid;

use crate::context::{Call, IssueGate};
use crate::domain::credit::{CheckedCredit, Credit, CreditRefused, Grant, LeftToCredit, already_credited, fits};
pub use crate::domain::credit::{CorrectionInput, CreditInput, Room, WORDS_MAX_CHARS};
use crate::domain::facts::customer_facts;
use crate::domain::goodwill::{GoodwillFacts, GoodwillPolicy, Severity, Situation};
use crate::domain::numbering;
use crate::domain::{Currency, Customer, CustomerId, FieldError, Invoice, InvoiceNumber, Locale, Seller};
use crate::replay::{Answer, ReplayError, first_answer};
use crate::retry::Retry;
use crate::store::{
    CorrectionWrite, CreditCaps, GrantOutcome, GrantWrite, IdempotencyWrite, Store, StoreError, TxOutcome, Versioned,
};

const GRANT_SCOPE: &str = "grant_credit";
const CORRECT_SCOPE: &str = "correct_invoice";

#[derive(Debug, thiserror::Error)]
pub enum CreditError {
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    #[error("no such customer")]
    UnknownCustomer,
    #[error("no such credit")]
    UnknownCredit,
    #[error("no such invoice")]
    UnknownInvoice,
    #[error("this Idempotency-Key was already used with a different request")]
    KeyReused,
    /// A cap cannot take the credit; says what is left.
    #[error("{cap} leaves {remaining} ({remaining_minor} minor units); the credit needs {needed}")]
    OverCap {
        cap: &'static str,
        remaining_minor: i64,
        remaining: String,
        needed: String,
    },
    #[error("the person who requested a credit cannot approve it; another person must")]
    SameApprover,
    #[error("{0}")]
    Conflict(String),
    #[error("too many concurrent changes; try again")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not encode the answer: {0}")]
    Encode(#[source] serde_json::Error),
}

fn invalid(field: &str, reason: impl Into<String>) -> CreditError {
    CreditError::Invalid(vec![FieldError::new(field, reason)])
}

impl From<CreditRefused> for CreditError {
    fn from(refused: CreditRefused) -> Self {
        match refused {
            CreditRefused::Fields(fields) => CreditError::Invalid(fields),
            CreditRefused::OverCap { cap, remaining, needed } => CreditError::OverCap {
                cap,
                remaining_minor: remaining.minor,
                remaining: remaining.format(Locale::En),
                needed: needed.format(Locale::En),
            },
            CreditRefused::SameApprover => CreditError::SameApprover,
            CreditRefused::Conflict(reason) => CreditError::Conflict(reason),
        }
    }
}

/// What the policy proposes, with its reasons and the caps: nothing is
/// written.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    pub customer_id: CustomerId,
    pub situation: Situation,
    pub severity: Option<Severity>,
    pub invoice: InvoiceNumber,
    pub currency: Currency,
    pub proposed_net_minor: i64,
    pub reasons: Vec<String>,
    pub net_minor: i64,
    pub vat_minor: i64,
    pub gross_minor: i64,
    pub needs_approval: bool,
    pub month_budget: Room,
    pub customer_year: Room,
    /// Whether both caps can take it now.
    pub fits: bool,
}

/// A validated request: the customer, the invoice, and the credit it
/// would become.
struct Prepared {
    customer: Customer,
    credit: Credit,
}

pub struct CreditContext<'a> {
    pub store: &'a Store,
    pub policy: &'a GoodwillPolicy,
    pub gate: &'a IssueGate,
    pub seller: &'a Seller,
    /// The credit-note series prefix; the year is appended (`AV2026`).
    pub series_prefix: &'a str,
}

fn month_of(day: NaiveDate) -> (i32, u32) {
    (day.year(), day.month())
}

impl CreditContext<'_> {
    async fn rooms(&self, customer: &CustomerId, today: NaiveDate) -> Result<(Room, Room), StoreError> {
        let (year, month) = month_of(today);
        let month_spent = self.store.spending(&format!("{year}-{month:02}")).await?;
        let customer_spent = self.store.customer_spending(customer, year).await?;
        Ok((
            Room::new(self.policy.caps.monthly_budget_minor, month_spent.spent_minor),
            Room::new(self.policy.caps.per_customer_year_max_minor, customer_spent.spent_minor),
        ))
    }

    /// The series' last position and the number that follows it, dated
    /// `today` (numbering is chronological). Read under the gate; the
    /// transaction's condition on the position keeps it gap-free.
    async fn next_number(&self, series: &str, today: NaiveDate) -> Result<(u64, InvoiceNumber), CreditError> {
        let (position, last_date) = self.store.sequence_state(series).await?;
        let number = numbering::next_number(series, position, last_date, today).map_err(|_| {
            CreditError::Conflict(format!(
                "the last credit note of series {series} is dated after today; numbering is chronological"
            ))
        })?;
        Ok((position, number))
    }

    /// Whether both caps, read now, can take `net_minor`.
    async fn check_rooms(&self, customer: &CustomerId, today: NaiveDate, net_minor: i64) -> Result<(), CreditError> {
        let (month, year) = self.rooms(customer, today).await?;
        Ok(fits(&month, &year, net_minor, self.policy.currency)?)
    }

    /// Reads what the policy needs (the customer, the invoice, earlier
    /// credits on it, the history) and makes the request a credit with the
    /// policy's proposal.
    async fn prepare(
        &self,
        customer_id: &CustomerId,
        input: &CreditInput,
        call: &Call<'_>,
    ) -> Result<Prepared, CreditError> {
        let checked: CheckedCredit = input
            .check(&self.policy.caps, self.policy.currency)
            .map_err(CreditError::Invalid)?;
        let customer = self
            .store
            .get_customer(customer_id)
            .await?
            .ok_or(CreditError::UnknownCustomer)?
            .value;
        let number = &checked.invoice;
        let invoice: Invoice = self
            .store
            .get_invoice(customer_id, number)
            .await?
            .ok_or_else(|| invalid("invoice", format!("{number} is not an invoice of this customer")))?
            .value;
        if invoice.currency != self.policy.currency {
            return Err(invalid(
                "invoice",
                format!(
                    "is in {}; goodwill credits follow the policy's currency ({})",
                    invoice.currency, self.policy.currency
                ),
            ));
        }
        let earlier = self.store.customer_credits(customer_id).await?;
        let history = self.store.full_history(customer_id).await?;
        let facts = customer_facts(&customer, &history, call.today);
        let proposal = self
            .policy
            .propose(&GoodwillFacts {
                situation: checked.situation,
                severity: checked.severity,
                invoice_net_minor: invoice.totals.net_minor,
                already_credited_minor: already_credited(earlier.iter().map(|c| &c.value), number),
                revenue_12m_minor: facts.revenue_12m_in(self.policy.currency.code()),
                tenure_years: facts.tenure_years,
            })
            .map_err(|e| invalid(e.field, e.reason))?;
        let id = crate::domain::ids::ulid_at(call.now).to_string();
        let credit = checked.into_credit(id, &invoice, proposal, call.actor, call.now)?;
        Ok(Prepared { customer, credit })
    }

    /// The proposal for a situation, with its reasons and the caps.
    pub async fn quote(
        &self,
        customer: &CustomerId,
        input: &CreditInput,
        call: &Call<'_>,
    ) -> Result<Quote, CreditError> {
        let Prepared { credit, .. } = self.prepare(customer, input, call).await?;
        let (month_budget, customer_year) = self.rooms(customer, call.today).await?;
        Ok(Quote {
            customer_id: customer.clone(),
            situation: credit.situation,
            severity: credit.severity,
            invoice: credit.invoice,
            currency: credit.currency,
            proposed_net_minor: credit.proposed_net_minor,
            reasons: credit.reasons,
            net_minor: credit.net_minor,
            vat_minor: credit.vat_minor,
            gross_minor: credit.gross_minor,
            needs_approval: self.policy.needs_approval(credit.net_minor),
            fits: credit.net_minor <= month_budget.remaining_minor && credit.net_minor <= customer_year.remaining_minor,
            month_budget,
            customer_year,
        })
    }

    /// Grants a credit, or records the request when it needs a second
    /// person's approval (202). Idempotent: the same key and body answer
    /// the first answer again and create nothing.
    pub async fn request(
        &self,
        customer_id: &CustomerId,
        input: &CreditInput,
        key: &str,
        hash: &str,
        call: &Call<'_>,
    ) -> Result<(Answer, Option<(CustomerId, Ulid)>), CreditError> {
        if let Some(answer) = self.replay(GRANT_SCOPE, key, hash, call.now).await? {
            return Ok((answer, None));
        }
        let Prepared { customer, mut credit } = self.prepare(customer_id, input, call).await?;
        self.check_rooms(customer_id, call.today, credit.net_minor).await?;
        if !self.policy.needs_approval(credit.net_minor) {
            return self.grant(&customer, &mut credit, None, Some((key, hash)), call).await;
        }
        let body = serde_json::to_string(&credit).map_err(CreditError::Encode)?;
        let idem = IdempotencyWrite::new(GRANT_SCOPE, key, hash, 202, body.clone(), call.now);
        match self
            .store
            .request_credit(&credit, &[credit.requested_event()], &idem, call.now)
            .await?
        {
            TxOutcome::Committed => Ok((Answer::first(202, body), None)),
            _ => match self.replay(GRANT_SCOPE, key, hash, call.now).await? {
                Some(answer) => Ok((answer, None)),
                None => Err(CreditError::Busy),
            },
        }
    }

    async fn replay(
        &self,
        scope: &str,
        key: &str,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Answer>, CreditError> {
        first_answer(self.store, scope, key, hash, now)
            .await
            .map_err(|e| match e {
                ReplayError::KeyReused => CreditError::KeyReused,
                ReplayError::Store(e) => CreditError::Store(e),
            })
    }

    /// Turns a credit into a credit note and commits it with the caps:
    /// the next number of the series, under the gate, with another try
    /// when a concurrent grant took the number or the caps' room.
    async fn grant(
        &self,
        customer: &Customer,
        credit: &mut Credit,
        version: Option<u64>,
        idempotency: Option<(&str, &str)>,
        call: &Call<'_>,
    ) -> Result<(Answer, Option<(CustomerId, Ulid)>), CreditError> {
        let series = numbering::series(self.series_prefix, call.today);
        let mut retry = Retry::contention();
        loop {
            let turn = self.gate.0.lock().await;
            let (position, number) = self.next_number(&series, call.today).await?;
            let (message, event) = credit.grant(Grant {
                number,
                today: call.today,
                now: call.now,
                seller: self.seller,
                buyer: customer,
                follow_up_days: self.policy.follow_up.days,
                by: call.actor,
            });
            let body = serde_json::to_string(&credit).map_err(CreditError::Encode)?;
            let idem = idempotency
                .map(|(key, hash)| IdempotencyWrite::new(GRANT_SCOPE, key, hash, 201, body.clone(), call.now));
            let write = GrantWrite {
                credit,
                version,
                series: &series,
                position: position + 1,
                issue_date: call.today,
                caps: CreditCaps {
                    month: month_of(call.today),
                    monthly_budget_minor: self.policy.caps.monthly_budget_minor,
                    customer_year_max_minor: self.policy.caps.per_customer_year_max_minor,
                },
                events: std::slice::from_ref(&event),
                message: &message,
                idempotency: idem.as_ref(),
            };
            let outcome = self.store.grant_credit(write, call.now).await?;
            drop(turn);
            match outcome {
                GrantOutcome::Granted => {
                    tracing::info!(credit = %credit.id, number = credit.number.as_ref().map_or("", InvoiceNumber::as_str), customer = %customer.id, attempts = retry.attempts(), "credit granted");
                    let status = if version.is_some() { 200 } else { 201 };
                    return Ok((Answer::first(status, body), Some((customer.id.clone(), message.id))));
                }
                // The caps had room when re-read: a concurrent grant
                // failed meanwhile. Try again.
                GrantOutcome::OverBudget | GrantOutcome::OverCustomerCap => {
                    self.check_rooms(&customer.id, call.today, credit.net_minor).await?;
                }
                GrantOutcome::KeyAlreadyUsed => {
                    if let Some((key, hash)) = idempotency
                        && let Some(answer) = self.replay(GRANT_SCOPE, key, hash, call.now).await?
                    {
                        return Ok((answer, None));
                    }
                }
                GrantOutcome::Retry => {}
            }
            retry.again().await.map_err(|_| CreditError::Busy)?;
            if version.is_some() {
                // An approval re-reads the request: someone may have
                // cancelled or approved it meanwhile.
                self.pending(&customer.id, &credit.id).await?;
            }
        }
    }

    /// Corrects an issued invoice by a credit note (in full, by lines, or
    /// by an amount): the note takes the next number of the credit-note
    /// series and what it credits comes off what the invoice owes, in one
    /// transaction with the invoice at the version read. A concurrent
    /// correction, payment or number makes it read everything again and
    /// decide anew, so two corrections can never credit more than the
    /// invoice. Idempotent by key and body (201, then the same answer).
    pub async fn correct(
        &self,
        customer_id: &CustomerId,
        number: &InvoiceNumber,
        input: &CorrectionInput,
        key: &str,
        hash: &str,
        call: &Call<'_>,
    ) -> Result<(Answer, Option<(CustomerId, Ulid)>), CreditError> {
        if let Some(answer) = self.replay(CORRECT_SCOPE, key, hash, call.now).await? {
            return Ok((answer, None));
        }
        let checked = input.check().map_err(CreditError::Invalid)?;
        let customer = self
            .store
            .get_customer(customer_id)
            .await?
            .ok_or(CreditError::UnknownCustomer)?
            .value;
        let series = numbering::series(self.series_prefix, call.today);
        let mut retry = Retry::contention();
        loop {
            let Versioned {
                value: mut invoice,
                version,
            } = self
                .store
                .get_invoice(customer_id, number)
                .await?
                .ok_or(CreditError::UnknownInvoice)?;
            let earlier = self.store.customer_credits(customer_id).await?;
            let left = LeftToCredit::of(&invoice, earlier.iter().map(|c| &c.value));
            let taken = checked.take(&invoice, &left)?;
            let id = crate::domain::ids::ulid_at(call.now).to_string();
            let mut credit = checked.clone().into_credit(id, &invoice, taken, call.actor, call.now)?;
            let turn = self.gate.0.lock().await;
            let (position, note) = self.next_number(&series, call.today).await?;
            let (message, granted) = credit.grant(Grant {
                number: note,
                today: call.today,
                now: call.now,
                seller: self.seller,
                buyer: &customer,
                follow_up_days: 0,
                by: call.actor,
            });
            let corrected = credit.correct(&mut invoice, call.actor, call.now);
            let body = serde_json::to_string(&credit).map_err(CreditError::Encode)?;
            let idem = IdempotencyWrite::new(CORRECT_SCOPE, key, hash, 201, body.clone(), call.now);
            let events: Vec<_> = std::iter::once(granted).chain(corrected).collect();
            let outcome = self
                .store
                .correct_invoice(
                    CorrectionWrite {
                        credit: &credit,
                        invoice: (&invoice, version),
                        series: &series,
                        position: position + 1,
                        issue_date: call.today,
                        events: &events,
                        message: &message,
                        idempotency: &idem,
                    },
                    call.now,
                )
                .await?;
            drop(turn);
            match outcome {
                GrantOutcome::Granted => {
                    tracing::info!(credit = %credit.id, invoice = %number, customer = %customer.id, attempts = retry.attempts(), "invoice corrected");
                    return Ok((Answer::first(201, body), Some((customer.id.clone(), message.id))));
                }
                GrantOutcome::KeyAlreadyUsed => {
                    if let Some(answer) = self.replay(CORRECT_SCOPE, key, hash, call.now).await? {
                        return Ok((answer, None));
                    }
                }
                _ => {}
            }
            retry.again().await.map_err(|_| CreditError::Busy)?;
        }
    }

    /// A second person approves a pending credit: it becomes a credit note.
    pub async fn approve(
        &self,
        customer_id: &CustomerId,
        id: &str,
        call: &Call<'_>,
    ) -> Result<(Answer, Option<(CustomerId, Ulid)>), CreditError> {
        let Versioned {
            value: mut credit,
            version,
        } = self.pending(customer_id, id).await?;
        credit.approve(call.actor)?;
        let customer = self
            .store
            .get_customer(customer_id)
            .await?
            .ok_or(CreditError::UnknownCustomer)?
            .value;
        self.check_rooms(customer_id, call.today, credit.net_minor).await?;
        self.grant(&customer, &mut credit, Some(version), None, call).await
    }

    /// The credit, if it still waits for approval.
    async fn pending(&self, customer_id: &CustomerId, id: &str) -> Result<Versioned<Credit>, CreditError> {
        let found = self
            .store
            .get_credit(customer_id, id)
            .await?
            .ok_or(CreditError::UnknownCredit)?;
        found.value.check_pending()?;
        Ok(found)
    }

    /// Withdraws a request that waits for approval. A granted credit
    /// cannot be cancelled: its credit note is a legal document.
    pub async fn cancel(
        &self,
        customer_id: &CustomerId,
        id: &str,
        reason: &str,
        call: &Call<'_>,
    ) -> Result<Credit, CreditError> {
        let Versioned {
            value: mut credit,
            version,
        } = self
            .store
            .get_credit(customer_id, id)
            .await?
            .ok_or(CreditError::UnknownCredit)?;
        let event = credit.cancel(reason, call.actor, call.now)?;
        match self.store.update_credit(&credit, version, &[event]).await? {
            TxOutcome::Committed => Ok(credit),
            _ => Err(CreditError::Conflict(
                "the credit changed meanwhile (approved or cancelled); read it again".into(),
            )),
        }
    }

    /// The company's goodwill spending this month and this year.
    pub async fn portfolio(&self, today: NaiveDate) -> Result<Portfolio, StoreError> {
        let (year, month) = month_of(today);
        let this_month = self.store.spending(&format!("{year}-{month:02}")).await?;
        let this_year = self.store.spending(&year.to_string()).await?;
        Ok(Portfolio {
            currency: self.policy.currency,
            month: format!("{year}-{month:02}"),
            month_credits: this_month.credits,
            month_budget: Room::new(self.policy.caps.monthly_budget_minor, this_month.spent_minor),
            year,
            year_credits: this_year.credits,
            year_granted_minor: this_year.spent_minor,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Portfolio {
    pub currency: Currency,
    pub month: String,
    pub month_credits: u64,
    pub month_budget: Room,
    pub year: i32,
    pub year_credits: u64,
    pub year_granted_minor: i64,
}

/// Writes the follow-up event of every credit whose day has come (the
/// survey dispatcher decides whether to ask). Each credit's follow-up is
/// cleared in the same transaction as its event, so two passes cannot
/// both write it. Returns how many were written.
pub async fn follow_up_credits(store: &Store, today: NaiveDate, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let mut written = 0;
    for (customer, id) in store.due_follow_ups(today).await? {
        let Some(Versioned {
            value: mut credit,
            version,
        }) = store.get_credit(&customer, &id).await?
        else {
            continue;
        };
        let Some(event) = credit.take_follow_up(today, now) else {
            continue;
        };
        if let TxOutcome::Committed = store.update_credit(&credit, version, &[event]).await? {
            written += 1;
        }
    }
    Ok(written)
}
