//! What customers do with the emails they receive — and what finance
//! does when they answer: pay online from a reminder, ask for a plan
//! through "I have a difficulty", promise to pay, answer a survey, all
//! through the real customer pages; answer a reminder by email, or let an
//! out-of-office answer it, through the reply address it carries.

use anyhow::{Context, Result, ensure};
use chrono::{Datelike, Duration, NaiveDate};
use relance::domain::survey::Question;
use relance::domain::{EventKind, HistoryEvent};
use serde_json::json;

use super::{Run, Todo, business_day, next_business_day};
use crate::browser::link;
use crate::portfolio::{Mood, Reaction, WritesBack};
use crate::report;

impl Run<'_> {
    /// What a customer (or finance) does about the day's events.
    pub(super) async fn react(&mut self, event: &HistoryEvent, d: NaiveDate, played: bool) -> Result<()> {
        let Some(i) = self.ids.iter().position(|id| id == &event.customer_id) else {
            return Ok(());
        };
        match &event.kind {
            EventKind::ReminderSent {
                numbers, message_id, ..
            } if played && self.profiles[i].writes_back.is_some() && self.wrote_back.insert(i) => {
                let subject = self.latest_email(i, numbers[0].as_str()).await?.subject;
                let write = Todo::WriteBack {
                    message_id: message_id.clone(),
                    subject,
                };
                match self.profiles[i].writes_back {
                    // An out-of-office answers as the reminder arrives.
                    Some(WritesBack::Away { .. }) => self.carry_out(i, write, d).await?,
                    _ => self.todo.entry(next_business_day(d)).or_default().push((i, write)),
                }
            }
            EventKind::ReminderSent { numbers, .. } => {
                // Only overdue invoices the customer's habit does not pay:
                // their story says what happens (a heads-up before the due
                // date changes nothing).
                let open: Vec<String> = numbers
                    .iter()
                    .map(ToString::to_string)
                    .filter(|n| !self.reacted.contains(n) && self.story_invoice(i, n))
                    .filter(|n| self.due.get(n).is_some_and(|due| *due < d))
                    .collect();
                if open.is_empty() {
                    return Ok(());
                }
                self.reacted.extend(open.iter().cloned());
                let todo = match self.profiles[i].reaction {
                    Reaction::PaysOnline => Todo::PayOnline(open),
                    Reaction::AsksForAPlan => Todo::AskForAPlan(open),
                    Reaction::PromisesToPay => Todo::PromiseToPay(open),
                    Reaction::Ignores => return Ok(()),
                };
                self.todo.entry(next_business_day(d)).or_default().push((i, todo));
            }
            EventKind::SurveySent { question, .. } => {
                if let Some(mood) = self.profiles[i].mood {
                    self.answer_survey(i, question, mood, d, played).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn story_invoice(&self, i: usize, number: &str) -> bool {
        self.invoices
            .iter()
            .any(|((c, m), n)| *c == i && n == number && (self.profiles[i].habit)(*m).is_none())
    }

    async fn latest_email(&self, i: usize, about: &str) -> Result<relance_e2e::StoredEmail> {
        let mut mail = self.local.mailbox.to(&self.emails[i]).await?;
        mail.retain(|m| m.body.text.as_deref().is_some_and(|t| t.contains(about)));
        mail.pop()
            .with_context(|| format!("no email to {} mentions {about}", self.names[i]))
    }

    pub(super) async fn carry_out(&mut self, i: usize, todo: Todo, d: NaiveDate) -> Result<()> {
        let id = self.ids[i].clone();
        let when = d.format("%a %d %b").to_string();
        match todo {
            Todo::Pay { number, amount_minor } => {
                self.pay(i, &number, amount_minor, "transfer", d).await?;
            }
            Todo::PayOnline(numbers) => {
                let number = &numbers[0];
                let reminder = self.latest_email(i, number).await?;
                let browser = &self.browsers[i];
                let page = browser.open(&link(&reminder, &self.local.pages_url, "/i/")?).await?;
                ensure!(page.status.is_success(), "the invoice page answered {}", page.status);
                let fields = page.hidden();
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let paid = browser.submit("/pay", &fields).await?;
                ensure!(
                    paid.left_to.is_some(),
                    "the pay button did not lead to the payment page"
                );
                self.local.set(d, 11, 5);
                for number in &numbers {
                    self.pay(i, number, None, "card", d).await?;
                }
                self.say(format!(
                    "{when}  {} opens {number} from the reminder, clicks “{}” and pays by card",
                    self.names[i],
                    pay_label(&page.body)
                ));
            }
            Todo::AskForAPlan(numbers) => {
                let reminder = self.latest_email(i, &numbers[0]).await?;
                let browser = &self.browsers[i];
                let page = browser.open(&link(&reminder, &self.local.pages_url, "/help/")?).await?;
                ensure!(page.status.is_success(), "the help page answered {}", page.status);
                let comment = "Trésorerie tendue après les travaux du magasin : pourrions-nous régler en deux fois ?";
                let sent = browser
                    .submit(
                        "/help",
                        &[
                            ("once", &page.once()?),
                            ("choice", "payment_plan"),
                            ("comment", comment),
                        ],
                    )
                    .await?;
                ensure!(sent.status.is_success(), "the help form answered {}", sent.status);
                self.say(format!(
                    "{when}  {} clicks “J'ai une difficulté” in the reminder ({}), asks for a payment plan: “{comment}” — the page answers “{}”",
                    self.names[i],
                    page.heading(),
                    sent.heading()
                ));
                // Finance promised an answer within 48 hours; it calls back
                // the same afternoon.
                self.todo
                    .entry(d)
                    .or_default()
                    .push((i, Todo::CallBackAboutAPlan(numbers)));
            }
            Todo::CallBackAboutAPlan(numbers) => {
                self.local.set(d, 16, 0);
                let note = "Appel avec Paul Bernard : règlement en deux fois accepté, sans pénalité.";
                self.post(&format!("/customers/{id}/replies"), &json!({ "note": note }))
                    .await?;
                for number in &numbers {
                    let invoice = self.read_invoice(i, number).await?;
                    let due = invoice.remaining_minor();
                    let (first, second) = (
                        next_business_day(d + Duration::days(14)),
                        next_business_day(d + Duration::days(28)),
                    );
                    let half = due / 2;
                    let plan = json!({"instalments": [
                        {"due_date": first, "amount_minor": half},
                        {"due_date": second, "amount_minor": due - half},
                    ]});
                    self.post(&format!("/customers/{id}/invoices/{number}/plan"), &plan)
                        .await?;
                    for (on, amount) in [(first, half), (second, due - half)] {
                        self.schedule_payment(on, i, number.clone(), Some(amount));
                    }
                    self.say(format!(
                        "{when}  finance calls {} back that afternoon and records a plan for {number}: {} on {}, {} on {}",
                        self.names[i],
                        report::euros(half),
                        first.format("%-d %b"),
                        report::euros(due - half),
                        second.format("%-d %b"),
                    ));
                }
            }
            Todo::CallBackAfterUnhappyAnswer => {
                self.local.set(d, 11, 0);
                let note = "Appel : délai de correction des factures expliqué, excuses présentées.";
                self.post(&format!("/customers/{id}/replies"), &json!({ "note": note }))
                    .await?;
                self.say(format!(
                    "{when}  finance calls {} about the unhappy answer; reminders may speak again",
                    self.names[i]
                ));
            }
            Todo::WriteBack { message_id, subject } => {
                let Some(answer) = self.profiles[i].writes_back else {
                    return Ok(());
                };
                let ulid = message_id.parse().context("a reminder's message id")?;
                let to = relance::domain::reply::reply_address(crate::local::REPLY_TO, ulid)
                    .context("the reminder's reply address")?;
                let contact = self.profiles[i].customer["contact_name"].as_str().unwrap_or_default();
                let from = format!("{contact} <{}>", self.emails[i]);
                let (raw, said) = match answer {
                    WritesBack::Away { back_on } => {
                        let back = d.with_day(back_on).context("a return day of the month")?;
                        (
                            auto_reply(&from, &to, &subject, back),
                            format!("out of the office until {}", back.format("%-d %b")),
                        )
                    }
                    WritesBack::Person { words, answer } => {
                        self.local.set(d, 11, 30);
                        self.todo.entry(d).or_default().push((i, Todo::AnswerEmail(answer)));
                        (
                            person_reply(&from, &to, &subject, words, d),
                            format!("“{}”", words.lines().nth(2).unwrap_or(words)),
                        )
                    }
                };
                let key = format!("replies/{}-{}.eml", self.profiles[i].id, d);
                let received = self.local.receive_email(&key, raw.as_bytes()).await?;
                let outcome = match received {
                    relance::inbound::Received::Reply {
                        reply: relance::domain::reply::Reply::Automatic { back_on: Some(back) },
                        ..
                    } => format!(
                        "read as an automatic reply: the next reminder waits until {}",
                        back.format("%-d %b")
                    ),
                    relance::inbound::Received::Reply {
                        reply: relance::domain::reply::Reply::Person { says_paid },
                        ..
                    } => format!(
                        "read as a person's reply{}: reminders wait for finance, who gets the words by email",
                        if says_paid { " saying it is paid" } else { "" }
                    ),
                    other => format!("{other:?}"),
                };
                self.say(format!(
                    "{when}  {} answers “{subject}” by email: {said} — {outcome}",
                    self.names[i]
                ));
            }
            Todo::AnswerEmail(note) => {
                self.local.set(d, 15, 0);
                self.post(&format!("/customers/{id}/replies"), &json!({ "note": note }))
                    .await?;
                self.say(format!(
                    "{when}  finance writes back to {} that afternoon and notes it: “{note}”",
                    self.names[i]
                ));
            }
            Todo::PromiseToPay(numbers) => {
                let mut on = d + Duration::days(10);
                while !business_day(on) {
                    on += Duration::days(1);
                }
                for number in &numbers {
                    self.post(
                        &format!("/customers/{id}/invoices/{number}/promise"),
                        &json!({ "date": on }),
                    )
                    .await?;
                    self.schedule_payment(on, i, number.clone(), None);
                }
                self.say(format!(
                    "{when}  {} phones after the reminder; finance records a promise to pay {} on {}",
                    self.names[i],
                    numbers.join(", "),
                    on.format("%-d %b")
                ));
            }
        }
        Ok(())
    }

    async fn answer_survey(&mut self, i: usize, question: &str, mood: Mood, d: NaiveDate, played: bool) -> Result<()> {
        let score = if question == "nps" { mood.nps } else { mood.ces_or_csat };
        let email = self.latest_email(i, "/s/").await?;
        let wanted = format!("score={score}");
        let text = email.body.text.clone().unwrap_or_default();
        let target = text
            .split_whitespace()
            .find(|w| w.contains("/s/") && w.ends_with(&wanted))
            .with_context(|| format!("no {wanted} link in “{}”", email.subject))?
            .to_string();
        let browser = &self.browsers[i];
        let page = browser.open(&target).await?;
        ensure!(page.status.is_success(), "the survey page answered {}", page.status);
        let score_text = score.to_string();
        let mut form = vec![("once", page.once()?), ("score", score_text)];
        if let Some(comment) = mood.comment {
            form.push(("comment", comment.to_string()));
        }
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let sent = browser.submit("/survey", &fields).await?;
        ensure!(sent.status.is_success(), "the survey form answered {}", sent.status);
        let unhappy = serde_json::from_value::<Question>(json!(question)).is_ok_and(|q| q.is_detractor(score));
        if unhappy {
            // An unhappy answer alerts finance and holds the reminders until
            // a person answers: finance calls the next business day.
            self.todo
                .entry(next_business_day(d))
                .or_default()
                .push((i, Todo::CallBackAfterUnhappyAnswer));
        }
        if played {
            self.say(format!(
                "{}  {} answers “{}” with {score}{}",
                d.format("%a %d %b"),
                self.names[i],
                email.subject,
                mood.comment.map(|c| format!(": “{c}”")).unwrap_or_default()
            ));
        }
        Ok(())
    }
}

/// A reply as a mail client writes it: the words, then the reminder
/// quoted (relance keeps only the words).
fn person_reply(from: &str, to: &str, subject: &str, words: &str, d: NaiveDate) -> String {
    let quoted: String = ["Bonjour,", "", "Votre facture est arrivée à échéance."]
        .iter()
        .map(|l| format!("> {l}\r\n"))
        .collect();
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: RE: {subject}\r\nDate: {} 11:30:00 +0100\r\n\
         Message-ID: <{}@mail.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{}\r\n\r\nAtelier Durand <factures@atelier-durand.fr> a écrit :\r\n{quoted}",
        d.format("%a, %d %b %Y"),
        ulid::Ulid::new(),
        words.replace('\n', "\r\n")
    )
}

/// An out-of-office, as a mail server sends it (RFC 3834).
fn auto_reply(from: &str, to: &str, subject: &str, back: NaiveDate) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Réponse automatique : {subject}\r\nAuto-Submitted: auto-replied\r\n\
         Message-ID: <{}@mail.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\nBonjour,\r\n\r\nJe suis absent du garage et serai de retour le {} {} {}.\r\n\
         En cas d'urgence, appelez l'atelier au 04 76 00 00 00.\r\n",
        ulid::Ulid::new(),
        back.day(),
        relance::view::MONTHS_FR[back.month0() as usize],
        back.year()
    )
}

/// The pay button's words on the invoice page.
fn pay_label(body: &str) -> String {
    body.split("<button")
        .nth(1)
        .and_then(|b| b.split_once('>'))
        .and_then(|(_, rest)| rest.split_once("</button>"))
        .map_or_else(|| "Pay".to_string(), |(label, _)| label.trim().to_string())
}
