//! Bank entries: each one recorded once with what became of it, a mark
//! per booking so the same movement read from another file or format is
//! not applied again, and the review queue (entries waiting for a person,
//! in the open-items index under `REVIEW#<shard>`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::envelope::Envelope;
use super::sharded::Sharded;
use super::tx::{Cond, Part, Tx, TxOutcome, to_item};
use super::{Store, StoreError, Versioned, keys};
use crate::domain::bank::matching::{IgnoreReason, ReviewReason};
use crate::domain::bank::{Allocation, BankEntry, EntryId, Rule, StatementFormat};
use crate::domain::message::Message;
use crate::domain::{Actor, HistoryEvent, Invoice};

/// What became of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EntryOutcome {
    /// Recorded as payments. With `held_minor` > 0 it also waits in the
    /// review queue: finance refunds the rest or it pays the next invoice.
    Applied {
        allocations: Vec<Allocation>,
        held_minor: i64,
        rule: Rule,
        confidence: u8,
    },
    /// Waiting for a person.
    Review {
        reason: ReviewReason,
        suggestion: Vec<Allocation>,
        confidence: u8,
    },
    Ignored {
        reason: IgnoreReason,
    },
    /// A person decided: these payments (possibly none: "not a customer
    /// payment"), and what stays held.
    Resolved {
        allocations: Vec<Allocation>,
        held_minor: i64,
        by: Actor,
        resolved_at: DateTime<Utc>,
        note: Option<String>,
    },
}

/// One bank entry as relance keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankRecord {
    pub entry: BankEntry,
    /// The company's IBAN the statement was for.
    pub account: String,
    pub format: StatementFormat,
    pub imported_at: DateTime<Utc>,
    pub imported_by: Actor,
    pub outcome: EntryOutcome,
    /// What the record says is waiting for a person, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<ReviewReason>,
}

impl BankRecord {
    pub fn id(&self) -> Option<&EntryId> {
        self.entry.id.as_ref()
    }
}

/// One entry's writes: the record (once), the booking's mark (once per
/// format-free booking), and the payments it makes.
pub struct EntryWrite<'a> {
    pub record: &'a BankRecord,
    /// The invoices it pays, at the versions they were read at.
    pub invoices: &'a [(&'a Invoice, u64)],
    /// The dunning version read when deciding the thank-you, if any.
    pub dunning_version: Option<u64>,
    pub events: &'a [HistoryEvent],
    pub messages: &'a [Message],
}

/// How an entry's writes ended.
#[derive(Debug)]
pub enum EntryOutcomeWrite {
    Recorded,
    /// This entry, or the same booking from another file, is already in.
    AlreadyImported,
    /// An invoice or the customer's dunning moved since it was read.
    Moved,
}

fn entry_pk(id: &EntryId) -> String {
    format!("BANK#{id}")
}
const ENTRY_SK: &str = "ENTRY";
fn mark_pk(fingerprint: &EntryId) -> String {
    format!("BANKMARK#{fingerprint}")
}
const MARK_SK: &str = "MARK";
const REVIEW: Sharded = Sharded {
    index: keys::OPEN_INVOICES_INDEX,
    pk: keys::OPEN_PK,
    sk: keys::OPEN_SK,
    prefix: "REVIEW",
    projection: Some("PK"),
};

fn review_keys(id: &EntryId, booked_on: NaiveDate) -> (String, String) {
    (
        format!("{}#{}", REVIEW.prefix, keys::shard_of(id.as_str())),
        format!("{booked_on}#{id}"),
    )
}

/// The booking's mark: which entry claimed it, and the bank's reference
/// if it had one.
#[derive(Serialize, Deserialize)]
struct Mark {
    entry: EntryId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bank_reference: Option<String>,
}

fn record_item<'a>(record: &'a BankRecord, id: &EntryId, version: u64) -> Envelope<&'a BankRecord> {
    let open = record.waiting.map(|_| review_keys(id, record.entry.booked_on));
    // On the to-do under the customer the matching suggests, if any.
    let todo = record.waiting.map(|_| {
        let customer = match &record.outcome {
            EntryOutcome::Review { suggestion, .. } => suggestion.first().map(|a| a.customer.as_str().to_string()),
            EntryOutcome::Applied { allocations, .. } => allocations.first().map(|a| a.customer.as_str().to_string()),
            _ => None,
        };
        crate::domain::todo::Todo::new(
            crate::domain::todo::TodoKind::BankReview,
            customer,
            id.to_string(),
            record.imported_at,
        )
    });
    Envelope::new(entry_pk(id), ENTRY_SK, "bank_entry", record)
        .at_version(version)
        .open(open)
        .waiting(todo.as_ref())
}

impl Store {
    /// Records a new entry and what it pays, all or nothing. The entry's
    /// own id is claimed once; so is its booking's fingerprint, unless the
    /// booking was claimed by an entry the bank named otherwise (two
    /// entries of one day with equal amounts, both with the bank's ref).
    pub async fn record_bank_entry(&self, write: EntryWrite<'_>) -> Result<EntryOutcomeWrite, StoreError> {
        let entry = &write.record.entry;
        let (Some(id), Some(fingerprint)) = (entry.id.as_ref(), entry.fingerprint.as_ref()) else {
            return Err(StoreError::Invalid("a bank entry is recorded with its ids".into()));
        };
        let mut tx = if write.invoices.is_empty() {
            Tx::default()
        } else {
            self.invoice_updates_guarded(write.invoices, write.dunning_version)?
        };
        tx.put(
            self,
            Part::BankEntry,
            to_item(&record_item(write.record, id, 1))?,
            Some(Cond::new("attribute_not_exists(PK)")),
        )?;
        let mark = Envelope::new(
            mark_pk(fingerprint),
            MARK_SK,
            "bank_mark",
            Mark {
                entry: id.clone(),
                bank_reference: entry.bank_reference.clone(),
            },
        );
        let cond = match entry.bank_reference {
            // Another named entry may share this booking's fingerprint; a
            // booking read from a file that names none may not.
            Some(_) => Cond::new("attribute_not_exists(PK) OR attribute_exists(bank_reference)"),
            None => Cond::new("attribute_not_exists(PK)"),
        };
        tx.put(self, Part::BankMark, to_item(&mark)?, Some(cond))?;
        for event in write.events {
            self.put_event(&mut tx, event)?;
        }
        for message in write.messages {
            self.put_message(&mut tx, message)?;
        }
        Ok(match tx.commit(self).await? {
            TxOutcome::Committed => EntryOutcomeWrite::Recorded,
            TxOutcome::ConditionFailed(parts)
                if parts.iter().any(|p| matches!(p, Part::BankEntry | Part::BankMark)) =>
            {
                EntryOutcomeWrite::AlreadyImported
            }
            TxOutcome::ConditionFailed(_) | TxOutcome::Conflict => EntryOutcomeWrite::Moved,
        })
    }

    /// A person's decision on an entry in the review queue, with the
    /// payments it makes: only if the entry is still at `version`.
    pub async fn resolve_bank_entry(
        &self,
        (record, version): (&BankRecord, u64),
        invoices: &[(&Invoice, u64)],
        dunning_version: Option<u64>,
        events: &[HistoryEvent],
        messages: &[Message],
    ) -> Result<TxOutcome, StoreError> {
        let Some(id) = record.id() else {
            return Err(StoreError::Invalid("a bank entry is resolved by its id".into()));
        };
        let mut tx = if invoices.is_empty() {
            Tx::default()
        } else {
            self.invoice_updates_guarded(invoices, dunning_version)?
        };
        tx.put(
            self,
            Part::BankEntry,
            to_item(&record_item(record, id, version + 1))?,
            Some(Cond::new("version = :v").value(":v", super::tx::n(version))),
        )?;
        for event in events {
            self.put_event(&mut tx, event)?;
        }
        for message in messages {
            self.put_message(&mut tx, message)?;
        }
        tx.commit(self).await
    }

    /// Which of `entries` an earlier import recorded already — its own id,
    /// or its booking claimed by an entry that did not name it otherwise
    /// — read 50 entries (100 keys) per BatchGetItem, eventually
    /// consistent: a miss here is caught by the write's condition.
    pub async fn known_bank_entries(
        &self,
        entries: &[&BankEntry],
    ) -> Result<std::collections::HashSet<EntryId>, StoreError> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let mut known = std::collections::HashSet::new();
        for chunk in entries.chunks(50) {
            let mut keys = Vec::with_capacity(chunk.len() * 2);
            for entry in chunk {
                if let (Some(id), Some(mark)) = (&entry.id, &entry.fingerprint) {
                    keys.push(Self::key(entry_pk(id), ENTRY_SK));
                    keys.push(Self::key(mark_pk(mark), MARK_SK));
                }
            }
            // BatchGetItem refuses a key named twice (a bank reference
            // repeated in one file).
            let mut seen = std::collections::HashSet::new();
            keys.retain(|k| seen.insert(k.get(keys::PK).and_then(|v| v.as_s().ok()).cloned()));
            let found = self
                .batch_get(keys, "PK, #entry, bank_reference", &[("#entry", "entry")])
                .await?;
            let text = |item: &std::collections::HashMap<String, AttributeValue>, name: &str| {
                item.get(name).and_then(|v| v.as_s().ok()).cloned()
            };
            let mut marks: std::collections::HashMap<String, Option<String>> = std::collections::HashMap::new();
            for item in &found {
                match text(item, keys::PK) {
                    Some(pk) if pk.starts_with("BANK#") => {
                        if let Some(id) = pk.strip_prefix("BANK#").and_then(|id| EntryId::parse(id).ok()) {
                            known.insert(id);
                        }
                    }
                    Some(pk) => {
                        marks.insert(pk, text(item, "bank_reference"));
                    }
                    None => {}
                }
            }
            for entry in chunk {
                let (Some(id), Some(mark)) = (&entry.id, &entry.fingerprint) else {
                    continue;
                };
                // The same booking, read from a file that did not name it
                // (or this one names none): the same entry.
                if let Some(claimed) = marks.get(&mark_pk(mark))
                    && (entry.bank_reference.is_none() || claimed.is_none())
                {
                    known.insert(id.clone());
                }
            }
        }
        Ok(known)
    }

    pub async fn bank_entry(&self, id: &EntryId) -> Result<Option<Versioned<BankRecord>>, StoreError> {
        let item: Option<Envelope<BankRecord>> = self.get(entry_pk(id), ENTRY_SK).await?;
        Ok(item.map(Envelope::versioned))
    }

    /// The entries waiting for a person, oldest booking first.
    pub async fn review_queue(&self) -> Result<Vec<Versioned<BankRecord>>, StoreError> {
        #[derive(Deserialize)]
        struct Key {
            #[serde(rename = "PK")]
            pk: String,
        }
        let found = self.every_shard_items::<Key>(REVIEW, "9999-12-31").await?;
        let ids: Vec<EntryId> = found
            .into_iter()
            .filter_map(|k| k.pk.strip_prefix("BANK#").and_then(|id| EntryId::parse(id).ok()))
            .collect();
        let found = futures::future::try_join_all(ids.iter().map(|id| self.bank_entry(id))).await?;
        let mut records: Vec<Versioned<BankRecord>> = found
            .into_iter()
            .flatten()
            .filter(|r| r.value.waiting.is_some())
            .collect();
        records.sort_by(|a, b| (a.value.entry.booked_on, a.value.id()).cmp(&(b.value.entry.booked_on, b.value.id())));
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn review_keys_shard_by_id_and_sort_by_booking() {
        let id = crate::domain::bank::EntryId::parse("BE-0123456789abcdef01234567").unwrap_or_else(|e| panic!("{e}"));
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 12).unwrap_or_default();
        let (pk, sk) = super::review_keys(&id, day);
        assert!(pk.starts_with("REVIEW#"), "{pk}");
        assert_eq!(sk, "2026-11-12#BE-0123456789abcdef01234567");
    }
}
