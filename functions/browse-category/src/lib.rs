//! `GET /api/v1/categories/{id}/products`: one page of a category's products, in a stable order
//! (oldest listing first), with an opaque cursor to the next page.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, ApiError, PageSize, ProductSummary, ReadProblems};
use shared::catalog::{Cursor, ProductId, Slug};

/// What the handler needs, built once per process.
pub use shared::catalog::CatalogStore as Deps;

/// One page of a category.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Page {
    items: Vec<ProductSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/categories/{id}/products",
    operation_id = "browseCategory",
    tag = "catalog",
    params(
        ("id" = Slug, Path, description = "The leaf category"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Products per page, 1 to 100 (24)"),
        ("cursor" = Option<ProductId>, Query, description = "The next_cursor of the previous page"),
    ),
    responses((status = 200, description = "One page, oldest listing first", body = Page), ReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(store: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let category: Slug = api::path_param(&request, "id")?;
    let limit: PageSize = api::query_param(&request, "limit")?.unwrap_or_default();
    let cursor: Option<Cursor> = api::query_param(&request, "cursor")?;
    let page = store.browse(&category, cursor, limit.get()).await?;
    let body = Page {
        items: page
            .products
            .into_iter()
            .map(ProductSummary::from)
            .collect(),
        next_cursor: page.next.map(|cursor| cursor.to_string()),
    };
    api::json_response(StatusCode::OK, &body)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
