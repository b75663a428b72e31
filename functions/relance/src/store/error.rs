use std::error::Error as StdError;

use aws_sdk_dynamodb::error::SdkError;

use crate::retry::Safety;

/// A store failure, sorted by whether retrying is safe.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB {operation} failed: {detail}")]
    Sdk {
        operation: &'static str,
        /// The error with its causes and the service's code and message
        /// ("service error" alone tells an operator nothing).
        detail: String,
        /// Whether the request certainly did not happen (throttled, never
        /// built) or may have (timed out, lost after dispatch).
        safety: Safety,
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
    /// A write the caller built wrong (a bug, never the input's fault).
    #[error("invalid write: {0}")]
    Invalid(String),
}

impl StoreError {
    pub(crate) fn sdk<E, R>(operation: &'static str, err: SdkError<E, R>) -> Self
    where
        E: StdError + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        // A request never built, or refused by DynamoDB for throughput,
        // did not happen. A timeout or a failure after dispatch may have:
        // the write can be in the table even though no answer came back.
        let throttled = err.as_service_error().is_some_and(|e| {
            let text = e.to_string();
            text.contains("Throughput") || text.contains("Throttl")
        });
        let safety = if throttled || matches!(err, SdkError::ConstructionFailure(_)) {
            Safety::DidNotHappen
        } else {
            Safety::MayHaveHappened
        };
        Self::Sdk {
            operation,
            detail: aws_sdk_dynamodb::error::DisplayErrorContext(&err).to_string(),
            safety,
            source: Box::new(err),
        }
    }

    /// Whether the failed request may be repeated as it is
    /// (`Safety::DidNotHappen`), or only after reading what is there.
    /// Contention is a lost race: nothing was written.
    pub fn safety(&self) -> Safety {
        match self {
            StoreError::Sdk { safety, .. } => *safety,
            StoreError::Contention(_) => Safety::DidNotHappen,
            // Refused before any request left (or an item read but not
            // understood): nothing was written by this call.
            StoreError::Decode { .. } | StoreError::Encode(_) | StoreError::Build(_) | StoreError::Invalid(_) => {
                Safety::DidNotHappen
            }
        }
    }

    /// An outage or a lost race, rather than a bug: the caller may try
    /// again (after reading, when the request may have happened).
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Sdk { .. } | StoreError::Contention(_))
    }
}
