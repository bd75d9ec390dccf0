//! `POST /api/v1/account/addresses`: the shopper saves an address (validated by its country's
//! rules; its personal fields sealed under the account's KMS key), the default if asked or if it is
//! the first.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::account::{MAX_SAVED, NewAddress, SavedAddress};
use shared::api::{self, AccountProblems, ApiError, Caller};

/// What the handler needs, built once per process.
pub use shared::account::AccountsStore as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/account/addresses",
    operation_id = "addAddress",
    tag = "account",
    request_body = NewAddress,
    security(("jwt" = [])),
    responses((status = 201, description = "Saved", body = SavedAddress), AccountProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(accounts: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let new: NewAddress = api::json_body(&request)?;
    new.address.check_country_rules()?;
    let Some(saved) = accounts.add_address(&caller.id, &new).await? else {
        return Err(ApiError::Conflict(format!(
            "an account keeps {MAX_SAVED} addresses at most: delete one first"
        )));
    };
    tracing::info!(id = %saved.id, is_default = saved.is_default, "address saved");
    api::json_response(StatusCode::CREATED, &saved)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
