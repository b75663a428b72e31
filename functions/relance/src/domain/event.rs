//! The customer history: an append-only log of what happened, in time order.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::feedback::{Action, Stream};
use super::ids::{Actor, CustomerId, InvoiceNumber, ulid_at};
use super::invoice::PaymentMethod;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub id: Ulid,
    pub at: DateTime<Utc>,
    pub customer_id: CustomerId,
    pub actor: Actor,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl HistoryEvent {
    pub fn new(customer_id: CustomerId, at: DateTime<Utc>, actor: Actor, kind: EventKind) -> Self {
        Self {
            id: ulid_at(at),
            at,
            customer_id,
            actor,
            kind,
        }
    }
}

/// One document in the archive: its format, where it is, its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedDocument {
    pub format: String,
    pub key: String,
    pub sha256: String,
    pub bytes: u64,
}

/// Everything that can happen to a customer. The `type` tag is a plain
/// attribute so stream filters can select events by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    CustomerCreated,
    CustomerUpdated {
        fields: Vec<String>,
    },
    InvoiceIssued {
        number: InvoiceNumber,
        gross_minor: i64,
        currency: String,
        due_date: NaiveDate,
    },
    /// The issued documents of an invoice or a credit note (`number`) were
    /// stored in the write-once archive, each with its SHA-256.
    DocumentsArchived {
        number: InvoiceNumber,
        documents: Vec<ArchivedDocument>,
        /// The credit whose note this is; none for an invoice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credit_id: Option<String>,
    },
    InvoiceEmailed {
        number: InvoiceNumber,
        message_id: String,
        provider_message_id: String,
    },
    /// An email could not be sent yet; the outbox retries it.
    DeliveryFailed {
        message_id: String,
        about: String,
        reason: String,
    },
    /// A reminder went out for these invoices, at this stage and tone, and
    /// why that tone was chosen.
    ReminderSent {
        numbers: Vec<InvoiceNumber>,
        stage: String,
        tone: String,
        reason: String,
        message_id: String,
        provider_message_id: String,
        /// The formal notice it carried (a business customer's final notice).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notice: Option<String>,
    },
    /// A business customer's final notice comes with a formal notice to
    /// pay: the archive draws the letter as of `dated` for these invoices,
    /// stores it, and the reminder `message_id` goes out with it.
    FormalNoticeDue {
        reference: String,
        numbers: Vec<InvoiceNumber>,
        dated: chrono::NaiveDate,
        message_id: String,
    },
    /// The formal notice's letter, stored once in the archive (no
    /// document when nothing was left to demand by the time it was drawn).
    NoticeArchived {
        reference: String,
        message_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document: Option<ArchivedDocument>,
        /// What the letter demands, interest and indemnities included.
        #[serde(default)]
        total_minor: i64,
    },
    /// An email taken back unsent, and why (`MessageStatus::Withdrawn`).
    MessageWithdrawn {
        message_id: String,
        reason: String,
    },
    /// The customer answered one of our emails by email. The text is not
    /// kept here (it is kept 30 days apart, like a help comment).
    /// `automatic` for an out-of-office or auto-reply, with the return date
    /// it gave; `says_paid` when it says the invoice was already paid.
    CustomerReplied {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<String>,
        from: String,
        subject: String,
        automatic: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        back_on: Option<NaiveDate>,
        #[serde(default)]
        says_paid: bool,
    },
    /// An email held back by the contact budget: the customer heard from
    /// relance less than the gap ago. It goes out at `until`.
    MessagePostponed {
        message_id: String,
        /// The message's kind (`Purpose::template`): `thanks`, `survey`.
        kind: String,
        until: DateTime<Utc>,
    },
    /// No more automatic email for this invoice: a person takes over.
    HandedOff {
        number: InvoiceNumber,
        reason: String,
    },
    /// Finance was told that a person must act.
    FinanceAlerted {
        numbers: Vec<InvoiceNumber>,
        reason: String,
        message_id: String,
    },
    /// A customer who had been reminded paid, and was thanked.
    ThanksSent {
        number: InvoiceNumber,
        message_id: String,
        provider_message_id: String,
    },
    PromiseToPayRecorded {
        number: InvoiceNumber,
        date: NaiveDate,
    },
    PaymentPlanAgreed {
        number: InvoiceNumber,
        instalments: Vec<(NaiveDate, i64)>,
    },
    /// A person answered the customer (a call, an email): counts in the
    /// contact budget like an email relance sent.
    PersonReplied {
        note: String,
    },
    /// One question was sent after an interaction.
    SurveySent {
        survey_id: String,
        question: String,
        message_id: String,
        provider_message_id: String,
    },
    /// A survey answer, from the survey page. Answering again writes a
    /// new event: the latest is the answer, the earlier ones stay.
    SurveyAnswered {
        #[serde(default)]
        survey_id: String,
        question: String,
        score: u8,
        detractor: bool,
        #[serde(default)]
        comment: Option<String>,
        /// Signs a mail scanner rather than a person answered (kept, not
        /// deleted: a person may read them differently).
        #[serde(default)]
        suspicious: Vec<String>,
        /// This answer alerted finance (the survey's first unhappy one):
        /// the customer's reminders wait until a person answers them.
        #[serde(default)]
        alerted: bool,
    },
    /// The customer asked for no more surveys (invoices still come).
    SurveysOptedOut,
    /// Finance paused every reminder to the customer (invoices, thank-yous
    /// and answers still go), until someone resumes them.
    RemindersPaused,
    /// Finance resumed the customer's reminders.
    RemindersResumed,
    /// A person took over the hand-off that starts at this invoice (the
    /// call, the letter): it leaves the to-do.
    HandoffTaken {
        number: InvoiceNumber,
    },
    /// A help request (`help_request`) or an unhappy answer
    /// (`detractor_alert`) was still unanswered 48 hours later: the
    /// second person of `[escalation]` was told, once per promise.
    AlertEscalated {
        kind: String,
        /// The invoice number (help request) or the survey id.
        reference: String,
        since: DateTime<Utc>,
        message_id: String,
    },
    /// Every link mailed to the customer until now was revoked.
    LinksRevoked {
        reason: String,
    },
    /// Everything relance holds about the customer was exported (an
    /// access request); the actor is who asked.
    DataExported {},
    /// "I have a difficulty": reminders of these invoices wait for a person.
    /// The comment itself is kept apart, with a short retention.
    HelpRequested {
        numbers: Vec<InvoiceNumber>,
        choice: String,
        request_id: String,
        with_comment: bool,
    },
    /// A person answered the help request; reminders may resume.
    HelpRequestAnswered {
        numbers: Vec<InvoiceNumber>,
    },
    /// The customer pressed "pay" on the invoice page.
    PayClicked {
        number: InvoiceNumber,
    },
    PaymentRecorded {
        number: InvoiceNumber,
        amount_minor: i64,
        currency: String,
        date: NaiveDate,
        method: PaymentMethod,
        reference: Option<String>,
        remaining_minor: i64,
    },
    /// The card provider gave money back on a payment: the invoice owes it
    /// again (`remaining_minor`).
    PaymentRefunded {
        number: InvoiceNumber,
        amount_minor: i64,
        currency: String,
        date: NaiveDate,
        /// The payment refunded (`stripe:pi_…`).
        source: String,
        remaining_minor: i64,
    },
    InvoicePaid {
        number: InvoiceNumber,
        paid_on: NaiveDate,
        days_late: i64,
    },
    /// Money came in by itself — a bank statement's entry or the card
    /// provider — and was matched to this customer's invoices (each one
    /// also has its `payment_recorded`). `held_minor`: what it paid beyond
    /// them, held for the customer.
    PaymentReceived {
        /// The bank entry's id (`BE-…`) or the provider's payment id.
        entry: String,
        /// camt053, cfonb120, stripe.
        source: String,
        /// The matching rule (creditor_reference, invoice_number,
        /// known_account, name_and_amount, assigned, card_provider).
        rule: String,
        /// 0–100.
        confidence: u8,
        amount_minor: i64,
        currency: String,
        booked_on: NaiveDate,
        invoices: Vec<PaidInvoice>,
        held_minor: i64,
    },
    /// A goodwill credit above the approval threshold waits for a second
    /// person.
    CreditRequested {
        credit_id: String,
        situation: String,
        #[serde(default)]
        severity: Option<String>,
        invoice: InvoiceNumber,
        net_minor: i64,
        currency: String,
    },
    /// A credit note exists: the gesture is the customer's.
    CreditGranted {
        credit_id: String,
        number: InvoiceNumber,
        situation: String,
        #[serde(default)]
        severity: Option<String>,
        invoice: InvoiceNumber,
        net_minor: i64,
        gross_minor: i64,
        currency: String,
        #[serde(default)]
        approved_by: Option<String>,
        /// A corrective credit note: its scope (full, lines, amount). None
        /// for a goodwill gesture.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        correction: Option<String>,
    },
    /// A corrective credit note took `amount_minor` off what the invoice
    /// owed; `remaining_minor` is what it still owes.
    InvoiceCorrected {
        number: InvoiceNumber,
        credit_note: InvoiceNumber,
        scope: String,
        reason: String,
        amount_minor: i64,
        remaining_minor: i64,
        currency: String,
    },
    /// The buyer's platform reported a lifecycle status; `current` is false
    /// when it was older than the one held (recorded, nothing changed).
    PlatformStatusReceived {
        number: InvoiceNumber,
        status: String,
        code: u16,
        status_id: String,
        /// When the platform recorded it (the event's own instant is when
        /// relance heard of it).
        reported_at: DateTime<Utc>,
        #[serde(default)]
        reason: Option<String>,
        current: bool,
    },
    /// A request withdrawn before it was granted.
    CreditCancelled {
        credit_id: String,
        reason: String,
    },
    /// The credit note with this number reduced a new invoice.
    CreditApplied {
        number: InvoiceNumber,
        invoice: InvoiceNumber,
        amount_minor: i64,
        remaining_minor: i64,
    },
    CreditEmailed {
        number: InvoiceNumber,
        message_id: String,
        provider_message_id: String,
    },
    /// A copy of an issued invoice or credit note (`number`) went to the
    /// accounting inbox, its documents attached.
    BookCopySent {
        number: InvoiceNumber,
        message_id: String,
        provider_message_id: String,
    },
    /// Some days after a credit: time to ask whether the gesture met the
    /// customer's expectations (the survey dispatcher decides).
    CreditFollowUpDue {
        number: InvoiceNumber,
    },
    /// The mail system returned an email to this customer (`permanent`:
    /// the address does not exist or refuses mail), and what relance did.
    EmailBounced {
        address: String,
        permanent: bool,
        detail: String,
        stream: Stream,
        message_id: String,
        action: Action,
    },
    /// The recipient reported an email as spam, and what relance did.
    EmailComplained {
        address: String,
        detail: String,
        stream: Stream,
        message_id: String,
        action: Action,
    },
    DisputeOpened {
        number: InvoiceNumber,
        reason: String,
    },
    DisputeSettled {
        number: InvoiceNumber,
        resolution: String,
    },
}

/// One invoice a received payment paid, and how much of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidInvoice {
    pub number: InvoiceNumber,
    pub amount_minor: i64,
}

impl EventKind {
    /// The tag as stored, e.g. `invoice_issued`.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::CustomerCreated => "customer_created",
            EventKind::CustomerUpdated { .. } => "customer_updated",
            EventKind::InvoiceIssued { .. } => "invoice_issued",
            EventKind::DocumentsArchived { .. } => "documents_archived",
            EventKind::InvoiceEmailed { .. } => "invoice_emailed",
            EventKind::DeliveryFailed { .. } => "delivery_failed",
            EventKind::ReminderSent { .. } => "reminder_sent",
            EventKind::FormalNoticeDue { .. } => "formal_notice_due",
            EventKind::NoticeArchived { .. } => "notice_archived",
            EventKind::MessageWithdrawn { .. } => "message_withdrawn",
            EventKind::MessagePostponed { .. } => "message_postponed",
            EventKind::CustomerReplied { .. } => "customer_replied",
            EventKind::PaymentReceived { .. } => "payment_received",
            EventKind::HandedOff { .. } => "handed_off",
            EventKind::ThanksSent { .. } => "thanks_sent",
            EventKind::FinanceAlerted { .. } => "finance_alerted",
            EventKind::PromiseToPayRecorded { .. } => "promise_to_pay_recorded",
            EventKind::PaymentPlanAgreed { .. } => "payment_plan_agreed",
            EventKind::PersonReplied { .. } => "person_replied",
            EventKind::SurveySent { .. } => "survey_sent",
            EventKind::SurveyAnswered { .. } => "survey_answered",
            EventKind::SurveysOptedOut => "surveys_opted_out",
            EventKind::RemindersPaused => "reminders_paused",
            EventKind::RemindersResumed => "reminders_resumed",
            EventKind::HandoffTaken { .. } => "handoff_taken",
            EventKind::AlertEscalated { .. } => "alert_escalated",
            EventKind::LinksRevoked { .. } => "links_revoked",
            EventKind::DataExported { .. } => "data_exported",
            EventKind::HelpRequested { .. } => "help_requested",
            EventKind::HelpRequestAnswered { .. } => "help_request_answered",
            EventKind::PayClicked { .. } => "pay_clicked",
            EventKind::PaymentRecorded { .. } => "payment_recorded",
            EventKind::PaymentRefunded { .. } => "payment_refunded",
            EventKind::InvoicePaid { .. } => "invoice_paid",
            EventKind::CreditRequested { .. } => "credit_requested",
            EventKind::CreditGranted { .. } => "credit_granted",
            EventKind::CreditCancelled { .. } => "credit_cancelled",
            EventKind::InvoiceCorrected { .. } => "invoice_corrected",
            EventKind::PlatformStatusReceived { .. } => "platform_status_received",
            EventKind::CreditApplied { .. } => "credit_applied",
            EventKind::CreditEmailed { .. } => "credit_emailed",
            EventKind::BookCopySent { .. } => "book_copy_sent",
            EventKind::CreditFollowUpDue { .. } => "credit_follow_up_due",
            EventKind::EmailBounced { .. } => "email_bounced",
            EventKind::EmailComplained { .. } => "email_complained",
            EventKind::DisputeOpened { .. } => "dispute_opened",
            EventKind::DisputeSettled { .. } => "dispute_settled",
        }
    }
}

#[cfg(test)]
mod id_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_event_id_carries_its_instant_and_keeps_creation_order() {
        let at = Utc.with_ymd_and_hms(2026, 11, 5, 7, 0, 0).single().unwrap_or_default();
        let earlier = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let ids: Vec<Ulid> = [at, at, at, earlier].into_iter().map(ulid_at).collect();
        let ms = |id: &Ulid| i64::try_from(id.timestamp_ms()).unwrap_or(-1);
        assert_eq!(ms(&ids[0]), at.timestamp_millis(), "the instant, not the wall clock");
        assert_eq!(
            ms(&ids[3]),
            earlier.timestamp_millis(),
            "a simulated past day keeps its day"
        );
        assert!(ids[0] < ids[1] && ids[1] < ids[2], "same instant: creation order");
    }
}
