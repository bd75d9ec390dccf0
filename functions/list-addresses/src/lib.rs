//! `GET /api/v1/account/addresses`: the shopper's saved addresses, oldest first, the default
//! marked.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::account::SavedAddress;
use shared::api::{self, ApiError, Caller, ShopperReadProblems};

/// What the handler needs, built once per process.
pub use shared::account::AccountsStore as Deps;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AddressList {
    items: Vec<SavedAddress>,
}

#[utoipa::path(
    get,
    path = "/api/v1/account/addresses",
    operation_id = "listAddresses",
    tag = "account",
    security(("jwt" = [])),
    responses((status = 200, description = "The saved addresses", body = AddressList), ShopperReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(accounts: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let caller = Caller::from_request(&request)?;
    let items = accounts.addresses(&caller.id).await?;
    api::json_response(StatusCode::OK, &AddressList { items })
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
