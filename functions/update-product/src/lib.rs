//! `PATCH /api/v1/seller/products/{id}`: the listing's owner changes product data. Optimistic
//! concurrency: the request carries the version it read (`If-Match`, or `*` for whatever is
//! current), and a stale one changes nothing and gets 412. Images must have been uploaded.

use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, ETag, IfMatch, Invalid, Problem, WriteProblems};
use shared::catalog::{Product, ProductId, ProductPatch};
use shared::clock;

/// What the handler needs, built once per process.
pub use shared::catalog::CatalogImages as Deps;

#[utoipa::path(
    patch,
    path = "/api/v1/seller/products/{id}",
    operation_id = "updateProduct",
    tag = "seller",
    request_body(content = ProductPatch, content_type = "application/merge-patch+json"),
    params(
        ("id" = ProductId, Path, description = "The product"),
        ("If-Match" = String, Header, pattern = r#"^(\*|"[0-9]{1,19}"( *, *"[0-9]{1,19}")*)$"#,
         description = "The ETag of the version the change is based on (or a list of them), or * for any"),
    ),
    security(("jwt" = ["seller"])),
    responses(
        (status = 200, description = "The product's next version", body = Product, headers(("ETag" = String))),
        (status = 412, description = "The product changed since that version; nothing was written", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        WriteProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::PATCH)?;
    let seller = Caller::from_request(&request)?.seller_id()?;
    let id: ProductId = api::path_param(&request, "id")?;
    let condition = IfMatch::from_request(&request)?;
    let patch: ProductPatch = api::json_body(&request)?;
    let store = &deps.store;
    let product = store
        .product(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("product {id}")))?;
    if product.owner != seller {
        return Err(ApiError::Forbidden(
            "only the seller who listed this product can change it".into(),
        ));
    }
    let stale = || {
        ApiError::PreconditionFailed(format!(
            "product {id} has changed since the version in If-Match; GET it again"
        ))
    };
    if !condition.matches(product.version) {
        return Err(stale());
    }
    let next = product.patched(patch, clock::now())?;
    for (index, key) in next.images.items().iter().enumerate() {
        let known = product.images.items().contains(key);
        if !known && !deps.exists(key.as_ref()).await? {
            let rule = "must be the key of an image uploaded through the image upload route";
            return Err(Invalid::relational(format!("images[{index}]"), rule).into());
        }
    }
    if !store.replace_product(&next, product.version).await? {
        return Err(stale());
    }
    tracing::info!(product_id = %id, version = next.version, "product updated");
    let etag = ETag(next.version).header_value();
    api::json_response_with(StatusCode::OK, &next, [(header::ETAG, etag)])
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
