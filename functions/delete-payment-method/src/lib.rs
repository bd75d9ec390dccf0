//! `DELETE /api/v1/account/payment-methods/{id}`: the shopper deletes a saved payment method;
//! if it was the default, there is none until they choose another. Deleting it again is a
//! replay (204 still).

use lambda_http::{Body, Request, Response};
use shared::account::PaymentMethodId;
use shared::api::{self, ApiError, ShopperReadProblems};

/// What the handler needs, built once per process.
pub use shared::account::AccountsStore as Deps;

#[utoipa::path(
    delete,
    path = "/api/v1/account/payment-methods/{id}",
    operation_id = "deletePaymentMethod",
    tag = "account",
    params(("id" = PaymentMethodId, Path, description = "The saved payment method")),
    security(("jwt" = [])),
    responses((status = 204, description = "Deleted (or gone already)"), ShopperReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(accounts: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::deleted::<PaymentMethodId>(accounts, &request).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
