//! The one shape of an item in the table: its keys, what it is, the
//! version it is at (for items changed under a condition), the keys of the
//! sparse indexes it is in while it waits for something, and the thing
//! itself, flattened. Every entity is written and read through it, so the
//! attributes the indexes and conditions rely on are spelt once.

use serde::{Deserialize, Serialize};

use super::Versioned;

#[derive(Serialize, Deserialize)]
pub(super) struct Envelope<T> {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    /// Moved on by every conditional change (absent on items never changed
    /// in place: events, messages, sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// The open-items index: open invoices by due date, credit follow-ups
    /// by day. Present only while there is something to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_sk: Option<String>,
    /// The to-do index: what waits for a person, by deadline (the keys
    /// say everything the to-do lists: `keys::todo_keys`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub todo_pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub todo_sk: Option<String>,
    /// The customers index: every customer profile, by id (the lists and
    /// the balance read the portfolio from it, never by a Scan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_sk: Option<String>,
    /// The outbox index: messages not sent yet, by next attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox_pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox_sk: Option<String>,
    #[serde(flatten)]
    pub body: T,
}

impl<T> Envelope<T> {
    pub fn new(pk: String, sk: impl Into<String>, entity: &str, body: T) -> Self {
        Self {
            pk,
            sk: sk.into(),
            entity: entity.into(),
            version: None,
            open_pk: None,
            open_sk: None,
            todo_pk: None,
            todo_sk: None,
            list_pk: None,
            list_sk: None,
            outbox_pk: None,
            outbox_sk: None,
            body,
        }
    }

    pub fn at_version(self, version: u64) -> Self {
        Self {
            version: Some(version),
            ..self
        }
    }

    /// In the open-items index under these keys, or out of it.
    pub fn open(self, keys: Option<(String, String)>) -> Self {
        let (open_pk, open_sk) = keys.unzip();
        Self {
            open_pk,
            open_sk,
            ..self
        }
    }

    /// In the to-do index while it waits for a person, or out of it.
    pub fn waiting(self, todo: Option<&crate::domain::todo::Todo>) -> Self {
        let (todo_pk, todo_sk) = todo.map(super::keys::todo_keys).unzip();
        Self {
            todo_pk,
            todo_sk,
            ..self
        }
    }

    /// In the customers index under these keys.
    pub fn listed(self, (pk, sk): (String, String)) -> Self {
        Self {
            list_pk: Some(pk),
            list_sk: Some(sk),
            ..self
        }
    }

    pub fn in_outbox(self, pk: String, sk: String) -> Self {
        Self {
            outbox_pk: Some(pk),
            outbox_sk: Some(sk),
            ..self
        }
    }

    /// The thing with the version it was read at.
    pub fn versioned(self) -> Versioned<T> {
        Versioned {
            value: self.body,
            version: self.version.unwrap_or(0),
        }
    }
}
