//! Delivering outbox messages: claim (lease) → render → send → record.
//! A crash, a retry or a throttled SES can neither lose nor double an
//! email: only the lease holder sends, and a failure gives the message
//! back for a later attempt.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use ulid::Ulid;

use crate::config::company;
use crate::domain::calendar::business_date;
use crate::domain::dunning::Tone;
use crate::domain::help::HelpChoice;
use crate::domain::message::{Home, LEASE, Message, Purpose, retry_delay};
use crate::domain::survey::Question;
use crate::domain::{Actor, Customer, CustomerId, Email, EventKind, HistoryEvent, Invoice, InvoiceNumber};
use crate::links::{self, LinkGrant, LinkPurpose};
use crate::mail::{Mailer, OutgoingEmail, SendError};
use crate::render::{RenderError, RenderedEmail, Renderer};
use crate::store::{Store, StoreError, TxOutcome};
use crate::view::{CreditEmail, CustomerAlert, FinanceAlert, InvoiceEmail, InvoiceView, ReminderEmail, SurveyEmail};

/// A customer who asked for help or told us they are unhappy hears from a
/// person within two days.
pub const RESPOND_WITHIN: Duration = Duration::hours(48);

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("message {0} refers to something that does not exist")]
    Orphan(Ulid),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent {
        provider_message_id: String,
    },
    /// Already sent, or another sender holds the lease: nothing to do.
    NotClaimed,
    /// SES refused; the message waits for `retry_at`. `throttled` when SES
    /// said "not now" (the sender should slow down).
    Failed {
        reason: String,
        retry_at: DateTime<Utc>,
        throttled: bool,
    },
    /// The send may or may not have happened; the lease expires and a
    /// later attempt settles it.
    Unknown {
        reason: String,
    },
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliverySummary {
    pub sent: usize,
    pub failed: usize,
    pub unknown: usize,
    pub not_claimed: usize,
    /// Found in SENDING after their lease ended (a sender crashed between
    /// claim and record): sent again now, and counted so an alarm can say
    /// it happens.
    pub stuck: usize,
}

pub struct Deliverer<M> {
    pub store: Store,
    pub mailer: M,
    pub renderer: Arc<Renderer>,
    pub public_url: String,
    pub link_ttl: Duration,
    pub reply_to: Option<crate::domain::Email>,
}

impl Deliverer<crate::mail::SesMailer> {
    /// The deliverer every function builds from its settings: both SES
    /// configuration sets, because the outbox sweep may send any kind of
    /// message (a survey left pending included).
    pub fn from_settings(
        settings: &crate::config::Settings,
        config: &aws_config::SdkConfig,
        store: Store,
        renderer: Arc<Renderer>,
    ) -> Self {
        Self {
            store,
            mailer: crate::mail::SesMailer::new(
                aws_sdk_sesv2::Client::new(config),
                &settings.sender,
                settings.transactional_configuration_set.clone(),
            )
            .with_survey_configuration_set(settings.survey_configuration_set.clone()),
            renderer,
            public_url: settings.public_url.clone(),
            link_ttl: Duration::days(settings.link_ttl_days),
            reply_to: settings.reply_to.clone(),
        }
    }
}

/// How a sent email is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// Its history event, and the message marked SENT (it is in the outbox
    /// index, which must stop offering it).
    EventAndStatus,
    /// Its history event only: a reminder the pass claimed and sent at
    /// once, in no index. One write instead of two.
    EventOnly,
}

/// What the sender already read about a message's customer (the reminder
/// pass decided on it a moment ago): composing reuses it rather than read
/// the same items again.
pub struct Known<'a> {
    pub customer: &'a Customer,
    pub invoices: &'a [Invoice],
    pub history: &'a [HistoryEvent],
}

impl<M: Mailer> Deliverer<M> {
    /// Sends a just-queued email now when SES answers; otherwise the
    /// outbox keeps it for the next sweep. The caller's request succeeds
    /// either way, so a failure is only logged.
    pub async fn deliver_now(&self, message: Option<(CustomerId, Ulid)>, now: DateTime<Utc>) {
        let Some((customer, id)) = message else { return };
        if let Err(err) = self.deliver(&customer, id, now).await {
            tracing::warn!(error = %err, message_id = %id, "email not sent yet; it stays in the outbox");
        }
    }

    /// Claims a message of its own item and sends it.
    pub async fn deliver(
        &self,
        customer: &CustomerId,
        id: Ulid,
        now: DateTime<Utc>,
    ) -> Result<DeliveryOutcome, DeliveryError> {
        self.deliver_in(Home::Own, customer, id, now).await
    }

    pub async fn deliver_in(
        &self,
        home: Home,
        customer: &CustomerId,
        id: Ulid,
        now: DateTime<Utc>,
    ) -> Result<DeliveryOutcome, DeliveryError> {
        let Some(message) = self
            .store
            .claim_message_in(home, customer, id, now, now + LEASE)
            .await?
        else {
            return Ok(DeliveryOutcome::NotClaimed);
        };
        self.send_claimed(home, &message, now, None, Record::EventAndStatus)
            .await
    }

    /// Sends a message this sender holds the lease on (`claim_message`,
    /// or a reminder claimed in SENDING with its stages), and records the
    /// outcome.
    pub async fn send_claimed(
        &self,
        home: Home,
        message: &Message,
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
        record: Record,
    ) -> Result<DeliveryOutcome, DeliveryError> {
        let id = message.id;
        let email = match self.compose(message, now, known).await {
            Ok(email) => email,
            Err(ComposeError::Store(e)) => return Err(e.into()),
            Err(ComposeError::Orphan) => return Err(DeliveryError::Orphan(id)),
            Err(ComposeError::Render(e)) => {
                let reason = e.to_string();
                let retry_at = now + retry_delay(message.attempts);
                self.release(home, message, &reason, retry_at, now).await?;
                return Ok(DeliveryOutcome::Failed {
                    reason,
                    retry_at,
                    throttled: false,
                });
            }
        };
        match self.mailer.send(&email).await {
            Ok(provider_id) => {
                let event = HistoryEvent::new(
                    message.customer_id.clone(),
                    now,
                    Actor::system("mailer"),
                    message.purpose.sent_event(message.id, &provider_id),
                );
                match record {
                    Record::EventOnly => self.store.record_sent_event(&event).await?,
                    Record::EventAndStatus => match self
                        .store
                        .mark_message_sent(home, message, &provider_id, now, &event)
                        .await?
                    {
                        TxOutcome::Committed => {}
                        // Our lease ran out while SES was answering and another
                        // sender took over: rare, and logged for the operator.
                        _ => tracing::warn!(message_id = %message.id, "sent after the lease expired"),
                    },
                }
                tracing::info!(message_id = %message.id, provider_message_id = %provider_id, domain = email.to.domain(), "email sent");
                Ok(DeliveryOutcome::Sent {
                    provider_message_id: provider_id,
                })
            }
            Err(SendError::Unknown(reason)) => {
                tracing::warn!(message_id = %message.id, %reason, "send outcome unknown; the lease will settle it");
                Ok(DeliveryOutcome::Unknown { reason })
            }
            Err(err) => {
                let throttled = matches!(err, SendError::Retryable(_));
                let reason = err.to_string();
                let retry_at = now + retry_delay(message.attempts);
                tracing::warn!(message_id = %message.id, %reason, "send failed; will retry");
                self.release(home, message, &reason, retry_at, now).await?;
                Ok(DeliveryOutcome::Failed {
                    reason,
                    retry_at,
                    throttled,
                })
            }
        }
    }

    /// Sends everything due as of `now`: new messages whose first attempt
    /// failed and messages whose sender died holding the lease.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<DeliverySummary, DeliveryError> {
        let mut summary = DeliverySummary::default();
        for due in self.store.due_messages(now).await? {
            // Due while SENDING: its sender died holding the lease.
            if due.status == crate::domain::message::MessageStatus::Sending {
                summary.stuck += 1;
            }
            match self.deliver_in(due.home, &due.customer_id, due.id, now).await? {
                DeliveryOutcome::Sent { .. } => summary.sent += 1,
                DeliveryOutcome::Failed { .. } => summary.failed += 1,
                DeliveryOutcome::Unknown { .. } => summary.unknown += 1,
                DeliveryOutcome::NotClaimed => summary.not_claimed += 1,
            }
        }
        Ok(summary)
    }

    async fn release(
        &self,
        home: Home,
        message: &Message,
        reason: &str,
        retry_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let event = HistoryEvent::new(
            message.customer_id.clone(),
            now,
            Actor::system("mailer"),
            EventKind::DeliveryFailed {
                message_id: message.id.to_string(),
                about: message.purpose.describe(),
                reason: reason.chars().take(300).collect(),
            },
        );
        self.store
            .release_message(home, message, reason, retry_at, &event)
            .await?;
        Ok(())
    }

    /// A fresh link per attempt: only its hash is stored, so the text
    /// exists only in the email that carries it.
    async fn link(
        &self,
        purpose: LinkPurpose,
        customer: &CustomerId,
        object: String,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let token = self.token(purpose, customer, object, now).await?;
        Ok(format!("{}/{}/{token}", self.public_url, purpose.path()))
    }

    /// Stores a fresh grant and returns the token's text.
    async fn token(
        &self,
        purpose: LinkPurpose,
        customer: &CustomerId,
        object: String,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let token = links::generate();
        let grant = LinkGrant {
            purpose,
            customer_id: customer.clone(),
            object,
            created_at: now,
            expires_at: (now + self.link_ttl).timestamp(),
            revoked: false,
        };
        self.store.put_link(&token.hash, &grant).await?;
        Ok(token.text)
    }

    /// The invoice a message is about; a missing one makes the message an orphan.
    async fn invoice(
        &self,
        customer: &CustomerId,
        number: &InvoiceNumber,
        known: Option<&Known<'_>>,
    ) -> Result<Invoice, ComposeError> {
        if let Some(invoice) = known.and_then(|k| k.invoices.iter().find(|i| &i.number == number)) {
            return Ok(invoice.clone());
        }
        Ok(self
            .store
            .get_invoice(customer, number)
            .await?
            .ok_or(ComposeError::Orphan)?
            .value)
    }

    async fn history(&self, customer: &CustomerId, known: Option<&Known<'_>>) -> Result<Vec<HistoryEvent>, StoreError> {
        match known {
            Some(k) => Ok(k.history.to_vec()),
            None => self.store.full_history(customer).await,
        }
    }

    /// The invoice and a fresh personal link to its page.
    async fn invoice_with_link(
        &self,
        customer: &CustomerId,
        number: &InvoiceNumber,
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
    ) -> Result<(Invoice, String), ComposeError> {
        let invoice = self.invoice(customer, number, known).await?;
        let link = self
            .link(LinkPurpose::ViewInvoice, customer, number.to_string(), now)
            .await?;
        Ok((invoice, link))
    }

    async fn compose(
        &self,
        message: &Message,
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
    ) -> Result<OutgoingEmail, ComposeError> {
        let customer = match known {
            Some(k) => k.customer.clone(),
            None => {
                self.store
                    .get_customer(&message.customer_id)
                    .await?
                    .ok_or(ComposeError::Orphan)?
                    .value
            }
        };
        let composed = match &message.purpose {
            Purpose::Invoice { number } | Purpose::Thanks { number } => {
                self.invoice_email(message, &customer, number, now, known).await?
            }
            Purpose::Reminder {
                numbers, stage, tone, ..
            } => {
                self.reminder_email(&customer, numbers, stage, *tone, now, known)
                    .await?
            }
            Purpose::FinanceAlert { numbers, stage, reason } => {
                self.finance_alert_email(&customer, numbers, stage, reason, known)
                    .await?
            }
            Purpose::Survey { survey_id, question } => self.survey_email(&customer, survey_id, *question, now).await?,
            Purpose::Credit { credit_id, .. } => self.credit_email(&customer, credit_id).await?,
            Purpose::SurveyAlert { question, score, .. } => {
                self.survey_alert_email(message, &customer, *question, *score, known)
                    .await?
            }
            Purpose::HelpAlert {
                numbers,
                request_id,
                choice,
            } => {
                self.help_alert_email(message, &customer, numbers, request_id, *choice, now, known)
                    .await?
            }
        };
        let to = if message.purpose.to_finance() {
            composed.finance_to.ok_or(ComposeError::Orphan)?
        } else {
            customer.email
        };
        let stream = message.purpose.stream();
        Ok(OutgoingEmail {
            to,
            subject: composed.rendered.subject,
            html: composed.rendered.html,
            text: composed.rendered.text,
            reply_to: self.reply_to.clone(),
            // What a bounce or complaint notification needs to find its way
            // back: SES returns these tags with it.
            tags: vec![
                ("kind".into(), message.purpose.template().into()),
                ("message".into(), message.id.to_string()),
                ("customer".into(), message.customer_id.to_string()),
                ("stream".into(), stream.name().into()),
            ],
            stream,
            headers: composed.headers,
        })
    }

    async fn invoice_email(
        &self,
        message: &Message,
        customer: &Customer,
        number: &InvoiceNumber,
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
    ) -> Result<Composed, ComposeError> {
        let (invoice, link) = self.invoice_with_link(&customer.id, number, now, known).await?;
        let context = InvoiceEmail {
            invoice: InvoiceView::new(&invoice, customer.locale),
            link,
        };
        let rendered = self
            .renderer
            .email(message.purpose.template(), customer.locale, &context)?;
        Ok(Composed::to_customer(rendered))
    }

    async fn reminder_email(
        &self,
        customer: &Customer,
        numbers: &[InvoiceNumber],
        stage: &str,
        tone: Tone,
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
    ) -> Result<Composed, ComposeError> {
        // One token for the whole email: each invoice's page and the
        // difficulty form (a stored grant costs a write).
        let objects: Vec<&str> = numbers.iter().map(InvoiceNumber::as_str).collect();
        let token = self
            .token(LinkPurpose::Reminder, &customer.id, objects.join(","), now)
            .await?;
        let mut invoices = Vec::new();
        for number in numbers {
            let invoice = self.invoice(&customer.id, number, known).await?;
            invoices.push((invoice, format!("{}/i/{token}/{number}", self.public_url)));
        }
        let help = format!("{}/help/{token}", self.public_url);
        let context = ReminderEmail::new(customer, &invoices, stage, tone, help, business_date(now));
        Ok(Composed::to_customer(self.renderer.email(
            "reminder",
            customer.locale,
            &context,
        )?))
    }

    async fn finance_alert_email(
        &self,
        customer: &Customer,
        numbers: &[InvoiceNumber],
        stage: &str,
        reason: &str,
        known: Option<&Known<'_>>,
    ) -> Result<Composed, ComposeError> {
        let mut invoices = Vec::new();
        for number in numbers {
            invoices.push(self.invoice(&customer.id, number, known).await?);
        }
        let seller = &invoices.first().ok_or(ComposeError::Orphan)?.seller;
        let history = self.history(&customer.id, known).await?;
        let context = FinanceAlert::new(customer, &invoices, stage, reason, &history, seller.locale);
        let rendered = self.renderer.email("finance_alert", seller.locale, &context)?;
        Ok(Composed::to_finance(rendered, seller))
    }

    async fn survey_email(
        &self,
        customer: &Customer,
        survey_id: &str,
        question: Question,
        now: DateTime<Utc>,
    ) -> Result<Composed, ComposeError> {
        let survey = self
            .store
            .get_survey(&customer.id, survey_id)
            .await?
            .ok_or(ComposeError::Orphan)?;
        let seller = company()?;
        let link = self
            .link(LinkPurpose::Survey, &customer.id, survey_id.to_string(), now)
            .await?;
        let unsubscribe = self
            .link(LinkPurpose::Unsubscribe, &customer.id, "surveys".into(), now)
            .await?;
        let context = SurveyEmail::new(customer, question, &survey.trigger, &link, unsubscribe.clone(), &seller);
        let mut composed = Composed::to_customer(self.renderer.email("survey", customer.locale, &context)?);
        // RFC 8058 one-click unsubscribe: mail clients show their own
        // button and POST to the link.
        composed.headers = vec![
            ("List-Unsubscribe".to_string(), format!("<{unsubscribe}>")),
            (
                "List-Unsubscribe-Post".to_string(),
                "List-Unsubscribe=One-Click".to_string(),
            ),
        ];
        Ok(composed)
    }

    async fn credit_email(&self, customer: &Customer, credit_id: &str) -> Result<Composed, ComposeError> {
        let credit = self
            .store
            .get_credit(&customer.id, credit_id)
            .await?
            .ok_or(ComposeError::Orphan)?
            .value;
        let context = CreditEmail::new(&credit, customer, &company()?).ok_or(ComposeError::Orphan)?;
        Ok(Composed::to_customer(self.renderer.email(
            "credit",
            customer.locale,
            &context,
        )?))
    }

    async fn survey_alert_email(
        &self,
        message: &Message,
        customer: &Customer,
        question: Question,
        score: u8,
        known: Option<&Known<'_>>,
    ) -> Result<Composed, ComposeError> {
        let seller = company()?;
        let history = self.history(&customer.id, known).await?;
        let mut context = CustomerAlert::new(
            "survey",
            customer,
            &[],
            &history,
            message.created_at + RESPOND_WITHIN,
            seller.locale,
        );
        context.question = Some(question.name());
        context.score = Some(score);
        context.max_score = Some(*question.scores().end());
        context.comment = history.iter().rev().find_map(|e| match &e.kind {
            EventKind::SurveyAnswered { comment, .. } => comment.clone(),
            _ => None,
        });
        let rendered = self.renderer.email("customer_alert", seller.locale, &context)?;
        Ok(Composed::to_finance(rendered, &seller))
    }

    #[allow(clippy::too_many_arguments)] // the alert's own fields, then the call's
    async fn help_alert_email(
        &self,
        message: &Message,
        customer: &Customer,
        numbers: &[InvoiceNumber],
        request_id: &str,
        choice: HelpChoice,
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
    ) -> Result<Composed, ComposeError> {
        let seller = company()?;
        let mut invoices = Vec::new();
        for number in numbers {
            invoices.push(self.invoice(&customer.id, number, known).await?);
        }
        let history = self.history(&customer.id, known).await?;
        let mut context = CustomerAlert::new(
            "help",
            customer,
            &invoices,
            &history,
            message.created_at + RESPOND_WITHIN,
            seller.locale,
        );
        context.choice = Some(choice.name());
        context.comment = self.store.help_note(&customer.id, request_id, now).await?;
        let rendered = self.renderer.email("customer_alert", seller.locale, &context)?;
        Ok(Composed::to_finance(rendered, &seller))
    }
}

/// One email's content, before its envelope.
struct Composed {
    rendered: RenderedEmail,
    /// The finance contact, for messages to finance.
    finance_to: Option<Email>,
    headers: Vec<(String, String)>,
}

impl Composed {
    fn to_customer(rendered: RenderedEmail) -> Self {
        Self {
            rendered,
            finance_to: None,
            headers: Vec::new(),
        }
    }

    fn to_finance(rendered: RenderedEmail, seller: &crate::domain::Seller) -> Self {
        Self {
            rendered,
            finance_to: Some(seller.contact.email.clone()),
            headers: Vec::new(),
        }
    }
}

enum ComposeError {
    Store(StoreError),
    Render(RenderError),
    Orphan,
}

impl From<StoreError> for ComposeError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}
impl From<crate::config::ConfigError> for ComposeError {
    fn from(e: crate::config::ConfigError) -> Self {
        Self::Render(RenderError::Load(e.to_string()))
    }
}
impl From<RenderError> for ComposeError {
    fn from(e: RenderError) -> Self {
        Self::Render(e)
    }
}
