//! Creates the table named by `RELANCE_TABLE` from infra/template.yaml on
//! the DynamoDB endpoint the environment points at (the local stack).
//! Does nothing if it already exists.

use anyhow::{Context, Result};

#[tokio::main]
async fn main() -> Result<()> {
    let name = std::env::var("RELANCE_TABLE").context("RELANCE_TABLE is not set")?;
    let config = relance_e2e::sdk_config().await?;
    let client = aws_sdk_dynamodb::Client::new(&config);
    if client.describe_table().table_name(&name).send().await.is_ok() {
        println!("table {name} already exists");
        return Ok(());
    }
    relance_e2e::table::create_table(&client, &name).await?;
    println!("table {name} created from infra/template.yaml");
    Ok(())
}
