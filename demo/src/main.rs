//! `relance-demo`: plays Atelier Durand's month against the local stack
//! (started by `scripts/demo.sh`), prints it, and with `--keep` leaves the
//! finance API, the credit API and the customer pages running.

use clap::Parser;
use relance_demo::scenario::{play, start};
use relance_demo::{Options, Ports};

#[derive(Parser)]
#[command(about = "A month of relance, played against the local stack")]
struct Args {
    /// Varies invoice quantities; the same seed prints the same month.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The table to (re)create.
    #[arg(long, env = "RELANCE_TABLE", default_value = "relance-demo")]
    table: String,
    /// Keep the APIs and pages running afterwards, to explore.
    #[arg(long)]
    keep: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mailbox = relance_e2e::Mailbox::from_env()?;
    // The mailbox page shows this run's emails only.
    reqwest::Client::new()
        .post(format!("{}/clear-store", mailbox.url()))
        .send()
        .await?
        .error_for_status()?;
    let options = Options {
        seed: args.seed,
        table: args.table,
        ports: Ports::DEFAULT,
        tag: None,
        print: true,
    };
    let local = start(&options).await?;
    let outcome = play(&local, &options).await?;
    if args.keep {
        println!();
        println!("Still running (Ctrl-C stops everything):");
        println!(
            "  finance API     http://127.0.0.1:{}   e.g. curl -s http://127.0.0.1:{}/customers/boulangerie-martin/history",
            Ports::DEFAULT.finance,
            Ports::DEFAULT.finance
        );
        println!(
            "  credit API      http://127.0.0.1:{}/credits/portfolio",
            Ports::DEFAULT.credits
        );
        println!(
            "  documents       http://127.0.0.1:{}   e.g. …/customers/boulangerie-martin/invoices/F2026-000001/documents/cii",
            Ports::DEFAULT.documents
        );
        println!("  customer pages  {} (open the links in the emails)", outcome.pages_url);
        println!(
            "  finance console http://127.0.0.1:{}   sign in as one of config/console-users.toml",
            Ports::DEFAULT.console
        );
        println!("  mailbox         {}", outcome.mailbox_url);
        println!("  CLI             cargo run -q -p relance-cli -- history garage-lefevre");
        println!("The simulated clock stays at {}.", outcome.to);
        tokio::signal::ctrl_c().await?;
    }
    Ok(())
}
