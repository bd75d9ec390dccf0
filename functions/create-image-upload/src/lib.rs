//! `POST /api/v1/seller/products/{id}/images`: a presigned S3 PUT for one product image, limited
//! to image types and a maximum size. The seller uploads straight to S3, then adds the returned
//! key to the product's `images` with a PATCH.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, WriteProblems};
use shared::catalog::{ImageUploadRequest, ProductId};
use shared::uploads::PresignedUpload;

/// What the handler needs, built once per process.
pub use shared::catalog::CatalogImages as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/seller/products/{id}/images",
    operation_id = "createImageUpload",
    tag = "seller",
    request_body = ImageUploadRequest,
    params(("id" = ProductId, Path, description = "The product")),
    security(("jwt" = ["seller"])),
    responses((status = 201, description = "Where and how to PUT the image", body = PresignedUpload), WriteProblems)
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
    let upload = deps.presign_upload(id, deps.accept(upload)?).await?;
    tracing::info!(product_id = %id, key = %upload.key, "image upload presigned");
    api::json_response(StatusCode::CREATED, &upload)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
