//! The home page: what waits for a person, most urgent first, each with
//! its deadline and the action that clears it.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use relance::domain::todo::TodoKind;
use relance::domain::{CustomerId, Locale, Money};
use relance::staff::Role;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::AppState;
use crate::auth::Staff;
use crate::page;

/// A moment as the team reads it, in Paris: "8 avril 2026, 09:00".
pub fn moment(at: DateTime<Utc>, locale: Locale) -> String {
    let local = at.with_timezone(&chrono_tz::Europe::Paris);
    format!(
        "{}, {}",
        relance::view::format_date(local.date_naive(), locale),
        local.format("%H:%M")
    )
}

/// A person as the page names them: the name of a console user, else
/// the actor as the history records it.
pub(crate) fn who(state: &AppState, actor: &str) -> String {
    let id = actor.trim_start_matches("console:");
    state
        .local_users
        .iter()
        .flatten()
        .find(|p| actor.starts_with("console:") && p.id == id)
        .map_or_else(|| id.to_string(), |p| p.name.clone())
}

#[derive(Serialize)]
struct Row {
    kind: &'static str,
    customer_id: Option<String>,
    customer_name: Option<String>,
    reference: String,
    since: String,
    deadline: String,
    late: bool,
    /// A credit: its amount, who asked, and whether this person may
    /// approve it (an approver, not the requester).
    credit_amount: Option<String>,
    credit_invoice: Option<String>,
    requested_by: Option<String>,
    may_approve: bool,
    /// A detractor's answer: "NPS 3/10".
    answer: Option<String>,
    /// What a customer wrote back, while it is kept.
    reply_text: Option<String>,
}

/// What the last action did, said once on the page it lands on.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

impl Done {
    /// The word, if it is one (it names a key of the words file).
    pub fn word(&self) -> Option<&str> {
        self.done
            .as_deref()
            .filter(|d| d.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    }
}

pub async fn page(State(state): State<Arc<AppState>>, staff: Staff, done: Query<Done>) -> Response {
    let person = &staff.person;
    let locale = person.locale;
    let now = state.now();
    let list = match state.store.todo().await {
        Ok(list) => list,
        Err(err) => return page::failed(&state, Some(person), &err),
    };
    // Names for the customers on the page: one BatchGetItem per hundred,
    // whatever the table holds.
    let names = crate::receivables::names(&state, list.iter().filter_map(|t| t.customer_id.as_deref())).await;
    let mut rows = Vec::with_capacity(list.len());
    for t in &list {
        let mut row = Row {
            kind: t.kind.name(),
            customer_id: t.customer_id.clone(),
            customer_name: t.customer_id.as_ref().and_then(|id| names.get(id).cloned()),
            reference: t.reference.clone(),
            since: moment(t.since, locale),
            deadline: moment(t.deadline, locale),
            late: t.late(now),
            credit_amount: None,
            credit_invoice: None,
            requested_by: None,
            may_approve: false,
            answer: None,
            reply_text: None,
        };
        if t.kind == TodoKind::DetractorAlert
            && let Some(customer) = t.customer_id.as_deref().and_then(|c| CustomerId::parse(c).ok())
        {
            match state.store.get_survey(&customer, &t.reference).await {
                Ok(Some(survey)) => {
                    row.answer = survey.answer.map(|score| {
                        let top = survey.question.scores().end().to_owned();
                        format!("{} {score}/{top}", survey.question.name().to_uppercase())
                    });
                }
                Ok(None) => {}
                Err(err) => return page::failed(&state, Some(person), &err),
            }
        }
        // A reply's words, while they are kept (30 days).
        if t.kind == TodoKind::CustomerReply
            && let Some(customer) = t.customer_id.as_deref().and_then(|c| CustomerId::parse(c).ok())
            && let Ok(event) = t.reference.parse::<ulid::Ulid>()
        {
            match state.store.reply_text(&customer, event, now).await {
                Ok(text) => row.reply_text = text,
                Err(err) => return page::failed(&state, Some(person), &err),
            }
        }
        if t.kind == TodoKind::CreditApproval
            && let Some(customer) = t.customer_id.as_deref().and_then(|c| CustomerId::parse(c).ok())
        {
            match state.store.get_credit(&customer, &t.reference).await {
                Ok(Some(found)) => {
                    let credit = found.value;
                    row.credit_amount = Some(Money::new(credit.net_minor, credit.currency).format(locale));
                    row.may_approve = person.may(Role::Approver) && credit.requested_by != person.actor();
                    row.credit_invoice = Some(credit.invoice.as_str().to_string());
                    row.requested_by = Some(who(&state, &credit.requested_by.0));
                }
                Ok(None) => {}
                Err(err) => return page::failed(&state, Some(person), &err),
            }
        }
        rows.push(row);
    }
    let late = rows.iter().filter(|r| r.late).count();
    page::render(
        &state,
        "todo",
        locale,
        StatusCode::OK,
        json!({
            "person": person,
            "csrf": staff.csrf,
            "rows": rows,
            "late": late,
            "done": done.word(),
        }),
    )
}
