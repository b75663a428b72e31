use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::SdkError;
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{
    Attachment, AttachmentContentDisposition, AttachmentContentTransferEncoding, Body, Content, Destination,
    EmailContent, Message, MessageHeader, MessageTag,
};

use super::{MailStream, Mailer, OutgoingEmail, SendError};

#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
    sender: String,
    configuration_set: Option<String>,
    survey_configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, sender: impl Into<String>, configuration_set: Option<String>) -> Self {
        Self {
            client,
            sender: sender.into(),
            configuration_set,
            survey_configuration_set: None,
        }
    }

    /// The configuration set for surveys (their own reputation and
    /// suppression handling).
    pub fn with_survey_configuration_set(mut self, name: Option<String>) -> Self {
        self.survey_configuration_set = name;
        self
    }
}

fn content(text: &str) -> Result<Content, SendError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| SendError::Rejected(e.to_string()))
}

impl Mailer for SesMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<String, SendError> {
        let mut headers = Vec::with_capacity(email.headers.len());
        for (name, value) in &email.headers {
            headers.push(
                MessageHeader::builder()
                    .name(name)
                    .value(value)
                    .build()
                    .map_err(|e| SendError::Rejected(e.to_string()))?,
            );
        }
        let mut attachments = Vec::with_capacity(email.attachments.len());
        for file in &email.attachments {
            attachments.push(
                Attachment::builder()
                    .file_name(&file.file_name)
                    .content_type(file.content_type)
                    .content_disposition(AttachmentContentDisposition::Attachment)
                    .content_transfer_encoding(AttachmentContentTransferEncoding::Base64)
                    .raw_content(aws_smithy_types::Blob::new(file.bytes.clone()))
                    .build()
                    .map_err(|e| SendError::Rejected(e.to_string()))?,
            );
        }
        let message = Message::builder()
            .set_headers((!headers.is_empty()).then_some(headers))
            .set_attachments((!attachments.is_empty()).then_some(attachments))
            .subject(content(&email.subject)?)
            .body(
                Body::builder()
                    .html(content(&email.html)?)
                    .text(content(&email.text)?)
                    .build(),
            )
            .build();
        let mut request = self
            .client
            .send_email()
            .from_email_address(&self.sender)
            .destination(Destination::builder().to_addresses(email.to.as_str()).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(match email.stream {
                MailStream::Transactional => self.configuration_set.clone(),
                MailStream::Survey => self.survey_configuration_set.clone(),
            });
        if let Some(reply_to) = &email.reply_to {
            request = request.reply_to_addresses(reply_to.as_str());
        }
        for (name, value) in &email.tags {
            let tag = MessageTag::builder()
                .name(name)
                .value(value)
                .build()
                .map_err(|e| SendError::Rejected(e.to_string()))?;
            request = request.email_tags(tag);
        }
        match request.send().await {
            Ok(out) => out
                .message_id
                .ok_or_else(|| SendError::Unknown("SES answered without a message id".into())),
            Err(err) => Err(classify(err)),
        }
    }
}

/// Sorts SES failures into "nothing was sent" and "may have been sent".
fn classify(err: SdkError<SendEmailError, aws_smithy_runtime_api::http::Response>) -> SendError {
    let text = format!("{}", aws_sdk_sesv2::error::DisplayErrorContext(&err));
    match &err {
        SdkError::ServiceError(service) => match service.err() {
            SendEmailError::TooManyRequestsException(_)
            | SendEmailError::LimitExceededException(_)
            | SendEmailError::SendingPausedException(_)
            | SendEmailError::AccountSuspendedException(_) => SendError::Retryable(text),
            SendEmailError::MessageRejected(_)
            | SendEmailError::MailFromDomainNotVerifiedException(_)
            | SendEmailError::BadRequestException(_)
            | SendEmailError::NotFoundException(_) => SendError::Rejected(text),
            _ if service.raw().status().is_server_error() => SendError::Retryable(text),
            _ => SendError::Rejected(text),
        },
        SdkError::ConstructionFailure(_) => SendError::Rejected(text),
        // Refused before dispatch: nothing went out.
        SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout() => SendError::Unknown(text),
        SdkError::DispatchFailure(_) => SendError::Retryable(text),
        _ => SendError::Unknown(text),
    }
}
