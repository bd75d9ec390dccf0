//! `PUT /api/v1/seller/offers/{sku}/price`: a seller reprices its offer (price, and shipping on
//! top). The offer's next version carries it; the catalog stream then publishes `PriceChanged`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, Invalid, WriteProblems};
use shared::catalog::{Offer, PriceTerms, PriceWrite, Pricing, Sku};

/// What the handler needs, built once per process.
pub use shared::catalog::CatalogStore as Deps;

#[utoipa::path(
    put,
    path = "/api/v1/seller/offers/{sku}/price",
    operation_id = "setOfferPrice",
    tag = "seller",
    request_body = PriceTerms,
    params(("sku" = Sku, Path, description = "The seller's SKU")),
    security(("jwt" = ["seller"])),
    responses(
        (status = 200, description = "The offer's next version, at the new price", body = Offer),
        WriteProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(store: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::PUT)?;
    let seller = Caller::from_request(&request)?.seller_id()?;
    let sku: Sku = api::path_param(&request, "sku")?;
    let terms: PriceTerms = api::json_body(&request)?;
    let pricing = Pricing::new(terms.price, terms.shipping, "")?;
    let offer = match store.set_price(&seller, &sku, pricing).await? {
        PriceWrite::Saved(offer) => offer,
        // Whether another seller has the SKU is not this seller's business.
        PriceWrite::UnknownSku | PriceWrite::OwnedByAnotherSeller => {
            return Err(ApiError::NotFound(format!("your offer {sku}")));
        }
        PriceWrite::OtherCurrency(currency) => {
            return Err(Invalid::relational(
                "price.currency",
                format!("must be the offer's currency, {currency}"),
            )
            .into());
        }
    };
    let amount = offer.landed_price().amount.get();
    tracing::info!(product_id = %offer.product_id, %sku, version = offer.version, landed = amount, "offer repriced");
    api::json_response(StatusCode::OK, &offer)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
