//! A customer's history as sentences a finance clerk reads: one per
//! event, in French or English. The match is exhaustive, so a new kind of
//! event cannot reach the console without its sentence.

use crate::domain::event::{EventKind, HistoryEvent};
use crate::domain::{Currency, Locale, Money};

fn amount(minor: i64, currency: &str, locale: Locale) -> String {
    Currency::parse(currency).map_or_else(
        |_| format!("{minor} {currency}"),
        |c| Money::new(minor, c).format(locale),
    )
}

fn euros(minor: i64, locale: Locale) -> String {
    Money::new(minor, Currency::EUR).format(locale)
}

fn list(numbers: &[crate::domain::InvoiceNumber]) -> String {
    numbers.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", ")
}

fn date(d: chrono::NaiveDate, locale: Locale) -> String {
    super::format_date(d, locale)
}

/// Why finance was alerted or an invoice handed to a person, in the
/// reader's language: the pass writes its few reasons in English
/// (`reminders.rs`), and they are read back here; anything else is shown
/// as written.
pub fn alert_reason(reason: &str, locale: Locale) -> String {
    if locale != Locale::Fr {
        return reason.to_string();
    }
    let late = |rest: &str| -> Option<String> {
        let n = rest
            .strip_prefix("no payment ")?
            .strip_suffix(" days after the due date")?;
        n.chars()
            .all(|c| c.is_ascii_digit())
            .then(|| format!("aucun paiement {n} jours après l'échéance"))
    };
    if let Some(said) = late(reason) {
        return said;
    }
    if let Some(said) = reason
        .strip_suffix(": automatic reminders have stopped; a call from a person is the next step")
        .and_then(late)
    {
        return format!(
            "{said} : les relances automatiques se sont arrêtées ; un appel d'une personne est la prochaine étape"
        );
    }
    if let Some(address) = reason
        .strip_prefix("the address ")
        .and_then(|r| r.strip_suffix(" bounced or complained; please reach the customer another way"))
    {
        return format!(
            "l'adresse {address} est en échec (rejetée ou signalée) ; joignez le client par un autre moyen"
        );
    }
    reason.to_string()
}

/// A reminder stage as a person says it; a stage of another policy is
/// shown by its name.
pub fn stage_name(stage: &str, locale: Locale) -> String {
    let fr = locale == Locale::Fr;
    let said = match stage {
        "courtesy" => {
            if fr {
                "rappel de courtoisie (avant l'échéance)"
            } else {
                "courtesy reminder (before the due date)"
            }
        }
        "help_first" => {
            if fr {
                "proposition d'aide"
            } else {
                "offer of help"
            }
        }
        "check_in" => {
            if fr {
                "point sur la situation"
            } else {
                "check-in"
            }
        }
        "firm" => {
            if fr {
                "relance ferme"
            } else {
                "firm reminder"
            }
        }
        "final_notice" => {
            if fr {
                "dernière relance"
            } else {
                "final reminder"
            }
        }
        "handoff" => {
            if fr {
                "passage à une personne"
            } else {
                "hand-off to a person"
            }
        }
        other => other,
    };
    said.to_string()
}

/// A tone as a person says it.
pub fn tone_name(tone: &str, locale: Locale) -> String {
    if locale != Locale::Fr {
        return tone.to_string();
    }
    match tone {
        "warm" => "chaleureux",
        "standard" => "habituel",
        "attentive" => "attentionné",
        "direct" => "direct",
        other => other,
    }
    .to_string()
}

/// Why a reminder took its tone, in the reader's language. The history
/// keeps the reason as `domain::dunning::decide_tone` wrote it, in
/// English; its few forms are read back here, and anything else (a
/// reason from an older policy) is shown as written.
pub fn tone_reason(reason: &str, locale: Locale) -> String {
    if locale != Locale::Fr {
        return reason.to_string();
    }
    let days = |n: &str| {
        if n == "1" {
            "1 jour".to_string()
        } else {
            format!("{n} jours")
        }
    };
    let number = |n: &str| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit());
    if let Some(n) = reason
        .strip_prefix("gave a low satisfaction score ")
        .and_then(|r| r.strip_suffix(" days ago"))
        .filter(|n| number(n))
    {
        return format!("a donné une note basse il y a {}", days(n));
    }
    if let Some(n) = reason
        .strip_prefix("opened a dispute ")
        .and_then(|r| r.strip_suffix(" days ago"))
        .filter(|n| number(n))
    {
        return format!("a ouvert un litige il y a {}", days(n));
    }
    if let Some(n) = reason
        .strip_suffix(" reminders in the last year went unanswered")
        .filter(|n| number(n))
    {
        return format!("{n} relances de l'année sont restées sans réponse");
    }
    if let Some((n, rest)) = reason.split_once(" late payments in 24 months (up to ")
        && let Some(m) = rest.strip_suffix(" days)")
        && number(n)
        && number(m)
    {
        return format!("{n} paiements en retard sur 24 mois (jusqu'à {})", days(m));
    }
    if let Some(n) = reason
        .strip_prefix("customer for ")
        .and_then(|r| r.strip_suffix(" years who has always paid on time"))
        .filter(|n| number(n))
    {
        return format!("client depuis {n} ans qui a toujours payé à l'heure");
    }
    if reason == "no particular history" {
        return "rien de particulier dans l'historique".into();
    }
    reason.to_string()
}

/// The sentence for one event (who did it is shown beside it).
pub fn sentence(event: &HistoryEvent, locale: Locale) -> String {
    let fr = locale == Locale::Fr;
    let pick = |f: String, e: String| if fr { f } else { e };
    match &event.kind {
        EventKind::CustomerCreated => pick("Fiche client créée.".into(), "Customer created.".into()),
        EventKind::CustomerUpdated { fields } => pick(
            format!("Fiche client modifiée : {}.", fields.join(", ")),
            format!("Customer details changed: {}.", fields.join(", ")),
        ),
        EventKind::InvoiceIssued {
            number,
            gross_minor,
            currency,
            due_date,
        } => pick(
            format!(
                "Facture {number} émise : {}, à régler le {}.",
                amount(*gross_minor, currency, locale),
                date(*due_date, locale)
            ),
            format!(
                "Invoice {number} issued: {}, due on {}.",
                amount(*gross_minor, currency, locale),
                date(*due_date, locale)
            ),
        ),
        EventKind::DocumentsArchived { number, documents, .. } => pick(
            format!("{number} archivée telle qu'émise ({} documents).", documents.len()),
            format!("{number} archived as issued ({} documents).", documents.len()),
        ),
        EventKind::InvoiceEmailed { number, .. } => pick(
            format!("Facture {number} envoyée par email."),
            format!("Invoice {number} emailed."),
        ),
        EventKind::DeliveryFailed { about, reason, .. } => pick(
            format!("Un email ({about}) n'a pas pu partir : {reason}. Il sera renvoyé."),
            format!("An email ({about}) could not be sent: {reason}. It will be sent again."),
        ),
        EventKind::ReminderSent {
            numbers,
            stage,
            tone,
            reason,
            notice,
            ..
        } => {
            let with = notice.as_ref().map_or_else(String::new, |n| {
                if fr {
                    format!(", avec la mise en demeure {n}")
                } else {
                    format!(", with the formal notice {n}")
                }
            });
            pick(
                format!(
                    "Relance envoyée ({}) pour {}, ton {} ({}){with}.",
                    stage_name(stage, locale),
                    list(numbers),
                    tone_name(tone, locale),
                    tone_reason(reason, locale)
                ),
                format!(
                    "Reminder sent ({}) for {}, {tone} tone ({reason}){with}.",
                    stage_name(stage, locale),
                    list(numbers)
                ),
            )
        }
        EventKind::FormalNoticeDue { reference, numbers, .. } => pick(
            format!("Mise en demeure {reference} préparée pour {}.", list(numbers)),
            format!("Formal notice {reference} prepared for {}.", list(numbers)),
        ),
        EventKind::NoticeArchived {
            reference, total_minor, ..
        } => pick(
            format!(
                "Mise en demeure {reference} archivée : {} réclamés.",
                euros(*total_minor, locale)
            ),
            format!(
                "Formal notice {reference} archived: {} demanded.",
                euros(*total_minor, locale)
            ),
        ),
        EventKind::CustomerReplied {
            from,
            subject,
            automatic: true,
            back_on,
            ..
        } => match back_on {
            Some(day) => pick(
                format!(
                    "Réponse automatique de {from} (« {subject} ») : absent, de retour le {} ; pas de relance avant.",
                    date(*day, Locale::Fr)
                ),
                format!(
                    "Automatic reply from {from} (“{subject}”): away, back on {}; no reminder before then.",
                    date(*day, Locale::En)
                ),
            ),
            None => pick(
                format!("Réponse automatique de {from} (« {subject} ») : rien à répondre."),
                format!("Automatic reply from {from} (“{subject}”): nothing to answer."),
            ),
        },
        EventKind::CustomerReplied {
            from,
            subject,
            says_paid,
            ..
        } => {
            let (fr, en) = if *says_paid {
                (
                    " Le client dit avoir déjà payé : vérifiez les encaissements avant de répondre.",
                    " The customer says it is already paid: check the payments before answering.",
                )
            } else {
                ("", "")
            };
            pick(
                format!(
                    "{from} a répondu par email (« {subject} ») : les relances attendent qu'une personne lui réponde.{fr}"
                ),
                format!("{from} replied by email (“{subject}”): reminders wait until a person answers.{en}"),
            )
        }
        EventKind::MessagePostponed { kind, until, .. } => {
            let hours = crate::config::contact_gap().num_hours();
            let (fr, en) = match kind.as_str() {
                "thanks" => ("Le remerciement", "The thank-you"),
                "survey" => ("La question de satisfaction", "The survey"),
                _ => ("Un email", "An email"),
            };
            pick(
                format!(
                    "{fr} attend le {} : le client a reçu un autre message il y a moins de {hours} heures.",
                    super::survey::date_time(*until, Locale::Fr)
                ),
                format!(
                    "{en} waits until {}: the customer heard from us less than {hours} hours ago.",
                    super::survey::date_time(*until, Locale::En)
                ),
            )
        }
        EventKind::MessageWithdrawn { reason, .. } => pick(
            format!("Un email prévu a été retiré avant l'envoi : {reason}."),
            format!("A planned email was withdrawn before it went out: {reason}."),
        ),
        EventKind::HandedOff { number, reason } => pick(
            format!(
                "{number} confiée à une personne : plus de relance automatique ({}).",
                alert_reason(reason, Locale::Fr)
            ),
            format!("{number} handed to a person: no more automatic reminders ({reason})."),
        ),
        EventKind::FinanceAlerted { numbers, reason, .. } => pick(
            format!(
                "L'équipe finance a été prévenue ({}) pour {}.",
                alert_reason(reason, Locale::Fr),
                list(numbers)
            ),
            format!("The finance team was alerted ({reason}) about {}.", list(numbers)),
        ),
        EventKind::ThanksSent { number, .. } => pick(
            format!("Remerciement envoyé pour le règlement de {number}."),
            format!("Thank-you sent for paying {number}."),
        ),
        EventKind::PromiseToPayRecorded { number, date: d } => pick(
            format!("Promesse de régler {number} d'ici le {}.", date(*d, locale)),
            format!("Promise to pay {number} by {}.", date(*d, locale)),
        ),
        EventKind::PaymentPlanAgreed { number, instalments } => pick(
            format!("Échéancier en {} fois convenu pour {number}.", instalments.len()),
            format!("A plan in {} instalments agreed for {number}.", instalments.len()),
        ),
        EventKind::PersonReplied { note } => pick(
            format!("Réponse au client : « {note} »"),
            format!("Answered the customer: “{note}”"),
        ),
        EventKind::SurveySent { question, .. } => pick(
            format!("Question de satisfaction ({}) envoyée.", question.to_uppercase()),
            format!("Satisfaction question ({}) sent.", question.to_uppercase()),
        ),
        EventKind::SurveyAnswered {
            question,
            score,
            detractor,
            comment,
            ..
        } => {
            let said = comment.as_ref().map_or_else(String::new, |c| format!(" « {c} »"));
            match (fr, detractor) {
                (true, true) => format!("Réponse {} : {score}, insatisfait.{said}", question.to_uppercase()),
                (true, false) => format!("Réponse {} : {score}.{said}", question.to_uppercase()),
                (false, true) => format!("{} answer: {score}, unhappy.{said}", question.to_uppercase()),
                (false, false) => format!("{} answer: {score}.{said}", question.to_uppercase()),
            }
        }
        EventKind::SurveysOptedOut => pick(
            "Le client ne veut plus de questions de satisfaction.".into(),
            "The customer asked for no more surveys.".into(),
        ),
        EventKind::RemindersPaused => pick(
            "Relances mises en pause pour ce client.".into(),
            "Reminders paused for this customer.".into(),
        ),
        EventKind::RemindersResumed => pick(
            "Relances reprises pour ce client.".into(),
            "Reminders resumed for this customer.".into(),
        ),
        EventKind::HandoffTaken { number } => pick(
            format!("Suivi de {number} pris en main par une personne."),
            format!("A person took over {number} after the last reminder."),
        ),
        EventKind::AlertEscalated { kind, reference, .. } => match kind.as_str() {
            "help_request" => pick(
                format!(
                    "Demande d'aide sur {reference} sans réponse après 48 heures : signalée à la personne de recours."
                ),
                format!("Help request on {reference} unanswered after 48 hours: escalated to the second contact."),
            ),
            _ => pick(
                "Réponse insatisfaite sans réponse après 48 heures : signalée à la personne de recours.".into(),
                "Unhappy answer unanswered after 48 hours: escalated to the second contact.".into(),
            ),
        },
        EventKind::LinksRevoked { reason } => pick(
            format!("Tous les liens envoyés jusqu'ici au client sont révoqués : {reason}"),
            format!("Every link sent to the customer so far was revoked: {reason}"),
        ),
        EventKind::DataExported {} => pick(
            "Export de toutes les données du client, à sa demande.".into(),
            "Everything held about the customer exported, at their request.".into(),
        ),
        EventKind::HelpRequested { numbers, choice, .. } => pick(
            format!("Demande d'aide ({choice}) pour {} : relances en pause.", list(numbers)),
            format!("Asked for help ({choice}) with {}: reminders paused.", list(numbers)),
        ),
        EventKind::HelpRequestAnswered { numbers } => pick(
            format!("Demande d'aide traitée : les relances de {} reprennent.", list(numbers)),
            format!("Help request answered: reminders of {} resume.", list(numbers)),
        ),
        EventKind::PayClicked { number } => pick(
            format!("Le client a cliqué sur « Payer en ligne » pour {number}."),
            format!("The customer clicked “Pay online” for {number}."),
        ),
        EventKind::PaymentRecorded {
            number,
            amount_minor,
            currency,
            remaining_minor,
            ..
        } => pick(
            format!(
                "Paiement de {} sur {number} ; reste {}.",
                amount(*amount_minor, currency, locale),
                amount(*remaining_minor, currency, locale)
            ),
            format!(
                "Payment of {} on {number}; {} left.",
                amount(*amount_minor, currency, locale),
                amount(*remaining_minor, currency, locale)
            ),
        ),
        EventKind::PaymentRefunded {
            number,
            amount_minor,
            currency,
            remaining_minor,
            ..
        } => pick(
            format!(
                "Remboursement par carte de {} sur {number} : à nouveau dû, reste {}.",
                amount(*amount_minor, currency, locale),
                amount(*remaining_minor, currency, locale)
            ),
            format!(
                "Card refund of {} on {number}: owed again, {} left.",
                amount(*amount_minor, currency, locale),
                amount(*remaining_minor, currency, locale)
            ),
        ),
        EventKind::InvoicePaid { number, days_late, .. } => match (fr, *days_late) {
            (true, d) if d <= 0 => format!("{number} réglée à temps."),
            (true, d) => format!("{number} réglée avec {d} jours de retard."),
            (false, d) if d <= 0 => format!("{number} paid on time."),
            (false, d) => format!("{number} paid {d} days late."),
        },
        EventKind::PaymentReceived {
            source,
            amount_minor,
            currency,
            invoices,
            held_minor,
            ..
        } => {
            let paid: Vec<&str> = invoices.iter().map(|i| i.number.as_str()).collect();
            let held = if *held_minor > 0 {
                if fr {
                    format!(" ; {} gardés pour le client", amount(*held_minor, currency, locale))
                } else {
                    format!("; {} held for the customer", amount(*held_minor, currency, locale))
                }
            } else {
                String::new()
            };
            pick(
                format!(
                    "{} reçus ({source}) pour {}{held}.",
                    amount(*amount_minor, currency, locale),
                    paid.join(", ")
                ),
                format!(
                    "{} received ({source}) for {}{held}.",
                    amount(*amount_minor, currency, locale),
                    paid.join(", ")
                ),
            )
        }
        EventKind::CreditRequested {
            invoice,
            net_minor,
            currency,
            situation,
            ..
        } => pick(
            format!(
                "Geste de {} HT demandé sur {invoice} ({situation}) : attend une approbation.",
                amount(*net_minor, currency, locale)
            ),
            format!(
                "A credit of {} before VAT requested on {invoice} ({situation}): waits for approval.",
                amount(*net_minor, currency, locale)
            ),
        ),
        EventKind::CreditGranted {
            number,
            invoice,
            gross_minor,
            currency,
            ..
        } => pick(
            format!(
                "Avoir {number} accordé sur {invoice} : {}.",
                amount(*gross_minor, currency, locale)
            ),
            format!(
                "Credit note {number} granted on {invoice}: {}.",
                amount(*gross_minor, currency, locale)
            ),
        ),
        EventKind::InvoiceCorrected {
            number,
            credit_note,
            amount_minor,
            currency,
            ..
        } => pick(
            format!(
                "{number} corrigée par l'avoir {credit_note} : {} en moins.",
                amount(*amount_minor, currency, locale)
            ),
            format!(
                "{number} corrected by credit note {credit_note}: {} off.",
                amount(*amount_minor, currency, locale)
            ),
        ),
        EventKind::PlatformStatusReceived {
            number, status, code, ..
        } => pick(
            format!("La plateforme de l'acheteur indique « {status} » ({code}) pour {number}."),
            format!("The buyer's platform reports “{status}” ({code}) for {number}."),
        ),
        EventKind::CreditCancelled { reason, .. } => pick(
            format!("Demande de geste retirée : {reason}."),
            format!("Credit request withdrawn: {reason}."),
        ),
        EventKind::CreditApplied {
            number,
            invoice,
            amount_minor,
            ..
        } => pick(
            format!("Avoir {number} déduit de {invoice} : {}.", euros(*amount_minor, locale)),
            format!(
                "Credit note {number} deducted from {invoice}: {}.",
                euros(*amount_minor, locale)
            ),
        ),
        EventKind::CreditEmailed { number, .. } => pick(
            format!("Avoir {number} envoyé par email."),
            format!("Credit note {number} emailed."),
        ),
        EventKind::BookCopySent { number, .. } => pick(
            format!("Copie de {number} envoyée à la comptabilité."),
            format!("Copy of {number} sent to the books."),
        ),
        EventKind::CreditFollowUpDue { number } => pick(
            format!("Le moment est venu de demander si le geste {number} a convenu."),
            format!("Time to ask whether the credit {number} was enough."),
        ),
        EventKind::EmailBounced { address, permanent, .. } => match (fr, permanent) {
            (true, true) => {
                format!("L'adresse {address} n'existe plus : plus d'email, l'équipe finance prend le relais.")
            }
            (true, false) => format!("Un email vers {address} est revenu (temporairement)."),
            (false, true) => format!("The address {address} no longer exists: no more email, finance takes over."),
            (false, false) => format!("An email to {address} bounced (temporarily)."),
        },
        EventKind::EmailComplained { address, .. } => pick(
            format!("{address} a signalé un email comme indésirable."),
            format!("{address} reported an email as spam."),
        ),
        EventKind::DisputeOpened { number, reason } => pick(
            format!("Litige ouvert sur {number} : {reason}"),
            format!("Dispute opened on {number}: {reason}"),
        ),
        EventKind::DisputeSettled { number, resolution } => pick(
            format!("Litige clos sur {number} : {resolution}"),
            format!("Dispute settled on {number}: {resolution}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tone_reason_reads_in_french() {
        use super::tone_reason;
        use crate::domain::Locale::{En, Fr};
        let policy = crate::domain::dunning::Policy::configured().unwrap_or_else(|e| panic!("{e}"));
        let facts = |f: crate::domain::dunning::CustomerFacts| crate::domain::dunning::decide_tone(&policy.tone, &f).1;
        let base = crate::domain::dunning::CustomerFacts::default;
        for (written, french) in [
            (
                facts(crate::domain::dunning::CustomerFacts {
                    days_since_detractor: Some(1),
                    ..base()
                }),
                "a donné une note basse il y a 1 jour",
            ),
            (
                facts(crate::domain::dunning::CustomerFacts {
                    days_since_complaint: Some(12),
                    ..base()
                }),
                "a ouvert un litige il y a 12 jours",
            ),
            (
                facts(crate::domain::dunning::CustomerFacts {
                    ignored_reminders: 9,
                    ..base()
                }),
                "9 relances de l'année sont restées sans réponse",
            ),
            (
                facts(crate::domain::dunning::CustomerFacts {
                    late_payments: 9,
                    max_days_late: 40,
                    ..base()
                }),
                "9 paiements en retard sur 24 mois (jusqu'à 40 jours)",
            ),
            (
                facts(crate::domain::dunning::CustomerFacts {
                    tenure_years: 30,
                    ..base()
                }),
                "client depuis 30 ans qui a toujours payé à l'heure",
            ),
            (facts(base()), "rien de particulier dans l'historique"),
        ] {
            assert_eq!(tone_reason(&written, Fr), french, "{written}");
            assert_eq!(tone_reason(&written, En), written);
        }
        assert_eq!(tone_reason("a reason of old", Fr), "a reason of old");
    }

    use super::*;
    use crate::domain::ids::Actor;

    #[test]
    fn an_event_reads_as_a_sentence_in_both_languages() {
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let number = crate::domain::InvoiceNumber::parse("F2026-000012").unwrap_or_else(|e| panic!("{e}"));
        let customer = crate::domain::CustomerId::parse("roux").unwrap_or_else(|e| panic!("{e}"));
        let event = |kind| HistoryEvent::new(customer.clone(), at, Actor::system("test"), kind);
        let cases = [
            (
                event(EventKind::PaymentRecorded {
                    number: number.clone(),
                    amount_minor: 12_000,
                    currency: "EUR".into(),
                    date: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
                    method: crate::domain::invoice::PaymentMethod::Transfer,
                    reference: None,
                    remaining_minor: 2_000,
                }),
                "Paiement de 120,00\u{a0}€ sur F2026-000012 ; reste 20,00\u{a0}€.",
                "Payment of €120.00 on F2026-000012; €20.00 left.",
            ),
            (
                event(EventKind::InvoicePaid {
                    number: number.clone(),
                    paid_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
                    days_late: 8,
                }),
                "F2026-000012 réglée avec 8 jours de retard.",
                "F2026-000012 paid 8 days late.",
            ),
            (
                event(EventKind::HelpRequestAnswered {
                    numbers: vec![number.clone()],
                }),
                "Demande d'aide traitée : les relances de F2026-000012 reprennent.",
                "Help request answered: reminders of F2026-000012 resume.",
            ),
        ];
        for (event, fr, en) in cases {
            assert_eq!(sentence(&event, Locale::Fr), fr);
            assert_eq!(sentence(&event, Locale::En), en);
        }
    }
}
