//! `POST /api/v1/account/payment-methods`: the shopper saves a payment method: the gateway's token
//! and the card's brand and last four digits, never a card number; the default if asked or if it is
//! the first.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::account::{MAX_SAVED, NewPaymentMethod, SavedPaymentMethod};
use shared::api::{self, AccountProblems, ApiError, Caller};

/// What the handler needs, built once per process.
pub use shared::account::AccountsStore as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/account/payment-methods",
    operation_id = "addPaymentMethod",
    tag = "account",
    request_body = NewPaymentMethod,
    security(("jwt" = [])),
    responses((status = 201, description = "Saved", body = SavedPaymentMethod), AccountProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(accounts: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let new: NewPaymentMethod = api::json_body(&request)?;
    let Some(saved) = accounts.add_payment_method(&caller.id, &new).await? else {
        return Err(ApiError::Conflict(format!(
            "an account keeps {MAX_SAVED} payment methods at most: delete one first"
        )));
    };
    tracing::info!(id = %saved.id, is_default = saved.is_default, "payment method saved");
    api::json_response(StatusCode::CREATED, &saved)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
