//! Sending email. The `Mailer` trait is the seam the delivery code uses;
//! `SesMailer` is the one implementation, over SES v2.

mod notification;
mod ses;

use std::future::Future;

pub use notification::{Notice, parse_notification};
pub use ses::SesMailer;

use crate::domain::Email;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: Email,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub reply_to: Option<Email>,
    /// Tags for SES events (message kind, customer id): never an address.
    pub tags: Vec<(String, String)>,
    /// Extra headers, e.g. `List-Unsubscribe` on surveys.
    pub headers: Vec<(String, String)>,
    pub stream: MailStream,
    /// Files sent with it: an invoice's or credit note's documents.
    pub attachments: Vec<Attachment>,
}

/// A file attached to an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub file_name: String,
    /// Its MIME type: `application/pdf`, `application/xml`.
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Which SES configuration set an email goes through. Surveys have their
/// own, so complaints about surveys can never pause invoicing.
pub use crate::domain::feedback::Stream as MailStream;

/// Why a send failed, sorted by what the caller should do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// SES refused before sending (throttling, account paused, service
    /// unavailable): retry later; nothing went out.
    #[error("not sent, retry later: {0}")]
    Retryable(String),
    /// SES refused this message for good (bad address, rejected content).
    #[error("rejected: {0}")]
    Rejected(String),
    /// The request may or may not have reached SES (timeout, connection
    /// lost after sending). Retrying may duplicate; the lease decides.
    #[error("outcome unknown: {0}")]
    Unknown(String),
}

pub trait Mailer: Send + Sync {
    /// Sends one email; returns the provider's message id.
    fn send(&self, email: &OutgoingEmail) -> impl Future<Output = Result<String, SendError>> + Send;
}
