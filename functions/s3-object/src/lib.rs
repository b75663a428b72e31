//! What the functions fed by a bucket share: the objects an S3
//! notification names, with their keys decoded, and their bytes.

use aws_lambda_events::event::s3::S3Event;

/// One object a notification named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notified {
    pub bucket: String,
    /// Decoded: S3 sends keys form-encoded.
    pub key: String,
    /// As S3 reported it; 0 when it did not.
    pub size: u64,
}

impl Notified {
    /// Where the object is, as a person reads it in a log or a record.
    pub fn source(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// Its bytes. The error is the SDK's whole explanation, for the log:
    /// a read that fails fails the invocation, so S3 tries again.
    pub async fn read(&self, s3: &aws_sdk_s3::Client) -> Result<Vec<u8>, String> {
        let object = s3
            .get_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .send()
            .await
            .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(&e).to_string())?;
        let body = object.body.collect().await.map_err(|e| e.to_string())?;
        Ok(body.into_bytes().to_vec())
    }
}

/// The objects a notification names, in its order; a record without a
/// bucket or a key names nothing.
pub fn notified(event: S3Event) -> Vec<Notified> {
    event
        .records
        .into_iter()
        .filter_map(|record| {
            let bucket = record.s3.bucket.name?;
            let key = decoded(&record.s3.object.key?);
            let size = record.s3.object.size.unwrap_or(0).max(0).unsigned_abs();
            Some(Notified { bucket, key, size })
        })
        .collect()
}

/// S3 keys arrive form-encoded (`+` for a space, `%XX` for the rest).
fn decoded(key: &str) -> String {
    form_urlencoded::parse(format!("k={key}").as_bytes())
        .next()
        .map_or_else(|| key.to_string(), |(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_form_decoded() {
        assert_eq!(super::decoded("replies/r%C3%A9ponse+1.eml"), "replies/réponse 1.eml");
        assert_eq!(
            super::decoded("statements/2026-11+camt%2B1.xml"),
            "statements/2026-11 camt+1.xml"
        );
        assert_eq!(super::decoded("replies/abc"), "replies/abc");
    }
}
