//! `POST /api/v1/orders/{id}/seller-feedback`: after delivery, the order's owner rates a seller
//! who served it (stars, on time, as described), once per order and seller (the same feedback
//! again is a retry, 200; other feedback a 409). The seller's rating
//! over the last twelve months is what the Buy Box weighs.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, ApiError, Caller, ShopperWriteProblems};
use shared::catalog::{CatalogStore, FeedbackOutcome, FeedbackRequest, SellerId, SellerRating};
use shared::clock::Timestamp;
use shared::config::Source;
use shared::orders::{OrderId, OrdersStore};

/// What the handler needs, built once per process: the orders, and the sellers' ratings.
pub struct Deps {
    orders: OrdersStore,
    catalog: CatalogStore,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            orders: OrdersStore::from_source(sdk, source)?,
            catalog: CatalogStore::from_source(sdk, source)?,
        })
    }

    /// Opens the connections every request uses at init.
    pub async fn connect(&self) {
        tokio::join!(self.orders.connect(), self.catalog.connect());
    }
}

/// The seller's rating with this feedback.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FeedbackGiven {
    order_id: OrderId,
    seller_id: SellerId,
    rating: Option<SellerRating>,
}

#[utoipa::path(
    post,
    path = "/api/v1/orders/{id}/seller-feedback",
    operation_id = "rateSeller",
    tag = "orders",
    request_body = FeedbackRequest,
    params(("id" = OrderId, Path, description = "One of the shopper's delivered orders")),
    security(("jwt" = [])),
    responses(
        (status = 201, description = "Counted into the seller's rating", body = FeedbackGiven),
        (status = 200, description = "The same feedback again: counted once", body = FeedbackGiven),
        ShopperWriteProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let id: OrderId = api::path_param(&request, "id")?;
    let feedback: FeedbackRequest = api::json_body(&request)?;
    let order = deps
        .orders
        .order(id)
        .await?
        .filter(|order| order.customer_id == caller.id)
        .ok_or_else(|| ApiError::NotFound(format!("order {id}")))?;
    let sellers: Vec<&SellerId> = order
        .priced
        .iter()
        .flat_map(|priced| &priced.lines)
        .map(|line| &line.seller_id)
        .collect();
    let delivered_at = order
        .delivered_at
        .clone()
        .and_then(|at| Timestamp::try_from(at).ok())
        .map(Timestamp::secs);
    feedback.check(&sellers, delivered_at, Timestamp::now().secs())?;
    let (status, rating) = match deps.catalog.rate_seller(id, &caller.id, &feedback).await? {
        FeedbackOutcome::Recorded(rating) => (StatusCode::CREATED, rating),
        FeedbackOutcome::Replayed(rating) => (StatusCode::OK, rating),
        FeedbackOutcome::AlreadyGiven => {
            return Err(ApiError::Conflict(format!(
                "seller {} was rated otherwise for order {id} before",
                feedback.seller_id
            )));
        }
    };
    tracing::info!(order_id = %id, seller_id = %feedback.seller_id, stars = feedback.stars.get(), ?rating, "seller rated");
    let given = FeedbackGiven {
        order_id: id,
        seller_id: feedback.seller_id,
        rating,
    };
    api::json_response(status, &given)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
