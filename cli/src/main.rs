//! `relance`: the finance team's command line over the finance API, and a
//! template preview for whoever edits the emails.

use std::io::IsTerminal;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use relance::domain::Locale;
use relance::domain::dunning::Tone;
use relance::render::Renderer;
use relance_cli::api::{Answer, Api};
use relance_cli::import::import;
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Parser)]
#[command(
    name = "relance",
    version,
    about = "Invoices, reminders and credits from the command line"
)]
struct Cli {
    /// The finance API (the local one by default).
    #[arg(long, env = "RELANCE_API", default_value = "http://127.0.0.1:3000", global = true)]
    api: String,
    /// Where the credit routes answer: locally the credit function's own
    /// listener; when deployed, the finance API itself (the default when
    /// --api is https).
    #[arg(long, env = "RELANCE_CREDITS_API", global = true)]
    credits_api: Option<String>,
    /// Where the bank routes answer: locally the bank function's own
    /// listener; when deployed, the finance API itself.
    #[arg(long, env = "RELANCE_BANK_API", global = true)]
    bank_api: Option<String>,
    /// Where the documents and the customer's export answer: locally the
    /// documents function's own listener; when deployed, the finance API.
    #[arg(long, env = "RELANCE_DOCUMENTS_API", global = true)]
    documents_api: Option<String>,
    /// Who is acting, written in the history (local API).
    #[arg(long = "as", env = "RELANCE_ACTOR", default_value = "finance", global = true)]
    actor: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create or update a customer from a JSON file.
    Customer { id: String, file: String },
    /// Issue one invoice from a JSON file (the same file twice issues once).
    Issue {
        file: String,
        /// Idempotency-Key; by default derived from the file's content.
        #[arg(long)]
        key: Option<String>,
    },
    /// Import invoices from a CSV file, one row per invoice line.
    Import { file: String },
    /// Record a payment on an invoice.
    Pay {
        customer: String,
        number: String,
        /// In the invoice's currency, e.g. 574.84.
        #[arg(long)]
        amount: String,
        #[arg(long)]
        date: chrono::NaiveDate,
        /// transfer, card, direct_debit, cheque, cash, other
        #[arg(long, default_value = "transfer")]
        method: String,
        #[arg(long)]
        reference: Option<String>,
        #[arg(long, default_value = "EUR")]
        currency: String,
    },
    /// The reminders a pass would send as of a date: nothing is sent.
    Preview {
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// A customer's history, oldest first.
    History { customer: String },
    /// Everything relance holds about a customer (an access request), as
    /// one JSON document; the export is recorded in their history.
    Export {
        customer: String,
        /// Write it to this file instead of the standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Quote a goodwill credit (JSON request file): writes nothing.
    Quote { customer: String, file: String },
    /// Grant a goodwill credit (JSON request file).
    Grant {
        customer: String,
        file: String,
        #[arg(long)]
        key: Option<String>,
    },
    /// Correct an issued invoice by a credit note: in full (a
    /// cancellation), by lines (`--line 2` or `--line 2=1.5` for some of
    /// its quantity, repeated), or by a net amount spread over its VAT
    /// rates (`--amount 120.00`).
    Correct {
        customer: String,
        number: String,
        /// Why, in the customer's language: printed on the credit note.
        #[arg(long)]
        reason: String,
        #[arg(long, conflicts_with_all = ["line", "amount"])]
        full: bool,
        #[arg(long)]
        line: Vec<String>,
        /// Net, VAT excluded, in the invoice's currency (e.g. 120.00).
        #[arg(long, conflicts_with = "line")]
        amount: Option<String>,
        #[arg(long, default_value = "EUR")]
        currency: String,
        #[arg(long)]
        key: Option<String>,
    },
    /// Record a lifecycle status the buyer's platform reported (refused,
    /// rejected, paid… or its code 200–213); its id is recorded once.
    Status {
        customer: String,
        number: String,
        status: String,
        /// The platform's id for this status message.
        #[arg(long)]
        id: String,
        /// When the platform recorded it (RFC 3339, with its offset).
        #[arg(long)]
        at: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        platform: Option<String>,
    },
    /// A customer's profile.
    ShowCustomer { id: String },
    /// One invoice, with what is left to pay and its email's delivery.
    Invoice { customer: String, number: String },
    /// Save an issued document as archived: pdf (Factur-X), cii or ubl;
    /// `--credit ID` for a credit note's instead of the invoice's.
    Document {
        customer: String,
        /// The invoice's number (or, with --credit, the credit's id).
        number: String,
        #[arg(long, default_value = "pdf")]
        format: String,
        #[arg(long)]
        credit: bool,
        /// Where to write it (by default NUMBER.pdf, NUMBER.cii.xml…).
        #[arg(long)]
        out: Option<String>,
    },
    /// Open a dispute on an invoice: no reminder while it is open.
    Dispute {
        customer: String,
        number: String,
        #[arg(long)]
        reason: String,
    },
    /// Settle the invoice's open dispute.
    Settle {
        customer: String,
        number: String,
        #[arg(long)]
        resolution: String,
    },
    /// Record the customer's promise to pay by a date.
    Promise {
        customer: String,
        number: String,
        /// YYYY-MM-DD
        date: String,
    },
    /// Agree a payment plan: `--instalment 2026-04-15=300.00`, repeated;
    /// the instalments add up to what is due.
    Plan {
        customer: String,
        number: String,
        #[arg(long = "instalment", required = true)]
        instalments: Vec<String>,
        #[arg(long, default_value = "EUR")]
        currency: String,
    },
    /// Take over the hand-off after the last reminder stage of an
    /// invoice (the call, the letter): it leaves the to-do.
    TakeOver { customer: String, number: String },
    /// Write down that a person spoke with the customer (answers an open
    /// help request: its reminders resume).
    Reply {
        customer: String,
        #[arg(long)]
        note: String,
    },
    /// A customer's credits (or one, with --credit).
    Credits {
        customer: String,
        #[arg(long)]
        credit: Option<String>,
    },
    /// Approve a credit that waits for a second person (not its requester).
    Approve { customer: String, credit: String },
    /// Withdraw a credit request that waits for approval.
    Cancel {
        customer: String,
        credit: String,
        #[arg(long)]
        reason: String,
    },
    /// This month's goodwill credits against the budget, and the year's.
    Portfolio,
    /// Send again the emails whose delivery failed (the outbox's retry).
    RetryDeliveries,
    /// Revoke every link mailed to a customer so far (a lost or shared
    /// email, a mailbox that is no longer theirs).
    RevokeLinks {
        customer: String,
        #[arg(long)]
        reason: String,
    },
    /// What waits for a person, most urgent first: help requests,
    /// disputes, credits to approve, bank entries to review.
    Todo,
    /// The aged balance per customer: not yet due, 1–30, 31–60, 61–90,
    /// over 90 days; `--filter overdue|disputed|promised|plan|paused`.
    Receivables {
        #[arg(long, default_value = "all")]
        filter: String,
        #[arg(long, default_value = "total")]
        sort: String,
        #[arg(long)]
        as_of: Option<String>,
    },
    /// The relationship balance for a period (this month by default):
    /// invoicing, DSO, reminders, answers, scores, credits, silent churn.
    Balance {
        /// First day, YYYY-MM-DD (default: the first of `--to`'s month).
        #[arg(long)]
        from: Option<String>,
        /// Last day, YYYY-MM-DD (default: today).
        #[arg(long)]
        to: Option<String>,
    },
    /// Bank statements: import one, list what waits for a person, decide it.
    Bank {
        #[command(subcommand)]
        command: BankCommand,
    },
    /// Render any email with sample data: invoice, reminder, thanks,
    /// survey, credit, help_alert, reply_alert, survey_alert, finance_alert, escalation,
    /// book_copy.
    Render {
        template: String,
        #[arg(long, default_value = "fr")]
        locale: String,
        /// subject, text or html
        #[arg(long, default_value = "text")]
        part: String,
        /// For reminders: the stage and the tone.
        #[arg(long, default_value = "check_in")]
        stage: String,
        #[arg(long, default_value = "warm")]
        tone: String,
    },
}

#[derive(Subcommand)]
enum BankCommand {
    /// Import a statement file (camt.053 XML or CFONB 120): its payments
    /// are matched to invoices and recorded once, however often it is sent.
    Import { file: String },
    /// The entries waiting for a person, oldest booking first.
    Review,
    /// Decide an entry: the invoices it pays (`--pay CUSTOMER:NUMBER=AMOUNT`,
    /// repeated, in the entry's currency), or `--not-a-payment`.
    Assign {
        entry: String,
        #[arg(long = "pay")]
        pay: Vec<String>,
        #[arg(long, conflicts_with = "pay")]
        not_a_payment: bool,
        #[arg(long)]
        note: Option<String>,
        #[arg(long, default_value = "EUR")]
        currency: String,
    },
}

/// The assignment the flags describe.
fn assignment_body(pay: &[String], not_a_payment: bool, note: Option<&str>, currency: &str) -> Result<Value> {
    let code = relance::domain::Currency::parse(currency).map_err(anyhow::Error::msg)?;
    let allocations = pay
        .iter()
        .map(|p| {
            let (invoice, amount) = p
                .split_once('=')
                .with_context(|| format!("--pay {p}: write CUSTOMER:NUMBER=AMOUNT"))?;
            let (customer, number) = invoice
                .split_once(':')
                .with_context(|| format!("--pay {p}: write CUSTOMER:NUMBER=AMOUNT"))?;
            let minor = relance::domain::decimal::parse_scaled(amount, code.exponent())
                .map_err(|e| anyhow::anyhow!("--pay {p}: {e}"))?;
            Ok(json!({ "customer_id": customer, "number": number, "amount_minor": minor }))
        })
        .collect::<Result<Vec<_>>>()?;
    if allocations.is_empty() && !not_a_payment {
        bail!("say what the entry pays: --pay CUSTOMER:NUMBER=AMOUNT (repeated) or --not-a-payment");
    }
    Ok(json!({ "allocations": allocations, "not_a_customer_payment": not_a_payment, "note": note }))
}

async fn bank(api: &Api, command: BankCommand) -> Result<()> {
    match command {
        BankCommand::Import { file } => {
            let bytes = std::fs::read(&file).with_context(|| format!("reading {file}"))?;
            let xml = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
            let kind = if xml { "application/xml" } else { "text/plain" };
            print(&api.send_file("/bank-statements", bytes, kind).await?)
        }
        BankCommand::Review => print(&api.call(Method::GET, "/bank-entries/review", None, None).await?),
        BankCommand::Assign {
            entry,
            pay,
            not_a_payment,
            note,
            currency,
        } => {
            let body = assignment_body(&pay, not_a_payment, note.as_deref(), &currency)?;
            let path = format!("/bank-entries/{entry}/assignment");
            print(&api.call(Method::POST, &path, Some(&body), None).await?)
        }
    }
}

/// The plan the flags describe: `DATE=AMOUNT` each.
fn plan_body(instalments: &[String], currency: &str) -> Result<Value> {
    let code = relance::domain::Currency::parse(currency).map_err(anyhow::Error::msg)?;
    let instalments = instalments
        .iter()
        .map(|i| {
            let (date, amount) = i
                .split_once('=')
                .with_context(|| format!("--instalment {i}: write DATE=AMOUNT"))?;
            let minor = relance::domain::decimal::parse_scaled(amount, code.exponent())
                .map_err(|e| anyhow::anyhow!("--instalment {i}: {e}"))?;
            Ok(json!({ "due_date": date.trim(), "amount_minor": minor }))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(json!({ "instalments": instalments }))
}

/// Saves a document's bytes as they came from the archive.
async fn document(
    api: &Api,
    customer: &str,
    number: &str,
    format: &str,
    credit: bool,
    out: Option<String>,
) -> Result<()> {
    let owner = if credit { "credits" } else { "invoices" };
    let answer = api
        .call(
            Method::GET,
            &format!("/customers/{customer}/{owner}/{number}/documents/{format}"),
            None,
            None,
        )
        .await?;
    if !answer.ok() {
        bail!("{}", answer.problem());
    }
    let suffix = match format {
        "pdf" => "pdf",
        other => &format!("{other}.xml"),
    };
    let out = out.unwrap_or_else(|| format!("{number}.{suffix}"));
    std::fs::write(&out, &answer.bytes).with_context(|| format!("writing {out}"))?;
    println!("{out} ({} bytes)", answer.bytes.len());
    Ok(())
}

/// The correction request the flags describe.
fn correction_body(reason: &str, full: bool, lines: &[String], amount: Option<&str>, currency: &str) -> Result<Value> {
    if full {
        return Ok(json!({ "scope": "full", "reason": reason }));
    }
    if let Some(amount) = amount {
        let code = relance::domain::Currency::parse(currency).map_err(anyhow::Error::msg)?;
        let minor = relance::domain::decimal::parse_scaled(amount, code.exponent())
            .map_err(|e| anyhow::anyhow!("--amount: {e}"))?;
        return Ok(json!({ "scope": "amount", "reason": reason, "net_minor": minor }));
    }
    if lines.is_empty() {
        bail!("say what to credit: --full, --line N[=QUANTITY] (repeated) or --amount NET");
    }
    let lines = lines
        .iter()
        .map(|l| {
            let (n, quantity) = l.split_once('=').map_or((l.as_str(), None), |(n, q)| (n, Some(q)));
            let n: i64 = n
                .trim()
                .parse()
                .with_context(|| format!("--line {l}: not a line number"))?;
            Ok(match quantity {
                Some(q) => json!({ "line": n, "quantity": q.trim() }),
                None => json!({ "line": n }),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(json!({ "scope": "lines", "reason": reason, "lines": lines }))
}

fn read_json(path: &str) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    serde_json::from_str(&text).with_context(|| format!("{path} is not JSON"))
}

/// The same content gives the same key: issuing a file twice issues once.
fn content_key(prefix: &str, value: &Value) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(value.to_string().as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{prefix}:{hex}")
}

fn print(answer: &Answer) -> Result<()> {
    if !answer.ok() {
        bail!("{}", answer.problem());
    }
    println!("{}", serde_json::to_string_pretty(&answer.body)?);
    Ok(())
}

fn render(template: &str, locale: &str, part: &str, stage: &str, tone: &str) -> Result<()> {
    use relance::view::preview;
    let locale = match locale {
        "fr" => Locale::Fr,
        "en" => Locale::En,
        other => bail!("locale: `{other}` is not fr or en"),
    };
    let renderer = Renderer::new()?;
    let policy = relance::domain::dunning::Policy::configured().map_err(anyhow::Error::msg)?;
    let stages: Vec<&str> = policy
        .stages
        .iter()
        .filter(|s| s.email)
        .map(|s| s.name.as_str())
        .collect();
    if template == "reminder" && !stages.contains(&stage) {
        bail!("stage: `{stage}` is not one of the emailed stages {stages:?}");
    }
    let tone = Tone::ALL
        .into_iter()
        .find(|t| t.name() == tone)
        .with_context(|| format!("tone: one of {:?}", Tone::ALL.map(Tone::name)))?;
    let variant = preview::Variant {
        stage,
        tone,
        ..preview::Variant::default()
    };
    let email = preview::render(&renderer, &preview::Subject::sample()?, template, locale, variant)?;
    match part {
        "subject" => println!("{}", email.subject),
        "html" => println!("{}", email.html),
        "text" => println!("Subject: {}\n\n{}", email.subject, email.text),
        other => bail!("part: `{other}` is not subject, text or html"),
    }
    Ok(())
}

/// Imports invoices from a CSV file, with a progress bar on a terminal,
/// and reports each line; exits with 2 when a line was refused.
async fn run_import(api: &Api, file: &str) -> Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
    let bar = indicatif::ProgressBar::new(0);
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} invoices {msg}",
    )?);
    let report = import(api, &text, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .await?;
    bar.finish_and_clear();
    for (reference, number) in &report.created {
        println!("created  {reference} → {number}");
    }
    for (reference, number) in &report.already {
        println!("already  {reference} → {number} (imported before)");
    }
    for (line, reference, reason) in &report.refused {
        println!("refused  line {line} ({reference}): {reason}");
    }
    println!(
        "{} created, {} already there, {} refused",
        report.created.len(),
        report.already.len(),
        report.refused.len()
    );
    if !report.refused.is_empty() {
        std::process::exit(2);
    }
    Ok(())
}

/// Prints the to-do, one line each: late or due, the deadline, what, who.
async fn todo(api: &Api) -> Result<()> {
    let answer = api.call(Method::GET, "/todo", None, None).await?;
    if !answer.ok() {
        bail!("{}", answer.problem());
    }
    let items = answer.body["items"].as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        println!("nothing waits for a person");
    }
    for item in &items {
        let text = |k: &str| item[k].as_str().unwrap_or("-").to_string();
        let late = if item["late"].as_bool() == Some(true) {
            "LATE"
        } else {
            "due "
        };
        println!(
            "{late} {}  {:<16} {:<24} {}",
            text("deadline"),
            text("kind"),
            text("customer_id"),
            text("reference")
        );
    }
    Ok(())
}

/// Reads every page of a customer's export and writes them as one
/// document: the sections merged, the documents listed once.
async fn export(api: &Api, customer: &str, out: Option<&std::path::Path>) -> Result<()> {
    let mut whole = serde_json::Map::new();
    let mut sections = serde_json::Map::new();
    let mut documents = Vec::new();
    let mut items = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/customers/{customer}/export?cursor={c}"),
            None => format!("/customers/{customer}/export"),
        };
        let answer = api.call(Method::GET, &path, None, None).await?;
        if !answer.ok() {
            bail!("{}", answer.problem());
        }
        let mut page = answer.body;
        for field in ["format", "customer_id", "exported_at"] {
            whole.entry(field).or_insert_with(|| page[field].take());
        }
        if let Some(page_sections) = page["sections"].as_object_mut() {
            for (name, list) in page_sections {
                let merged = sections.entry(name.clone()).or_insert_with(|| serde_json::json!([]));
                if let (Some(all), Some(more)) = (merged.as_array_mut(), list.as_array_mut()) {
                    all.append(more);
                }
            }
        }
        items += page["items"].as_u64().unwrap_or(0);
        documents.extend(page["documents"].as_array_mut().map(std::mem::take).unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    whole.insert("items".into(), items.into());
    whole.insert("sections".into(), sections.into());
    whole.insert("documents".into(), documents.into());
    let text = serde_json::to_string_pretty(&whole)?;
    match out {
        Some(path) => std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?,
        None => println!("{text}"),
    }
    Ok(())
}

/// Prints a customer's history, one event a line.
async fn history(api: &Api, customer: &str) -> Result<()> {
    let answer = api
        .call(Method::GET, &format!("/customers/{customer}/history"), None, None)
        .await?;
    if !answer.ok() {
        bail!("{}", answer.problem());
    }
    for event in answer.body["events"].as_array().into_iter().flatten() {
        println!(
            "{}  {:<24} by {}",
            event["at"].as_str().unwrap_or_default(),
            event["type"].as_str().unwrap_or_default(),
            event["actor"].as_str().unwrap_or_default()
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let credits = cli.credits_api.clone().unwrap_or_else(|| {
        if cli.api.starts_with("https://") {
            cli.api.clone()
        } else {
            "http://127.0.0.1:3002".into()
        }
    });
    let bank_api = cli.bank_api.clone().unwrap_or_else(|| {
        if cli.api.starts_with("https://") {
            cli.api.clone()
        } else {
            "http://127.0.0.1:3004".into()
        }
    });
    let documents_api = cli.documents_api.clone().unwrap_or_else(|| {
        if cli.api.starts_with("https://") {
            cli.api.clone()
        } else {
            "http://127.0.0.1:3003".into()
        }
    });
    let mut api = Api::new(&cli.api, &credits, &cli.actor)
        .with_bank(&bank_api)
        .with_documents(&documents_api);
    if cli.api.starts_with("https://") {
        // A deployed API: IAM authorisation, the caller's AWS identity.
        api = api.signed(relance_cli::api::Signer::from_environment().await);
    }
    match cli.command {
        Command::Customer { id, file } => print(
            &api.call(Method::PUT, &format!("/customers/{id}"), Some(&read_json(&file)?), None)
                .await?,
        ),
        Command::Issue { file, key } => {
            let body = read_json(&file)?;
            let key = key.unwrap_or_else(|| content_key("file", &body));
            let answer = api.call(Method::POST, "/invoices", Some(&body), Some(&key)).await?;
            if answer.replayed {
                eprintln!("already issued by an earlier run (Idempotency-Key {key}): nothing created");
            }
            print(&answer)
        }
        Command::Import { file } => run_import(&api, &file).await,
        Command::Pay {
            customer,
            number,
            amount,
            date,
            method,
            reference,
            currency,
        } => {
            let code = relance::domain::Currency::parse(&currency).map_err(anyhow::Error::msg)?;
            let minor = relance::domain::decimal::parse_scaled(&amount, code.exponent())
                .map_err(|e| anyhow::anyhow!("amount: {e}"))?;
            let body = json!({ "amount_minor": minor, "currency": code.code(), "date": date, "method": method, "reference": reference });
            let key = content_key(&format!("pay:{number}"), &body);
            let path = format!("/customers/{customer}/invoices/{number}/payments");
            print(&api.call(Method::POST, &path, Some(&body), Some(&key)).await?)
        }
        Command::Preview { as_of } => {
            let path = as_of.map_or_else(
                || "/reminders/preview".to_string(),
                |d| format!("/reminders/preview?as_of={d}"),
            );
            print(&api.call(Method::GET, &path, None, None).await?)
        }
        Command::History { customer } => history(&api, &customer).await,
        Command::Export { customer, out } => export(&api, &customer, out.as_deref()).await,
        Command::Quote { customer, file } => {
            let path = format!("/customers/{customer}/credits/quote");
            print(&api.call(Method::POST, &path, Some(&read_json(&file)?), None).await?)
        }
        Command::Grant { customer, file, key } => {
            let body = read_json(&file)?;
            let key = key.unwrap_or_else(|| content_key("credit", &body));
            let path = format!("/customers/{customer}/credits");
            print(&api.call(Method::POST, &path, Some(&body), Some(&key)).await?)
        }
        Command::Correct {
            customer,
            number,
            reason,
            full,
            line,
            amount,
            currency,
            key,
        } => {
            let body = correction_body(&reason, full, &line, amount.as_deref(), &currency)?;
            let key = key.unwrap_or_else(|| content_key(&format!("correct:{number}"), &body));
            let path = format!("/customers/{customer}/invoices/{number}/credit-notes");
            print(&api.call(Method::POST, &path, Some(&body), Some(&key)).await?)
        }
        Command::Status {
            customer,
            number,
            status,
            id,
            at,
            reason,
            platform,
        } => {
            let mut body = json!({ "status": status, "status_id": id, "at": at });
            for (field, value) in [("reason", reason), ("platform", platform)] {
                if let Some(v) = value {
                    body[field] = json!(v);
                }
            }
            let path = format!("/customers/{customer}/invoices/{number}/statuses");
            print(&api.call(Method::POST, &path, Some(&body), None).await?)
        }
        Command::ShowCustomer { id } => print(&api.call(Method::GET, &format!("/customers/{id}"), None, None).await?),
        Command::Invoice { customer, number } => print(
            &api.call(
                Method::GET,
                &format!("/customers/{customer}/invoices/{number}"),
                None,
                None,
            )
            .await?,
        ),
        Command::Document {
            customer,
            number,
            format,
            credit,
            out,
        } => document(&api, &customer, &number, &format, credit, out).await,
        Command::Dispute {
            customer,
            number,
            reason,
        } => {
            let path = format!("/customers/{customer}/invoices/{number}/disputes");
            print(
                &api.call(Method::POST, &path, Some(&json!({ "reason": reason })), None)
                    .await?,
            )
        }
        Command::Settle {
            customer,
            number,
            resolution,
        } => {
            let path = format!("/customers/{customer}/invoices/{number}/disputes/settle");
            let body = json!({ "resolution": resolution });
            print(&api.call(Method::POST, &path, Some(&body), None).await?)
        }
        Command::Promise { customer, number, date } => {
            let path = format!("/customers/{customer}/invoices/{number}/promise");
            print(
                &api.call(Method::POST, &path, Some(&json!({ "date": date })), None)
                    .await?,
            )
        }
        Command::Plan {
            customer,
            number,
            instalments,
            currency,
        } => {
            let path = format!("/customers/{customer}/invoices/{number}/plan");
            let body = plan_body(&instalments, &currency)?;
            print(&api.call(Method::POST, &path, Some(&body), None).await?)
        }
        Command::TakeOver { customer, number } => {
            let path = format!("/customers/{customer}/invoices/{number}/take-over");
            print(&api.call(Method::POST, &path, None, None).await?)
        }
        Command::Reply { customer, note } => {
            let path = format!("/customers/{customer}/replies");
            print(
                &api.call(Method::POST, &path, Some(&json!({ "note": note })), None)
                    .await?,
            )
        }
        Command::Credits { customer, credit } => {
            let path = credit.map_or_else(
                || format!("/customers/{customer}/credits"),
                |c| format!("/customers/{customer}/credits/{c}"),
            );
            print(&api.call(Method::GET, &path, None, None).await?)
        }
        Command::Approve { customer, credit } => {
            let path = format!("/customers/{customer}/credits/{credit}/approve");
            print(&api.call(Method::POST, &path, None, None).await?)
        }
        Command::Cancel {
            customer,
            credit,
            reason,
        } => {
            let path = format!("/customers/{customer}/credits/{credit}/cancel");
            print(
                &api.call(Method::POST, &path, Some(&json!({ "reason": reason })), None)
                    .await?,
            )
        }
        Command::Portfolio => print(&api.call(Method::GET, "/credits/portfolio", None, None).await?),
        Command::RetryDeliveries => print(&api.call(Method::POST, "/deliveries/retry", None, None).await?),
        Command::Todo => todo(&api).await,
        Command::RevokeLinks { customer, reason } => {
            let path = format!("/customers/{customer}/links/revoke");
            print(
                &api.call(Method::POST, &path, Some(&json!({ "reason": reason })), None)
                    .await?,
            )
        }
        Command::Receivables { filter, sort, as_of } => {
            let mut path = format!("/receivables?filter={filter}&sort={sort}");
            if let Some(day) = as_of {
                path.push_str(&format!("&as_of={day}"));
            }
            print(&api.call(Method::GET, &path, None, None).await?)
        }
        Command::Balance { from, to } => {
            let query: Vec<String> = [("from", from), ("to", to)]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
                .collect();
            let path = if query.is_empty() {
                "/balance".to_string()
            } else {
                format!("/balance?{}", query.join("&"))
            };
            print(&api.call(Method::GET, &path, None, None).await?)
        }
        Command::Bank { command } => bank(&api, command).await,
        Command::Render {
            template,
            locale,
            part,
            stage,
            tone,
        } => render(&template, &locale, &part, &stage, &tone),
    }
}
