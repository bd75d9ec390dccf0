//! `PUT /api/v1/seller/offers/{sku}`: a seller creates or replaces its offer on a product.
//! A SKU belongs to one seller and one product for life.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, Invalid, WriteProblems};
use shared::catalog::{Offer, OfferTerms, Sku};
use shared::clock;

/// What the handler needs, built once per process.
pub use shared::catalog::CatalogStore as Deps;

#[utoipa::path(
    put,
    path = "/api/v1/seller/offers/{sku}",
    operation_id = "putOffer",
    tag = "seller",
    request_body = OfferTerms,
    params(("sku" = Sku, Path, description = "The seller's SKU")),
    security(("jwt" = ["seller"])),
    responses(
        (status = 201, description = "A new offer", body = Offer),
        (status = 200, description = "The offer's next version", body = Offer),
        WriteProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(store: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::PUT)?;
    let seller = Caller::from_request(&request)?.seller_id()?;
    let sku: Sku = api::path_param(&request, "sku")?;
    let terms: OfferTerms = api::json_body(&request)?;
    let product_id = terms
        .product_id
        .ok_or_else(|| Invalid::new("product_id", "is required"))?;
    let offer = Offer::from_terms(sku, product_id, seller, terms, "", clock::now())?;
    let (offer, created) = api::offer_written(store.put_offer(offer).await?)?;
    tracing::info!(product_id = %offer.product_id, sku = %offer.sku, version = offer.version, created, "offer saved");
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    api::json_response(status, &offer)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
