//! Link tokens for the customer pages: random, stored only as a hash,
//! bound to a purpose, a customer and an object, expiring and revocable.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::CustomerId;

/// 256 bits from the OS generator: well past the 128 bits a guess must beat.
const TOKEN_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    ViewInvoice,
    /// "I have a difficulty": the object lists the reminded invoices.
    Difficulty,
    /// A survey question: the object is the survey id.
    Survey,
    /// One-click unsubscribe from surveys (never from invoices).
    Unsubscribe,
    /// A reminder's one token: the reminded invoices' pages (`/i/{token}/{number}`)
    /// and the difficulty form (`/help/{token}`). The object lists the
    /// invoices. One stored grant per reminder instead of one per link.
    Reminder,
}

impl LinkPurpose {
    /// The first path segment of the link in the email.
    pub fn path(self) -> &'static str {
        match self {
            LinkPurpose::ViewInvoice => "i",
            LinkPurpose::Difficulty => "help",
            LinkPurpose::Survey => "s",
            LinkPurpose::Unsubscribe => "u",
            LinkPurpose::Reminder => "i",
        }
    }

    /// Whether a grant for `self` opens a page that asks for `page`.
    pub fn covers(self, page: LinkPurpose) -> bool {
        self == page
            || (self == LinkPurpose::Reminder && matches!(page, LinkPurpose::ViewInvoice | LinkPurpose::Difficulty))
    }
}

/// What a token grants, as stored under its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkGrant {
    pub purpose: LinkPurpose,
    pub customer_id: CustomerId,
    /// The invoice number (or other object) the link is about.
    pub object: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: i64,
    pub revoked: bool,
}

/// A short-lived session a valid token was swapped for, so the token
/// leaves the address bar. It carries what the token granted, the token's
/// hash (a revoked token ends its sessions) and the one-time value the
/// next form must carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkSession {
    pub purpose: LinkPurpose,
    pub customer_id: CustomerId,
    pub object: String,
    pub token_hash: String,
    pub nonce: String,
    pub expires_at: i64,
}

/// How long a session lives: long enough to read an invoice and fill in a
/// form, short enough that a forgotten tab is not a way in.
pub const SESSION_MINUTES: i64 = 30;

/// Why a link is refused. The customer sees the same plain page for all
/// of them; the reason is for logs and tests only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefusal {
    #[error("unknown or malformed token")]
    Unknown,
    #[error("token expired")]
    Expired,
    #[error("token revoked")]
    Revoked,
    #[error("token used for another purpose")]
    WrongPurpose,
}

/// A fresh token: the text goes into the link, only the hash is stored.
pub struct NewToken {
    pub text: String,
    pub hash: String,
}

pub fn generate() -> NewToken {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    let text = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&text);
    NewToken { text, hash }
}

pub fn hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a string can be a token at all; anything else is refused
/// without touching the store.
pub fn well_formed(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl LinkGrant {
    /// Checks a stored grant against the purpose the page serves.
    pub fn check(&self, purpose: LinkPurpose, now: DateTime<Utc>) -> Result<(), LinkRefusal> {
        self.alive(now)?;
        if !self.purpose.covers(purpose) {
            return Err(LinkRefusal::WrongPurpose);
        }
        Ok(())
    }

    /// Neither revoked nor expired (whatever the purpose).
    pub fn alive(&self, now: DateTime<Utc>) -> Result<(), LinkRefusal> {
        if self.revoked {
            return Err(LinkRefusal::Revoked);
        }
        if now.timestamp() >= self.expires_at {
            return Err(LinkRefusal::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = generate();
        let b = generate();
        assert_ne!(a.text, b.text);
        assert!(well_formed(&a.text), "{}", a.text);
        assert_eq!(a.hash, hash(&a.text));
        assert_ne!(a.hash, a.text);
        assert_eq!(a.hash.len(), 64);
    }

    #[test]
    fn a_reminder_token_opens_its_invoices_and_the_difficulty_form_only() {
        use LinkPurpose::*;
        let pages = [ViewInvoice, Difficulty, Survey, Unsubscribe, Reminder];
        let opened: Vec<LinkPurpose> = pages.into_iter().filter(|p| Reminder.covers(*p)).collect();
        assert_eq!(opened, [ViewInvoice, Difficulty, Reminder]);
        for purpose in [ViewInvoice, Difficulty, Survey, Unsubscribe] {
            let others: Vec<LinkPurpose> = pages
                .into_iter()
                .filter(|p| *p != purpose && purpose.covers(*p))
                .collect();
            assert!(others.is_empty(), "{purpose:?} opens only its own page, not {others:?}");
        }
    }
}
