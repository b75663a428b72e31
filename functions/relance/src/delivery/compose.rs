//! What a message says: the email each purpose becomes, from the store's
//! records (or what a reminder pass already read) and the templates.

use chrono::{DateTime, Utc};

use crate::config::company;
use crate::domain::calendar::business_date;
use crate::domain::dunning::Tone;
use crate::domain::help::HelpChoice;
use crate::domain::message::{Message, NoticeRef, Purpose};
use crate::domain::survey::Question;
use crate::domain::todo::TodoKind;
use crate::domain::{Customer, CustomerId, Email, EventKind, HistoryEvent, Invoice, InvoiceNumber};
use crate::links::{self, LinkGrant, LinkPurpose};
use crate::mail::{Attachment, Mailer, OutgoingEmail};
use crate::render::{RenderError, RenderedEmail};
use crate::store::StoreError;
use crate::view::{
    BookCopyEmail, CorrectionView, CreditEmail, CustomerAlert, FinanceAlert, InvoiceEmail, InvoiceView, ReminderEmail,
    SurveyEmail,
};

use super::{Deliverer, Known, RESPOND_WITHIN};

impl<M: Mailer> Deliverer<M> {
    /// A fresh link per attempt: only its hash is stored, so the text
    /// exists only in the email that carries it.
    async fn link(
        &self,
        purpose: LinkPurpose,
        customer: &CustomerId,
        object: String,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let token = self.token(purpose, customer, object, now).await?;
        Ok(format!("{}/{}/{token}", self.public_url, purpose.path()))
    }

    /// Stores a fresh grant and returns the token's text.
    async fn token(
        &self,
        purpose: LinkPurpose,
        customer: &CustomerId,
        object: String,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let token = links::generate();
        let grant = LinkGrant {
            purpose,
            customer_id: customer.clone(),
            object,
            created_at: now,
            expires_at: (now + self.link_ttl).timestamp(),
            revoked: false,
        };
        self.store.put_link(&token.hash, &grant).await?;
        Ok(token.text)
    }

    /// The invoice a message is about; a missing one makes the message an orphan.
    async fn invoice(
        &self,
        customer: &CustomerId,
        number: &InvoiceNumber,
        known: Option<&Known<'_>>,
    ) -> Result<Invoice, ComposeError> {
        if let Some(invoice) = known.and_then(|k| k.invoices.iter().find(|i| &i.number == number)) {
            return Ok(invoice.clone());
        }
        Ok(self
            .store
            .get_invoice(customer, number)
            .await?
            .ok_or(ComposeError::Orphan)?
            .value)
    }

    async fn history(&self, customer: &CustomerId, known: Option<&Known<'_>>) -> Result<Vec<HistoryEvent>, StoreError> {
        match known {
            Some(k) => Ok(k.history.to_vec()),
            None => self.store.full_history(customer).await,
        }
    }

    /// The invoice and a fresh personal link to its page.
    async fn invoice_with_link(
        &self,
        customer: &CustomerId,
        number: &InvoiceNumber,
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
    ) -> Result<(Invoice, String), ComposeError> {
        let invoice = self.invoice(customer, number, known).await?;
        let link = self
            .link(LinkPurpose::ViewInvoice, customer, number.to_string(), now)
            .await?;
        Ok((invoice, link))
    }

    /// The email a message becomes, with the files it carries (an issued
    /// document's; none for the others).
    pub(super) async fn compose(
        &self,
        message: &Message,
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
        attachments: &[Attachment],
    ) -> Result<OutgoingEmail, ComposeError> {
        let attached = file_names(attachments);
        let customer = match known {
            Some(k) => k.customer.clone(),
            None => {
                self.store
                    .get_customer(&message.customer_id)
                    .await?
                    .ok_or(ComposeError::Orphan)?
                    .value
            }
        };
        let composed = match &message.purpose {
            Purpose::Invoice { number } | Purpose::Thanks { number } => {
                self.invoice_email(message, &customer, number, now, known, attached)
                    .await?
            }
            Purpose::Reminder {
                numbers,
                stage,
                tone,
                notice,
                ..
            } => {
                self.reminder_email(&customer, numbers, (stage, *tone, notice.as_ref()), now, known)
                    .await?
            }
            Purpose::FinanceAlert { numbers, stage, reason } => {
                self.finance_alert_email(&customer, numbers, stage, reason, known)
                    .await?
            }
            Purpose::Survey { survey_id, question } => self.survey_email(&customer, survey_id, *question, now).await?,
            Purpose::Credit { credit_id, .. } => self.credit_email(&customer, credit_id, attached).await?,
            Purpose::BookCopy { number, credit_id } => {
                self.book_copy_email(&customer, number, credit_id.as_deref(), attached)
                    .await?
            }
            Purpose::SurveyAlert { question, score, .. } => {
                self.survey_alert_email(message, &customer, *question, *score, known)
                    .await?
            }
            Purpose::HelpAlert {
                numbers,
                request_id,
                choice,
            } => {
                self.help_alert_email(message, &customer, numbers, request_id, *choice, now, known)
                    .await?
            }
            Purpose::ReplyAlert { event_id, says_paid } => {
                self.reply_alert_email(message, &customer, event_id, *says_paid, now, known)
                    .await?
            }
            Purpose::Escalation { kind, reference, since } => {
                self.escalation_email(&customer, *kind, reference, *since, known)
                    .await?
            }
        };
        let to = match composed.to {
            Some(to) => to,
            None if message.purpose.to_finance() => return Err(ComposeError::Orphan),
            None => customer.email,
        };
        let stream = message.purpose.stream();
        Ok(OutgoingEmail {
            to,
            subject: composed.rendered.subject,
            html: composed.rendered.html,
            text: composed.rendered.text,
            reply_to: self.reply_to_of(message),
            // What a bounce or complaint notification needs to find its way
            // back: SES returns these tags with it.
            tags: vec![
                ("kind".into(), message.purpose.template().into()),
                ("message".into(), message.id.to_string()),
                ("customer".into(), message.customer_id.to_string()),
                ("stream".into(), stream.name().into()),
            ],
            stream,
            headers: composed.headers,
            attachments: attachments.to_vec(),
        })
    }

    /// Where the customer's answer goes: the configured address, tagged
    /// with this message's id (`factures+r<id>@…`) so the reply is matched
    /// to its customer and message. Finance's own emails keep it plain.
    pub(super) fn reply_to_of(&self, message: &Message) -> Option<crate::domain::Email> {
        let base = self.reply_to.as_ref()?;
        if crate::domain::contact::Contact::of_purpose(&message.purpose).is_none() {
            return Some(base.clone());
        }
        crate::domain::reply::reply_address(base.as_str(), message.id)
            .and_then(|tagged| crate::domain::Email::parse(&tagged).ok())
            .or_else(|| Some(base.clone()))
    }

    async fn invoice_email(
        &self,
        message: &Message,
        customer: &Customer,
        number: &InvoiceNumber,
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
        attached: String,
    ) -> Result<Composed, ComposeError> {
        let (invoice, link) = self.invoice_with_link(&customer.id, number, now, known).await?;
        // A thank-you the contact budget held back, for a payment refunded
        // since: there is nothing to thank for any more.
        if matches!(message.purpose, Purpose::Thanks { .. }) && invoice.remaining_minor() > 0 {
            return Err(ComposeError::Moot);
        }
        let context = InvoiceEmail {
            invoice: InvoiceView::new(&invoice, customer.locale),
            link,
            attached,
        };
        let rendered = self
            .renderer
            .email(message.purpose.template(), customer.locale, &context)?;
        Ok(Composed::to_customer(rendered))
    }

    async fn reminder_email(
        &self,
        customer: &Customer,
        numbers: &[InvoiceNumber],
        (stage, tone, notice): (&str, Tone, Option<&NoticeRef>),
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
    ) -> Result<Composed, ComposeError> {
        let mut asked = Vec::new();
        for number in numbers {
            let invoice = self.invoice(&customer.id, number, known).await?;
            // Paid, credited or contested since the reminder was decided
            // (its first attempt failed, or it waited for a letter): it
            // is not asked for any more.
            if invoice.asks_payment() {
                asked.push(invoice);
            }
        }
        if asked.is_empty() {
            return Err(ComposeError::Moot);
        }
        // One token for the whole email: each invoice's page and the
        // difficulty form (a stored grant costs a write).
        let objects: Vec<&str> = asked.iter().map(|i| i.number.as_str()).collect();
        let token = self
            .token(LinkPurpose::Reminder, &customer.id, objects.join(","), now)
            .await?;
        let invoices: Vec<(Invoice, String)> = asked
            .into_iter()
            .map(|invoice| {
                let link = format!("{}/i/{token}/{}", self.public_url, invoice.number);
                (invoice, link)
            })
            .collect();
        let help = format!("{}/help/{token}", self.public_url);
        let context = ReminderEmail::new(customer, &invoices, stage, tone, help, business_date(now))
            .with_notice(notice, customer.locale);
        Ok(Composed::to_customer(self.renderer.email(
            "reminder",
            customer.locale,
            &context,
        )?))
    }

    async fn finance_alert_email(
        &self,
        customer: &Customer,
        numbers: &[InvoiceNumber],
        stage: &str,
        reason: &str,
        known: Option<&Known<'_>>,
    ) -> Result<Composed, ComposeError> {
        let mut invoices = Vec::new();
        for number in numbers {
            invoices.push(self.invoice(&customer.id, number, known).await?);
        }
        let seller = &invoices.first().ok_or(ComposeError::Orphan)?.seller;
        let history = self.history(&customer.id, known).await?;
        let context = FinanceAlert::new(customer, &invoices, stage, reason, &history, seller.locale);
        let rendered = self.renderer.email("finance_alert", seller.locale, &context)?;
        Ok(Composed::to_finance(rendered, seller))
    }

    async fn survey_email(
        &self,
        customer: &Customer,
        survey_id: &str,
        question: Question,
        now: DateTime<Utc>,
    ) -> Result<Composed, ComposeError> {
        // A postponed question meets the customer as they are now: opted
        // out or paused since it was decided, it is withdrawn unsent.
        if customer.surveys_opted_out || customer.paused {
            return Err(ComposeError::Moot);
        }
        let survey = self
            .store
            .get_survey(&customer.id, survey_id)
            .await?
            .ok_or(ComposeError::Orphan)?;
        let seller = company()?;
        let link = self
            .link(LinkPurpose::Survey, &customer.id, survey_id.to_string(), now)
            .await?;
        let unsubscribe = self
            .link(LinkPurpose::Unsubscribe, &customer.id, "surveys".into(), now)
            .await?;
        let context = SurveyEmail::new(customer, question, &survey.trigger, &link, unsubscribe.clone(), &seller);
        let mut composed = Composed::to_customer(self.renderer.email("survey", customer.locale, &context)?);
        // RFC 8058 one-click unsubscribe: mail clients show their own
        // button and POST to the link.
        composed.headers = vec![
            ("List-Unsubscribe".to_string(), format!("<{unsubscribe}>")),
            (
                "List-Unsubscribe-Post".to_string(),
                "List-Unsubscribe=One-Click".to_string(),
            ),
        ];
        Ok(composed)
    }

    async fn credit(
        &self,
        customer: &CustomerId,
        credit_id: &str,
    ) -> Result<crate::domain::credit::Credit, ComposeError> {
        Ok(self
            .store
            .get_credit(customer, credit_id)
            .await?
            .ok_or(ComposeError::Orphan)?
            .value)
    }

    async fn credit_email(
        &self,
        customer: &Customer,
        credit_id: &str,
        attached: String,
    ) -> Result<Composed, ComposeError> {
        let credit = self.credit(&customer.id, credit_id).await?;
        let mut context = CreditEmail::new(&credit, customer, &company()?).ok_or(ComposeError::Orphan)?;
        context.attached = attached;
        // A correction says what it changed on the invoice, as it stands.
        if credit.correction.is_some() {
            let invoice = self
                .store
                .get_invoice(&customer.id, &credit.invoice)
                .await?
                .ok_or(ComposeError::Orphan)?
                .value;
            context.correction = CorrectionView::new(&credit, &invoice, customer.locale);
        }
        let template = if context.correction.is_some() {
            "correction"
        } else {
            "credit"
        };
        Ok(Composed::to_customer(self.renderer.email(
            template,
            customer.locale,
            &context,
        )?))
    }

    /// The copy for the books: what was issued, to whom, for how much,
    /// in the company's language, with the documents attached.
    async fn book_copy_email(
        &self,
        customer: &Customer,
        number: &InvoiceNumber,
        credit_id: Option<&str>,
        attached: String,
    ) -> Result<Composed, ComposeError> {
        let inbox = crate::config::books_inbox()?.ok_or(ComposeError::Orphan)?;
        let seller = company()?;
        let context = match credit_id {
            None => {
                let invoice = self.invoice(&customer.id, number, None).await?;
                BookCopyEmail::invoice(&invoice, customer, seller.locale, attached)
            }
            Some(id) => {
                let credit = self.credit(&customer.id, id).await?;
                BookCopyEmail::credit_note(&credit, customer, seller.locale, attached).ok_or(ComposeError::Orphan)?
            }
        };
        let rendered = self.renderer.email("book_copy", seller.locale, &context)?;
        Ok(Composed {
            rendered,
            to: Some(inbox),
            headers: Vec::new(),
        })
    }

    async fn survey_alert_email(
        &self,
        message: &Message,
        customer: &Customer,
        question: Question,
        score: u8,
        known: Option<&Known<'_>>,
    ) -> Result<Composed, ComposeError> {
        let seller = company()?;
        let history = self.history(&customer.id, known).await?;
        let mut context = CustomerAlert::new(
            "survey",
            customer,
            &[],
            &history,
            message.created_at + RESPOND_WITHIN,
            seller.locale,
        );
        context.question = Some(question.name());
        context.score = Some(score);
        context.max_score = Some(*question.scores().end());
        context.comment = history.iter().rev().find_map(|e| match &e.kind {
            EventKind::SurveyAnswered { comment, .. } => comment.clone(),
            _ => None,
        });
        let rendered = self.renderer.email("customer_alert", seller.locale, &context)?;
        Ok(Composed::to_finance(rendered, &seller))
    }

    #[allow(clippy::too_many_arguments)] // the alert's own fields, then the call's
    async fn help_alert_email(
        &self,
        message: &Message,
        customer: &Customer,
        numbers: &[InvoiceNumber],
        request_id: &str,
        choice: HelpChoice,
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
    ) -> Result<Composed, ComposeError> {
        let seller = company()?;
        let mut invoices = Vec::new();
        for number in numbers {
            invoices.push(self.invoice(&customer.id, number, known).await?);
        }
        let history = self.history(&customer.id, known).await?;
        let mut context = CustomerAlert::new(
            "help",
            customer,
            &invoices,
            &history,
            message.created_at + RESPOND_WITHIN,
            seller.locale,
        );
        context.choice = Some(choice.name());
        context.comment = self.store.help_note(&customer.id, request_id, now).await?;
        let rendered = self.renderer.email("customer_alert", seller.locale, &context)?;
        Ok(Composed::to_finance(rendered, &seller))
    }
}

impl<M: Mailer> Deliverer<M> {
    /// To finance: what the customer wrote back (its text while it is
    /// kept), and the invoices whose reminders wait for the answer.
    async fn reply_alert_email(
        &self,
        message: &Message,
        customer: &Customer,
        event_id: &str,
        says_paid: bool,
        now: DateTime<Utc>,
        known: Option<&Known<'_>>,
    ) -> Result<Composed, ComposeError> {
        let seller = company()?;
        let history = self.history(&customer.id, known).await?;
        let subject = history.iter().find_map(|e| match &e.kind {
            EventKind::CustomerReplied { subject, .. } if e.id.to_string() == event_id => Some(subject.clone()),
            _ => None,
        });
        let open: Vec<Invoice> = self
            .store
            .customer_invoices(&customer.id)
            .await?
            .into_iter()
            .map(|v| v.value)
            .filter(Invoice::asks_payment)
            .collect();
        let mut context = CustomerAlert::new(
            "reply",
            customer,
            &open,
            &history,
            message.created_at + RESPOND_WITHIN,
            seller.locale,
        );
        context.subject = subject.filter(|s| !s.is_empty());
        context.says_paid = says_paid;
        if let Ok(id) = event_id.parse() {
            context.comment = self.store.reply_text(&customer.id, id, now).await?;
        }
        let rendered = self.renderer.email("customer_alert", seller.locale, &context)?;
        Ok(Composed::to_finance(rendered, &seller))
    }

    /// To the second person, if the promise still waits: answered since it
    /// was queued, there is nothing to escalate (the message is withdrawn).
    async fn escalation_email(
        &self,
        customer: &Customer,
        kind: TodoKind,
        reference: &str,
        since: DateTime<Utc>,
        known: Option<&Known<'_>>,
    ) -> Result<Composed, ComposeError> {
        let contact = crate::config::escalation_contact()?.ok_or(ComposeError::Orphan)?;
        let seller = company()?;
        let (what, invoices) = match kind {
            TodoKind::HelpRequest => {
                let number = InvoiceNumber::parse(reference).map_err(|_| ComposeError::Orphan)?;
                let invoice = self.invoice(&customer.id, &number, known).await?;
                if !invoice.dunning.help_request_open {
                    return Err(ComposeError::Moot);
                }
                ("help", vec![invoice])
            }
            TodoKind::DetractorAlert => {
                let waiting = self.store.waiting_for(&customer.id, kind).await?;
                if !waiting.iter().any(|t| t.reference == reference) {
                    return Err(ComposeError::Moot);
                }
                ("survey", Vec::new())
            }
            _ => return Err(ComposeError::Orphan),
        };
        let history = self.history(&customer.id, known).await?;
        let context = crate::view::EscalationEmail::new(
            &contact.name,
            &seller.contact.name,
            what,
            customer,
            &invoices,
            (since, since + kind.allowed()),
            &history,
            seller.locale,
        );
        let rendered = self.renderer.email("escalation", seller.locale, &context)?;
        Ok(Composed {
            rendered,
            to: Some(contact.email),
            headers: Vec::new(),
        })
    }
}

/// The attached files' names, as the email lists them ("" for none).
fn file_names(attachments: &[Attachment]) -> String {
    let names: Vec<&str> = attachments.iter().map(|a| a.file_name.as_str()).collect();
    names.join(", ")
}

/// One email's content, before its envelope.
struct Composed {
    rendered: RenderedEmail,
    /// Who it goes to when not the customer: the finance contact, the
    /// accounting inbox.
    to: Option<Email>,
    headers: Vec<(String, String)>,
}

impl Composed {
    fn to_customer(rendered: RenderedEmail) -> Self {
        Self {
            rendered,
            to: None,
            headers: Vec::new(),
        }
    }

    fn to_finance(rendered: RenderedEmail, seller: &crate::domain::Seller) -> Self {
        Self {
            rendered,
            to: Some(seller.contact.email.clone()),
            headers: Vec::new(),
        }
    }
}

pub(super) enum ComposeError {
    Store(StoreError),
    Render(RenderError),
    Orphan,
    /// Nothing left to say: every invoice a reminder named was paid,
    /// credited or contested since it was decided.
    Moot,
}

impl From<StoreError> for ComposeError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}
impl From<crate::config::ConfigError> for ComposeError {
    fn from(e: crate::config::ConfigError) -> Self {
        Self::Render(RenderError::Load(e.to_string()))
    }
}
impl From<RenderError> for ComposeError {
    fn from(e: RenderError) -> Self {
        Self::Render(e)
    }
}
