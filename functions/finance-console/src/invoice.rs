//! An invoice's page: the document as issued (its lines, totals and the
//! archived files, downloadable through short-lived signed links), what
//! was paid, every email that carried or reminded it with its delivery
//! status, the reminders sent with their tone and why, and the next one
//! planned — with the actions finance takes on it.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use relance::domain::dunning::decide_tone;
use relance::domain::facts::customer_facts;
use relance::domain::message::{Message, MessageStatus};
use relance::domain::pass_plan::{NextReminder, next_reminder};
use relance::domain::todo::TodoKind;
use relance::domain::{CustomerId, EventKind, HistoryEvent, InvoiceNumber, InvoiceStatus, Locale, Money};
use relance::view::InvoiceView;
use relance::view::timeline::sentence;
use serde::Serialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Staff;
use crate::page;
use crate::todo::{moment, who};

/// Emails read for one invoice: its own, and the reminders that named it.
const EMAILS: usize = 24;
/// How long a download link works.
const LINK_TTL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Whether an event is about invoice `number`: it names it as its
/// `number`, among its `numbers`, or as its `invoice`.
fn mentions(event: &HistoryEvent, number: &str) -> bool {
    let Ok(Value::Object(fields)) = serde_json::to_value(&event.kind) else {
        return false;
    };
    let names = |v: &Value| match v {
        Value::String(s) => s == number,
        Value::Array(list) => list.iter().any(|n| n.as_str() == Some(number)),
        _ => false,
    };
    ["number", "numbers", "invoice"]
        .iter()
        .any(|k| fields.get(*k).is_some_and(names))
}

/// The message id an event carries, if it is an email's.
fn message_of(event: &HistoryEvent) -> Option<ulid::Ulid> {
    let value = serde_json::to_value(&event.kind).ok()?;
    value.get("message_id")?.as_str()?.parse().ok()
}

#[derive(Serialize)]
struct EmailRow {
    #[serde(skip)]
    order: chrono::DateTime<chrono::Utc>,
    kind: String,
    created: String,
    sent: Option<String>,
    status: String,
    attempts: u32,
    last_error: Option<String>,
    bounced: Option<String>,
}

fn word(locale: Locale, key: &str) -> String {
    relance::render::console_word(locale, key)
}

fn email_row(m: &Message, bounced: Option<String>, locale: Locale) -> EmailRow {
    let purpose = serde_json::to_value(&m.purpose)
        .ok()
        .and_then(|v| v.get("purpose").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let status = match m.status {
        MessageStatus::Pending => "status_pending",
        MessageStatus::Sending => "status_sending",
        MessageStatus::Sent => "status_sent",
        MessageStatus::Withdrawn => "status_withdrawn",
    };
    EmailRow {
        order: m.created_at,
        kind: word(locale, &format!("purpose_{purpose}")),
        created: moment(m.created_at, locale),
        sent: m.sent_at.map(|t| moment(t, locale)),
        status: word(locale, status),
        attempts: m.attempts,
        last_error: m.last_error.clone(),
        bounced,
    }
}

pub async fn page(
    State(state): State<Arc<AppState>>,
    Path((id, number)): Path<(String, String)>,
    staff: Staff,
    done: axum::extract::Query<crate::todo::Done>,
) -> Response {
    let person = &staff.person;
    let locale = person.locale;
    let not_found = || {
        page::message(
            &state,
            Some(person),
            StatusCode::NOT_FOUND,
            "not_found_title",
            "not_found_body",
        )
    };
    let (Ok(id), Ok(number)) = (CustomerId::parse(&id), InvoiceNumber::parse(&number)) else {
        return not_found();
    };
    let (customer, invoice, (dunning, history), handoffs) = match futures::try_join!(
        state.store.get_customer(&id),
        state.store.get_invoice(&id, &number),
        state.store.dunning_and_history(&id, false),
        state.store.waiting_for(&id, TodoKind::Handoff),
    ) {
        Ok((Some(c), Some(i), found, handoffs)) => (c.value, i.value, found, handoffs),
        Ok(_) => return not_found(),
        Err(err) => return page::failed(&state, Some(person), &err),
    };
    let now = state.now();
    let today = relance::domain::calendar::business_date(now);
    let about: Vec<&HistoryEvent> = history.iter().filter(|e| mentions(e, number.as_str())).collect();

    // Its emails: the invoice's own and every reminder that named it, with
    // a bounce said next to the email it came back from.
    let mut ids: BTreeSet<ulid::Ulid> = about.iter().filter_map(|e| message_of(e)).collect();
    ids.extend(invoice.email_message_id);
    let bounces: Vec<(String, String)> = history
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::EmailBounced { message_id, detail, .. } => Some((message_id.clone(), detail.clone())),
            _ => None,
        })
        .collect();
    let bounce_of = |message: &str| {
        bounces
            .iter()
            .find(|(mid, _)| mid == message)
            .map(|(_, detail)| detail.clone())
    };
    let messages =
        futures::future::join_all(ids.iter().rev().take(EMAILS).map(|m| state.store.get_message(&id, *m))).await;
    let mut emails = Vec::new();
    let mut listed = BTreeSet::new();
    // The customer's last reminder lives in their dunning item until the
    // next one: said as it stands when it names this invoice.
    let last_reminder = dunning.value.message.as_ref().filter(|m| {
        matches!(&m.purpose, relance::domain::message::Purpose::Reminder { numbers, .. } if numbers.contains(&number))
    });
    for found in messages {
        match found {
            Ok(Some(m)) => {
                listed.insert(m.id);
                emails.push(email_row(&m, bounce_of(&m.id.to_string()), locale));
            }
            Ok(None) => {}
            Err(err) => return page::failed(&state, Some(person), &err),
        }
    }
    if let Some(m) = last_reminder.filter(|m| !listed.contains(&m.id)) {
        listed.insert(m.id);
        emails.push(email_row(m, bounce_of(&m.id.to_string()), locale));
    }
    // Earlier reminders: their event is the proof they went out.
    for e in about.iter().rev() {
        if let EventKind::ReminderSent { message_id, .. } = &e.kind
            && message_id.parse().is_ok_and(|m: ulid::Ulid| !listed.contains(&m))
        {
            emails.push(EmailRow {
                order: e.at,
                kind: word(locale, "purpose_reminder"),
                created: moment(e.at, locale),
                sent: Some(moment(e.at, locale)),
                status: word(locale, "status_sent"),
                attempts: 1,
                last_error: None,
                bounced: bounce_of(message_id),
            });
        }
    }

    emails.sort_by_key(|e| std::cmp::Reverse(e.order));

    let reminders: Vec<Value> = about
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ReminderSent {
                stage, tone, reason, ..
            } => Some(json!({
                "at": moment(e.at, locale),
                "stage": crate::reminders::word(locale, "stage_", stage),
                "tone": crate::reminders::word(locale, "tone_", tone),
                "reason": relance::view::timeline::tone_reason(reason, locale),
            })),
            _ => None,
        })
        .rev()
        .collect();

    // What comes next if nothing changes.
    let facts = customer_facts(&customer, &history, today);
    let last = dunning.value.stage_of(&number).and_then(|s| state.dunning.index_of(s));
    let next = if invoice.status != InvoiceStatus::Open {
        json!({ "state": "closed" })
    } else if customer.paused {
        json!({ "state": "held", "why": crate::reminders::word(locale, "skip_", "customer_paused") })
    } else if facts.detractor_waiting {
        json!({ "state": "held", "why": crate::reminders::word(locale, "skip_", "detractor_waiting") })
    } else {
        match next_reminder(&state.dunning, &invoice, last, facts.reminded_before, today) {
            NextReminder::Due { stage, on } => {
                let (tone, reason) = decide_tone(&state.dunning.tone, &facts);
                let def = &state.dunning.stages[stage];
                json!({
                    "state": if def.email && !customer.email_suppressed { "due" } else { "handoff" },
                    "stage": crate::reminders::word(locale, "stage_", &def.name),
                    "on": relance::view::format_date(on, locale),
                    "tone": crate::reminders::word(locale, "tone_", tone.name()),
                    "reason": relance::view::timeline::tone_reason(&reason, locale),
                })
            }
            NextReminder::Held(skip) => {
                json!({ "state": "held", "why": crate::reminders::word(locale, "skip_", skip.name()) })
            }
            NextReminder::Done => json!({ "state": "done" }),
        }
    };

    // The files as issued, from the archive.
    let documents: Vec<Value> = about
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::DocumentsArchived {
                documents,
                credit_id: None,
                ..
            } => Some(documents),
            _ => None,
        })
        .flatten()
        .map(|d| {
            let file = d.key.rsplit('/').next().unwrap_or(&d.key).to_string();
            let link = state
                .archive
                .as_ref()
                .and_then(|a| a.url(&d.key, &file, now.into(), LINK_TTL).ok());
            json!({
                "format": d.format,
                "file": file,
                "sha256": d.sha256,
                "size": format!("{:.0} Ko", (d.bytes as f64 / 1024.0).ceil()),
                "link": link,
            })
        })
        .collect();

    let events: Vec<Value> = about
        .iter()
        .rev()
        .map(|e| {
            json!({
                "at": moment(e.at, locale),
                "who": who(&state, &e.actor.0),
                "text": sentence(e, locale),
            })
        })
        .collect();
    let money = |minor: i64| Money::new(minor, invoice.currency).format(locale);
    let name = customer
        .company_name
        .clone()
        .unwrap_or_else(|| customer.contact_name.clone());
    page::render(
        &state,
        "invoice",
        locale,
        StatusCode::OK,
        json!({
            "person": person,
            "csrf": staff.csrf,
            "id": id.as_str(),
            "name": name,
            "number": number.as_str(),
            "view": InvoiceView::new(&invoice, locale),
            "open": invoice.status == InvoiceStatus::Open,
            "late": invoice.status == InvoiceStatus::Open && invoice.due_date < today,
            "paid": money(invoice.paid_minor),
            "remaining": money(invoice.remaining_minor()),
            "disputed": invoice.open_dispute().is_some(),
            "help": invoice.dunning.help_request_open,
            "promise": invoice.dunning.promise_to_pay.map(|d| relance::view::format_date(d, locale)),
            // The agreed instalments, what was paid before the plan first.
            "plan": invoice.dunning.plan.iter().map(|(on, minor)| json!({
                "on": relance::view::format_date(*on, locale),
                "amount": Money::new(*minor, invoice.currency).format(locale),
            })).collect::<Vec<_>>(),
            "documents": documents,
            "emails": emails,
            "reminders": reminders,
            "next": next,
            // The hand-off waiting on this invoice, for its "I am taking
            // it over" button.
            "done": done.word(),
            "handed_off": handoffs.iter().any(|h| h.reference == number.as_str()),
            "events": events,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use relance::domain::Actor;

    #[test]
    fn an_event_is_about_the_invoices_it_names() {
        let at = chrono::DateTime::UNIX_EPOCH;
        let id = CustomerId::parse("c").unwrap_or_else(|e| panic!("{e}"));
        let n = |s: &str| InvoiceNumber::parse(s).unwrap_or_else(|e| panic!("{e}"));
        let event = |kind| HistoryEvent::new(id.clone(), at, Actor::system("t"), kind);
        let reminded = event(EventKind::ReminderSent {
            numbers: vec![n("F2026-000001"), n("F2026-000002")],
            stage: "firm".into(),
            tone: "standard".into(),
            reason: "r".into(),
            message_id: ulid::Ulid::nil().to_string(),
            provider_message_id: "p".into(),
            notice: None,
        });
        assert!(mentions(&reminded, "F2026-000002"));
        assert!(!mentions(&reminded, "F2026-000003"));
        assert_eq!(message_of(&reminded), Some(ulid::Ulid::nil()));
        let handed = event(EventKind::HandedOff {
            number: n("F2026-000003"),
            reason: "r".into(),
        });
        assert!(mentions(&handed, "F2026-000003") && message_of(&handed).is_none());
        assert!(!mentions(&event(EventKind::CustomerCreated), "F2026-000003"));
    }
}
