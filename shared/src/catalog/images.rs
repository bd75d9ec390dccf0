//! Product images go straight from the seller to S3 through a presigned PUT, so no image bytes
//! pass through a Lambda. The signature binds the content type and length the seller declared.

use crate::config::Source;
use serde::Deserialize;
use std::time::Duration;
#[cfg(all(feature = "dynamodb", feature = "s3"))]
use {super::ProductId, crate::error::Invalid, crate::uploads::PresignedUpload};

#[derive(Debug, Clone)]
pub struct ImagesConfig {
    pub bucket: String,
    pub max_bytes: u64,
    pub url_ttl: Duration,
    /// Path-style URLs, for S3 emulators on an IP address (`S3_FORCE_PATH_STYLE=true`).
    pub force_path_style: bool,
}

impl ImagesConfig {
    pub fn from_source(source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            bucket: source.required("IMAGES_BUCKET")?,
            max_bytes: source.parsed("IMAGE_MAX_BYTES", 10 * 1024 * 1024)?,
            url_ttl: Duration::from_secs(source.parsed("IMAGE_UPLOAD_TTL_SECONDS", 900)?),
            force_path_style: source.parsed("S3_FORCE_PATH_STYLE", false)?,
        })
    }
}

/// The image types product pages can show, with the file extension each is stored under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub enum ImageType {
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/webp")]
    Webp,
}

#[cfg(all(feature = "dynamodb", feature = "s3"))]
impl ImageType {
    fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageUploadRequest {
    pub content_type: ImageType,
    /// The exact size in bytes of the file to be uploaded (at most 10 MiB as deployed).
    #[serde(deserialize_with = "crate::json::whole_number")]
    #[schema(minimum = 1, maximum = 10_485_760)]
    pub content_length: u64,
}

/// An upload request within the bucket's limits, from [`CatalogImages::accept`].
#[cfg(all(feature = "dynamodb", feature = "s3"))]
pub struct AcceptedUpload(ImageUploadRequest);

/// The product images bucket, and the catalog it belongs to: what the image routes need.
#[cfg(all(feature = "dynamodb", feature = "s3"))]
pub struct CatalogImages {
    pub store: super::CatalogStore,
    s3: aws_sdk_s3::Client,
    pub config: ImagesConfig,
}

#[cfg(all(feature = "dynamodb", feature = "s3"))]
impl CatalogImages {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        let config = ImagesConfig::from_source(source)?;
        Ok(Self {
            store: super::CatalogStore::from_source(sdk, source)?,
            s3: crate::aws::s3(sdk, config.force_path_style),
            config,
        })
    }

    /// Opens the catalog table's connection at init: every request reads it. S3 is reached only
    /// to check images a PATCH names, and presigning needs no connection.
    pub async fn connect(&self) {
        self.store.connect().await;
    }

    /// An upload request whose size this bucket takes; else the rule it broke.
    pub fn accept(&self, request: ImageUploadRequest) -> Result<AcceptedUpload, Invalid> {
        let max = self.config.max_bytes;
        if request.content_length == 0 || request.content_length > max {
            let rule = format!("must be 1 to {max} bytes");
            return Err(Invalid::new("content_length", rule));
        }
        Ok(AcceptedUpload(request))
    }

    /// Presigns a PUT of one image of `product`'s listing.
    pub async fn presign_upload(
        &self,
        product: ProductId,
        accepted: AcceptedUpload,
    ) -> anyhow::Result<PresignedUpload> {
        self.presign_under(format!("products/{product}/images/"), accepted)
            .await
    }

    /// Presigns a PUT of one image under `prefix` (a new name in it).
    pub async fn presign_under(
        &self,
        prefix: String,
        AcceptedUpload(request): AcceptedUpload,
    ) -> anyhow::Result<PresignedUpload> {
        let config = &self.config;
        let kind = request.content_type;
        let key = format!("{prefix}{}.{}", ulid::Ulid::new(), kind.extension());
        crate::uploads::presign_put(
            &self.s3,
            &config.bucket,
            key,
            kind.mime(),
            request.content_length,
            config.url_ttl,
        )
        .await
    }

    /// Whether an image was uploaded under `key`: a product or a review may only name images
    /// that exist.
    pub async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        match self
            .s3
            .head_object()
            .bucket(&self.config.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(false),
            Err(error) => Err(anyhow::Error::from(error).context("looking up an image")),
        }
    }
}
