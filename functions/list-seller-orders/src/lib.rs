//! `GET /api/v1/seller/orders`: the seller's merchant-fulfilled parcels waiting to be shipped,
//! oldest first, each with its lines and where it goes, a page at a time. Rainforest ships the
//! parcels of its own fulfillment centers; they never show here.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, ApiError, Caller, PageSize, Problem, SellerReadProblems};
use shared::error::Invalid;
use shared::orders::{Shipment, ShipmentKey};

/// What the handler needs, built once per process.
pub use shared::orders::OrdersStore as Deps;

/// One page of the parcels to ship.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ShipmentPage {
    items: Vec<Shipment>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<ShipmentKey>,
}

#[utoipa::path(
    get,
    path = "/api/v1/seller/orders",
    operation_id = "listSellerOrders",
    tag = "seller",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Parcels per page, 1 to 100 (24)"),
        ("cursor" = Option<ShipmentKey>, Query, description = "The next_cursor of the previous page"),
    ),
    security(("jwt" = ["seller"])),
    responses(
        (status = 200, description = "One page, oldest parcel first", body = ShipmentPage),
        (status = 422, description = "A cursor that is not one of this seller's parcels", body = Problem, content_type = "application/problem+json"),
        SellerReadProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(orders: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let seller = Caller::from_request(&request)?.seller_id()?;
    let limit: PageSize = api::query_param(&request, "limit")?.unwrap_or_default();
    let cursor: Option<ShipmentKey> = api::query_param(&request, "cursor")?;
    let Some((items, next_cursor)) = orders
        .awaiting_seller(seller.as_ref(), cursor.as_ref(), limit.get())
        .await?
    else {
        let rule = "must be the next_cursor of a page of your parcels";
        return Err(Invalid::relational("cursor", rule).into());
    };
    api::json_response(StatusCode::OK, &ShipmentPage { items, next_cursor })
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
