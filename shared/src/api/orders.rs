//! Orders' outcomes as HTTP answers.

use super::{ApiError, Caller};
use crate::checkout::{Decided, Reviews, Verdict};
use crate::orders::OrderId;
use lambda_http::{Body, Request, Response};

/// An admin's verdict on a held order: 200 with the order once applied (again, for a replay),
/// 409 when the order is not held.
pub async fn review_answer(
    reviews: &Reviews,
    request: &Request,
    verdict: Verdict,
) -> Result<Response<Body>, ApiError> {
    super::require_method(request, http::Method::POST)?;
    Caller::from_request(request)?.require_admin()?;
    let id: OrderId = super::path_param(request, "id")?;
    match reviews.decide(id, verdict).await? {
        Decided::Done(held) => super::json_response(http::StatusCode::OK, &held),
        Decided::NotHeld(status) => Err(ApiError::Conflict(format!(
            "order {id} is not held for review: it is {}",
            serde_json::to_value(status).map_or_else(|_| "moving on".to_owned(), |v| v.to_string())
        ))),
        Decided::NotFound => Err(ApiError::NotFound(format!("order {id}"))),
    }
}
