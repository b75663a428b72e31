//! What the month comes to: each customer's timeline in a few words, and
//! the portfolio's relationship balance.

use relance::domain::EventKind;
use relance::domain::balance::Balance;

use crate::scenario::Outcome;

/// `1234567` → `€12,345.67`.
pub fn euros(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let (units, cents) = (minor.abs() / 100, minor.abs() % 100);
    let digits = units.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}€{grouped}.{cents:02}")
}

/// A few words for an event worth a line in a timeline.
fn short(kind: &EventKind) -> Option<String> {
    Some(match kind {
        EventKind::InvoiceIssued { number, .. } => format!("invoice {}", tail(&number.to_string())),
        EventKind::ReminderSent { stage, tone, .. } => format!("{stage} ({tone})"),
        EventKind::HandedOff { .. } => "handed to a person".into(),
        EventKind::PayClicked { .. } => "clicked pay".into(),
        EventKind::InvoicePaid { number, days_late, .. } => match days_late {
            d if *d <= 0 => format!("paid {} on time", tail(&number.to_string())),
            d => format!("paid {} +{d} d", tail(&number.to_string())),
        },
        EventKind::PaymentRecorded { remaining_minor, .. } if *remaining_minor > 0 => {
            format!("instalment ({} left)", euros(*remaining_minor))
        }
        EventKind::HelpRequested { choice, .. } => format!("asked for help: {choice}"),
        EventKind::HelpRequestAnswered { .. } => "help answered".into(),
        EventKind::PersonReplied { .. } => "finance answered".into(),
        EventKind::CustomerReplied {
            automatic: true,
            back_on,
            ..
        } => match back_on {
            Some(back) => format!("away until {}", back.format("%d/%m")),
            None => "auto-reply".into(),
        },
        EventKind::CustomerReplied { says_paid, .. } => {
            if *says_paid {
                "wrote back: paid".into()
            } else {
                "wrote back".into()
            }
        }
        EventKind::PromiseToPayRecorded { date, .. } => format!("promised {}", date.format("%d/%m")),
        EventKind::PaymentPlanAgreed { instalments, .. } => format!("plan in {}", instalments.len()),
        EventKind::DisputeOpened { .. } => "dispute opened".into(),
        EventKind::DisputeSettled { .. } => "dispute settled".into(),
        EventKind::SurveySent { question, .. } => format!("{} asked", question.to_uppercase()),
        EventKind::SurveyAnswered { question, score, .. } => format!("{} {score}", question.to_uppercase()),
        EventKind::FinanceAlerted { .. } => "finance alerted".into(),
        EventKind::CreditGranted {
            number, gross_minor, ..
        } => format!("credit note {number} ({})", euros(*gross_minor)),
        EventKind::CreditApplied { amount_minor, .. } => format!("credit deducted {}", euros(*amount_minor)),
        EventKind::ThanksSent { .. } => "thanked".into(),
        _ => return None,
    })
}

/// `F2026-000031` → `…031`: the timeline has little room.
fn tail(number: &str) -> String {
    number.rsplit('-').next().map_or_else(
        || number.to_string(),
        |n| format!("…{}", &n[n.len().saturating_sub(3)..]),
    )
}

fn balance_rows(b: &Balance) -> Vec<(&'static str, String)> {
    let percent = |v: Option<f64>| v.map_or_else(|| "—".into(), |v| format!("{v:.0} %"));
    let list = |m: &std::collections::BTreeMap<String, u32>| {
        m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
    };
    vec![
        (
            "invoices issued",
            format!("{} for {}", b.invoices_issued, euros(b.eur().invoiced_minor)),
        ),
        (
            "invoices paid",
            format!("{} ({} on time)", b.invoices_paid, percent(b.on_time_rate)),
        ),
        (
            "DSO",
            format!(
                "{} days ({} owed)",
                b.eur().dso_days.map_or_else(|| "—".into(), |d| format!("{d:.0}")),
                euros(b.eur().receivables_minor)
            ),
        ),
        ("reminders", b.reminders_by_stage.values().sum::<u32>().to_string()),
        ("  by stage", list(&b.reminders_by_stage)),
        ("  by tone", list(&b.reminders_by_tone)),
        (
            "help / disputes",
            format!("{} help request(s), {} dispute(s)", b.help_requests, b.disputes_opened),
        ),
        ("handed to a person", b.handed_off.to_string()),
        (
            "surveys",
            format!("{} sent, {} answered", b.surveys_sent, b.surveys_answered),
        ),
        ("CSAT (4–5 of 5)", percent(b.csat)),
        ("NPS", b.nps.map_or_else(|| "—".into(), |v| format!("{v:+.0}"))),
        ("CES (of 5)", b.ces.map_or_else(|| "—".into(), |v| format!("{v:.1}"))),
        ("finance alerts", b.finance_alerts.to_string()),
        (
            "  answered in 48 h",
            format!("{} of {} answered", b.alerts_answered_within_48h, b.alerts_answered),
        ),
        (
            "credits granted",
            format!("{}, {} excl. VAT", b.credits_granted, euros(b.eur().credits_net_minor)),
        ),
    ]
}

pub fn render(outcome: &Outcome) -> Vec<String> {
    let mut out = vec![
        String::new(),
        format!(
            "== Each customer's {} – {}",
            outcome.from.format("%-d %B"),
            outcome.to.format("%-d %B %Y")
        ),
    ];
    for c in &outcome.customers {
        out.push(format!("{} — {}", c.name, c.story));
        let mut line = String::from("   ");
        for e in &c.events {
            let day = relance::domain::calendar::business_date(e.at);
            if day < outcome.from || day > outcome.to {
                continue;
            }
            let Some(words) = short(&e.kind) else { continue };
            let item = format!("{} {words}", day.format("%d/%m"));
            if line.len() + item.len() > 100 {
                out.push(std::mem::replace(&mut line, String::from("   ")));
            }
            if line.len() > 3 {
                line.push_str(" · ");
            }
            line.push_str(&item);
        }
        out.push(line);
    }
    out.push(String::new());
    let (m, r) = (&outcome.month_balance, &outcome.run_balance);
    let whole_run = format!("{} – {}", outcome.started.format("%B"), outcome.from.format("%B %Y"));
    out.push(format!(
        "== Relationship balance   {:<44} {whole_run}",
        outcome.from.format("%B %Y").to_string(),
    ));
    for (label, month, run) in balance_rows(m)
        .into_iter()
        .zip(balance_rows(r))
        .map(|((l, a), (_, b))| (l, a, b))
    {
        out.push(format!("  {label:<22} {month:<44} {run}"));
    }
    out.push(String::new());
    out.push(format!(
        "Every email, as the customer saw it: {} (the mailbox page of the local SES endpoint)",
        outcome.mailbox_url
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_group_thousands() {
        assert_eq!(euros(0), "€0.00");
        assert_eq!(euros(5), "€0.05");
        assert_eq!(euros(123_456_789), "€1,234,567.89");
        assert_eq!(euros(-4_800), "-€48.00");
    }
}
