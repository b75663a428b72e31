//! A received email, as the receiving rule stored it: read its MIME, find
//! the customer, record the reply once and forward a person's words to
//! finance. The decisions (automatic or not, return date, "already paid",
//! the reply address) are in `domain::reply`.

use chrono::{DateTime, Utc};
use mail_parser::{Address, MessageParser};
use sha2::{Digest, Sha256};

use crate::delivery::Deliverer;
use crate::domain::message::{Message, Purpose};
use crate::domain::reply::{self, Incoming, Reply};
use crate::domain::todo::for_reply;
use crate::domain::{Actor, CustomerId, EventKind, HistoryEvent};
use crate::mail::Mailer;
use crate::store::{ReplyWrite, Store, StoreError, Unmatched};

/// SES receives messages up to 40 MB, headers included; anything larger
/// is not one it stored.
pub const MAX_MESSAGE_BYTES: u64 = 40 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Recorded in the customer's history.
    Reply { customer: CustomerId, reply: Reply },
    /// This message was recorded before (a redelivered event).
    AlreadyRecorded,
    /// Matched no customer: kept for finance, once, nothing else changed.
    Unmatched { reason: String },
}

/// Where a message was stored, as a short stable key: the same object
/// delivered twice is the same message.
pub fn received_key(bucket: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("{bucket}/{key}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn addresses(address: Option<&Address<'_>>) -> Vec<String> {
    address
        .map(|a| {
            a.iter()
                .filter_map(|addr| addr.address())
                .map(|s| s.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
}

/// The parts the decisions read, or why there are none.
pub fn read(raw: &[u8], now: DateTime<Utc>) -> Result<Incoming, String> {
    let message = MessageParser::default()
        .parse(raw)
        .filter(|m| !m.headers().is_empty())
        .ok_or_else(|| "not a MIME message".to_string())?;
    let from = addresses(message.from())
        .into_iter()
        .find(|a| crate::domain::Email::parse(a).is_ok())
        .ok_or_else(|| "no usable sender".to_string())?;
    let mut to = addresses(message.to());
    to.extend(addresses(message.cc()));
    let auto_headers = ["Auto-Submitted", "X-Autoreply", "X-Autorespond", "Precedence"]
        .into_iter()
        .filter_map(|name| {
            message
                .header_raw(name)
                .map(|value| (name.to_ascii_lowercase(), value.trim().to_string()))
        })
        .collect();
    let body = message.body_text(0).map(|b| b.into_owned()).unwrap_or_default();
    Ok(Incoming {
        from,
        to,
        subject: message.subject().unwrap_or_default().chars().take(200).collect(),
        auto_headers,
        text: reply::own_text(&body).chars().take(10_000).collect(),
        received: crate::domain::calendar::business_date(now),
    })
}

/// Records the message `raw`, stored at `source` (`received`, its key from
/// `received_key`). `reply_address` is the address our emails answer to:
/// its `+` tag names the message answered; without one, the sender's
/// address names the customer. A person's reply is forwarded to finance
/// at once (an alert with their words); if SES is not reachable, the
/// outbox keeps the alert for the next sweep.
pub async fn receive<M: Mailer>(
    deliverer: &Deliverer<M>,
    raw: &[u8],
    source: &str,
    received: &str,
    reply_address: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Received, StoreError> {
    let store = &deliverer.store;
    let unmatched = |reason: String, incoming: Option<&Incoming>| Unmatched {
        source: source.to_string(),
        from: incoming.map(|i| i.from.clone()),
        subject: incoming.map(|i| i.subject.clone()),
        reason,
        received_at: now,
    };
    if raw.len() as u64 > MAX_MESSAGE_BYTES {
        return record_unmatched(store, received, unmatched("larger than SES receives".into(), None), now).await;
    }
    let incoming = match read(raw, now) {
        Ok(incoming) => incoming,
        Err(reason) => return record_unmatched(store, received, unmatched(reason, None), now).await,
    };
    let token = reply_address.and_then(|base| reply::token_in(&incoming.to, base));
    let customer = match token {
        // A tag that names no email we sent, or an expired one, matches
        // nothing: the sender is not trusted to say who they are instead.
        Some(message) => match store.reply_address_customer(message, now).await? {
            Some(customer) => customer,
            None => {
                let reason = "reply address unknown or expired".to_string();
                return record_unmatched(store, received, unmatched(reason, Some(&incoming)), now).await;
            }
        },
        None => match customer_by_address(store, &incoming.from).await? {
            Some(customer) => customer,
            None => {
                let reason = "no customer has this address".to_string();
                return record_unmatched(store, received, unmatched(reason, Some(&incoming)), now).await;
            }
        },
    };
    let answer = reply::classify(&incoming);
    let (automatic, back_on, says_paid) = match answer {
        Reply::Person { says_paid } => (false, None, says_paid),
        Reply::Automatic { back_on } => (true, back_on, false),
    };
    let event = HistoryEvent::new(
        customer.clone(),
        now,
        Actor::system("inbox"),
        EventKind::CustomerReplied {
            message_id: token.map(|t| t.to_string()),
            from: incoming.from.clone(),
            subject: incoming.subject.clone(),
            automatic,
            back_on,
            says_paid,
        },
    );
    let todo = (!automatic).then(|| for_reply(&customer, &event.id.to_string(), now));
    let alert = (!automatic).then(|| {
        Message::new(
            customer.clone(),
            Purpose::ReplyAlert {
                event_id: event.id.to_string(),
                says_paid,
            },
            now,
        )
    });
    let text = if automatic { "" } else { incoming.text.as_str() };
    Ok(
        match store
            .record_reply(received, &event, text, todo.as_ref(), alert.as_ref(), now)
            .await?
        {
            ReplyWrite::Written => {
                tracing::info!(customer = %customer, automatic, says_paid, "customer reply recorded");
                deliverer.deliver_now(alert.map(|a| (a.customer_id, a.id)), now).await;
                Received::Reply {
                    customer,
                    reply: answer,
                }
            }
            ReplyWrite::Duplicate => Received::AlreadyRecorded,
        },
    )
}

async fn record_unmatched(
    store: &Store,
    received: &str,
    unmatched: Unmatched,
    now: DateTime<Utc>,
) -> Result<Received, StoreError> {
    let reason = unmatched.reason.clone();
    Ok(match store.record_unmatched(received, &unmatched, now).await? {
        ReplyWrite::Written => {
            tracing::warn!(%reason, source = %unmatched.source, "received email matched no customer");
            Received::Unmatched { reason }
        }
        ReplyWrite::Duplicate => Received::AlreadyRecorded,
    })
}

/// The customer whose address sent the message. Reads every profile: a
/// reply without our reply address is rare (a new message rather than an
/// answer), and the customer list of one company is small.
async fn customer_by_address(store: &Store, from: &str) -> Result<Option<CustomerId>, StoreError> {
    for id in store.customer_ids().await? {
        if let Some(customer) = store.get_customer(&id).await?
            && customer.value.email.as_str().eq_ignore_ascii_case(from)
        {
            return Ok(Some(id));
        }
    }
    Ok(None)
}
