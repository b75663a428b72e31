//! Helpers for running relance against the local stack: a fresh table per
//! test, created from infra/template.yaml, and the SES endpoint's mailbox.

pub mod hosted_sign_in;
pub mod mailbox;
pub mod metering;
pub mod process;
pub mod statements;
pub mod stream;
pub mod table;
pub mod validate;

use anyhow::{Context, Result};
use aws_config::BehaviorVersion;

pub use mailbox::{Mailbox, StoredEmail};

/// SDK configuration from the environment, exactly as the functions load
/// it; the local endpoints come from `AWS_ENDPOINT_URL_*`.
pub async fn sdk_config() -> Result<aws_config::SdkConfig> {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .context("AWS_ENDPOINT_URL_DYNAMODB is not set: run the tests through scripts/test.sh")?;
    Ok(aws_config::load_defaults(BehaviorVersion::latest()).await)
}

/// A new, empty bucket with Object Lock enabled (as the archive's is),
/// with a name no other test uses.
pub async fn fresh_bucket(config: &aws_config::SdkConfig, label: &str) -> Result<String> {
    let name = format!("relance-{label}-{}", ulid::Ulid::new().to_string().to_lowercase());
    let region = config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "eu-west-3".into());
    aws_sdk_s3::Client::new(config)
        .create_bucket()
        .bucket(&name)
        .object_lock_enabled_for_bucket(true)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region.as_str()))
                .build(),
        )
        .send()
        .await
        .with_context(|| format!("creating bucket {name} (is the local S3 running? scripts/stack.sh start)"))?;
    Ok(name)
}

/// A new, empty table with a name no other test uses.
pub async fn fresh_table(config: &aws_config::SdkConfig, label: &str) -> Result<String> {
    let name = format!("relance-{label}-{}", ulid::Ulid::new().to_string().to_lowercase());
    table::create_table(&aws_sdk_dynamodb::Client::new(config), &name).await?;
    Ok(name)
}
