//! `POST /api/v1/orders/{id}/returns`: the order's owner asks to send lines back, with a reason,
//! within the return window after delivery. One return per seller of the lines: what Rainforest
//! shipped is approved at once, with a label and a date to ship it by (the simulated carrier
//! picks it up); a merchant's waits for its seller's decision. A retry with the same
//! `Idempotency-Key` answers the returns the first opened.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, ApiError, Caller, ShopperWriteProblems};
use shared::clock::Timestamp;
use shared::error::Invalid;
use shared::orders::{
    IdempotencyKey, Opened, OrderId, Return, ReturnRequest, ReturnStatus, ReturnsAsked,
    plan_returns,
};

/// What the handler needs, built once per process: the orders, and the carrier's queue.
pub use shared::orders::Logistics as Deps;

/// The returns the request opened: one per seller of its lines.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReturnsOpened {
    returns: Vec<Return>,
}

#[utoipa::path(
    post,
    path = "/api/v1/orders/{id}/returns",
    operation_id = "requestReturn",
    tag = "orders",
    request_body = ReturnRequest,
    params(
        ("id" = OrderId, Path, description = "One of the shopper's delivered orders"),
        ("Idempotency-Key" = IdempotencyKey, Header, description = "A new key per request: a retry with the same key and body answers the returns it opened"),
    ),
    security(("jwt" = [])),
    responses(
        (status = 201, description = "The return authorizations, one per seller (the same, for a retry)", body = ReturnsOpened),
        ShopperWriteProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    // Two requests at once: each plans from the returns it read; the later one plans again.
    const ATTEMPTS: u32 = 5;
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let id: OrderId = api::path_param(&request, "id")?;
    let key = api::idempotency_key(&request)?;
    let body: ReturnRequest = api::json_body(&request)?;
    let order = deps
        .orders
        .order(id)
        .await?
        .filter(|order| order.customer_id == caller.id)
        .ok_or_else(|| ApiError::NotFound(format!("order {id}")))?;
    let digest = api::request_digest(&body)?;
    let asked = ReturnsAsked {
        customer: &caller.id,
        key: &key,
        order: id,
        digest: &digest,
    };
    let mut opened = deps.orders.returns_asked(&asked).await?;
    for _ in 0..ATTEMPTS {
        // Unused, or stale: plan (again).
        if !matches!(opened, Opened::New | Opened::Stale) {
            break;
        }
        let ((earlier, version), shipments) =
            tokio::try_join!(deps.orders.returns(id), deps.orders.shipments(id))?;
        let now = shared::clock::now();
        let secs = Timestamp::now().secs();
        let returns = match plan_returns(&order, &shipments, &earlier, &body, secs, &now) {
            Ok(returns) => returns,
            // A retry racing its own first try finds the units returned: by that try?
            Err(invalid) => match deps.orders.returns_asked(&asked).await? {
                Opened::Replay(ids) => {
                    opened = Opened::Replay(ids);
                    break;
                }
                _ => return Err(invalid.into()),
            },
        };
        opened = deps
            .orders
            .open_returns(id, version, &returns, Some(&asked))
            .await?;
        if opened == Opened::New {
            hand_to_carrier(deps, &returns).await?;
            for ret in &returns {
                tracing::info!(order_id = %id, return_id = %ret.return_id, status = ?ret.status, refund = ?ret.refund, "return opened");
            }
            return api::json_response(StatusCode::CREATED, &ReturnsOpened { returns });
        }
    }
    match opened {
        Opened::Replay(ids) => {
            let (all, _) = deps.orders.returns(id).await?;
            let returns: Vec<Return> = all
                .into_iter()
                .filter(|r| ids.contains(&r.return_id))
                .collect();
            // The first try may have stopped before the carrier heard of them.
            hand_to_carrier(deps, &returns).await?;
            api::json_response(StatusCode::CREATED, &ReturnsOpened { returns })
        }
        Opened::KeyReused => Err(Invalid::relational(
            "Idempotency-Key",
            "was used for another request: use a new key per request",
        )
        .into()),
        Opened::New | Opened::Stale => Err(ApiError::Conflict(format!(
            "order {id}'s returns kept changing; try again"
        ))),
    }
}

/// Asks the carrier to pick up the approved returns (a pick-up sent twice moves nothing twice).
async fn hand_to_carrier(deps: &Deps, returns: &[Return]) -> anyhow::Result<()> {
    for ret in returns
        .iter()
        .filter(|r| r.status == ReturnStatus::Approved)
    {
        deps.carrier.pick_up(ret.order_id, ret.return_id).await?;
    }
    Ok(())
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
