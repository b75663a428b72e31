//! The reminder pass: finds open invoices through the sparse index, reads
//! each customer's dunning state and history (one Query), decides stage
//! and tone, claims the stages with the email in one conditional write per
//! customer, and sends one email per customer.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, NaiveDate, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::delivery::{Deliverer, DeliveryError, DeliveryOutcome, Known, Record};
use crate::domain::dunning::{Policy, Tone};
use crate::domain::dunning_state::{ClaimedStage, DunningState};
use crate::domain::facts::customer_facts;
use crate::domain::message::{Carried, Home, LEASE, Lane, Message, MessageStatus, NoticeRef, Purpose};
use crate::domain::notice::{formal_notice, reference as notice_reference};
use crate::domain::pass_plan::{Action, Reminder, Seen, Situation, plan};
use crate::domain::{Actor, Customer, CustomerId, EventKind, HistoryEvent, Invoice, InvoiceNumber};
use crate::mail::Mailer;
use crate::retry::Retry;
use crate::store::{Store, StoreError, TxOutcome, Versioned, keys};
use tracing::Instrument;

/// How often a customer is decided again after losing a claim (to the
/// other pass, or to a payment recorded meanwhile) before the pass leaves
/// them to the next one.
const CLAIM_ATTEMPTS: u32 = 3;

pub use crate::domain::pass_plan::Skip;

/// One reminder the pass sends (or, in a dry run, would send).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planned {
    pub customer_id: CustomerId,
    pub invoices: Vec<InvoiceNumber>,
    pub stage: String,
    pub tone: Tone,
    pub reason: String,
    /// Whether the customer gets an email (not at hand-off, not when the
    /// address is suppressed: finance is alerted instead).
    pub email: bool,
    /// The last stage: a person takes over.
    pub handoff: bool,
    /// The reference of the formal notice to pay it carries (a business
    /// customer's final notice), whose letter the archive draws.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PassSummary {
    pub as_of: Option<NaiveDate>,
    pub customers: usize,
    pub invoices_seen: usize,
    pub emails_sent: usize,
    /// Emails claimed but not sent yet (SES refused): the outbox retries them.
    pub emails_pending: usize,
    /// Emails from earlier passes sent at the start of this one.
    pub redelivered: usize,
    /// Of those, emails found in SENDING with an expired lease.
    pub stuck_sending: usize,
    pub handed_off: usize,
    /// Emails to the company's finance contact (hand-offs, bad addresses).
    pub finance_alerts: usize,
    /// Final notices with a formal notice to pay: claimed now, sent with
    /// the letter once the archive has stored it.
    pub formal_notices: usize,
    /// Help requests and unhappy answers still unanswered past their 48
    /// hours, told to the second person by this pass (each once ever).
    pub escalations: usize,
    pub by_stage: BTreeMap<String, usize>,
    pub by_tone: BTreeMap<String, usize>,
    pub skipped: BTreeMap<Skip, usize>,
    pub planned: Vec<Planned>,
    /// Set when the pass stopped at its deadline: run it again with this
    /// as `resume_after` to finish.
    pub resume_after: Option<CustomerId>,
}

impl PassSummary {
    /// Adds one customer's outcome. The list of reminders is kept only for
    /// a dry run (a preview); a real pass over 100,000 invoices keeps counts.
    fn merge(&mut self, other: CustomerOutcome, keep_plans: bool) {
        self.customers += 1;
        self.invoices_seen += other.invoices_seen;
        for (reason, n) in other.skipped {
            *self.skipped.entry(reason).or_default() += n;
        }
        if let Some(plan) = other.planned {
            if plan.handoff {
                self.handed_off += plan.invoices.len();
            } else if plan.email {
                *self.by_stage.entry(plan.stage.clone()).or_default() += plan.invoices.len();
                *self.by_tone.entry(plan.tone.name().to_string()).or_default() += 1;
            }
            if keep_plans {
                self.planned.push(plan);
            }
        }
        self.emails_sent += usize::from(other.sent);
        self.stuck_sending += usize::from(other.stuck);
        self.redelivered += usize::from(other.redelivered);
        self.finance_alerts += usize::from(other.alerted);
        self.emails_pending += usize::from(other.pending);
        self.formal_notices += usize::from(other.noticed);
    }
}

/// What the pass as of `as_of` would send, to whom, in which tone and why,
/// and what it would skip: a dry run, for readers that hold no mailer
/// (the console). It writes nothing and cannot send: its mailer refuses.
pub async fn preview(
    store: &Store,
    renderer: std::sync::Arc<crate::render::Renderer>,
    policy: &Policy,
    as_of: NaiveDate,
    now: DateTime<Utc>,
    window: Window,
) -> Result<PassSummary, PassError> {
    let deliverer = Deliverer {
        store: store.clone(),
        mailer: NeverSends,
        renderer,
        public_url: String::new(),
        link_ttl: chrono::Duration::zero(),
        reply_to: None,
    };
    let pace = Pace::new(1000);
    let pass = Pass {
        dry_run: true,
        concurrency: 8,
        deadline: Some(tokio::time::Instant::now() + window.budget),
        resume_after: window.after,
        ..Pass::new(store, &deliverer, policy, as_of, now, &pace)
    };
    pass.run().await
}

/// How much of the portfolio one preview covers: it starts after
/// `after` and stops when `budget` is spent, so a page answers in time
/// whatever the number of customers; the summary's `resume_after` says
/// where the next page continues.
pub struct Window {
    pub after: Option<CustomerId>,
    pub budget: std::time::Duration,
}

/// The mailer of a preview: a dry run never reaches it, and if it did,
/// nothing would go out.
struct NeverSends;

impl Mailer for NeverSends {
    async fn send(&self, _email: &crate::mail::OutgoingEmail) -> Result<String, crate::mail::SendError> {
        Err(crate::mail::SendError::Rejected("a preview sends nothing".into()))
    }
}

/// What a pass (or one invocation of a pass continued across several)
/// did, as it is kept for the console's "last passes": counts only, the
/// reasons by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassRecord {
    pub as_of: NaiveDate,
    /// When it finished.
    pub at: DateTime<Utc>,
    /// It continued a pass cut short by the Lambda time limit.
    #[serde(default)]
    pub continued: bool,
    /// It stopped at its time limit; another invocation goes on.
    #[serde(default)]
    pub cut_short: bool,
    pub customers: usize,
    pub invoices_seen: usize,
    pub emails_sent: usize,
    pub emails_pending: usize,
    pub redelivered: usize,
    pub handed_off: usize,
    pub finance_alerts: usize,
    pub formal_notices: usize,
    pub by_stage: BTreeMap<String, usize>,
    pub by_tone: BTreeMap<String, usize>,
    pub skipped: BTreeMap<String, usize>,
}

impl PassRecord {
    pub fn new(summary: &PassSummary, as_of: NaiveDate, at: DateTime<Utc>, continued: bool) -> Self {
        Self {
            as_of,
            at,
            continued,
            cut_short: summary.resume_after.is_some(),
            customers: summary.customers,
            invoices_seen: summary.invoices_seen,
            emails_sent: summary.emails_sent,
            emails_pending: summary.emails_pending,
            redelivered: summary.redelivered,
            handed_off: summary.handed_off,
            finance_alerts: summary.finance_alerts,
            formal_notices: summary.formal_notices,
            by_stage: summary.by_stage.clone(),
            by_tone: summary.by_tone.clone(),
            skipped: summary
                .skipped
                .iter()
                .map(|(reason, n)| (reason.name().to_string(), *n))
                .collect(),
        }
    }
}

#[derive(Default)]
struct CustomerOutcome {
    invoices_seen: usize,
    skipped: HashMap<Skip, usize>,
    planned: Option<Planned>,
    sent: bool,
    alerted: bool,
    pending: bool,
    /// A final notice queued for its formal notice's letter.
    noticed: bool,
    /// The customer's last reminder was found stuck in SENDING…
    stuck: bool,
    /// …and went out now.
    redelivered: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PassError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
}

/// Paces sends to the SES account's rate, and halves the pace when SES
/// says it is sending too fast (it recovers slowly as sends succeed).
pub struct Pace {
    next: tokio::sync::Mutex<tokio::time::Instant>,
    interval_us: std::sync::atomic::AtomicU64,
    floor_us: u64,
}

impl Pace {
    /// `per_second`: the account's maximum send rate (SES quotas page).
    pub fn new(per_second: u32) -> Self {
        let floor_us = 1_000_000 / u64::from(per_second.max(1));
        Self {
            next: tokio::sync::Mutex::new(tokio::time::Instant::now()),
            interval_us: std::sync::atomic::AtomicU64::new(floor_us),
            floor_us,
        }
    }

    /// Waits for this send's slot.
    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = tokio::time::Instant::now();
            let slot = (*next).max(now);
            let interval = self.interval_us.load(std::sync::atomic::Ordering::Relaxed);
            *next = slot + std::time::Duration::from_micros(interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    pub fn slow_down(&self) {
        use std::sync::atomic::Ordering;
        let _ = self
            .interval_us
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |i| Some((i * 2).min(5_000_000)));
        tracing::warn!(
            interval_ms = self.interval().as_millis(),
            "SES is throttling: sending more slowly"
        );
    }

    pub fn speed_up(&self) {
        use std::sync::atomic::Ordering;
        let floor = self.floor_us;
        let _ = self
            .interval_us
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |i| Some((i * 15 / 16).max(floor)));
    }

    /// The current gap between sends.
    pub fn interval(&self) -> std::time::Duration {
        std::time::Duration::from_micros(self.interval_us.load(std::sync::atomic::Ordering::Relaxed))
    }
}

pub struct Pass<'a, M> {
    pub store: &'a Store,
    pub deliverer: &'a Deliverer<M>,
    pub policy: &'a Policy,
    /// The date the pass runs as of (replayable).
    pub as_of: NaiveDate,
    /// The instant recorded on events and used for the contact budget.
    pub now: DateTime<Utc>,
    /// Only plan: write nothing, send nothing.
    pub dry_run: bool,
    /// How many customers are worked on at once.
    pub concurrency: usize,
    /// The SES send pace, shared by every send of the pass.
    pub pace: &'a Pace,
    /// Stop starting new customers after this instant (the Lambda time
    /// limit, less a margin).
    pub deadline: Option<tokio::time::Instant>,
    /// Continue a pass that stopped at its deadline.
    pub resume_after: Option<CustomerId>,
}

/// How many customers a scheduled pass works on at once.
pub const CONCURRENCY: usize = 16;

impl<'a, M> Pass<'a, M> {
    /// A pass that sends, for every due customer, `CONCURRENCY` at a time,
    /// with no deadline; change a field with `Pass { dry_run: true, ..pass }`.
    pub fn new(
        store: &'a Store,
        deliverer: &'a Deliverer<M>,
        policy: &'a Policy,
        as_of: NaiveDate,
        now: DateTime<Utc>,
        pace: &'a Pace,
    ) -> Self {
        Self {
            store,
            deliverer,
            policy,
            as_of,
            now,
            dry_run: false,
            concurrency: CONCURRENCY,
            pace,
            deadline: None,
            resume_after: None,
        }
    }
}

impl<M: Mailer> Pass<'_, M> {
    pub async fn run(&self) -> Result<PassSummary, PassError> {
        let mut summary = PassSummary {
            as_of: Some(self.as_of),
            ..Default::default()
        };
        if !self.policy.sends_on(self.as_of) {
            summary.skipped.insert(Skip::Weekend, 1);
            return Ok(summary);
        }
        if !self.dry_run {
            // Emails claimed by an earlier pass (or issued) that SES refused,
            // or whose sender died: sent now, once.
            let swept = self.deliverer.deliver_due(self.now).await?;
            summary.redelivered = swept.sent;
            summary.stuck_sending = swept.stuck;
        }
        // Everything due up to the first stage's lead time, from every shard.
        let until = self.as_of + Days::new(u64::try_from(self.policy.lead_days()).unwrap_or(0));
        let mut by_customer: BTreeMap<CustomerId, Vec<InvoiceNumber>> = BTreeMap::new();
        for shard in 0..keys::SHARDS {
            for (customer, number) in self.store.open_invoice_keys(shard, until).await? {
                by_customer.entry(customer).or_default().push(number);
            }
        }
        // Customers in key order, so a pass cut short by its deadline can
        // say exactly where the next invocation resumes.
        if let Some(after) = &self.resume_after {
            by_customer = by_customer.split_off(after);
            by_customer.remove(after);
        }
        let last_started = std::sync::Mutex::new(None::<CustomerId>);
        let deadline = self.deadline;
        let started = std::sync::atomic::AtomicUsize::new(0);
        let stopped = std::sync::atomic::AtomicBool::new(false);
        let work = futures::stream::iter(by_customer)
            // Each invocation works on at least one customer, so a chain of
            // invocations always finishes.
            .take_while(|_| {
                let go = started.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0
                    || deadline.is_none_or(|d| tokio::time::Instant::now() < d);
                if !go {
                    stopped.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                std::future::ready(go)
            })
            .map(|(customer, numbers)| {
                if let Ok(mut last) = last_started.lock() {
                    *last = Some(customer.clone());
                }
                // Every line logged for this customer (the claim, the send,
                // a failure) carries its id and the pass's date: ids only.
                let span = tracing::info_span!("customer", customer = %customer, as_of = %self.as_of);
                async move { self.customer(&customer, &numbers).await }.instrument(span)
            });
        let mut outcomes = work.buffer_unordered(self.concurrency.max(1));
        while let Some(outcome) = outcomes.next().await {
            summary.merge(outcome?, self.dry_run);
        }
        drop(outcomes);
        if stopped.into_inner() {
            // Every started customer finished; the next invocation starts
            // after the last one, so work is neither lost nor repeated (a
            // repeat would be harmless anyway: stages are claimed).
            summary.resume_after = last_started.into_inner().ok().flatten();
        }
        summary.planned.sort_by(|a, b| a.customer_id.cmp(&b.customer_id));
        Ok(summary)
    }

    /// One customer: decide, claim, send. A claim that loses to another
    /// writer (the other pass, a payment just recorded) is decided again
    /// on a fresh, strongly consistent read.
    async fn customer(&self, id: &CustomerId, numbers: &[InvoiceNumber]) -> Result<CustomerOutcome, PassError> {
        let Some(customer) = self.store.get_customer(id).await? else {
            return Ok(CustomerOutcome {
                invoices_seen: numbers.len(),
                ..Default::default()
            });
        };
        let customer = customer.value;
        // The index returns them shard by shard; the email lists them in
        // the order they were issued.
        let mut numbers = numbers.to_vec();
        numbers.sort();
        // A lost claim already says what changed: decide again at once on
        // fresh reads.
        let mut retry = Retry::immediately(CLAIM_ATTEMPTS);
        loop {
            if let Some(out) = self.attempt(&customer, &numbers, retry.attempts() > 1).await? {
                return Ok(out);
            }
            if retry.again().await.is_err() {
                break;
            }
        }
        let mut out = CustomerOutcome {
            invoices_seen: numbers.len(),
            ..Default::default()
        };
        out.skipped.insert(Skip::ClaimedElsewhere, numbers.len());
        Ok(out)
    }

    /// One decision and claim; `None` when the claim lost and the customer
    /// must be decided again.
    async fn attempt(
        &self,
        customer: &Customer,
        numbers: &[InvoiceNumber],
        consistent: bool,
    ) -> Result<Option<CustomerOutcome>, PassError> {
        let id = &customer.id;
        let mut out = CustomerOutcome {
            invoices_seen: numbers.len(),
            ..Default::default()
        };
        if customer.paused {
            out.skipped.insert(Skip::CustomerPaused, numbers.len());
            return Ok(Some(out));
        }
        let (dunning, history) = self.store.dunning_and_history(id, consistent).await?;
        let facts = customer_facts(customer, &history, self.as_of);
        let mut invoices: Vec<Invoice> = Vec::with_capacity(numbers.len());
        for number in numbers {
            if let Some(invoice) = self.store.read_invoice(id, number, consistent).await? {
                invoices.push(invoice.value);
            }
        }
        let seen: Vec<Seen<'_>> = invoices
            .iter()
            .map(|invoice| Seen {
                invoice,
                last_stage: dunning
                    .value
                    .stage_of(&invoice.number)
                    .and_then(|s| self.policy.index_of(s)),
            })
            .collect();
        let decided = plan(&Situation {
            policy: self.policy,
            as_of: self.as_of,
            now: self.now,
            paused: customer.paused,
            email_suppressed: customer.email_suppressed,
            facts: &facts,
            invoices: &seen,
            flight: dunning.value.flight(&history, self.now),
        });
        out.skipped = decided.skipped.into_iter().collect();
        let known = Known {
            customer,
            invoices: &invoices,
            history: &history,
        };
        let reminder = match decided.action {
            Action::Nothing => return Ok(Some(out)),
            Action::Redeliver(message_id) => {
                self.redeliver(id, message_id, &known, &mut out).await?;
                return Ok(Some(out));
            }
            Action::Remind(reminder) => reminder,
        };
        self.remind(customer, numbers, dunning, reminder, &known, out).await
    }

    /// Claims the reminder's stages with its email (or its alert) in one
    /// conditional write, then sends it; `None` when the claim lost.
    async fn remind(
        &self,
        customer: &Customer,
        numbers: &[InvoiceNumber],
        dunning: Versioned<DunningState>,
        reminder: Reminder,
        known: &Known<'_>,
        mut out: CustomerOutcome,
    ) -> Result<Option<CustomerOutcome>, PassError> {
        let id = &customer.id;
        let stage = &self.policy.stages[reminder.stage];
        let notice = self.notice(customer, stage, &reminder, known.invoices);
        let planned = Planned {
            customer_id: id.clone(),
            invoices: reminder.due.iter().map(|(number, _)| number.clone()).collect(),
            stage: stage.name.clone(),
            tone: reminder.tone,
            reason: reminder.reason.clone(),
            email: stage.email && !reminder.suppressed,
            handoff: !stage.email,
            notice: notice.as_ref().map(|n| n.reference.clone()),
        };
        if self.dry_run {
            out.planned = Some(planned);
            return Ok(Some(out));
        }
        let (purpose, mut events) = self.purpose(customer, stage, &planned, reminder.suppressed, notice);
        let is_alert = matches!(purpose, Purpose::FinanceAlert { .. });
        let state = self.claimed_state(id, dunning.value, numbers, &reminder.due, purpose);
        if let Some(message) = &state.message
            && let Some(Carried::Notice(notice)) = message.purpose.carries()
        {
            let kind = EventKind::FormalNoticeDue {
                reference: notice.reference.clone(),
                numbers: planned.invoices.clone(),
                dated: notice.dated,
                message_id: message.id.to_string(),
            };
            events.push(HistoryEvent::new(
                id.clone(),
                self.now,
                Actor::system("reminders"),
                kind,
            ));
        }
        match self.store.claim_reminder(id, dunning.version, &state, &events).await? {
            TxOutcome::Committed => {}
            TxOutcome::ConditionFailed(_) | TxOutcome::Conflict => return Ok(None),
        }
        let Some(message) = state.message else {
            return Ok(Some(out));
        };
        if message.purpose.carries().is_some() {
            // It waits in the documents lane: the archive draws the letter
            // from the event just written, and its mailer sends both.
            out.noticed = true;
            out.planned = Some(planned);
            return Ok(Some(out));
        }
        self.send(&message, known, &mut out).await?;
        if out.sent && is_alert {
            out.sent = false;
            out.alerted = true;
        }
        out.planned = Some(planned);
        Ok(Some(out))
    }

    /// The reminder whose sender died between claim and send: this pass
    /// takes its lease again and sends it, once.
    async fn redeliver(
        &self,
        id: &CustomerId,
        message_id: ulid::Ulid,
        known: &Known<'_>,
        out: &mut CustomerOutcome,
    ) -> Result<(), PassError> {
        out.stuck = true;
        if let Some(message) = self
            .store
            .claim_message_in(Home::Dunning, id, message_id, self.now, self.now + LEASE)
            .await?
        {
            let outcome = self.send(&message, known, out).await?;
            out.redelivered = matches!(outcome, DeliveryOutcome::Sent { .. });
            out.sent = false;
            out.alerted = false;
        }
        Ok(())
    }

    /// The dunning item after the claim: the stages of invoices still open
    /// and listed, the new ones on top (a paid invoice's entry is dropped
    /// here), and the message claimed straight into SENDING with its lease
    /// — this pass sends it now, and if it dies first the next pass finds
    /// it stuck once the lease ends.
    fn claimed_state(
        &self,
        id: &CustomerId,
        before: DunningState,
        listed: &[InvoiceNumber],
        due: &[(InvoiceNumber, usize)],
        purpose: Purpose,
    ) -> DunningState {
        let mut message = Message::new(id.clone(), purpose, self.now);
        if message.purpose.lane() == Lane::Mail {
            message.status = MessageStatus::Sending;
            message.attempts = 1;
            message.next_attempt_at = self.now + LEASE;
        }
        let mut state = DunningState {
            stages: before
                .stages
                .into_iter()
                .filter(|(number, _)| listed.contains(number))
                .collect(),
            message: Some(message),
        };
        for (number, stage) in due {
            let claimed = ClaimedStage {
                stage: self.policy.stages[*stage].name.clone(),
                at: self.now,
            };
            state.stages.insert(number.clone(), claimed);
        }
        state
    }

    /// Sends a reminder this pass holds the lease on, at the pace, with
    /// what it read; records it by its event alone.
    async fn send(
        &self,
        message: &Message,
        known: &Known<'_>,
        out: &mut CustomerOutcome,
    ) -> Result<DeliveryOutcome, PassError> {
        self.pace.wait().await;
        let outcome = self
            .deliverer
            .send_claimed(Home::Dunning, message, self.now, Some(known), Record::EventOnly)
            .await?;
        self.count_send(&outcome, out);
        Ok(outcome)
    }

    /// Adjusts the pace to SES's answer and counts the outcome.
    fn count_send(&self, outcome: &DeliveryOutcome, out: &mut CustomerOutcome) {
        match outcome {
            DeliveryOutcome::Sent { .. } => {
                self.pace.speed_up();
                out.sent = true;
            }
            DeliveryOutcome::Failed { throttled: true, .. } => {
                self.pace.slow_down();
                out.pending = true;
            }
            _ => out.pending = true,
        }
    }

    /// The formal notice to pay a final notice carries: for a business
    /// customer with something overdue and undisputed among its invoices,
    /// dated as of the pass. (Consumers never get one.)
    fn notice(
        &self,
        customer: &Customer,
        stage: &crate::domain::dunning::StageDef,
        reminder: &Reminder,
        invoices: &[Invoice],
    ) -> Option<NoticeRef> {
        if !stage.r#final || !stage.email || reminder.suppressed {
            return None;
        }
        let listed: Vec<&Invoice> = invoices
            .iter()
            .filter(|i| reminder.due.iter().any(|(number, _)| *number == i.number))
            .collect();
        formal_notice(&listed, self.as_of)?;
        Some(NoticeRef {
            reference: notice_reference(&customer.id, self.as_of),
            dated: self.as_of,
        })
    }

    /// What the claimed stage sends: a reminder, or an alert to finance
    /// (the last stage hands the invoices to a person; a bad address).
    fn purpose(
        &self,
        customer: &Customer,
        stage: &crate::domain::dunning::StageDef,
        plan: &Planned,
        suppressed: bool,
        notice: Option<NoticeRef>,
    ) -> (Purpose, Vec<HistoryEvent>) {
        let numbers = plan.invoices.clone();
        if suppressed {
            let reason = format!(
                "the address {} bounced or complained; please reach the customer another way",
                customer.email
            );
            let purpose = Purpose::FinanceAlert {
                numbers,
                stage: stage.name.clone(),
                reason,
            };
            return (purpose, Vec::new());
        }
        if stage.email {
            let purpose = Purpose::Reminder {
                numbers,
                stage: stage.name.clone(),
                tone: plan.tone,
                reason: plan.reason.clone(),
                notice,
            };
            return (purpose, Vec::new());
        }
        let system = Actor::system("reminders");
        let why = format!("no payment {} days after the due date", stage.offset_days);
        let events = numbers
            .iter()
            .map(|number| {
                let kind = EventKind::HandedOff {
                    number: number.clone(),
                    reason: why.clone(),
                };
                HistoryEvent::new(customer.id.clone(), self.now, system.clone(), kind)
            })
            .collect();
        let reason = format!("{why}: automatic reminders have stopped; a call from a person is the next step");
        let purpose = Purpose::FinanceAlert {
            numbers,
            stage: stage.name.clone(),
            reason,
        };
        (purpose, events)
    }
}
