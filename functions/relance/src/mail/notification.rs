//! SES event notifications (bounce, complaint), as a configuration set's
//! event destination publishes them, read into what relance needs. The
//! tags relance put on the email (`customer`, `message`, `stream`) come
//! back in `mail.tags`.

use std::collections::HashMap;

use serde::Deserialize;

use crate::domain::CustomerId;
use crate::domain::feedback::{Signal, Stream};

/// One bounce or complaint, about one email, for one or more recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// SES's id of this notification: the same notification delivered
    /// twice has the same id.
    pub notification_id: String,
    pub signal: Signal,
    pub recipients: Vec<String>,
    /// Absent when the email was not sent by relance (or before it tagged
    /// its emails): nothing to attach the notice to.
    pub customer: Option<CustomerId>,
    /// The outbox message the email came from.
    pub message_id: String,
    pub stream: Stream,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    // Event publishing says `eventType`; identity notifications say
    // `notificationType`. Both carry the same objects.
    #[serde(alias = "notificationType")]
    event_type: String,
    #[serde(default)]
    bounce: Option<Bounce>,
    #[serde(default)]
    complaint: Option<Complaint>,
    mail: Mail,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bounce {
    feedback_id: String,
    bounce_type: String,
    #[serde(default)]
    bounce_sub_type: String,
    bounced_recipients: Vec<Recipient>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Complaint {
    feedback_id: String,
    #[serde(default)]
    complaint_feedback_type: Option<String>,
    complained_recipients: Vec<Recipient>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    email_address: String,
}

#[derive(Deserialize)]
struct Mail {
    #[serde(default)]
    tags: HashMap<String, Vec<String>>,
}

/// Reads one notification. `Ok(None)` for the other event types a
/// destination may be configured to publish (deliveries, opens): not ours
/// to act on. An error says what is wrong with the document.
pub fn parse_notification(json: &str) -> Result<Option<Notice>, String> {
    let raw: Raw = serde_json::from_str(json).map_err(|e| format!("not an SES notification: {e}"))?;
    let tag = |name: &str| raw.mail.tags.get(name).and_then(|v| v.first()).cloned();
    let (notification_id, signal, recipients) = match raw.event_type.as_str() {
        "Bounce" => {
            let b = raw.bounce.ok_or("a Bounce without its `bounce` object")?;
            let detail = if b.bounce_sub_type.is_empty() {
                b.bounce_type.clone()
            } else {
                format!("{} ({})", b.bounce_type, b.bounce_sub_type)
            };
            let signal = Signal::Bounce {
                // `Undetermined` is not proof the address is dead.
                permanent: b.bounce_type == "Permanent",
                detail,
            };
            (b.feedback_id, signal, b.bounced_recipients)
        }
        "Complaint" => {
            let c = raw.complaint.ok_or("a Complaint without its `complaint` object")?;
            let signal = Signal::Complaint {
                detail: c.complaint_feedback_type.unwrap_or_else(|| "not given".into()),
            };
            (c.feedback_id, signal, c.complained_recipients)
        }
        _ => return Ok(None),
    };
    Ok(Some(Notice {
        notification_id,
        signal,
        recipients: recipients.into_iter().map(|r| r.email_address).collect(),
        customer: tag("customer").and_then(|id| CustomerId::parse(&id).ok()),
        message_id: tag("message").unwrap_or_default(),
        // Untagged means sent before surveys had their own set: invoices.
        stream: tag("stream")
            .and_then(|s| Stream::parse(&s))
            .unwrap_or(Stream::Transactional),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags() -> &'static str {
        r#""tags": {"ses:configuration-set": ["relance-prod-surveys"], "customer": ["C-042"], "message": ["01JD0000000000000000000000"], "stream": ["survey"]}"#
    }

    #[test]
    fn a_permanent_bounce_as_ses_publishes_it() {
        let json = format!(
            r#"{{"eventType": "Bounce",
                "bounce": {{"feedbackId": "0102-abc", "bounceType": "Permanent", "bounceSubType": "NoEmail",
                            "bouncedRecipients": [{{"emailAddress": "camille@example.fr", "status": "5.1.1"}}],
                            "timestamp": "2026-11-20T08:00:03.000Z"}},
                "mail": {{"messageId": "ses-1", "destination": ["camille@example.fr"], {}}}}}"#,
            tags()
        );
        let notice = parse_notification(&json).ok().flatten();
        assert_eq!(
            notice,
            Some(Notice {
                notification_id: "0102-abc".into(),
                signal: Signal::Bounce {
                    permanent: true,
                    detail: "Permanent (NoEmail)".into()
                },
                recipients: vec!["camille@example.fr".into()],
                customer: CustomerId::parse("C-042").ok(),
                message_id: "01JD0000000000000000000000".into(),
                stream: Stream::Survey,
            })
        );
    }

    #[test]
    fn a_complaint_in_the_older_notification_shape() {
        let json = r#"{"notificationType": "Complaint",
            "complaint": {"feedbackId": "0102-def", "complainedRecipients": [{"emailAddress": "a@b.fr"}]},
            "mail": {"messageId": "ses-2"}}"#;
        let notice = parse_notification(json).ok().flatten();
        assert_eq!(
            notice.as_ref().map(|n| (&n.signal, n.stream, n.customer.is_none())),
            Some((
                &Signal::Complaint {
                    detail: "not given".into()
                },
                Stream::Transactional,
                true
            ))
        );
    }

    #[test]
    fn other_events_are_not_ours_and_garbage_is_an_error() {
        let delivery = r#"{"eventType": "Delivery", "delivery": {}, "mail": {}}"#;
        assert_eq!(parse_notification(delivery), Ok(None));
        let undetermined = r#"{"eventType": "Bounce", "bounce": {"feedbackId": "x", "bounceType": "Undetermined",
            "bouncedRecipients": [{"emailAddress": "a@b.fr"}]}, "mail": {}}"#;
        assert!(matches!(
            parse_notification(undetermined),
            Ok(Some(Notice {
                signal: Signal::Bounce { permanent: false, .. },
                ..
            }))
        ));
        assert!(parse_notification("{}").is_err());
        assert!(parse_notification(r#"{"eventType": "Bounce", "mail": {}}"#).is_err());
    }
}
