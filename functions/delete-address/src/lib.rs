//! `DELETE /api/v1/account/addresses/{id}`: the shopper deletes a saved address; if it was the
//! default, there is none until they choose another. Deleting it again is a replay (204 still).

use lambda_http::{Body, Request, Response};
use shared::account::AddressId;
use shared::api::{self, ApiError, ShopperReadProblems};

/// What the handler needs, built once per process.
pub use shared::account::AccountsStore as Deps;

#[utoipa::path(
    delete,
    path = "/api/v1/account/addresses/{id}",
    operation_id = "deleteAddress",
    tag = "account",
    params(("id" = AddressId, Path, description = "The saved address")),
    security(("jwt" = [])),
    responses((status = 204, description = "Deleted (or gone already)"), ShopperReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(accounts: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::deleted::<AddressId>(accounts, &request).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
