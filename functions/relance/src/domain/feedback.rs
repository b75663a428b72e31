//! What the mail system tells us after a send — a bounce or a complaint —
//! and what relance does about it. Pure: the notification is parsed
//! elsewhere, the store applies the decision.

use serde::{Deserialize, Serialize};

/// Which configuration set an email went through. Surveys have their own,
/// so that a complaint about a survey never stops invoices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    #[default]
    Transactional,
    Survey,
}

impl Stream {
    pub fn name(self) -> &'static str {
        match self {
            Stream::Transactional => "transactional",
            Stream::Survey => "survey",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "transactional" => Some(Stream::Transactional),
            "survey" => Some(Stream::Survey),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// `permanent`: the address does not exist or refuses mail for good
    /// (SES's `Permanent`, including an address on its suppression list).
    /// Otherwise a full mailbox, a greylisting server: worth knowing, not
    /// worth giving up on.
    Bounce { permanent: bool, detail: String },
    /// The recipient marked the email as spam.
    Complaint { detail: String },
}

/// What relance does with one signal about one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// No more email to this address: reminders alert finance instead,
    /// until finance records another address.
    SuppressAddress,
    /// No more surveys; invoices and reminders still come.
    StopSurveys,
    /// Written to the history, nothing changes.
    RecordOnly,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::SuppressAddress => "address_suppressed",
            Action::StopSurveys => "surveys_stopped",
            Action::RecordOnly => "recorded",
        }
    }
}

/// The decision for one recipient of one email.
///
/// `current_address`: whether the bounced or complaining address is still
/// the customer's. Finance may have corrected it since the send; the
/// signal then says nothing about the address we use now.
pub fn decide(signal: &Signal, stream: Stream, current_address: bool) -> Action {
    if !current_address {
        return Action::RecordOnly;
    }
    match (signal, stream) {
        (Signal::Bounce { permanent: true, .. }, _) => Action::SuppressAddress,
        (Signal::Bounce { permanent: false, .. }, _) => Action::RecordOnly,
        // A survey felt unwelcome: stop asking, keep invoicing.
        (Signal::Complaint { .. }, Stream::Survey) => Action::StopSurveys,
        // Invoices and reminders reported as spam: carrying on would harm
        // the sending reputation every customer's invoices depend on, and
        // would not reach this customer anyway. A person takes over.
        (Signal::Complaint { .. }, Stream::Transactional) => Action::SuppressAddress,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_signal_on_each_stream() {
        use Action::*;
        use Stream::*;
        let hard = Signal::Bounce {
            permanent: true,
            detail: "General".into(),
        };
        let soft = Signal::Bounce {
            permanent: false,
            detail: "MailboxFull".into(),
        };
        let spam = Signal::Complaint { detail: "abuse".into() };
        #[rustfmt::skip]
        let table = [
            // signal, stream,        still the customer's address, action
            (&hard, Transactional, true,  SuppressAddress),
            (&hard, Survey,        true,  SuppressAddress),
            (&soft, Transactional, true,  RecordOnly),
            (&soft, Survey,        true,  RecordOnly),
            (&spam, Transactional, true,  SuppressAddress),
            (&spam, Survey,        true,  StopSurveys),
            (&hard, Transactional, false, RecordOnly),
            (&spam, Transactional, false, RecordOnly),
            (&spam, Survey,        false, RecordOnly),
        ];
        for (signal, stream, current, expected) in table {
            assert_eq!(
                decide(signal, stream, current),
                expected,
                "{signal:?} on {stream:?}, current {current}"
            );
        }
    }

    #[test]
    fn streams_round_trip_by_name() {
        for stream in [Stream::Transactional, Stream::Survey] {
            assert_eq!(Stream::parse(stream.name()), Some(stream));
        }
        assert_eq!(Stream::parse("marketing"), None);
    }
}
