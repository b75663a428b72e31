//! Delivering outbox messages: claim (lease) → render → send → record.
//! A crash, a retry or a throttled SES can neither lose nor double an
//! email: only the lease holder sends, and a failure gives the message
//! back for a later attempt.

use std::sync::Arc;

mod compose;

use compose::ComposeError;

use chrono::{DateTime, Duration, Utc};
use ulid::Ulid;

use crate::domain::contact::{self, Contact};
use crate::domain::message::{Home, LEASE, Lane, Message, Purpose, retry_delay};
use crate::domain::{Actor, Customer, CustomerId, EventKind, HistoryEvent, Invoice};
use crate::mail::{Attachment, Mailer, SendError};
use crate::render::Renderer;
use crate::store::{Store, StoreError, TxOutcome};

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
    /// Not sent, and never will be: what it was to ask for is settled.
    Withdrawn {
        reason: String,
    },
    /// Not sent yet: the customer heard from relance too recently (the
    /// contact budget, `domain::contact`). It waits in the outbox.
    Postponed {
        until: DateTime<Utc>,
    },
    /// The send may or may not have happened; the lease expires and a
    /// later attempt settles it.
    Unknown {
        reason: String,
    },
}

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliverySummary {
    pub sent: usize,
    pub failed: usize,
    pub unknown: usize,
    pub not_claimed: usize,
    /// Reminders taken back unsent: everything they asked for was paid,
    /// credited or contested since they were decided.
    #[serde(default)]
    pub withdrawn: usize,
    /// Held back by the contact budget, to be sent when it allows.
    #[serde(default)]
    pub postponed: usize,
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

    /// Claims a message that carries an issued document and sends it with
    /// the document's files, which only the caller holds (the archive).
    pub async fn deliver_with(
        &self,
        home: Home,
        customer: &CustomerId,
        id: Ulid,
        now: DateTime<Utc>,
        attachments: &[Attachment],
    ) -> Result<DeliveryOutcome, DeliveryError> {
        let Some(message) = self
            .store
            .claim_message_in(home, customer, id, now, now + LEASE)
            .await?
        else {
            return Ok(DeliveryOutcome::NotClaimed);
        };
        self.send_with(home, &message, now, None, Record::EventAndStatus, attachments)
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
        self.send_with(home, message, now, known, record, &[]).await
    }

    async fn send_with(
        &self,
        home: Home,
        message: &Message,
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
        record: Record,
        attachments: &[Attachment],
    ) -> Result<DeliveryOutcome, DeliveryError> {
        let id = message.id;
        if let Some(until) = self.held_back(message, now).await? {
            let event = HistoryEvent::new(
                message.customer_id.clone(),
                now,
                Actor::system("mailer"),
                EventKind::MessagePostponed {
                    message_id: id.to_string(),
                    kind: message.purpose.template().to_string(),
                    until,
                },
            );
            self.store
                .release_message(home, message, "waits for the contact budget", until, &event)
                .await?;
            tracing::info!(message_id = %id, %until, "email postponed by the contact budget");
            return Ok(DeliveryOutcome::Postponed { until });
        }
        let email = match self.compose(message, now, known, attachments).await {
            Ok(email) => email,
            Err(ComposeError::Store(e)) => return Err(e.into()),
            Err(ComposeError::Orphan) => return Err(DeliveryError::Orphan(id)),
            Err(ComposeError::Moot) => {
                let reason = match message.purpose {
                    Purpose::Thanks { .. } => "the payment it thanked for was refunded since",
                    _ => "everything it asked for was paid, credited or contested since",
                }
                .to_string();
                self.withdraw(home, message, &reason, now).await?;
                return Ok(DeliveryOutcome::Withdrawn { reason });
            }
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
                if email.reply_to.as_ref() != self.reply_to.as_ref() {
                    // Without it, a reply is still matched by its sender.
                    if let Err(e) = self
                        .store
                        .remember_reply_address(message.id, &message.customer_id, now)
                        .await
                    {
                        tracing::warn!(message_id = %message.id, error = %e, "reply address not remembered");
                    }
                }
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
    /// failed and messages whose sender died holding the lease. Emails
    /// that carry an issued document are not among them: the archive
    /// sends those, with their files.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<DeliverySummary, DeliveryError> {
        let mut summary = DeliverySummary::default();
        for due in self.store.due_messages(now, Lane::Mail).await? {
            // Due while SENDING: its sender died holding the lease.
            if due.status == crate::domain::message::MessageStatus::Sending {
                summary.stuck += 1;
            }
            match self.deliver_in(due.home, &due.customer_id, due.id, now).await? {
                DeliveryOutcome::Sent { .. } => summary.sent += 1,
                DeliveryOutcome::Failed { .. } => summary.failed += 1,
                DeliveryOutcome::Unknown { .. } => summary.unknown += 1,
                DeliveryOutcome::NotClaimed => summary.not_claimed += 1,
                DeliveryOutcome::Withdrawn { .. } => summary.withdrawn += 1,
                DeliveryOutcome::Postponed { .. } => summary.postponed += 1,
            }
        }
        Ok(summary)
    }

    /// When a message that can wait must: the customer's last contact was
    /// less than the budget's gap ago. Reminders are not asked here: the
    /// pass decides them with the same rule, over the history it reads.
    async fn held_back(&self, message: &Message, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        let Some(kind) = Contact::of_purpose(&message.purpose) else {
            return Ok(None);
        };
        if !kind.can_wait() || kind == Contact::Reminder {
            return Ok(None);
        }
        let gap = crate::config::contact_gap();
        // Only the gap's worth of history: the cost does not grow with
        // the length of the relationship.
        let recent = self.store.history_since(&message.customer_id, now - gap).await?;
        let last = contact::last_contact(recent.iter().map(|e| (&e.kind, e.at)));
        Ok(match contact::decide(kind, last, gap, now) {
            contact::Decision::Wait { until } => Some(until),
            contact::Decision::Send => None,
        })
    }

    /// Takes a message back unsent, saying why in the history.
    pub async fn withdraw(
        &self,
        home: Home,
        message: &Message,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<TxOutcome, StoreError> {
        let event = HistoryEvent::new(
            message.customer_id.clone(),
            now,
            Actor::system("mailer"),
            EventKind::MessageWithdrawn {
                message_id: message.id.to_string(),
                reason: reason.to_string(),
            },
        );
        let outcome = self.store.withdraw_message(home, message, now, &event).await?;
        tracing::info!(message_id = %message.id, %reason, ?outcome, "email withdrawn");
        Ok(outcome)
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
}
