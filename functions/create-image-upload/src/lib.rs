//! `POST /api/v1/seller/products/{id}/images`: a presigned S3 PUT for one product image, limited
//! to image types and a maximum size. The seller uploads straight to S3, then adds the returned
//! key to the product's `images` with a PATCH.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, WriteProblems};
use shared::catalog::{
    CatalogStore, ImageUpload, ImageUploadRequest, ImagesConfig, ProductId, presign_image_upload,
};
use shared::config::Source;

pub struct Deps {
    pub store: CatalogStore,
    pub s3: aws_sdk_s3::Client,
    pub images: ImagesConfig,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        let images = ImagesConfig::from_source(source)?;
        Ok(Self {
            store: CatalogStore::from_source(sdk, source)?,
            s3: shared::aws::s3(sdk, images.force_path_style),
            images,
        })
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/seller/products/{id}/images",
    tag = "seller",
    request_body = ImageUploadRequest,
    params(("id" = ProductId, Path, description = "The product")),
    security(("jwt" = ["seller"])),
    responses((status = 201, description = "Where and how to PUT the image", body = ImageUpload), WriteProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let seller = Caller::from_request(&request)?.seller_id()?;
    let id: ProductId = api::path_param(&request, "id")?;
    let upload: ImageUploadRequest = api::json_body(&request)?;
    let product = deps
        .store
        .product(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("product {id}")))?;
    if product.owner != seller {
        return Err(ApiError::Forbidden(
            "only the seller who listed this product can add images".into(),
        ));
    }
    let upload = presign_image_upload(&deps.s3, &deps.images, id, upload).await?;
    tracing::info!(product_id = %id, key = %upload.key, "image upload presigned");
    api::json_response(StatusCode::CREATED, &upload)
}
