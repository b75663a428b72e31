//! Every email relance sends, rendered for a person to read before a
//! customer does: with a real customer's profile, invoices and history, or
//! with the sample data. Nothing is written and no link is made: a preview
//! never creates a token, so its links point to `preview.invalid`, a name
//! that cannot resolve (RFC 2606).

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::SurveyEmail;
use super::sample::{self, SampleError};
use super::{BookCopyEmail, CreditEmail, CustomerAlert, FinanceAlert, InvoiceEmail, InvoiceView, ReminderEmail};
use crate::domain::credit::{CheckedCredit, Credit, Grant, Words};
use crate::domain::dunning::Tone;
use crate::domain::goodwill::{Proposal, Situation};
use crate::domain::help::HelpChoice;
use crate::domain::survey::{Question, Trigger};
use crate::domain::{Actor, Customer, EventKind, HistoryEvent, Invoice, InvoiceNumber, InvoiceStatus, Locale, Seller};
use crate::render::{RenderError, RenderedEmail, Renderer};

/// Where a preview's links point: nowhere.
const NOWHERE: &str = "https://preview.invalid";

/// Every kind of email, in the order a relationship meets them.
pub const KINDS: [&str; 11] = [
    "invoice",
    "reminder",
    "thanks",
    "survey",
    "credit",
    "help_alert",
    "reply_alert",
    "survey_alert",
    "finance_alert",
    "escalation",
    "book_copy",
];

/// Who reads it: the customer, or the company (finance, the books).
pub fn to_company(kind: &str) -> bool {
    matches!(
        kind,
        "help_alert" | "reply_alert" | "survey_alert" | "finance_alert" | "escalation" | "book_copy"
    )
}

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("kind: `{0}` is not an email relance sends ({kinds})", kinds = KINDS.join(", "))]
    UnknownKind(String),
    #[error("this customer has no invoice yet: the {0} email needs one")]
    NoInvoice(&'static str),
    #[error(transparent)]
    Sample(#[from] SampleError),
    #[error(transparent)]
    Render(#[from] RenderError),
}

/// What the emails are drawn from.
#[derive(Debug, Clone)]
pub struct Subject {
    pub customer: Customer,
    /// Newest last; the open ones are what a reminder asks for.
    pub invoices: Vec<Invoice>,
    pub history: Vec<HistoryEvent>,
    pub seller: Seller,
    pub now: DateTime<Utc>,
}

impl Subject {
    /// Boulangerie Martin and its invoices of March 2026, on 20 April.
    pub fn sample() -> Result<Self, PreviewError> {
        let invoices = vec![sample::invoice(41, Locale::Fr)?, sample::invoice(42, Locale::Fr)?];
        let now = NaiveDate::from_ymd_opt(2026, 4, 20)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or_default();
        let customer = sample::customer(Locale::Fr)?;
        let history = sample_history(&customer, &invoices);
        Ok(Self {
            customer,
            invoices,
            history,
            seller: crate::config::company().map_err(SampleError::from)?,
            now,
        })
    }

    fn latest(&self, kind: &'static str) -> Result<&Invoice, PreviewError> {
        self.invoices.last().ok_or(PreviewError::NoInvoice(kind))
    }

    /// What a reminder would ask for: the open invoices, else the latest
    /// (a preview of a customer who owes nothing still shows the words).
    fn asked(&self) -> Result<Vec<&Invoice>, PreviewError> {
        let open: Vec<&Invoice> = self
            .invoices
            .iter()
            .filter(|i| i.status == InvoiceStatus::Open)
            .collect();
        if open.is_empty() {
            return Ok(vec![self.latest("reminder")?]);
        }
        Ok(open)
    }
}

/// The variant a kind is shown in: a reminder's stage and tone, a
/// survey's question, a help request's choice.
#[derive(Debug, Clone, Copy)]
pub struct Variant<'a> {
    pub stage: &'a str,
    pub tone: Tone,
    pub question: Question,
    pub choice: HelpChoice,
}

impl Default for Variant<'_> {
    fn default() -> Self {
        Self {
            stage: "check_in",
            tone: Tone::Standard,
            question: Question::Nps,
            choice: HelpChoice::PaymentPlan,
        }
    }
}

/// The email of `kind` for `subject`, in `locale` (the customer's emails
/// in the customer's place, the company's in the company's).
pub fn render(
    renderer: &Renderer,
    subject: &Subject,
    kind: &str,
    locale: Locale,
    variant: Variant<'_>,
) -> Result<RenderedEmail, PreviewError> {
    let customer = Customer {
        locale,
        ..subject.customer.clone()
    };
    let seller = Seller {
        locale,
        ..subject.seller.clone()
    };
    let today = crate::domain::calendar::business_date(subject.now);
    let link = |path: &str| format!("{NOWHERE}/{path}");
    let respond_by = subject.now + Duration::hours(48);
    let email = match kind {
        "invoice" | "thanks" => {
            let invoice = subject.latest(if kind == "invoice" { "invoice" } else { "thanks" })?;
            let context = InvoiceEmail {
                invoice: InvoiceView::new(invoice, locale),
                link: link(&format!("i/{}", invoice.number)),
                attached: if kind == "invoice" {
                    format!("{}.pdf", invoice.number)
                } else {
                    String::new()
                },
            };
            renderer.email(kind, locale, &context)?
        }
        "reminder" => {
            let invoices: Vec<(Invoice, String)> = subject
                .asked()?
                .into_iter()
                .map(|i| (i.clone(), link(&format!("i/{}", i.number))))
                .collect();
            let context = ReminderEmail::new(&customer, &invoices, variant.stage, variant.tone, link("help"), today);
            renderer.email("reminder", locale, &context)?
        }
        "survey" => {
            let trigger = match subject.invoices.last() {
                Some(invoice) => Trigger::InvoicePaid {
                    number: invoice.number.to_string(),
                    days_late: 0,
                },
                None => Trigger::HelpAnswered,
            };
            let context = SurveyEmail::new(
                &customer,
                variant.question,
                &trigger,
                &link("s"),
                link("unsubscribe"),
                &seller,
            );
            renderer.email("survey", locale, &context)?
        }
        "credit" => {
            let credit = goodwill_credit(subject.latest("credit")?, &customer, &seller, subject.now)
                .ok_or(PreviewError::NoInvoice("credit"))?;
            let mut context = CreditEmail::new(&credit, &customer, &seller).ok_or(PreviewError::NoInvoice("credit"))?;
            context.attached = credit.number.as_ref().map(|n| format!("{n}.pdf")).unwrap_or_default();
            renderer.email("credit", locale, &context)?
        }
        "help_alert" => {
            let invoices: Vec<Invoice> = subject.asked()?.into_iter().cloned().collect();
            let mut context = CustomerAlert::new("help", &customer, &invoices, &subject.history, respond_by, locale);
            context.choice = Some(variant.choice.name());
            context.comment = Some(sample_words(locale, "help"));
            renderer.email("customer_alert", locale, &context)?
        }
        "reply_alert" => {
            let invoices: Vec<Invoice> = subject.asked()?.into_iter().cloned().collect();
            let mut context = CustomerAlert::new("reply", &customer, &invoices, &subject.history, respond_by, locale);
            let number = invoices.first().map(|i| i.number.to_string()).unwrap_or_default();
            context.subject = Some(match locale {
                Locale::Fr => format!("RE: Facture {number} : tout va bien de votre côté ?"),
                Locale::En => format!("RE: Invoice {number}: is everything all right?"),
            });
            context.comment = Some(sample_words(locale, "reply"));
            renderer.email("customer_alert", locale, &context)?
        }
        "survey_alert" => {
            let mut context = CustomerAlert::new("survey", &customer, &[], &subject.history, respond_by, locale);
            let question = variant.question;
            context.question = Some(question.name());
            context.score = Some(if question == Question::Nps { 3 } else { 2 });
            context.max_score = Some(*question.scores().end());
            context.comment = Some(sample_words(locale, "survey"));
            renderer.email("customer_alert", locale, &context)?
        }
        "finance_alert" => {
            let invoices: Vec<Invoice> = subject.asked()?.into_iter().cloned().collect();
            let reason = match locale {
                Locale::Fr => "aucun paiement 50 jours après l'échéance : les relances automatiques se sont arrêtées",
                Locale::En => "no payment 50 days after the due date: automatic reminders have stopped",
            };
            let context = FinanceAlert::new(&customer, &invoices, "handoff", reason, &subject.history, locale);
            renderer.email("finance_alert", locale, &context)?
        }
        "escalation" => {
            let invoices: Vec<Invoice> = subject.asked()?.into_iter().cloned().collect();
            let asked = subject.now - Duration::hours(50);
            let second = crate::config::escalation_contact()
                .ok()
                .flatten()
                .map_or_else(|| seller.contact.name.clone(), |e| e.name);
            let context = crate::view::EscalationEmail::new(
                &second,
                &seller.contact.name,
                "help",
                &customer,
                &invoices,
                (asked, asked + Duration::hours(48)),
                &subject.history,
                locale,
            );
            renderer.email("escalation", locale, &context)?
        }
        "book_copy" => {
            let invoice = subject.latest("book_copy")?;
            let context = BookCopyEmail::invoice(invoice, &customer, locale, format!("{}.pdf", invoice.number));
            renderer.email("book_copy", locale, &context)?
        }
        other => return Err(PreviewError::UnknownKind(other.to_string())),
    };
    Ok(email)
}

/// The sample's story: its invoices issued, then one reminder.
fn sample_history(customer: &Customer, invoices: &[Invoice]) -> Vec<HistoryEvent> {
    let system = Actor::system("sample");
    let mut history: Vec<HistoryEvent> = invoices
        .iter()
        .map(|i| {
            let kind = EventKind::InvoiceIssued {
                number: i.number.clone(),
                gross_minor: i.totals.gross_minor,
                currency: i.currency.to_string(),
                due_date: i.due_date,
            };
            HistoryEvent::new(customer.id.clone(), i.issued_at, system.clone(), kind)
        })
        .collect();
    if let Some(last) = invoices.last() {
        let kind = EventKind::ReminderSent {
            numbers: invoices.iter().map(|i| i.number.clone()).collect(),
            stage: "help_first".into(),
            tone: "warm".into(),
            reason: "customer for 9 years who has always paid on time".into(),
            message_id: "sample".into(),
            provider_message_id: "sample".into(),
            notice: None,
        };
        let at = last.issued_at + Duration::days(37);
        history.push(HistoryEvent::new(customer.id.clone(), at, system, kind));
    }
    history
}

/// What a customer might have written, for the alerts' previews.
fn sample_words(locale: Locale, kind: &str) -> String {
    match (locale, kind) {
        (Locale::Fr, "help") => "Pourriez-vous étaler le paiement sur trois mois ?".into(),
        (Locale::Fr, "reply") => {
            "Bonjour, notre comptable est en congés jusqu'au 20 ; le virement partira à son retour. Bien à vous.".into()
        }
        (Locale::En, "reply") => {
            "Hello, our accountant is on leave until the 20th; the transfer will go out when she is back. Best regards."
                .into()
        }
        (Locale::Fr, _) => "Trois relances pour une facture déjà réglée, c'est beaucoup.".into(),
        (Locale::En, "help") => "Could we spread the payment over three months?".into(),
        (Locale::En, _) => "Three reminders for an invoice I had already paid is a lot.".into(),
    }
}

/// A goodwill credit of a tenth of `invoice`'s net for a late delivery,
/// granted now: requested and granted as the credits flow does, so the
/// email is drawn from a credit exactly as one is made.
fn goodwill_credit(invoice: &Invoice, customer: &Customer, seller: &Seller, now: DateTime<Utc>) -> Option<Credit> {
    let request = CheckedCredit {
        situation: Situation::LateDelivery,
        severity: None,
        invoice: invoice.number.clone(),
        words: Words::default(),
        net_minor: None,
    };
    let proposal = Proposal {
        net_minor: (invoice.totals.net_minor / 10).max(1),
        reasons: Vec::new(),
    };
    let by = Actor::system("preview");
    let mut credit = request
        .into_credit("preview".into(), invoice, proposal, &by, now)
        .ok()?;
    credit.grant(Grant {
        number: InvoiceNumber::new("AV-APERCU", 1),
        today: now.date_naive(),
        now,
        seller,
        buyer: customer,
        follow_up_days: 0,
        by: &by,
    });
    Some(credit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_in_both_languages_from_the_sample_without_a_real_link() {
        let renderer = Renderer::new().unwrap_or_else(|e| panic!("{e}"));
        let subject = Subject::sample().unwrap_or_else(|e| panic!("{e}"));
        for kind in KINDS {
            for locale in [Locale::Fr, Locale::En] {
                let email = render(&renderer, &subject, kind, locale, Variant::default())
                    .unwrap_or_else(|e| panic!("{kind} {locale:?}: {e}"));
                assert!(!email.subject.trim().is_empty(), "{kind} {locale:?}: a subject");
                assert!(
                    !email.text.trim().is_empty() && email.html.contains("<"),
                    "{kind} {locale:?}"
                );
                for url in email.text.split_whitespace().filter(|w| w.starts_with("http")) {
                    assert!(
                        url.starts_with(NOWHERE) || !url.contains("/i/") && !url.contains("/s/"),
                        "{kind}: a link that could open something: {url}"
                    );
                }
            }
        }
        assert!(matches!(
            render(&renderer, &subject, "newsletter", Locale::Fr, Variant::default()),
            Err(PreviewError::UnknownKind(_))
        ));
    }

    #[test]
    fn the_words_follow_the_language_asked_for() {
        let renderer = Renderer::new().unwrap_or_else(|e| panic!("{e}"));
        let subject = Subject::sample().unwrap_or_else(|e| panic!("{e}"));
        let fr =
            render(&renderer, &subject, "reminder", Locale::Fr, Variant::default()).unwrap_or_else(|e| panic!("{e}"));
        let en =
            render(&renderer, &subject, "reminder", Locale::En, Variant::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(fr.text.contains("Bonjour"), "{}", fr.text);
        assert!(en.text.contains("Hello") || en.text.contains("Dear"), "{}", en.text);
        assert!(fr.text.contains("F2026-000041") && fr.text.contains("F2026-000042"));
    }
}
