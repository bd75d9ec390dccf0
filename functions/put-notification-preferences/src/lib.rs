//! `PUT /api/v1/account/notification-preferences`: the shopper chooses what they hear about.
//! Marketing (price drops, back in stock) goes only to those who turn it on; order updates are
//! transactional and always go out, so they are not a choice.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, AccountProblems, ApiError, Caller};
use shared::notifications::{Preferences, PreferencesRequest, PreferencesView};

/// What the handler needs, built once per process.
pub use shared::notifications::NotificationsStore as Deps;

#[utoipa::path(
    put,
    path = "/api/v1/account/notification-preferences",
    operation_id = "putNotificationPreferences",
    tag = "account",
    request_body = PreferencesRequest,
    security(("jwt" = [])),
    responses((status = 200, description = "Saved", body = PreferencesView), AccountProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(store: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::PUT)?;
    let caller = Caller::from_request(&request)?;
    let preferences = Preferences::from(api::json_body::<PreferencesRequest>(&request)?);
    store
        .set_preferences(&caller.id, caller.email_address(), preferences)
        .await?;
    let recipient = store.recipient(&caller.id).await?;
    tracing::info!(
        price_drops = preferences.price_drops,
        back_in_stock = preferences.back_in_stock,
        push = preferences.push,
        "notification preferences saved"
    );
    api::json_response(StatusCode::OK, &recipient.view(None))
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
