//! `POST /api/v1/account/devices`: the shopper's app registers its push token, which becomes an
//! SNS endpoint of the platform application; the same token registers once, to the account that
//! registered it last.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, AccountProblems, ApiError, Caller, Invalid};
use shared::notifications::{DeviceId, DeviceRequest, MAX_DEVICES, Registered};

/// What the handler needs, built once per process: the table and SNS.
pub use shared::notifications::Devices as Deps;

/// A registered device.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RegisteredDevice {
    device_id: DeviceId,
}

#[utoipa::path(
    post,
    path = "/api/v1/account/devices",
    operation_id = "registerDevice",
    tag = "account",
    request_body = DeviceRequest,
    security(("jwt" = [])),
    responses((status = 201, description = "Registered (again, for a token already registered)", body = RegisteredDevice), AccountProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(devices: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let DeviceRequest { token } = api::json_body(&request)?;
    let device_id = match devices.register(&caller.id, &token).await? {
        Registered::Device(id) => id,
        Registered::Full => {
            return Err(ApiError::Conflict(format!(
                "an account registers {MAX_DEVICES} devices at most: unregister one first"
            )));
        }
        Registered::TokenRefused => {
            let rule = "must be a token Firebase Cloud Messaging issued to the app";
            return Err(Invalid::relational("token", rule).into());
        }
    };
    tracing::info!(device = %device_id, "device registered for push");
    api::json_response(StatusCode::CREATED, &RegisteredDevice { device_id })
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
