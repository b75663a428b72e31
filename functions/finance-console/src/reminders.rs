//! Reminders: what the next pass will send — to whom, at which stage, in
//! which tone and why, and what it will leave alone — computed by the
//! pass itself in a dry run, and what the last passes did, from their
//! records (one Query).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::AppState;
use crate::auth::Staff;
use crate::page;
use crate::todo::moment;

/// Reminders listed in the preview; the counts cover them all.
const SHOWN: usize = 200;
/// Passes listed.
const PASSES: i32 = 14;
/// How far ahead a preview may look: the pass reads the history as it is
/// now, so a later date would promise more than it knows.
const AHEAD_DAYS: u64 = 31;
/// How long one page of the preview may compute: well inside API
/// Gateway's 30 seconds. A larger portfolio is previewed in pages that
/// continue where the last one stopped.
const BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    as_of: String,
    /// Continue a preview that stopped after this customer.
    #[serde(default)]
    after: String,
}

#[derive(Serialize)]
struct Row {
    customer_id: String,
    customer_name: String,
    invoices: Vec<String>,
    stage: String,
    tone: String,
    reason: String,
    email: bool,
    handoff: bool,
}

/// The console's word for a stage, a tone or a reason; a stage the
/// policy added without words keeps its own name.
pub(crate) fn word(locale: relance::domain::Locale, prefix: &str, name: &str) -> String {
    let key = format!("{prefix}{name}");
    let found = relance::render::console_word(locale, &key);
    if found == key { name.to_string() } else { found }
}

/// Whether `as_of` is a day a preview can speak for: from today to a month ahead.
fn previewable(as_of: NaiveDate, today: NaiveDate) -> bool {
    as_of >= today && as_of <= today + Days::new(AHEAD_DAYS)
}

pub async fn page(State(state): State<Arc<AppState>>, staff: Staff, params: Query<Params>) -> Response {
    let person = &staff.person;
    let locale = person.locale;
    let now = state.now();
    let today = relance::domain::calendar::business_date(now);
    let as_of = match params.as_of.trim() {
        "" => today + Days::new(1),
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) if previewable(day, today) => day,
            Ok(_) => {
                return page::message(
                    &state,
                    Some(person),
                    StatusCode::BAD_REQUEST,
                    "as_of_title",
                    "as_of_range",
                );
            }
            Err(_) => {
                return page::message(
                    &state,
                    Some(person),
                    StatusCode::BAD_REQUEST,
                    "as_of_title",
                    "as_of_unreadable",
                );
            }
        },
    };
    let after = match params.after.trim() {
        "" => None,
        text => match relance::domain::CustomerId::parse(text) {
            Ok(id) => Some(id),
            Err(_) => {
                return page::message(
                    &state,
                    Some(person),
                    StatusCode::BAD_REQUEST,
                    "as_of_title",
                    "after_unreadable",
                );
            }
        },
    };
    let continued = after.is_some();
    let instant = relance::domain::calendar::pass_instant(as_of, now);
    let window = relance::reminders::Window { after, budget: BUDGET };
    let preview = relance::reminders::preview(
        &state.store,
        state.renderer.clone(),
        &state.dunning,
        as_of,
        instant,
        window,
    );
    let (summary, passes) = match futures::try_join!(async { preview.await.map_err(|e| e.to_string()) }, async {
        state.store.recent_passes(PASSES).await.map_err(|e| e.to_string())
    }) {
        Ok(found) => found,
        Err(err) => return page::failed(&state, Some(person), &err),
    };
    let shown = &summary.planned[..summary.planned.len().min(SHOWN)];
    let names = crate::receivables::names(&state, shown.iter().map(|p| p.customer_id.as_str())).await;
    let rows: Vec<Row> = shown
        .iter()
        .map(|p| Row {
            customer_id: p.customer_id.as_str().to_string(),
            customer_name: names
                .get(p.customer_id.as_str())
                .cloned()
                .unwrap_or_else(|| p.customer_id.as_str().to_string()),
            invoices: p.invoices.iter().map(|n| n.as_str().to_string()).collect(),
            stage: word(locale, "stage_", &p.stage),
            tone: word(locale, "tone_", p.tone.name()),
            reason: relance::view::timeline::tone_reason(&p.reason, locale),
            email: p.email,
            handoff: p.handoff,
        })
        .collect();
    let skipped: Vec<(String, usize)> = summary
        .skipped
        .iter()
        .map(|(reason, n)| (word(locale, "skip_", reason.name()), *n))
        .collect();
    let passes: Vec<serde_json::Value> = passes
        .iter()
        .map(|p| {
            json!({
                "as_of": relance::view::format_date(p.as_of, locale),
                "at": moment(p.at, locale),
                "continued": p.continued,
                "cut_short": p.cut_short,
                "customers": p.customers,
                "emails_sent": p.emails_sent,
                "emails_pending": p.emails_pending,
                "handed_off": p.handed_off,
                "finance_alerts": p.finance_alerts,
                "skipped": p.skipped.iter().map(|(r, n)| (word(locale, "skip_", r), *n)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let emails = summary.planned.iter().filter(|p| p.email).count();
    page::render(
        &state,
        "reminders",
        locale,
        StatusCode::OK,
        json!({
            "person": person,
            "csrf": staff.csrf,
            "as_of": as_of.to_string(),
            "as_of_text": relance::view::format_date(as_of, locale),
            "min": today.to_string(),
            "max": (today + Days::new(AHEAD_DAYS)).to_string(),
            "rows": rows,
            "planned": summary.planned.len(),
            "more": summary.planned.len().saturating_sub(SHOWN),
            "emails": emails,
            "handoffs": summary.planned.iter().filter(|p| p.handoff).count(),
            "customers": summary.customers,
            "invoices_seen": summary.invoices_seen,
            "skipped": skipped,
            "passes": passes,
            "continued": continued,
            "resume_after": summary.resume_after.as_ref().map(|id| id.as_str().to_string()),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_speaks_for_today_to_a_month_ahead() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
        let today = day(12, 7);
        assert!(previewable(today, today));
        assert!(previewable(day(12, 8), today));
        assert!(
            previewable(day(12, 31) + Days::new(7), today),
            "7 January: 31 days ahead"
        );
        assert!(!previewable(day(12, 31) + Days::new(8), today));
        assert!(
            !previewable(day(12, 6), today),
            "a past day is the history's, not a preview's"
        );
    }
}
