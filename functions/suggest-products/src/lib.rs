//! `GET /api/v1/search/suggest?q=`: completions of what a shopper has typed so far, called per
//! keystroke: categories, brands and products.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Invalid, ReadProblems};
use shared::search::{Prefix, Suggestions};

/// What the handler needs, built once per process.
pub use shared::search::SearchIndex as Deps;

#[utoipa::path(
    get,
    path = "/api/v1/search/suggest",
    operation_id = "suggestSearches",
    tag = "search",
    params(("q" = String, Query, min_length = 1, max_length = 100, description = "What has been typed so far")),
    responses((status = 200, description = "Suggestions: as typed first, then with a typo forgiven", body = Suggestions), ReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(index: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let prefix: Prefix =
        api::query_param(&request, "q")?.ok_or_else(|| Invalid::new("q", "is required"))?;
    let suggestions = api::searched(index.suggest(&prefix).await?, "q")?;
    api::json_response(StatusCode::OK, &suggestions)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
