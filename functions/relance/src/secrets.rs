//! Secrets read once at start-up: from AWS Secrets Manager when deployed
//! (the function's environment names the secret's ARN, never its value),
//! or from a plain variable on a developer's machine.

/// The secret named by the variable `arn_var` (Secrets Manager), else the
/// value of `plain_var`; `None` when neither is set — the feature it
/// unlocks is then off.
pub async fn read(config: &aws_config::SdkConfig, arn_var: &str, plain_var: &str) -> Result<Option<String>, String> {
    let arn = std::env::var(arn_var).ok().filter(|a| !a.trim().is_empty());
    let Some(arn) = arn else {
        return Ok(std::env::var(plain_var).ok().filter(|v| !v.trim().is_empty()));
    };
    let answer = aws_sdk_secretsmanager::Client::new(config)
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| format!("{arn_var}: {}", aws_sdk_secretsmanager::error::DisplayErrorContext(&e)))?;
    answer
        .secret_string
        .map(|s| Some(s.trim().to_string()))
        .ok_or_else(|| format!("{arn_var}: the secret is not a string secret"))
}
