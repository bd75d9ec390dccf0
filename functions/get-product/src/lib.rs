//! `GET /api/v1/products/{id}`: what a product page shows: the product, its variation family,
//! the Buy Box winner and every other offer.

use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, ApiError, ETag, ReadProblems};
use shared::catalog::{Offer, Product, ProductId, SellerRating, VariationSummary, buy_box};
use shared::inventory::Availability;
use shared::money::Money;
use shared::reviews::RatingSummary;

/// What the handler needs, built once per process: the catalog and its stock.
pub use shared::storefront::Storefront as Deps;

/// An offer as shoppers see it: what they pay in all, who sells it, and how many are left.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OfferView {
    #[serde(flatten)]
    offer: Offer,
    landed_price: Money,
    seller_rating: Option<SellerRating>,
    availability: Availability,
}

/// What a product page shows.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProductPageView {
    product: Product,
    /// The members of the product's variation family, if it has one.
    variations: Vec<VariationSummary>,
    buy_box: Option<OfferView>,
    other_offers: Vec<OfferView>,
    /// Its reviews' rating; absent before the first review is counted.
    rating: Option<RatingSummary>,
}

#[utoipa::path(
    get,
    path = "/api/v1/products/{id}",
    operation_id = "getProduct",
    tag = "catalog",
    params(("id" = ProductId, Path, description = "The product")),
    responses(
        (status = 200, description = "The product page", body = ProductPageView, headers(("ETag" = String, description = "The product's version"))),
        ReadProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    let store = &deps.catalog;
    api::require_method(&request, Method::GET)?;
    let id: ProductId = api::path_param(&request, "id")?;
    let page = store
        .product_page(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("product {id}")))?;
    let family = async {
        match page.product.family() {
            Some(parent) => store.variations(parent).await,
            None => Ok(Vec::new()),
        }
    };
    let (family, (ratings, available)) = tokio::try_join!(family, deps.offer_facts(&page.offers))?;
    let chosen = buy_box::choose(page.offers, &ratings, &available, store.currency());
    let view = |offer: Offer| OfferView {
        landed_price: offer.landed_price(),
        seller_rating: ratings.get(&offer.seller_id).copied(),
        availability: Availability::of(available.get(&offer.sku).copied().unwrap_or(0)),
        offer,
    };
    let etag = ETag(page.product.version).header_value();
    let body = ProductPageView {
        variations: family.iter().filter_map(VariationSummary::of).collect(),
        buy_box: chosen.winner.map(view),
        other_offers: chosen.others.into_iter().map(view).collect(),
        product: page.product,
        rating: page.rating,
    };
    api::json_response_with(StatusCode::OK, &body, [(header::ETAG, etag)])
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
