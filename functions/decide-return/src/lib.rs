//! `POST /api/v1/seller/returns/{id}/decision`: a merchant approves a return of what it shipped
//! (the shopper gets a label; the simulated carrier picks it up) or rejects it. The same decision
//! again is a replay; another once decided is a conflict.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::api::{self, ApiError, Caller, WriteProblems};
use shared::clock::Timestamp;
use shared::orders::{Return, ReturnId, ReturnStatus, Transition};

/// What the handler needs, built once per process: the orders, and the carrier's queue.
pub use shared::orders::Logistics as Deps;

/// The seller's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnDecision {
    Approve,
    Reject,
}

/// `{"decision": "approve"}` or `"reject"`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    decision: ReturnDecision,
}

#[utoipa::path(
    post,
    path = "/api/v1/seller/returns/{id}/decision",
    operation_id = "decideReturn",
    tag = "seller",
    request_body = DecisionRequest,
    params(("id" = ReturnId, Path, description = "A return waiting for this seller")),
    security(("jwt" = ["seller"])),
    responses((status = 200, description = "Approved or rejected (again, for a replay)", body = Return), WriteProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let seller = Caller::from_request(&request)?.seller_id()?;
    let id: ReturnId = api::path_param(&request, "id")?;
    let DecisionRequest { decision } = api::json_body(&request)?;
    let ret = deps
        .orders
        .find_return(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("return {id}")))?;
    if ret.seller_id != seller {
        return Err(ApiError::Forbidden(
            "only the seller who shipped it decides a return".into(),
        ));
    }
    let (to, label) = match decision {
        ReturnDecision::Approve => (
            ReturnStatus::Approved,
            Some(Return::label(id, Timestamp::now().secs())),
        ),
        ReturnDecision::Reject => (ReturnStatus::Rejected, None),
    };
    match deps
        .orders
        .move_return(id, to, label.as_ref(), None)
        .await?
    {
        Transition::Moved | Transition::Already => {}
        Transition::Refused(status) => {
            return Err(ApiError::Conflict(format!(
                "return {id} was decided before: it is {status:?}"
            )));
        }
        Transition::NotFound => return Err(ApiError::NotFound(format!("return {id}"))),
    }
    let ret = deps
        .orders
        .find_return(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("return {id}")))?;
    // Approved and not picked up yet: the carrier is told (again, for a retry: a pick-up sent
    // twice moves nothing twice).
    if ret.status == ReturnStatus::Approved {
        deps.carrier.pick_up(ret.order_id, id).await?;
    }
    tracing::info!(return_id = %id, order_id = %ret.order_id, status = ?ret.status, "return decided");
    api::json_response(StatusCode::OK, &ret)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
