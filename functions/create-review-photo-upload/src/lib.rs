//! `POST /api/v1/products/{id}/reviews/photos`: where a shopper uploads a photo for their review
//! of a product, straight to S3 (a presigned PUT bound to the image type and size declared). The
//! review then names the photo by its key; only the shopper's own uploads for that product pass
//! (who uploaded it is noted in the reviews table, not in its name, which every shopper sees).

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, ShopperWriteProblems};
use shared::catalog::{ImageUploadRequest, ProductId};
use shared::uploads::PresignedUpload;

/// What the handler needs, built once per process: the catalog and its images bucket, and the
/// reviews table, which notes who uploads each photo.
pub use shared::reviewing::Reviewing as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/products/{id}/reviews/photos",
    operation_id = "createReviewPhotoUpload",
    tag = "reviews",
    request_body = ImageUploadRequest,
    params(("id" = ProductId, Path, description = "The product reviewed")),
    security(("jwt" = [])),
    responses((status = 201, description = "Where and how to PUT the photo; its `key` goes in the review's `photos`", body = PresignedUpload), ShopperWriteProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let id: ProductId = api::path_param(&request, "id")?;
    let upload: ImageUploadRequest = api::json_body(&request)?;
    if deps.images.store.product(id).await?.is_none() {
        return Err(ApiError::NotFound(format!("product {id}")));
    }
    let accepted = deps.images.accept(upload)?;
    let upload = deps.presign_photo(&caller.id, id, accepted).await?;
    tracing::info!(product_id = %id, key = %upload.key, "review photo upload presigned");
    api::json_response(StatusCode::CREATED, &upload)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
