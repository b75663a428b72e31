//! Logging: JSON lines in Lambda (CloudWatch parses them), readable lines
//! elsewhere. `RUST_LOG` filters by level and target (`warn`,
//! `info,relance=debug`); the default is `info`. A target filter, not
//! `EnvFilter`: span-field filters are never needed here, and leaving them
//! out keeps the binaries under their size budget.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

pub fn init(json: bool) {
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    // Logs go to stderr: stdout is for what a command prints (JSON summaries).
    let layer = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter);
    // `try_init`: a second call (tests) keeps the first subscriber.
    let _ = if json {
        registry.with(layer.json().without_time()).try_init()
    } else {
        registry.with(layer).try_init()
    };
}

/// A CloudWatch embedded-metric-format document: printed as one line on
/// stdout in Lambda, it becomes metrics (alarms watch them) without a
/// metrics API call on the hot path.
pub fn metrics(dimension: (&str, &str), values: &[(&str, usize)], at: chrono::DateTime<chrono::Utc>) -> String {
    let definitions: Vec<serde_json::Value> = values
        .iter()
        .map(|(name, _)| serde_json::json!({ "Name": name, "Unit": "Count" }))
        .collect();
    let mut document = serde_json::json!({
        "_aws": {
            "Timestamp": at.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": "relance",
                "Dimensions": [[dimension.0]],
                "Metrics": definitions,
            }],
        },
        dimension.0: dimension.1,
    });
    for (name, value) in values {
        document[*name] = serde_json::json!(value);
    }
    document.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn metrics_follow_the_embedded_metric_format() {
        let at = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
        let line = super::metrics(
            ("Function", "relance-prod-send-reminders"),
            &[("EmailsStuckSending", 2)],
            at,
        );
        let doc: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        assert_eq!(doc["_aws"]["Timestamp"], 1_790_000_000_000_i64);
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"], "relance");
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([["Function"]])
        );
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Metrics"],
            serde_json::json!([{ "Name": "EmailsStuckSending", "Unit": "Count" }])
        );
        assert_eq!(doc["Function"], "relance-prod-send-reminders");
        assert_eq!(doc["EmailsStuckSending"], 2);
        assert!(!line.contains('\n'), "one line");
    }
}
