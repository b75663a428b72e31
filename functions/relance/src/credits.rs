//! The finance use cases on goodwill credits: quote, grant (or request
//! approval), approve, cancel, list, and the follow-up some days later.
//!
//! A credit's amount is the policy's proposal (finance may grant less,
//! never more). Granting takes the next credit-note number, the month's
//! budget and the customer's yearly allowance in one transaction whose
//! conditions keep the caps, whatever runs at the same time.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::context::{Call, IssueGate};
use crate::domain::credit::{Cancellation, Credit, CreditStatus, Words, split_by_rate};
use crate::domain::facts::customer_facts;
use crate::domain::goodwill::{GoodwillFacts, GoodwillPolicy, Severity, Situation};
use crate::domain::message::{Message, Purpose};
use crate::domain::money::checked_sum;
use crate::domain::validation::{Problems, text};
use crate::domain::{
    Actor, Currency, Customer, CustomerId, EventKind, FieldError, HistoryEvent, Invoice, InvoiceNumber, Money, Seller,
};
use crate::replay::{Answer, ReplayError, first_answer};
use crate::retry::Retry;
use crate::store::{
    CreditCaps, GrantOutcome, GrantWrite, IdempotencyWrite, Spending, Store, StoreError, TxOutcome, Versioned,
};

/// The longest a person's words to the customer may be: a few sentences.
pub const WORDS_MAX_CHARS: usize = 600;

const GRANT_SCOPE: &str = "grant_credit";

#[derive(Debug, thiserror::Error)]
pub enum CreditError {
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    #[error("no such customer")]
    UnknownCustomer,
    #[error("no such credit")]
    UnknownCredit,
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

/// A credit as finance asks for it (quote and grant take the same body).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreditInput {
    pub situation: String,
    #[serde(default)]
    pub severity: Option<String>,
    /// The invoice the credit corrects (for thanks: the invoice it is
    /// attached to, usually the latest).
    pub invoice: String,
    /// For the customer, in their language: what happened (required for
    /// a repair) ...
    #[serde(default)]
    pub what_happened: Option<String>,
    /// ... and what was done about it (required for a repair).
    #[serde(default)]
    pub what_we_did: Option<String>,
    /// Less than the proposal, if finance decides so; never more.
    #[serde(default)]
    pub net_minor: Option<i64>,
}

/// Where a cap stands.
#[derive(Debug, Clone, Serialize)]
pub struct Room {
    pub cap_minor: i64,
    pub spent_minor: i64,
    pub remaining_minor: i64,
}

impl Room {
    fn new(cap: i64, spent: Spending) -> Self {
        Self {
            cap_minor: cap,
            spent_minor: spent.spent_minor,
            remaining_minor: (cap - spent.spent_minor).max(0),
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
    fn money(&self, minor: i64) -> String {
        Money::new(minor, self.policy.currency).format(crate::domain::Locale::En)
    }

    async fn rooms(&self, customer: &CustomerId, today: NaiveDate) -> Result<(Room, Room), StoreError> {
        let (year, month) = month_of(today);
        let month_spent = self.store.spending(&format!("{year}-{month:02}")).await?;
        let customer_spent = self.store.customer_spending(customer, year).await?;
        Ok((
            Room::new(self.policy.caps.monthly_budget_minor, month_spent),
            Room::new(self.policy.caps.per_customer_year_max_minor, customer_spent),
        ))
    }

    async fn prepare(
        &self,
        customer_id: &CustomerId,
        input: &CreditInput,
        call: &Call<'_>,
    ) -> Result<Prepared, CreditError> {
        let mut p = Problems::default();
        let situation = p.check("situation", Situation::parse(&input.situation));
        let severity = match input.severity.as_deref() {
            None => None,
            Some(s) => p.check("severity", Severity::parse(s)),
        };
        let number = p.check("invoice", InvoiceNumber::parse(input.invoice.trim()));
        let mut words = Words::default();
        for (field, value, slot) in [
            ("what_happened", &input.what_happened, &mut words.what_happened),
            ("what_we_did", &input.what_we_did, &mut words.what_we_did),
        ] {
            if let Some(v) = value {
                *slot = p.check(field, text(v, WORDS_MAX_CHARS));
            }
        }
        if let Some(situation) = situation.filter(|s| s.is_repair()) {
            // An apology says what went wrong and what was done; only a
            // person knows that, so the request must say it.
            for (field, value) in [
                ("what_happened", &input.what_happened),
                ("what_we_did", &input.what_we_did),
            ] {
                if value.is_none() {
                    p.push(
                        field,
                        format!(
                            "is required for a {}: the customer's email says it in your words",
                            situation.name().replace('_', " ")
                        ),
                    );
                }
            }
        }
        match input.net_minor {
            Some(n) if n <= 0 => p.push("net_minor", "must be greater than zero"),
            Some(n) if n > self.policy.caps.per_credit_max_minor => p.push(
                "net_minor",
                format!(
                    "is above the per-credit maximum ({})",
                    self.money(self.policy.caps.per_credit_max_minor)
                ),
            ),
            _ => {}
        }
        let (situation, number) = p
            .into_result(|| Some((situation?, number?)))
            .map_err(CreditError::Invalid)?;
        let customer = self
            .store
            .get_customer(customer_id)
            .await?
            .ok_or(CreditError::UnknownCustomer)?
            .value;
        let invoice: Invoice = self
            .store
            .get_invoice(customer_id, &number)
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
        let already_credited_minor = earlier
            .iter()
            .map(|c| &c.value)
            .filter(|c| c.invoice == number && c.status != CreditStatus::Cancelled)
            .map(|c| c.net_minor)
            .fold(0i64, i64::saturating_add);
        let history = self.store.full_history(customer_id).await?;
        let facts = customer_facts(&customer, &history, call.today);
        let proposal = self
            .policy
            .propose(&GoodwillFacts {
                situation,
                severity,
                invoice_net_minor: invoice.totals.net_minor,
                already_credited_minor,
                revenue_12m_minor: facts.revenue_12m_minor,
                tenure_years: facts.tenure_years,
            })
            .map_err(|e| invalid(e.field, e.reason))?;
        let net_minor = match input.net_minor {
            Some(n) if n > proposal.net_minor => {
                return Err(invalid(
                    "net_minor",
                    format!(
                        "must not exceed the policy's proposal ({}): the same situation gets the same gesture",
                        self.money(proposal.net_minor)
                    ),
                ));
            }
            Some(n) => n,
            None => proposal.net_minor,
        };
        let mut reasons = proposal.reasons;
        if net_minor < proposal.net_minor {
            reasons.push(format!("granted less than proposed: {}", self.money(net_minor)));
        }
        let by_rate = split_by_rate(net_minor, &invoice.totals.by_rate);
        // The net is at most the invoice's net (the policy's room), so these
        // sums stay far inside i64; checked all the same.
        let vat_minor = checked_sum(by_rate.iter().map(|r| r.vat_minor))
            .ok_or_else(|| invalid("net_minor", "is too large".to_string()))?;
        let credit = Credit {
            id: Ulid::new().to_string(),
            customer_id: customer_id.clone(),
            status: CreditStatus::PendingApproval,
            situation,
            severity,
            invoice: number,
            invoice_date: invoice.issue_date,
            currency: invoice.currency,
            proposed_net_minor: proposal.net_minor,
            reasons,
            net_minor,
            by_rate,
            vat_minor,
            gross_minor: net_minor
                .checked_add(vat_minor)
                .ok_or_else(|| invalid("net_minor", "is too large".to_string()))?,
            words,
            requested_by: call.actor.clone(),
            requested_at: call.now,
            approved_by: None,
            number: None,
            issue_date: None,
            granted_at: None,
            seller: None,
            buyer: None,
            remaining_minor: 0,
            applications: Vec::new(),
            cancelled: None,
            email_message_id: None,
            follow_up_on: None,
        };
        Ok(Prepared { customer, credit })
    }

    fn over_cap(&self, cap: &'static str, room: &Room, needed: i64) -> CreditError {
        CreditError::OverCap {
            cap,
            remaining_minor: room.remaining_minor,
            remaining: self.money(room.remaining_minor),
            needed: self.money(needed),
        }
    }

    fn check_rooms(&self, month: &Room, year: &Room, net: i64) -> Result<(), CreditError> {
        if net > year.remaining_minor {
            return Err(self.over_cap("the customer's yearly cap", year, net));
        }
        if net > month.remaining_minor {
            return Err(self.over_cap("this month's goodwill budget", month, net));
        }
        Ok(())
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
        if let Some(answer) = self.replay(key, hash, call.now).await? {
            return Ok((answer, None));
        }
        let Prepared { customer, mut credit } = self.prepare(customer_id, input, call).await?;
        let (month, year) = self.rooms(customer_id, call.today).await?;
        self.check_rooms(&month, &year, credit.net_minor)?;
        if self.policy.needs_approval(credit.net_minor) {
            let event = HistoryEvent::new(
                customer_id.clone(),
                call.now,
                call.actor.clone(),
                EventKind::CreditRequested {
                    credit_id: credit.id.clone(),
                    situation: credit.situation.name().into(),
                    severity: credit.severity.map(|s| s.name().into()),
                    invoice: credit.invoice.clone(),
                    net_minor: credit.net_minor,
                    currency: credit.currency.to_string(),
                },
            );
            let body = serde_json::to_string(&credit).map_err(CreditError::Encode)?;
            let idem = IdempotencyWrite::new(GRANT_SCOPE, key, hash, 202, body.clone(), call.now);
            return match self.store.request_credit(&credit, &[event], &idem, call.now).await? {
                TxOutcome::Committed => Ok((
                    Answer {
                        status: 202,
                        body,
                        replayed: false,
                    },
                    None,
                )),
                _ => match self.replay(key, hash, call.now).await? {
                    Some(answer) => Ok((answer, None)),
                    None => Err(CreditError::Busy),
                },
            };
        }
        self.grant(&customer, &mut credit, None, Some((key, hash)), call).await
    }

    async fn replay(&self, key: &str, hash: &str, now: DateTime<Utc>) -> Result<Option<Answer>, CreditError> {
        first_answer(self.store, GRANT_SCOPE, key, hash, now)
            .await
            .map_err(|e| match e {
                ReplayError::KeyReused => CreditError::KeyReused,
                ReplayError::Store(e) => CreditError::Store(e),
            })
    }

    /// Turns a credit into a credit note and commits it with the caps.
    async fn grant(
        &self,
        customer: &Customer,
        credit: &mut Credit,
        version: Option<u64>,
        idempotency: Option<(&str, &str)>,
        call: &Call<'_>,
    ) -> Result<(Answer, Option<(CustomerId, Ulid)>), CreditError> {
        let series = format!("{}{}", self.series_prefix, call.today.year());
        let mut retry = Retry::contention();
        loop {
            let turn = self.gate.0.lock().await;
            let (position, last_date) = self.store.sequence_state(&series).await?;
            if last_date.is_some_and(|last| last > call.today) {
                return Err(CreditError::Conflict(format!(
                    "the last credit note of series {series} is dated after today; numbering is chronological"
                )));
            }
            let number = InvoiceNumber::new(&series, position + 1);
            credit.status = CreditStatus::Granted;
            credit.number = Some(number.clone());
            credit.issue_date = Some(call.today);
            credit.granted_at = Some(call.now);
            credit.seller = Some(self.seller.clone());
            credit.buyer = Some(customer.clone());
            credit.remaining_minor = credit.gross_minor;
            credit.follow_up_on = Some(call.today + chrono::Days::new(u64::from(self.policy.follow_up.days)));
            let message = Message::new(
                customer.id.clone(),
                Purpose::Credit {
                    credit_id: credit.id.clone(),
                    number: number.clone(),
                },
                call.now,
            );
            credit.email_message_id = Some(message.id);
            let event = HistoryEvent::new(
                customer.id.clone(),
                call.now,
                call.actor.clone(),
                EventKind::CreditGranted {
                    credit_id: credit.id.clone(),
                    number: number.clone(),
                    situation: credit.situation.name().into(),
                    severity: credit.severity.map(|s| s.name().into()),
                    invoice: credit.invoice.clone(),
                    net_minor: credit.net_minor,
                    gross_minor: credit.gross_minor,
                    currency: credit.currency.to_string(),
                    approved_by: credit.approved_by.as_ref().map(|a| a.0.clone()),
                },
            );
            let body = serde_json::to_string(&credit).map_err(CreditError::Encode)?;
            let idem = idempotency
                .map(|(key, hash)| IdempotencyWrite::new(GRANT_SCOPE, key, hash, 201, body.clone(), call.now));
            let outcome = self
                .store
                .grant_credit(
                    GrantWrite {
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
                    },
                    call.now,
                )
                .await?;
            drop(turn);
            match outcome {
                GrantOutcome::Granted => {
                    tracing::info!(credit = %credit.id, %number, customer = %customer.id, attempts = retry.attempts(), "credit granted");
                    let status = if version.is_some() { 200 } else { 201 };
                    return Ok((
                        Answer {
                            status,
                            body,
                            replayed: false,
                        },
                        Some((customer.id.clone(), message.id)),
                    ));
                }
                GrantOutcome::OverBudget | GrantOutcome::OverCustomerCap => {
                    let (month, year) = self.rooms(&customer.id, call.today).await?;
                    self.check_rooms(&month, &year, credit.net_minor)?;
                    // The caps had room when re-read: a concurrent grant
                    // failed meanwhile. Try again.
                }
                GrantOutcome::KeyAlreadyUsed => {
                    if let Some((key, hash)) = idempotency
                        && let Some(answer) = self.replay(key, hash, call.now).await?
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
                let fresh = self
                    .store
                    .get_credit(&customer.id, &credit.id)
                    .await?
                    .ok_or(CreditError::UnknownCredit)?;
                if fresh.value.status != CreditStatus::PendingApproval {
                    return Err(CreditError::Conflict(format!(
                        "this credit is {} now",
                        status_name(fresh.value.status)
                    )));
                }
            }
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
        if &credit.requested_by == call.actor {
            return Err(CreditError::SameApprover);
        }
        let customer = self
            .store
            .get_customer(customer_id)
            .await?
            .ok_or(CreditError::UnknownCustomer)?
            .value;
        let (month, year) = self.rooms(customer_id, call.today).await?;
        self.check_rooms(&month, &year, credit.net_minor)?;
        credit.approved_by = Some(call.actor.clone());
        self.grant(&customer, &mut credit, Some(version), None, call).await
    }

    async fn pending(&self, customer_id: &CustomerId, id: &str) -> Result<Versioned<Credit>, CreditError> {
        let found = self
            .store
            .get_credit(customer_id, id)
            .await?
            .ok_or(CreditError::UnknownCredit)?;
        match found.value.status {
            CreditStatus::PendingApproval => Ok(found),
            CreditStatus::Granted => Err(CreditError::Conflict(format!(
                "this credit is already granted (credit note {}); a credit note is a legal document and stays",
                found.value.number.as_ref().map_or("", InvoiceNumber::as_str)
            ))),
            CreditStatus::Cancelled => Err(CreditError::Conflict("this credit was cancelled".into())),
        }
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
        let reason = text(reason, 300).map_err(|r| invalid("reason", r))?;
        let Versioned {
            value: mut credit,
            version,
        } = self.pending(customer_id, id).await?;
        credit.status = CreditStatus::Cancelled;
        credit.cancelled = Some(Cancellation {
            by: call.actor.clone(),
            at: call.now,
            reason: reason.clone(),
        });
        let event = HistoryEvent::new(
            customer_id.clone(),
            call.now,
            call.actor.clone(),
            EventKind::CreditCancelled {
                credit_id: credit.id.clone(),
                reason,
            },
        );
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
            month_budget: Room::new(self.policy.caps.monthly_budget_minor, this_month),
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

fn status_name(status: CreditStatus) -> &'static str {
    match status {
        CreditStatus::PendingApproval => "waiting for approval",
        CreditStatus::Granted => "granted",
        CreditStatus::Cancelled => "cancelled",
    }
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
        let (Some(number), Some(_)) = (credit.number.clone(), credit.follow_up_on.filter(|on| *on <= today)) else {
            continue;
        };
        credit.follow_up_on = None;
        let event = HistoryEvent::new(
            customer.clone(),
            now,
            Actor::system("scheduler"),
            EventKind::CreditFollowUpDue { number },
        );
        if let TxOutcome::Committed = store.update_credit(&credit, version, &[event]).await? {
            written += 1;
        }
    }
    Ok(written)
}
