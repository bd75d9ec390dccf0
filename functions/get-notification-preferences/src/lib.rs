//! `GET /api/v1/account/notification-preferences`: what the shopper hears about, where their
//! email goes and how many devices get push.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, ShopperReadProblems};
use shared::notifications::PreferencesView;

/// What the handler needs, built once per process.
pub use shared::notifications::NotificationsStore as Deps;

#[utoipa::path(
    get,
    path = "/api/v1/account/notification-preferences",
    operation_id = "getNotificationPreferences",
    tag = "account",
    security(("jwt" = [])),
    responses((status = 200, description = "The shopper's preferences", body = PreferencesView), ShopperReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(store: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let caller = Caller::from_request(&request)?;
    let recipient = store.recipient(&caller.id).await?;
    api::json_response(
        StatusCode::OK,
        &recipient.view(caller.email_address().cloned()),
    )
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
