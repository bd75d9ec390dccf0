//! `POST /api/v1/seller/orders/{id}/shipments/{shipment}/ship`: a merchant hands its parcel to
//! a carrier (carrier and tracking number). The parcel and the order turn `shipped` with
//! `OrderShipped` in the outbox, on condition the order was not cancelled meanwhile; the
//! simulated carrier takes it from there. Sending the same again is a replay.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, WriteProblems};
use shared::catalog::Fulfillment;
use shared::orders::{Handover, OrderId, Shipment, ShipmentId, ShipmentStatus, Transition};

/// What the handler needs, built once per process: the parcels, and the carrier's queue.
pub use shared::orders::Logistics as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/seller/orders/{id}/shipments/{shipment}/ship",
    operation_id = "shipSellerOrder",
    tag = "seller",
    params(
        ("id" = OrderId, Path, description = "The order"),
        ("shipment" = ShipmentId, Path, description = "The parcel"),
    ),
    request_body = Handover,
    security(("jwt" = ["seller"])),
    responses((status = 200, description = "Shipped (again, for a replay)", body = Shipment), WriteProblems)
)]
#[tracing::instrument(skip_all, fields(order_id))]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let seller = Caller::from_request(&request)?.seller_id()?;
    let id: OrderId = api::path_param(&request, "id")?;
    let parcel: ShipmentId = api::path_param(&request, "shipment")?;
    tracing::Span::current().record("order_id", tracing::field::display(id));
    let handover: Handover = api::json_body(&request)?;
    let not_found = || ApiError::NotFound(format!("shipment {parcel} of order {id}"));
    let shipment = deps
        .orders
        .shipment(id, &parcel)
        .await?
        .filter(|s| s.seller_id == seller)
        .ok_or_else(not_found)?;
    if shipment.fulfillment == Fulfillment::Rainforest {
        return Err(ApiError::Conflict(
            "Rainforest's fulfillment center ships this parcel".to_owned(),
        ));
    }
    let shipped = ShipmentStatus::Shipped;
    match deps
        .orders
        .advance(id, &parcel, shipped, Some(&handover))
        .await?
    {
        Transition::Moved => {}
        Transition::Already if shipment.handover.as_ref().is_none_or(|h| *h == handover) => {}
        Transition::Already => {
            return Err(ApiError::Conflict(
                "it shipped already, with another carrier or tracking number".to_owned(),
            ));
        }
        Transition::Refused(ShipmentStatus::Cancelled) => {
            return Err(ApiError::Conflict(
                "the order was cancelled: do not ship it".to_owned(),
            ));
        }
        Transition::Refused(status) => {
            return Err(ApiError::Conflict(format!("the parcel is {status:?}")));
        }
        Transition::NotFound => return Err(not_found()),
    }
    // The carrier's first scan, sent again on a replay in case the first answer was lost.
    deps.carrier
        .after(id, &parcel, Fulfillment::Merchant, shipped)
        .await?;
    let shipment = deps
        .orders
        .shipment(id, &parcel)
        .await?
        .ok_or_else(not_found)?;
    tracing::info!(shipment = %parcel, "shipped by its seller");
    api::json_response(StatusCode::OK, &shipment)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
