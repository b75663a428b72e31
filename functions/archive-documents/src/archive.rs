//! The bucket of originals: each document stored once under its key,
//! locked in compliance mode until its retention date, never overwritten.

use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::primitives::{ByteStream, DateTime as S3DateTime};
use aws_sdk_s3::types::ObjectLockMode;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("S3 {operation} on {key}: {message}")]
    S3 {
        operation: &'static str,
        key: String,
        message: String,
    },
}

/// What storing a document found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Stored now.
    New,
    /// Already there, byte for byte the same (a redelivered record).
    Already,
    /// Already there and different: the original stands, untouched (a
    /// template changed since it was issued).
    Differs { stored_sha256: String },
}

pub struct Archive {
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn s3_error<E: std::fmt::Debug>(operation: &'static str, key: &str, err: &SdkError<E>) -> ArchiveError {
    ArchiveError::S3 {
        operation,
        key: key.to_string(),
        message: format!("{err:?}"),
    }
}

impl Archive {
    /// Stores `bytes` under `key` unless something is there already
    /// (`If-None-Match: *`, so two writers at once store it once), locked
    /// until `retain_until`.
    pub async fn put_once(
        &self,
        key: &str,
        bytes: &[u8],
        content_type: &str,
        retain_until: DateTime<Utc>,
    ) -> Result<Stored, ArchiveError> {
        let result = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(bytes.to_vec()))
            .content_type(content_type)
            .if_none_match("*")
            .object_lock_mode(ObjectLockMode::Compliance)
            .object_lock_retain_until_date(S3DateTime::from_secs(retain_until.timestamp()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Stored::New),
            Err(err) if err.raw_response().is_some_and(|r| r.status().as_u16() == 412) => {
                let stored = self.read(key).await?;
                let (ours, theirs) = (sha256_hex(bytes), sha256_hex(&stored));
                if ours == theirs {
                    Ok(Stored::Already)
                } else {
                    Ok(Stored::Differs { stored_sha256: theirs })
                }
            }
            Err(err) => Err(s3_error("PutObject", key, &err)),
        }
    }

    /// The stored bytes of `key`.
    pub async fn read(&self, key: &str) -> Result<Vec<u8>, ArchiveError> {
        let object = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| s3_error("GetObject", key, &e))?;
        let body = object.body.collect().await.map_err(|e| ArchiveError::S3 {
            operation: "GetObject",
            key: key.to_string(),
            message: e.to_string(),
        })?;
        Ok(body.into_bytes().to_vec())
    }
}
