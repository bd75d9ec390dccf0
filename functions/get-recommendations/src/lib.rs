//! `GET /api/v1/recommendations`: the signed-in customer's own list, from what they bought and
//! viewed lately: never what they already bought (but for consumables, to buy again), nothing
//! out of stock, spread over categories. Kept a while per customer; a purchase or a view renews it.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, PageSize, Recommendations, ShopperReadProblems};

/// What the handler needs, built once per process: the recommendations and the catalog.
pub use shared::recommender::Recommender as Deps;

/// How many items the list shows unless asked.
const SHOWN: usize = 20;

#[utoipa::path(
    get,
    path = "/api/v1/recommendations",
    operation_id = "getRecommendations",
    tag = "recommendations",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Items, 1 to 100 (20)"),
    ),
    security(("jwt" = [])),
    responses((status = 200, description = "Recommended items, best first; empty before the customer has bought or viewed anything", body = Recommendations), ShopperReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let caller = Caller::from_request(&request)?;
    let limit = api::query_param::<PageSize>(&request, "limit")?.map_or(SHOWN, PageSize::get);
    api::recommendations_answer(deps.for_customer(&caller.id, limit).await?)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
