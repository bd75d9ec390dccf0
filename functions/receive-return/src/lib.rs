//! `POST /api/v1/returns/{id}/receipt`: whoever holds the stock inspects a return that arrived
//! (an admin at Rainforest's fulfillment center; the merchant for what it shipped itself):
//! sellable units go back on hand, damaged ones do not, and the refund follows
//! (`settle-returns`). Receiving it again is a replay.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::api::{self, ApiError, Caller, Role, WriteProblems};
use shared::catalog::Fulfillment;
use shared::orders::{ItemCondition, Return, ReturnId, ReturnStatus, Transition};

/// What the handler needs, built once per process.
pub use shared::orders::OrdersStore as Deps;

/// What the inspection found.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    condition: ItemCondition,
}

#[utoipa::path(
    post,
    path = "/api/v1/returns/{id}/receipt",
    operation_id = "receiveReturn",
    tag = "orders",
    request_body = Receipt,
    params(("id" = ReturnId, Path, description = "A return the carrier has brought")),
    security(("jwt" = ["admin", "seller"])),
    responses((status = 200, description = "Received (again, for a replay); the refund follows", body = Return), WriteProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(orders: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let id: ReturnId = api::path_param(&request, "id")?;
    let Receipt { condition } = api::json_body(&request)?;
    let ret = orders
        .find_return(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("return {id}")))?;
    let holder = match ret.fulfillment {
        Fulfillment::Rainforest => caller.roles.contains(&Role::Admin),
        Fulfillment::Merchant => caller.seller_id().is_ok_and(|s| s == ret.seller_id),
    };
    if !holder {
        return Err(ApiError::Forbidden(
            "only where it goes back to receives a return".into(),
        ));
    }
    match orders
        .move_return(id, ReturnStatus::Received, None, Some(condition))
        .await?
    {
        Transition::Moved | Transition::Already => {}
        Transition::Refused(status) => {
            return Err(ApiError::Conflict(format!(
                "return {id} cannot be received: it is {status:?}"
            )));
        }
        Transition::NotFound => return Err(ApiError::NotFound(format!("return {id}"))),
    }
    let ret: Return = orders
        .find_return(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("return {id}")))?;
    tracing::info!(return_id = %id, order_id = %ret.order_id, ?condition, "return received");
    api::json_response(StatusCode::OK, &ret)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
