//! The AWS SDK configuration every function builds its clients from.
//!
//! A Lambda gets its credentials and region from its environment, always:
//! the runtime sets `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN` and `AWS_REGION`. The SDK's default chain would also
//! look in profile files, SSO, the instance metadata service and STS web
//! identity — code a function never runs but carries (about 100 KB zipped,
//! more than the largest function's remaining size budget). Endpoints are
//! still read the SDK's way: `AWS_ENDPOINT_URL_<SERVICE>` (the local stack),
//! then `AWS_ENDPOINT_URL`. The CLI, run by a person with a profile, keeps
//! the full chain.

use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

#[derive(Debug, thiserror::Error)]
#[error("AWS_REGION (or AWS_DEFAULT_REGION) must be set: the region the function's table and services are in")]
pub struct MissingRegion;

/// Service settings from the process environment: the SDK asks for keys
/// such as `AWS_ENDPOINT_URL_DYNAMODB`.
#[derive(Debug)]
struct Environment;

impl LoadServiceConfig for Environment {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        std::env::var(key.env()).ok().filter(|v| !v.is_empty())
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The configuration of a function's clients, from its environment.
pub fn from_env() -> Result<SdkConfig, MissingRegion> {
    let region = var("AWS_REGION")
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .ok_or(MissingRegion)?;
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ))
        .service_config(Environment);
    if let Some(url) = var("AWS_ENDPOINT_URL") {
        config = config.endpoint_url(url);
    }
    Ok(config.build())
}
