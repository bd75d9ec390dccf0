//! `GET /api/v1/products/{id}/recommendations`: what a product page shows beside the product:
//! items bought together with it, viewed together with it, or like it, each with its reason;
//! never the product itself, its variations, or anything out of stock.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, PageSize, ReadProblems, Recommendations};
use shared::catalog::ProductId;
use shared::recommendations::Kind;

/// What the handler needs, built once per process: the recommendations and the catalog.
pub use shared::recommender::Recommender as Deps;

/// How many items a list shows unless asked.
const SHOWN: usize = 10;

#[utoipa::path(
    get,
    path = "/api/v1/products/{id}/recommendations",
    operation_id = "getProductRecommendations",
    tag = "recommendations",
    params(
        ("id" = ProductId, Path, description = "The product"),
        ("kind" = Option<Kind>, Query, description = "What pairs the items with the product (bought_together)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Items, 1 to 100 (10)"),
    ),
    responses((status = 200, description = "Recommended items, best first", body = Recommendations), ReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let id: ProductId = api::path_param(&request, "id")?;
    let kind: Kind = api::query_param(&request, "kind")?.unwrap_or_default();
    let limit = api::query_param::<PageSize>(&request, "limit")?.map_or(SHOWN, PageSize::get);
    let items = deps
        .for_product(id, kind, limit)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("product {id}")))?;
    api::recommendations_answer(items)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
