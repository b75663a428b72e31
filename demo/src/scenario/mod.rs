//! The month, played: every day the scheduler's reminder pass at 08:00,
//! finance's work in the morning (registering customers, the monthly
//! invoices, payments that came in, disputes, a credit), what customers do
//! with the emails they received (pay online, ask for help, answer a
//! survey — through the real pages), and in the evening the table's stream
//! handed to the survey dispatcher. Five months of ordinary life come first,
//! so that every customer has a history the reminders and surveys read.

use std::collections::{BTreeMap, HashSet};

use anyhow::{Context, Result, bail};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use relance::domain::balance::{Balance, balance};
use relance::domain::{CustomerId, HistoryEvent, Invoice};
use relance::reminders::Skip;
use reqwest::Method;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::local::{Local, Ports};
use crate::portfolio::{Act, Profile, portfolio};
use crate::report;

mod customers;

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The ordinary months before the one played in detail.
pub const HISTORY_FROM: (i32, u32, u32) = (2026, 6, 1);
/// The month played in detail: from its first business day to the next
/// month's invoicing.
pub const MONTH: ((i32, u32, u32), (i32, u32, u32)) = ((2026, 11, 2), (2026, 12, 1));

pub struct Options {
    /// Varies the quantities on invoices; the same seed plays the same month.
    pub seed: u64,
    pub table: String,
    pub ports: Ports,
    /// Added to every address (`camille+tag@…`), so that runs sharing one
    /// SES endpoint each read their own mail.
    pub tag: Option<String>,
    /// Print the story as it goes.
    pub print: bool,
}

pub struct CustomerStory {
    pub id: CustomerId,
    pub name: String,
    pub story: &'static str,
    pub events: Vec<HistoryEvent>,
}

pub struct Outcome {
    /// The first day of the ordinary months.
    pub started: NaiveDate,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub customers: Vec<CustomerStory>,
    /// The calendar month played (November), and the whole run (June –
    /// November): the balance reads better over both.
    pub month_balance: Balance,
    pub run_balance: Balance,
    /// (customer id, month) → invoice number.
    pub invoices: BTreeMap<(String, u32), String>,
    /// Everything printed, in order.
    pub transcript: Vec<String>,
    pub pages_url: String,
    pub mailbox_url: String,
}

#[derive(Debug, Clone)]
enum Todo {
    PayOnline(Vec<String>),
    AskForAPlan(Vec<String>),
    PromiseToPay(Vec<String>),
    CallBackAboutAPlan(Vec<String>),
    /// Finance answers an unhappy survey answer, which holds the
    /// customer's reminders until a person does.
    CallBackAfterUnhappyAnswer,
    Pay {
        number: String,
        amount_minor: Option<i64>,
    },
    /// The customer answers a reminder (its message id, its subject) by
    /// email.
    WriteBack {
        message_id: String,
        subject: String,
    },
    /// Finance answers that email, and notes it in relance.
    AnswerEmail(&'static str),
}

struct Run<'a> {
    local: &'a Local,
    options: &'a Options,
    profiles: Vec<Profile>,
    ids: Vec<CustomerId>,
    emails: Vec<String>,
    names: Vec<String>,
    browsers: Vec<Browser>,
    registered: Vec<bool>,
    invoices: BTreeMap<(usize, u32), String>,
    due: BTreeMap<String, NaiveDate>,
    held_back: String,
    todo: BTreeMap<NaiveDate, Vec<(usize, Todo)>>,
    reacted: HashSet<String>,
    /// The customers who already answered a reminder by email.
    wrote_back: HashSet<usize>,
    seen_mail: HashSet<String>,
    transcript: Vec<String>,
    rng: u64,
}

fn business_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn next_business_day(mut d: NaiveDate) -> NaiveDate {
    d += Duration::days(1);
    while !business_day(d) {
        d += Duration::days(1);
    }
    d
}

fn first_business_day_of_month(d: NaiveDate) -> bool {
    let mut first = d.with_day(1).unwrap_or(d);
    while !business_day(first) {
        first += Duration::days(1);
    }
    first == d
}

fn tagged(email: &str, tag: Option<&str>) -> String {
    match (tag, email.split_once('@')) {
        (Some(tag), Some((local, domain))) => format!("{local}+{tag}@{domain}"),
        _ => email.to_string(),
    }
}

/// Starts relance locally on a new table, plays the months, and stops it.
pub async fn run(options: &Options) -> Result<Outcome> {
    let local = start(options).await?;
    play(&local, options).await
}

/// relance on a new table, its clock at the start of the history.
pub async fn start(options: &Options) -> Result<Local> {
    let start = day(HISTORY_FROM.0, HISTORY_FROM.1, HISTORY_FROM.2);
    Local::start(
        &options.table,
        options.ports,
        start.and_hms_opt(6, 0, 0).unwrap_or_default().and_utc(),
    )
    .await
}

/// Plays the history and the month on a started relance.
pub async fn play(local: &Local, options: &Options) -> Result<Outcome> {
    let (from, to) = (
        day(MONTH.0.0, MONTH.0.1, MONTH.0.2),
        day(MONTH.1.0, MONTH.1.1, MONTH.1.2),
    );
    let start = day(HISTORY_FROM.0, HISTORY_FROM.1, HISTORY_FROM.2);
    let profiles = portfolio();
    let mut run = Run {
        local,
        options,
        ids: profiles
            .iter()
            .map(|p| CustomerId::parse(p.id).map_err(anyhow::Error::msg))
            .collect::<Result<_>>()?,
        emails: profiles
            .iter()
            .map(|p| tagged(p.customer["email"].as_str().unwrap_or_default(), options.tag.as_deref()))
            .collect(),
        names: profiles
            .iter()
            .map(|p| {
                p.customer["company_name"]
                    .as_str()
                    .or(p.customer["contact_name"].as_str())
                    .unwrap_or_default()
                    .to_string()
            })
            .collect(),
        browsers: profiles
            .iter()
            .map(|p| {
                let language = if p.customer["locale"] == "en" {
                    "en-GB,en;q=0.9"
                } else {
                    "fr-FR,fr;q=0.9"
                };
                Browser::new(&local.pages_url, language)
            })
            .collect::<Result<_>>()?,
        registered: vec![false; profiles.len()],
        profiles,
        invoices: BTreeMap::new(),
        due: BTreeMap::new(),
        held_back: String::new(),
        todo: BTreeMap::new(),
        reacted: HashSet::new(),
        wrote_back: HashSet::new(),
        seen_mail: HashSet::new(),
        transcript: Vec::new(),
        rng: options.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
    };
    run.say(format!(
        "relance for Atelier Durand: finance API {}, customer pages {}, mailbox {}/",
        local.finance_url,
        local.pages_url,
        local.mailbox.url()
    ));
    run.say(format!(
        "Five ordinary months ({} – {}), then {} – {} day by day.",
        start.format("%B"),
        (from - Duration::days(from.day().into())).format("%B"),
        from.format("%-d %B"),
        to.format("%-d %B %Y")
    ));
    let mut d = start;
    let mut month_start = start;
    while d <= to {
        let played = d >= from;
        if played && d == from {
            if month_start.month() != from.month() {
                run.month_summary(month_start, d - Duration::days(1)).await?;
            }
            // From here on the day's emails are printed: not the past's.
            run.seen_mail = local.mailbox.all().await?.into_iter().map(|m| m.message_id).collect();
            run.say(String::new());
            run.say(format!(
                "== {} – {}, day by day",
                from.format("%A %-d %B"),
                to.format("%A %-d %B %Y")
            ));
        } else if !played && d.day() == 1 && d != start {
            run.month_summary(month_start, d - Duration::days(1)).await?;
            month_start = d;
        }
        run.play(d, played).await.with_context(|| format!("on {d}"))?;
        d += Duration::days(1);
    }
    let mut customers = Vec::new();
    for (i, id) in run.ids.iter().enumerate() {
        customers.push(CustomerStory {
            id: id.clone(),
            name: run.names[i].clone(),
            story: run.profiles[i].story,
            events: local.history(id).await?,
        });
    }
    let month_end = day(MONTH.0.0, MONTH.0.1 + 1, 1) - Duration::days(1);
    // The month as the finance API's `GET /balance` reads it: the whole
    // portfolio from the table's customers index.
    let month_balance = relance::balance::for_period(&local.store, from.with_day(1).unwrap_or(from), month_end).await?;
    let run_balance = balance(customers.iter().map(|c| c.events.as_slice()), start, month_end);
    let mut outcome = Outcome {
        started: start,
        from,
        to,
        invoices: run
            .invoices
            .iter()
            .map(|((i, m), n)| ((run.profiles[*i].id.to_string(), *m), n.clone()))
            .collect(),
        customers,
        month_balance,
        run_balance,
        transcript: std::mem::take(&mut run.transcript),
        pages_url: local.pages_url.clone(),
        mailbox_url: format!("{}/", local.mailbox.url()),
    };
    for line in report::render(&outcome) {
        if options.print {
            println!("{line}");
        }
        outcome.transcript.push(line);
    }
    Ok(outcome)
}

impl Run<'_> {
    fn say(&mut self, line: String) {
        if self.options.print {
            println!("{line}");
        }
        self.transcript.push(line);
    }

    fn next_random(&mut self) -> u64 {
        // xorshift: enough to vary quantities, the same for the same seed.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    async fn month_summary(&mut self, from: NaiveDate, to: NaiveDate) -> Result<()> {
        let mut histories = Vec::new();
        for id in &self.ids {
            histories.push(self.local.history(id).await?);
        }
        let b = balance(histories.iter().map(Vec::as_slice), from, to);
        let reminders: u32 = b.reminders_by_stage.values().sum();
        self.say(format!(
            "{:<15} {:>2} invoices issued, {:>2} paid ({} on time), {:>2} reminders, {} surveys sent, {} answered",
            from.format("%B %Y"),
            b.invoices_issued,
            b.invoices_paid,
            b.paid_on_time,
            reminders,
            b.surveys_sent,
            b.surveys_answered
        ));
        Ok(())
    }

    async fn play(&mut self, d: NaiveDate, played: bool) -> Result<()> {
        if business_day(d) {
            let (summary, follow_ups) = self.local.reminder_pass(d).await?;
            // Why invoices that could have been reminded were not.
            let skipped: Vec<String> = summary
                .skipped
                .iter()
                .filter(|(k, _)| !matches!(k, Skip::NotYetDue | Skip::AlreadySent | Skip::Paid | Skip::Weekend))
                .map(|(k, v)| {
                    format!(
                        "{} {v}",
                        serde_json::to_value(k)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    )
                })
                .collect();
            let held_back = skipped.join(", ");
            let news = summary.emails_sent + summary.handed_off + follow_ups > 0 || held_back != self.held_back;
            self.held_back = held_back;
            if played && news {
                self.say(format!(
                    "{}  reminder pass: {} email(s){}{}{}",
                    d.format("%a %d %b"),
                    summary.emails_sent,
                    if summary.handed_off > 0 {
                        format!(", {} handed to a person", summary.handed_off)
                    } else {
                        String::new()
                    },
                    if follow_ups > 0 {
                        format!(", {follow_ups} credit follow-up(s) due")
                    } else {
                        String::new()
                    },
                    if skipped.is_empty() {
                        String::new()
                    } else {
                        format!(" — held back: {}", skipped.join(", "))
                    },
                ));
            }
        }
        self.local.set(d, 8, 30);
        for i in 0..self.profiles.len() {
            if !self.registered[i] && self.profiles[i].registered <= d {
                self.register(i).await?;
            }
        }
        if first_business_day_of_month(d) {
            self.local.set(d, 9, 0);
            for i in 0..self.profiles.len() {
                if self.registered[i] {
                    self.invoice(i, d).await?;
                }
            }
        }
        self.local.set(d, 10, 0);
        let acts: Vec<(usize, Act)> = self
            .profiles
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                p.acts
                    .iter()
                    .filter(|(on, _)| *on == d)
                    .map(move |(_, a)| (i, a.clone()))
            })
            .collect();
        for (i, act) in acts {
            self.act(i, act, d).await?;
        }
        self.local.set(d, 11, 0);
        // What is done today may bring more for today (a call back).
        while let Some(list) = self.todo.remove(&d) {
            for (i, todo) in list {
                self.carry_out(i, todo, d).await?;
            }
        }
        self.local.set(d, 18, 0);
        let events = self.local.stream(&self.ids).await?;
        if played {
            self.print_mail(d).await?;
        }
        self.local.set(d, 19, 0);
        for event in events {
            self.react(&event, d, played).await?;
        }
        Ok(())
    }

    async fn call(&self, method: Method, path: &str, body: Option<&Value>, key: Option<&str>) -> Result<Value> {
        let answer = self.local.api.call(method.clone(), path, body, key).await?;
        if !answer.ok() {
            bail!("{method} {path}: {}", answer.problem());
        }
        Ok(answer.body)
    }

    /// A finance request that needs no Idempotency-Key.
    async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.call(Method::POST, path, Some(body), None).await
    }

    async fn register(&mut self, i: usize) -> Result<()> {
        let mut body = self.profiles[i].customer.clone();
        body["email"] = json!(self.emails[i]);
        self.call(Method::PUT, &format!("/customers/{}", self.ids[i]), Some(&body), None)
            .await?;
        self.registered[i] = true;
        Ok(())
    }

    async fn invoice(&mut self, i: usize, d: NaiveDate) -> Result<()> {
        let random = self.next_random();
        let p = &self.profiles[i];
        let body = json!({
            "customer_id": p.id, "currency": "EUR", "issue_date": d, "payment_terms": {"days": 30},
            "category": "services", "lines": (p.lines)(d.month(), random),
        });
        let key = format!("demo:{}:{}", p.id, d.format("%Y-%m"));
        let invoice: Invoice =
            serde_json::from_value(self.call(Method::POST, "/invoices", Some(&body), Some(&key)).await?)
                .context("an invoice")?;
        if let Some(after) = (p.habit)(d.month()) {
            let mut on = invoice.due_date + Duration::days(after);
            while !business_day(on) {
                on += Duration::days(1);
            }
            self.schedule_payment(on, i, invoice.number.to_string(), None);
        }
        if d >= day(MONTH.0.0, MONTH.0.1, MONTH.0.2) {
            let credited = invoice.credited_minor();
            self.say(format!(
                "{}  invoice {} to {}: {}{}",
                d.format("%a %d %b"),
                invoice.number,
                self.names[i],
                report::euros(invoice.totals.gross_minor),
                if credited > 0 {
                    format!(
                        ", less credit note {} ({}): {} to pay",
                        invoice
                            .credits
                            .iter()
                            .map(|c| c.number.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        report::euros(credited),
                        report::euros(invoice.remaining_minor())
                    )
                } else {
                    String::new()
                }
            ));
        }
        self.due.insert(invoice.number.to_string(), invoice.due_date);
        self.invoices.insert((i, d.month()), invoice.number.to_string());
        Ok(())
    }

    fn schedule_payment(&mut self, on: NaiveDate, i: usize, number: String, amount_minor: Option<i64>) {
        self.todo
            .entry(on)
            .or_default()
            .push((i, Todo::Pay { number, amount_minor }));
    }

    fn invoice_of(&self, i: usize, month: u32) -> Result<String> {
        self.invoices
            .get(&(i, month))
            .cloned()
            .with_context(|| format!("{} has no invoice for month {month}", self.profiles[i].id))
    }

    async fn read_invoice(&self, i: usize, number: &str) -> Result<Invoice> {
        let body = self
            .call(
                Method::GET,
                &format!("/customers/{}/invoices/{number}", self.ids[i]),
                None,
                None,
            )
            .await?;
        serde_json::from_value(body).context("an invoice")
    }

    async fn pay(&mut self, i: usize, number: &str, amount: Option<i64>, method: &str, d: NaiveDate) -> Result<()> {
        let invoice = self.read_invoice(i, number).await?;
        let amount = amount
            .unwrap_or_else(|| invoice.remaining_minor())
            .min(invoice.remaining_minor());
        if amount <= 0 {
            return Ok(());
        }
        let body = json!({"amount_minor": amount, "date": d, "method": method, "reference": format!("VIR {number}")});
        let key = format!("demo-pay:{number}:{d}");
        self.call(
            Method::POST,
            &format!("/customers/{}/invoices/{number}/payments", self.ids[i]),
            Some(&body),
            Some(&key),
        )
        .await?;
        Ok(())
    }

    async fn act(&mut self, i: usize, act: Act, d: NaiveDate) -> Result<()> {
        let played = d >= day(MONTH.0.0, MONTH.0.1, MONTH.0.2);
        let id = self.ids[i].clone();
        match act {
            Act::OpenDispute { month, reason } => {
                let number = self.invoice_of(i, month)?;
                self.post(
                    &format!("/customers/{id}/invoices/{number}/disputes"),
                    &json!({ "reason": reason }),
                )
                .await?;
                self.say(format!(
                    "{}  {} disputes {number}: “{reason}”",
                    d.format("%a %d %b"),
                    self.names[i]
                ));
            }
            Act::SettleDispute {
                month,
                resolution,
                credit,
            } => {
                let number = self.invoice_of(i, month)?;
                if let Some((line, reason)) = credit {
                    let note = self
                        .call(
                            Method::POST,
                            &format!("/customers/{id}/invoices/{number}/credit-notes"),
                            Some(&json!({ "scope": "lines", "reason": reason, "lines": [{ "line": line, "quantity": 1 }] })),
                            Some(&format!("demo-correct:{number}")),
                        )
                        .await?;
                    self.say(format!(
                        "{}  finance corrects {number} by credit note {} (−{}): “{reason}”",
                        d.format("%a %d %b"),
                        note["number"].as_str().unwrap_or("?"),
                        crate::report::euros(note["gross_minor"].as_i64().unwrap_or(0)),
                    ));
                }
                self.post(
                    &format!("/customers/{id}/invoices/{number}/disputes/settle"),
                    &json!({ "resolution": resolution }),
                )
                .await?;
                self.say(format!(
                    "{}  finance settles the dispute on {number}: “{resolution}”",
                    d.format("%a %d %b")
                ));
            }
            Act::RepairBillingError {
                month,
                what_happened,
                what_we_did,
            } => {
                let number = self.invoice_of(i, month)?;
                let request = json!({
                    "situation": "billing_error", "severity": "minor", "invoice": number,
                    "what_happened": what_happened, "what_we_did": what_we_did,
                });
                let quote = self.post(&format!("/customers/{id}/credits/quote"), &request).await?;
                let proposed = quote["proposal"]["net_minor"]
                    .as_i64()
                    .or(quote["net_minor"].as_i64())
                    .unwrap_or(0);
                let credit = self
                    .call(
                        Method::POST,
                        &format!("/customers/{id}/credits"),
                        Some(&request),
                        Some(&format!("demo-credit:{number}")),
                    )
                    .await?;
                if played {
                    self.say(format!(
                        "{}  {} calls: {what_happened} Finance quotes the policy's gesture ({} excl. VAT) and grants credit note {}",
                        d.format("%a %d %b"),
                        self.names[i],
                        report::euros(proposed),
                        credit["number"].as_str().unwrap_or("(pending approval)")
                    ));
                    for reason in quote["reasons"].as_array().into_iter().flatten() {
                        if let Some(text) = reason.as_str() {
                            self.say(format!("              · {text}"));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The day's emails, as the customers received them.
    async fn print_mail(&mut self, d: NaiveDate) -> Result<()> {
        /// The files an email carries, as a mail client lists them.
        fn attached(email: &relance_e2e::mailbox::StoredEmail) -> String {
            let names: Vec<&str> = email.attachments.iter().map(|a| a.filename.as_str()).collect();
            if names.is_empty() {
                String::new()
            } else {
                format!("  📎 {}", names.join(", "))
            }
        }
        let all = self.local.mailbox.all().await?;
        let mut lines = Vec::new();
        for email in all {
            if !self.seen_mail.insert(email.message_id.clone()) {
                continue;
            }
            let to = email.destination.to.join(", ");
            // Customers' mail only: finance's alerts show in the timelines.
            if let Some(i) = self.emails.iter().position(|e| to.contains(e.as_str())) {
                lines.push((
                    i,
                    format!(
                        "{}    ✉ {}: {}{}",
                        d.format("%a %d %b"),
                        self.names[i],
                        email.subject,
                        attached(&email)
                    ),
                ));
            }
        }
        // A pass works on customers concurrently: print in portfolio order.
        lines.sort_by_key(|(i, _)| *i);
        for (_, line) in lines {
            self.say(line);
        }
        Ok(())
    }
}
