//! Every item key and index attribute of the single table, in one place.

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::domain::{CustomerId, InvoiceNumber};

pub const PK: &str = "PK";
pub const SK: &str = "SK";
/// Sparse index of open invoices by due date.
pub const OPEN_INVOICES_INDEX: &str = "open-invoices";
pub const OPEN_PK: &str = "open_pk";
pub const OPEN_SK: &str = "open_sk";
/// Sparse index of what waits for a person, by deadline.
pub const TODO_INDEX: &str = "todo";
pub const TODO_PK: &str = "todo_pk";
pub const TODO_SK: &str = "todo_sk";
/// Index of every customer profile, sharded by customer.
pub const CUSTOMERS_INDEX: &str = "customers";
pub const LIST_PK: &str = "list_pk";
pub const LIST_SK: &str = "list_sk";
/// Sparse index of emails not yet sent, by next attempt time.
pub const OUTBOX_INDEX: &str = "outbox";
pub const OUTBOX_PK: &str = "outbox_pk";
pub const OUTBOX_SK: &str = "outbox_sk";
/// The TTL attribute (epoch seconds). DynamoDB deletes lazily, so readers
/// treat an expired item as absent themselves.
pub const EXPIRES_AT: &str = "expires_at";

/// Index partitions are sharded so one day's invoices do not all land on a
/// single hot partition.
pub const SHARDS: u32 = 16;

pub fn customer_pk(id: &CustomerId) -> String {
    format!("CUST#{id}")
}
/// The customer a partition key is of (`customer_pk` read back).
pub fn customer_of_pk(pk: &str) -> Option<&str> {
    pk.strip_prefix("CUST#")
}
pub const PROFILE_SK: &str = "PROFILE";

/// A customer's entry in the customers index: its shard, and its id.
pub fn customer_list_keys(id: &CustomerId) -> (String, String) {
    (format!("CUSTOMERS#{}", shard_of(id.as_str())), id.to_string())
}

pub fn invoice_sk(number: &InvoiceNumber) -> String {
    format!("{INVOICE_PREFIX}{number}")
}

pub const EVENT_PREFIX: &str = "EVT#";
pub fn event_sk(at: DateTime<Utc>, id: ulid::Ulid) -> String {
    format!("{EVENT_PREFIX}{}#{id}", at.format("%Y-%m-%dT%H:%M:%S%.3fZ"))
}

/// The first event key at or after `at` (every event at `at` sorts after it).
pub fn events_from(at: DateTime<Utc>) -> String {
    format!("{EVENT_PREFIX}{}", at.format("%Y-%m-%dT%H:%M:%S%.3fZ"))
}

/// After every event key: `~` sorts after the digits of any date.
pub const EVENTS_END: &str = "EVT#~";

/// Marks one bounce or complaint notification as recorded.
pub fn feedback_sk(notification: &str) -> String {
    format!("FEEDBACK#{notification}")
}

pub fn message_sk(id: ulid::Ulid) -> String {
    format!("MSG#{id}")
}

/// The reminder pass's state for one customer: the stage claimed per open
/// invoice and the reminder email in flight. Sorts just before the
/// history (`EVT#`), so one Query reads both.
pub const DUNNING_SK: &str = "DUNNING";

/// The sort key of a message item, by where it lives.
pub fn message_home_sk(home: crate::domain::message::Home, id: ulid::Ulid) -> String {
    match home {
        crate::domain::message::Home::Own => message_sk(id),
        crate::domain::message::Home::Dunning => DUNNING_SK.to_string(),
    }
}

pub fn sequence_pk(series: &str) -> String {
    format!("SEQ#{series}")
}
pub const SEQUENCE_SK: &str = "SEQ";

pub fn idempotency_pk(scope: &str, key: &str) -> String {
    format!("IDEM#{scope}#{key}")
}
pub const IDEMPOTENCY_SK: &str = "IDEM";

pub fn token_pk(hash: &str) -> String {
    format!("TOKEN#{hash}")
}
pub const TOKEN_SK: &str = "TOKEN";

pub fn shard_of(value: &str) -> u32 {
    let digest = Sha256::digest(value.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % SHARDS
}

pub fn open_pk(number: &InvoiceNumber) -> String {
    format!("OPEN#{}", shard_of(number.as_str()))
}
pub fn open_sk(due: NaiveDate, customer: &CustomerId, number: &InvoiceNumber) -> String {
    format!("{due}#{customer}#{number}")
}

/// An open invoice's sort key: by due date, then what the aged balance
/// needs — what is left, its currency and its state (`d` disputed, `h` a
/// help request waits, `p` promised, `l` on a plan) — so the receivables
/// are read from the index alone.
pub fn open_invoice_sk(invoice: &crate::domain::Invoice) -> String {
    let mut flags = String::new();
    for (on, flag) in [
        (invoice.open_dispute().is_some(), 'd'),
        (invoice.dunning.help_request_open, 'h'),
        (invoice.dunning.promise_to_pay.is_some(), 'p'),
        (!invoice.dunning.plan.is_empty(), 'l'),
    ] {
        if on {
            flags.push(flag);
        }
    }
    if flags.is_empty() {
        flags.push('-');
    }
    format!(
        "{}#{}#{}#{flags}",
        open_sk(invoice.due_date, &invoice.customer_id, &invoice.number),
        invoice.remaining_minor(),
        invoice.currency.code()
    )
}

/// The open invoice an open-invoices sort key describes.
pub fn parse_open_invoice_sk(sk: &str) -> Option<crate::domain::receivables::OpenLine> {
    let mut parts = sk.split('#');
    let due_date = parts.next()?.parse().ok()?;
    let customer_id = parts.next()?.to_string();
    let number = parts.next()?.to_string();
    let remaining_minor = parts.next()?.parse().ok()?;
    let currency = parts.next()?.to_string();
    let flags = parts.next()?;
    Some(crate::domain::receivables::OpenLine {
        customer_id,
        number,
        due_date,
        remaining_minor,
        currency,
        disputed: flags.contains('d'),
        help_requested: flags.contains('h'),
        promised: flags.contains('p'),
        on_plan: flags.contains('l'),
    })
}

/// A message's shard in the outbox index, in its lane (emails carrying an
/// issued document wait apart for the function that holds the archive).
pub fn outbox_pk(lane: crate::domain::message::Lane, message: ulid::Ulid) -> String {
    format!("{}#{}", lane.prefix(), shard_of(&message.to_string()))
}
pub fn outbox_sk(at: DateTime<Utc>, message: ulid::Ulid) -> String {
    format!("{}#{message}", at.format("%Y-%m-%dT%H:%M:%S%.3fZ"))
}

/// A customer-page session, by the hash of its cookie value.
pub fn session_pk(hash: &str) -> String {
    format!("SESSION#{hash}")
}
pub const SESSION_SK: &str = "SESSION";

/// A rate-limit counter: one item per scope, key and time window.
pub fn rate_pk(scope: &str, key: &str, window: i64) -> String {
    format!("RATE#{scope}#{key}#{window}")
}
pub const RATE_SK: &str = "RATE";

/// The reminder passes' records: one partition, sorted by when each ran.
pub const PASSES_PK: &str = "PASSES";
pub fn pass_sk(record: &crate::reminders::PassRecord) -> String {
    format!("PASS#{}#{}", record.at.format("%Y-%m-%dT%H:%M:%S%.3fZ"), record.as_of)
}

pub const INVOICE_PREFIX: &str = "INV#";

pub fn survey_sk(id: &str) -> String {
    format!("SURVEY#{id}")
}
/// When the customer was last surveyed: the one item every survey claim
/// conditions on, so two concurrent claims cannot both pass cooling-off.
pub const SURVEY_STATE_SK: &str = "SURVEYS";

/// The free text of a help request, kept apart with a short retention.
pub fn help_note_sk(id: &str) -> String {
    format!("HELP#{id}")
}

pub const CREDIT_PREFIX: &str = "CREDIT#";
pub fn credit_sk(id: &str) -> String {
    format!("{CREDIT_PREFIX}{id}")
}

/// The company's goodwill spending in a month (`2026-11`) or a year
/// (`2026`): one counter item each.
pub fn budget_pk(period: &str) -> String {
    format!("BUDGET#{period}")
}
pub const BUDGET_SK: &str = "BUDGET";

/// What one customer received in goodwill credits in a year.
pub fn customer_credits_sk(year: i32) -> String {
    format!("CREDITS#{year}")
}

/// Credits waiting for their follow-up question share the open-invoices
/// index under their own partitions, keyed by the day it is due.
pub fn follow_up_pk(credit_id: &str) -> String {
    format!("FOLLOW#{}", shard_of(credit_id))
}
pub fn follow_up_sk(on: NaiveDate, customer: &CustomerId, credit_id: &str) -> String {
    format!("{on}#{customer}#{credit_id}")
}

/// A waiting thing's keys in the to-do index: sharded by its reference,
/// sorted by deadline; the sort key carries the whole entry, so the index
/// needs no projection beyond its keys.
pub fn todo_keys(todo: &crate::domain::todo::Todo) -> (String, String) {
    (
        format!("TODO#{}", shard_of(&todo.reference)),
        format!(
            "{}#{}#{}#{}#{}",
            todo.deadline.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
            todo.kind.name(),
            todo.customer_id.as_deref().unwrap_or("-"),
            todo.reference,
            todo.since.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        ),
    )
}

/// The entry a to-do sort key describes.
pub fn parse_todo_sk(sk: &str) -> Option<crate::domain::todo::Todo> {
    let mut parts = sk.split('#');
    let deadline = parts.next()?.parse::<DateTime<Utc>>().ok()?;
    let kind = crate::domain::todo::TodoKind::parse(parts.next()?)?;
    let customer = parts.next()?;
    let reference = parts.next()?.to_string();
    let since = parts.next()?.parse::<DateTime<Utc>>().ok()?;
    Some(crate::domain::todo::Todo {
        kind,
        customer_id: (customer != "-").then(|| customer.to_string()),
        reference,
        since,
        deadline,
    })
}
