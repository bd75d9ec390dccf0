//! `DELETE /api/v1/account/devices/{id}`: the shopper's app unregisters (at sign-out, say): its
//! endpoint is deleted and nothing more is pushed to it. Deleting it again is a replay (204 still).

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, ShopperReadProblems};
use shared::notifications::DeviceId;

/// What the handler needs, built once per process: the table and SNS.
pub use shared::notifications::Devices as Deps;

#[utoipa::path(
    delete,
    path = "/api/v1/account/devices/{id}",
    operation_id = "deleteDevice",
    tag = "account",
    params(("id" = DeviceId, Path, description = "The device, as registering it answered")),
    security(("jwt" = [])),
    responses((status = 204, description = "Unregistered (or gone already)"), ShopperReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(devices: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::DELETE)?;
    let caller = Caller::from_request(&request)?;
    let id: DeviceId = api::path_param(&request, "id")?;
    devices.unregister(&caller.id, &id).await?;
    tracing::info!(device = %id, "device unregistered");
    Ok(api::no_content())
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
