//! Reviews and the catalog together, for the routes that write reviews: a review is of a
//! product the catalog has, and its photos live in the catalog's images bucket. The two areas
//! stay apart and meet here, at the function's edge.

use crate::catalog::{AcceptedUpload, CatalogImages, ProductId};
use crate::config::Source;
use crate::error::Invalid;
use crate::reviews::{PHOTO_RULE, PhotoKey, ReviewsStore, photo_prefix};
use crate::uploads::PresignedUpload;

pub struct Reviewing {
    pub images: CatalogImages,
    pub reviews: ReviewsStore,
}

impl Reviewing {
    /// Both, configured from the function's environment.
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            images: CatalogImages::from_source(sdk, source)?,
            reviews: ReviewsStore::from_source(sdk, source)?,
        })
    }

    /// Opens both tables' connections at init: every request reads both.
    pub async fn connect(&self) {
        tokio::join!(self.images.connect(), self.reviews.connect());
    }

    /// Presigns the upload of a photo for `customer`'s review of `product`, and notes that it
    /// is theirs.
    pub async fn presign_photo(
        &self,
        customer: &str,
        product: ProductId,
        accepted: AcceptedUpload,
    ) -> anyhow::Result<PresignedUpload> {
        let upload = self
            .images
            .presign_under(photo_prefix(product), accepted)
            .await?;
        self.reviews.record_photo(customer, &upload.key).await?;
        Ok(upload)
    }

    /// Each photo must be one `customer` uploaded: noted as theirs, and in the bucket.
    pub async fn check_photos(
        &self,
        customer: &str,
        photos: &[PhotoKey],
    ) -> anyhow::Result<Result<(), Invalid>> {
        for (n, photo) in photos.iter().enumerate() {
            let key = photo.as_ref();
            if !self.reviews.is_photo_of(customer, key).await? || !self.images.exists(key).await? {
                return Ok(Err(Invalid::relational(format!("photos[{n}]"), PHOTO_RULE)));
            }
        }
        Ok(Ok(()))
    }
}
