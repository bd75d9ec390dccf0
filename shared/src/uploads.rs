//! Presigned S3 PUTs: a client uploads a file (a product image, a stock feed) straight to S3, so
//! no file passes through a Lambda. The signature binds the content type and length declared.

use serde::Serialize;
#[cfg(feature = "s3")]
use {anyhow::Context, aws_sdk_s3::presigning::PresigningConfig, std::time::Duration};

/// What the client needs to upload: the URL, and the headers that must go with it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PresignedUpload {
    pub method: &'static str,
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
    /// The object's key (an image's: what to add to the product's `images` once uploaded).
    pub key: String,
    pub expires_at: String,
}

/// Presigns a PUT of `content_length` bytes of `content_type` to `key`, good for `ttl`.
#[cfg(feature = "s3")]
pub async fn presign_put(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: String,
    content_type: &str,
    content_length: u64,
    ttl: Duration,
) -> anyhow::Result<PresignedUpload> {
    let presigning = PresigningConfig::expires_in(ttl).context("presigning config")?;
    let presigned = s3
        .put_object()
        .bucket(bucket)
        .key(&key)
        .content_type(content_type)
        .content_length(i64::try_from(content_length).context("content length")?)
        .presigned(presigning)
        .await
        .context("presigning an upload")?;
    let headers = presigned
        .headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    Ok(PresignedUpload {
        method: "PUT",
        url: presigned.uri().to_owned(),
        headers,
        key,
        expires_at: crate::clock::rfc3339(std::time::SystemTime::now() + ttl),
    })
}
