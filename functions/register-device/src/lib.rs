//! `POST /api/v1/account/devices`: the shopper's app registers its push token, which becomes an
//! SNS endpoint of the platform application; the same token registers once.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, AccountProblems, ApiError, Caller};
use shared::config::Source;
use shared::notifications::{
    Device, DeviceId, DeviceRequest, MAX_DEVICES, NotificationsStore, Pusher,
};

/// What the handler needs, built once per process: the table and SNS.
pub struct Deps {
    store: NotificationsStore,
    pusher: Pusher,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            store: NotificationsStore::from_source(sdk, source)?,
            pusher: Pusher::from_source(sdk, source)?,
        })
    }

    /// Opens the connections every request uses at init.
    pub async fn connect(&self) {
        tokio::join!(self.store.connect(), self.pusher.connect());
    }
}

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
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let DeviceRequest { token } = api::json_body(&request)?;
    let id = DeviceId::of(&token);
    let known = deps.store.recipient(&caller.id).await?.devices;
    if known.len() >= MAX_DEVICES && !known.iter().any(|device| device.id == id) {
        return Err(ApiError::Conflict(format!(
            "an account registers {MAX_DEVICES} devices at most"
        )));
    }
    let endpoint_arn = deps.pusher.register(&token).await?;
    let device = Device { id, endpoint_arn };
    deps.store.add_device(&caller.id, &device).await?;
    tracing::info!(device = %device.id, "device registered for push");
    api::json_response(
        StatusCode::CREATED,
        &RegisteredDevice {
            device_id: device.id,
        },
    )
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
