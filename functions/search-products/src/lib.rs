//! `GET /api/v1/products/search`: products by words, category and filters, with facets and a
//! cursor to the next page (see `shared::search` for how results are scored and paged).

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Invalid, PageSize, SearchProblems};
use shared::catalog::Slug;
use shared::search::{BrandName, CURSOR_RULE, SearchCursor, SearchPage, SearchRequest, Sort};

/// What the handler needs, built once per process.
pub use shared::search::SearchIndex as Deps;

#[utoipa::path(
    get,
    path = "/api/v1/products/search",
    operation_id = "searchProducts",
    tag = "search",
    params(
        ("q" = Option<String>, Query, min_length = 1, max_length = 200, description = "Words to look for; without them, every product matching the filters; with no letter or digit, nothing"),
        ("category" = Option<Slug>, Query, description = "A category id; its sub-categories' products are included"),
        ("brand" = Option<BrandName>, Query, description = "A brand, exactly"),
        ("price_min" = Option<u64>, Query, maximum = 1_000_000_000_000_u64, description = "Lowest price in minor units (cents)"),
        ("price_max" = Option<u64>, Query, maximum = 1_000_000_000_000_u64, description = "Highest price in minor units (cents)"),
        ("rating_min" = Option<f64>, Query, minimum = 1, maximum = 5, description = "Lowest average rating"),
        ("in_stock" = Option<bool>, Query, description = "Only products that can be bought now"),
        ("sort" = Option<Sort>, Query, description = "relevance (the default), price_asc, price_desc, rating or newest"),
        ("size" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Results per page, 1 to 100 (24)"),
        ("cursor" = Option<String>, Query, description = "The next_cursor of the previous page, with the same parameters"),
    ),
    responses((status = 200, description = "One page of results with facets", body = SearchPage), SearchProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(index: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let search = SearchRequest {
        text: api::query_param(&request, "q")?,
        category: api::query_param(&request, "category")?,
        brand: api::query_param(&request, "brand")?,
        price_min: api::query_param(&request, "price_min")?,
        price_max: api::query_param(&request, "price_max")?,
        rating_min: api::query_param(&request, "rating_min")?,
        in_stock: api::query_param(&request, "in_stock")?.unwrap_or(false),
        sort: api::query_param(&request, "sort")?.unwrap_or_default(),
        size: api::query_param::<PageSize>(&request, "size")?
            .unwrap_or_default()
            .get(),
        // Opaque: only parsing it can tell whether it is one of ours.
        cursor: api::query_param::<String>(&request, "cursor")?
            .map(|raw| raw.parse::<SearchCursor>())
            .transpose()
            .map_err(|_| Invalid::relational("cursor", CURSOR_RULE))?,
    };
    search.check()?;
    let page = api::searched(index.search(&search).await?, "q")?;
    api::json_response(StatusCode::OK, &page)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
