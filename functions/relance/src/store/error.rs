use std::error::Error as StdError;

use aws_sdk_dynamodb::error::SdkError;

/// A store failure, sorted by whether retrying is safe.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB {operation} failed: {source}")]
    Sdk {
        operation: &'static str,
        /// True when the request certainly did not happen (throttled,
        /// refused before dispatch): the caller may retry as is.
        retryable: bool,
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    #[error("item {key} does not match its schema: {source}")]
    Decode {
        key: String,
        #[source]
        source: serde_dynamo::Error,
    },
    #[error("could not encode an item: {0}")]
    Encode(#[source] serde_dynamo::Error),
    #[error("invalid DynamoDB request: {0}")]
    Build(#[from] aws_sdk_dynamodb::error::BuildError),
    #[error("too much contention on {0}; try again")]
    Contention(&'static str),
}

impl StoreError {
    pub(crate) fn sdk<E, R>(operation: &'static str, err: SdkError<E, R>) -> Self
    where
        E: StdError + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let retryable = matches!(err, SdkError::ConstructionFailure(_) | SdkError::TimeoutError(_))
            || err
                .as_service_error()
                .map(|e| {
                    let text = e.to_string();
                    text.contains("Throughput") || text.contains("Throttl")
                })
                .unwrap_or(false);
        Self::Sdk {
            operation,
            retryable,
            source: Box::new(err),
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            StoreError::Sdk { retryable: true, .. } | StoreError::Contention(_)
        )
    }
}
