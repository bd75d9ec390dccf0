//! `POST /api/v1/admin/coupons`: an admin creates a coupon. Codes are unique; a second coupon
//! with a code in use is a conflict.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, WriteProblems};
use shared::cart::{Coupon, NewCoupon};
use shared::clock;

/// What the handler needs, built once per process.
pub use shared::cart::CartStore as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/admin/coupons",
    operation_id = "createCoupon",
    tag = "admin",
    request_body = NewCoupon,
    security(("jwt" = ["admin"])),
    responses(
        (status = 201, description = "The coupon", body = Coupon),
        WriteProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(store: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    Caller::from_request(&request)?.require_admin()?;
    let terms: NewCoupon = api::json_body(&request)?;
    let coupon = Coupon::new(terms, store.currency(), clock::now())?;
    let code = coupon.terms.code.clone();
    if !store.create_coupon(&coupon).await? {
        return Err(ApiError::Conflict(format!("coupon {code} exists")));
    }
    tracing::info!(%code, "coupon created");
    api::json_response(StatusCode::CREATED, &coupon)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
