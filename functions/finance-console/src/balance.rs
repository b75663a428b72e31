//! The relationship balance on real data, for any period: the figures of
//! `domain::balance` (the same the finance API's `GET /balance` and the
//! demo give), and the trend of the months that end the period, drawn as
//! SVG on the server (`chart.rs`). One read of the portfolio's histories
//! serves the period and every month of the trend.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use relance::domain::Locale;
use relance::domain::balance::{Balance, PeriodError, balance, period};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Staff;
use crate::chart::{self, Series};
use crate::page;
use crate::receivables::amount;

/// Months in the trend, the period's own month last.
const TREND_MONTHS: u32 = 6;

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// An empty field is "not given"; anything else is a date or refused.
fn date(text: &str) -> Result<Option<NaiveDate>, ()> {
    match text.trim() {
        "" => Ok(None),
        t => NaiveDate::parse_from_str(t, "%Y-%m-%d").map(Some).map_err(|_| ()),
    }
}

fn number(v: f64, decimals: usize, locale: Locale) -> String {
    let text = format!("{v:.decimals$}");
    match locale {
        Locale::Fr => text.replace('.', ",").replace('-', "−"),
        Locale::En => text.replace('-', "−"),
    }
}

fn percent(v: Option<f64>, locale: Locale) -> String {
    v.map_or_else(
        || "—".into(),
        |v| match locale {
            Locale::Fr => format!("{}\u{a0}%", number(v, 0, locale)),
            Locale::En => format!("{}%", number(v, 0, locale)),
        },
    )
}

fn month_label(start: NaiveDate, locale: Locale) -> String {
    const FR: [&str; 12] = [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.",
    ];
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let names = if locale == Locale::Fr { FR } else { EN };
    format!("{} {}", names[start.month0() as usize], start.year() % 100)
}

/// The period's figures, as the page shows them.
fn figures(b: &Balance, locale: Locale, names: &[(String, String)]) -> Value {
    let amounts: Vec<Value> = b
        .amounts
        .iter()
        .map(|(currency, a)| {
            json!({
                "currency": currency,
                "invoiced": amount(a.invoiced_minor, currency, locale),
                "receivables": amount(a.receivables_minor, currency, locale),
                "dso": a.dso_days.map(|d| number(d, 0, locale)),
                "credits": (a.credits_net_minor != 0).then(|| amount(a.credits_net_minor, currency, locale)),
            })
        })
        .collect();
    let reminders: u32 = b.reminders_by_stage.values().sum();
    json!({
        "invoices_issued": b.invoices_issued,
        "invoices_paid": b.invoices_paid,
        "paid_on_time": b.paid_on_time,
        "on_time": percent(b.on_time_rate, locale),
        "amounts": amounts,
        "reminders": reminders,
        "by_stage": b.reminders_by_stage,
        "by_tone": b.reminders_by_tone,
        "handed_off": b.handed_off,
        "help_requests": b.help_requests,
        "disputes_opened": b.disputes_opened,
        "finance_alerts": b.finance_alerts,
        "alerts_answered": b.alerts_answered,
        "within_48h": b.alerts_answered_within_48h,
        "answer_hours": b.answer_hours_median.map(|h| number(h, 0, locale)),
        "surveys_sent": b.surveys_sent,
        "surveys_answered": b.surveys_answered,
        "scanner_answers": b.scanner_answers,
        "csat": percent(b.csat, locale),
        "nps": b.nps.map_or_else(|| "—".into(), |v| format!("{}{}", if v > 0.0 { "+" } else { "" }, number(v, 0, locale))),
        "ces": b.ces.map_or_else(|| "—".into(), |v| number(v, 1, locale)),
        "credits_granted": b.credits_granted,
        "churn": names.iter().map(|(id, name)| json!({ "id": id, "name": name })).collect::<Vec<_>>(),
    })
}

/// The trend charts of the months ending the period, and their figures.
fn trend(
    state: &AppState,
    months: &[(NaiveDate, NaiveDate)],
    balances: &[Balance],
    locale: Locale,
    t: &dyn Fn(&str) -> String,
) -> Value {
    let empty = t("chart_empty");
    let labels: Vec<String> = months.iter().map(|(start, _)| month_label(*start, locale)).collect();
    let currency = state.policy.currency.code();
    let dso: Vec<Option<f64>> = balances
        .iter()
        .map(|b| b.amounts.get(currency).and_then(|a| a.dso_days))
        .collect();
    let high = dso.iter().flatten().copied().fold(30.0_f64, f64::max) * 1.2;
    let days = |v: f64| number(v, 0, locale);
    let pct = |v: f64| percent(Some(v), locale);
    let signed = |v: f64| format!("{}{}", if v > 0.0 { "+" } else { "" }, number(v, 0, locale));
    let budget = state.policy.caps.monthly_budget_minor as f64 / 100.0;
    let credits: Vec<f64> = balances
        .iter()
        .map(|b| b.amounts.get(currency).map_or(0, |a| a.credits_net_minor) as f64 / 100.0)
        .collect();
    let euros = |v: f64| amount((v * 100.0).round() as i64, currency, locale);
    let series = |name: &str, values: Vec<Option<f64>>| Series {
        name: name.to_string(),
        values,
    };
    let rows: Vec<Value> = labels
        .iter()
        .zip(balances)
        .map(|(label, b)| {
            let f = figures(b, locale, &[]);
            json!({
                "month": label,
                "dso": b.amounts.get(currency).and_then(|a| a.dso_days).map(days),
                "on_time": f["on_time"], "csat": f["csat"], "nps": f["nps"], "ces": f["ces"],
                "credits": amount(b.amounts.get(currency).map_or(0, |a| a.credits_net_minor), currency, locale),
            })
        })
        .collect();
    json!({
        "dso": chart::lines(&t("chart_dso"), &labels, &[series("DSO", dso)], (0.0, high), &|_, v| days(v), &empty),
        "on_time": chart::lines(
            &t("chart_on_time"),
            &labels,
            &[series("on time", balances.iter().map(|b| b.on_time_rate).collect())],
            (0.0, 100.0),
            &|_, v| pct(v),
            &empty,
        ),
        "scores": chart::lines(
            &t("chart_scores"),
            &labels,
            &[
                series("CSAT", balances.iter().map(|b| b.csat).collect()),
                series("NPS", balances.iter().map(|b| b.nps).collect()),
            ],
            (-100.0, 100.0),
            // CSAT is a share, NPS a signed score.
            &|k, v| if k == 0 { pct(v) } else { signed(v) },
            &empty,
        ),
        "ces": chart::lines(
            &t("chart_ces"),
            &labels,
            &[series("CES", balances.iter().map(|b| b.ces).collect())],
            (1.0, 5.0),
            &|_, v| number(v, 1, locale),
            &empty,
        ),
        "credits": chart::bars(&t("chart_credits"), &labels, &credits, Some(budget), &euros),
        "budget": euros(budget),
        "rows": rows,
        "currency": currency,
    })
}

fn refused(state: &AppState, staff: &Staff, body: &str) -> Response {
    page::message(
        state,
        Some(&staff.person),
        StatusCode::BAD_REQUEST,
        "period_title",
        body,
    )
}

pub async fn page(State(state): State<Arc<AppState>>, staff: Staff, params: Query<Params>) -> Response {
    let locale = staff.person.locale;
    let today = relance::domain::calendar::business_date(state.now());
    let (Ok(from), Ok(to)) = (date(&params.from), date(&params.to)) else {
        return refused(&state, &staff, "period_unreadable");
    };
    let (from, to) = match period(from, to, today) {
        Ok(p) => p,
        Err(PeriodError::EndsBeforeItStarts) => return refused(&state, &staff, "period_reversed"),
        Err(PeriodError::StartsAfterToday) => return refused(&state, &staff, "period_future"),
        Err(PeriodError::LongerThanAYear) => return refused(&state, &staff, "period_too_long"),
    };
    let histories = match relance::balance::histories(&state.store).await {
        Ok(h) => h,
        Err(err) => return page::failed(&state, Some(&staff.person), &err),
    };
    let this = balance(histories.iter().map(Vec::as_slice), from, to);
    let months = relance::balance::months_to(to, TREND_MONTHS);
    let balances = relance::balance::monthly(&histories, &months);
    let names = crate::receivables::names(&state, this.silent_churn.iter().map(String::as_str)).await;
    let churn: Vec<(String, String)> = this
        .silent_churn
        .iter()
        .map(|id| (id.clone(), names.get(id).cloned().unwrap_or_else(|| id.clone())))
        .collect();
    let t = |key: &str| relance::render::console_word(locale, key);
    page::render(
        &state,
        "balance",
        locale,
        StatusCode::OK,
        json!({
            "person": staff.person,
            "csrf": staff.csrf,
            "from": from.to_string(),
            "to": to.to_string(),
            "from_text": relance::view::format_date(from, locale),
            "to_text": relance::view::format_date(to, locale),
            "b": figures(&this, locale, &churn),
            "trend": trend(&state, &months, &balances, locale, &t),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_each_language_writes_them() {
        assert_eq!(number(17.25, 1, Locale::Fr), "17,2");
        assert_eq!(number(-12.0, 0, Locale::En), "−12");
        assert_eq!(percent(Some(50.0), Locale::Fr), "50\u{a0}%");
        assert_eq!(percent(None, Locale::En), "—");
        let day = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap_or_default();
        assert_eq!(month_label(day, Locale::Fr), "août 26");
        assert_eq!(date("2026-02-30"), Err(()));
        assert_eq!(date(" "), Ok(None));
    }
}
