use crate::error::Invalid;
use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

/// Everything an API handler can answer besides success. Each variant is one HTTP status;
/// `Unexpected` keeps the cause chain for the log and tells the caller nothing of it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid request: {0}")]
    Invalid(Invalid),
    #[error("unprocessable request: {0}")]
    Unprocessable(Invalid),
    #[error("authentication required")]
    Unauthenticated,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed; use {allowed}")]
    MethodNotAllowed { allowed: http::Method },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("precondition required: {0}")]
    PreconditionRequired(String),
    /// A coupon that does not fit the cart: 422 with the rule's machine-readable `reason`.
    #[error("coupon refused: {0}")]
    CouponRefused(crate::cart::Refusal),
    /// What the shopper asked for cannot be ordered as it is: 422 with checkout's `reason`.
    #[error("cannot be ordered: {}", serde_json::to_string(.0).unwrap_or_default())]
    CannotOrder(crate::orders::Failure),
    #[error("unexpected error")]
    Unexpected(#[from] anyhow::Error),
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        match invalid.relational {
            true => Self::Unprocessable(invalid),
            false => Self::Invalid(invalid),
        }
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::CouponRefused(_) | Self::CannotOrder(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable, machine-readable name for the problem type.
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "validation-failed",
            Self::Unprocessable(_) => "unprocessable",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::MethodNotAllowed { .. } => "method-not-allowed",
            Self::Conflict(_) => "conflict",
            Self::PreconditionFailed(_) => "precondition-failed",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::PreconditionRequired(_) => "precondition-required",
            Self::CouponRefused(_) => "coupon-refused",
            Self::CannotOrder(_) => "cannot-order",
            Self::Unexpected(_) => "internal-error",
        }
    }

    /// Client mistakes are logged as warnings; our own failures as errors with the whole chain.
    pub fn log(&self) {
        match self {
            Self::Unexpected(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed")
            }
            other => {
                tracing::warn!(status = other.status().as_u16(), error = %other, "request refused")
            }
        }
    }
}

/// An RFC 9457 problem document; a 400 also names the field and the rule it broke.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<String>,
    /// Why a coupon was refused (`coupon_expired`, `minimum_not_met`, `not_applicable`,
    /// `usage_limit_reached`, `coupon_not_yet_valid`) or an order cannot be placed (checkout's
    /// reasons: `cart_empty`, `out_of_stock`, ...; the detail has the rest).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// API Gateway's own answer when it refuses a request before any function runs.
#[derive(Serialize, utoipa::ToSchema)]
pub struct GatewayMessage {
    message: String,
}

/// The problems a public read can answer.
#[derive(utoipa::IntoResponses)]
pub enum ReadProblems {
    #[response(
        status = 400,
        description = "A parameter broke a rule",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
    #[response(
        status = 404,
        description = "No such resource",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 500,
        description = "Our failure; the cause is logged",
        content_type = "application/problem+json"
    )]
    Unexpected(Problem),
}

/// The problems a search can answer: a parameter that broke its own rule (400), or a cursor that
/// is not a page of this search (422).
#[derive(utoipa::IntoResponses)]
pub enum SearchProblems {
    #[response(
        status = 400,
        description = "A parameter broke a rule",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
    #[response(
        status = 422,
        description = "The cursor is not a next_cursor of this search, or price_min is above price_max",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
    #[response(
        status = 500,
        description = "Our failure; the cause is logged",
        content_type = "application/problem+json"
    )]
    Unexpected(Problem),
}

/// The problems a public list read a page at a time can answer: a parameter that broke its own
/// rule (400), or a cursor that is not a page of this list (422).
#[derive(utoipa::IntoResponses)]
pub enum PageProblems {
    #[response(
        status = 400,
        description = "A parameter broke a rule",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
    #[response(
        status = 422,
        description = "The cursor is not a next_cursor of this list",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
    #[response(
        status = 500,
        description = "Our failure; the cause is logged",
        content_type = "application/problem+json"
    )]
    Unexpected(Problem),
}

/// The problems a seller's own read can answer.
#[derive(utoipa::IntoResponses)]
pub enum SellerReadProblems {
    #[response(
        status = 400,
        description = "A parameter broke a rule",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
    #[response(status = 401, description = "No valid bearer token")]
    Unauthenticated(GatewayMessage),
    #[response(
        status = 403,
        description = "Not a seller",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "None of this seller's",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 500,
        description = "Our failure; the cause is logged",
        content_type = "application/problem+json"
    )]
    Unexpected(Problem),
}

/// The problems a shopper's cart route can answer.
#[derive(utoipa::IntoResponses)]
pub enum CartProblems {
    #[response(
        status = 400,
        description = "A field or parameter broke a rule; nothing was written",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
    #[response(status = 401, description = "No valid bearer token")]
    Unauthenticated(GatewayMessage),
    #[response(
        status = 404,
        description = "No such line or coupon",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 422,
        description = "Breaks a rule about the cart or what it holds (an offer not on sale, a full line or cart, a coupon that does not fit, an order that cannot be placed: `reason` says which rule); nothing was written",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
    #[response(
        status = 413,
        description = "Body over 64 KiB",
        content_type = "application/problem+json"
    )]
    PayloadTooLarge(Problem),
    #[response(
        status = 415,
        description = "Body not JSON",
        content_type = "application/problem+json"
    )]
    UnsupportedMediaType(Problem),
    #[response(
        status = 500,
        description = "Our failure; the cause is logged",
        content_type = "application/problem+json"
    )]
    Unexpected(Problem),
}

/// The problems a shopper's read of their own orders can answer.
#[derive(utoipa::IntoResponses)]
pub enum ShopperReadProblems {
    #[response(
        status = 400,
        description = "A parameter broke a rule",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
    #[response(status = 401, description = "No valid bearer token")]
    Unauthenticated(GatewayMessage),
    #[response(
        status = 404,
        description = "None of this shopper's",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 422,
        description = "A parameter naming what is not this shopper's (another's cursor)",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
    #[response(
        status = 500,
        description = "Our failure; the cause is logged",
        content_type = "application/problem+json"
    )]
    Unexpected(Problem),
}

/// The problems a shopper's change to their account (or a one-click order) can answer.
#[derive(utoipa::IntoResponses)]
pub enum AccountProblems {
    #[response(
        status = 400,
        description = "A field broke a rule; nothing was written",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
    #[response(status = 401, description = "No valid bearer token")]
    Unauthenticated(GatewayMessage),
    #[response(
        status = 404,
        description = "None of this shopper's",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 409,
        description = "Full: the shopper keeps as many as they may",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
    #[response(
        status = 413,
        description = "Body over 64 KiB",
        content_type = "application/problem+json"
    )]
    PayloadTooLarge(Problem),
    #[response(
        status = 415,
        description = "Body not JSON",
        content_type = "application/problem+json"
    )]
    UnsupportedMediaType(Problem),
    #[response(
        status = 422,
        description = "Breaks a rule of the address's country, or names what the shopper does not have; nothing was written",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
    #[response(
        status = 500,
        description = "Our failure; the cause is logged",
        content_type = "application/problem+json"
    )]
    Unexpected(Problem),
}

/// The problems an admin's read can answer.
#[derive(utoipa::IntoResponses)]
pub enum AdminReadProblems {
    #[response(
        status = 400,
        description = "A parameter broke a rule",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
    #[response(status = 401, description = "No valid bearer token")]
    Unauthenticated(GatewayMessage),
    #[response(
        status = 403,
        description = "Not an admin",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 422,
        description = "A cursor that is not one of this list's",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
    #[response(
        status = 500,
        description = "Our failure; the cause is logged",
        content_type = "application/problem+json"
    )]
    Unexpected(Problem),
}

/// The problems a shopper's write about what they bought (a review, a vote, feedback) can
/// answer.
#[derive(utoipa::IntoResponses)]
pub enum ShopperWriteProblems {
    #[response(
        status = 400,
        description = "A field or parameter broke a rule; nothing was written",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
    #[response(status = 401, description = "No valid bearer token")]
    Unauthenticated(GatewayMessage),
    #[response(
        status = 403,
        description = "Not this shopper's to change, or their own to vote on",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such product, review or order of this shopper's",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 409,
        description = "Given before: feedback is once per order and seller",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
    #[response(
        status = 413,
        description = "Body over 64 KiB",
        content_type = "application/problem+json"
    )]
    PayloadTooLarge(Problem),
    #[response(
        status = 415,
        description = "Body not JSON",
        content_type = "application/problem+json"
    )]
    UnsupportedMediaType(Problem),
    #[response(
        status = 422,
        description = "Breaks a rule about stored data (photos not the shopper's, an order not delivered); nothing was written",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
    #[response(
        status = 500,
        description = "Our failure; the cause is logged",
        content_type = "application/problem+json"
    )]
    Unexpected(Problem),
}

/// The problems a seller's write can answer.
#[derive(utoipa::IntoResponses)]
pub enum WriteProblems {
    #[response(
        status = 400,
        description = "A field broke a rule; nothing was written",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
    #[response(status = 401, description = "No valid bearer token")]
    Unauthenticated(GatewayMessage),
    #[response(
        status = 403,
        description = "Not a seller, or not this seller's",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such product",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 409,
        description = "Conflicts with what exists",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
    #[response(
        status = 422,
        description = "Fields that break a rule between them or about stored data (a product that must exist); nothing was written",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
    #[response(
        status = 413,
        description = "Body over 64 KiB",
        content_type = "application/problem+json"
    )]
    PayloadTooLarge(Problem),
    #[response(
        status = 415,
        description = "Body not JSON",
        content_type = "application/problem+json"
    )]
    UnsupportedMediaType(Problem),
    #[response(
        status = 500,
        description = "Our failure; the cause is logged",
        content_type = "application/problem+json"
    )]
    Unexpected(Problem),
}

/// The RFC 9457 body for an error; 500s say nothing of their cause.
pub fn problem_response(error: &ApiError) -> Response<Body> {
    let status = error.status();
    let invalid = match error {
        ApiError::Invalid(invalid) | ApiError::Unprocessable(invalid) => Some(invalid),
        _ => None,
    };
    let problem = Problem {
        kind: format!("https://rainforest.dev/problems/{}", error.code()),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: error.to_string(),
        field: invalid.map(|i| i.field.clone()),
        rule: invalid.map(|i| i.rule.clone()),
        reason: match error {
            ApiError::CouponRefused(refusal) => Some(refusal.reason().to_owned()),
            // The failure's own tag, as the order's `failure.reason` shows it.
            ApiError::CannotOrder(failure) => serde_json::to_value(failure)
                .ok()
                .and_then(|v| v["reason"].as_str().map(str::to_owned)),
            _ => None,
        },
    };
    // A struct of strings and a number always serializes.
    let body = serde_json::to_string(&problem).unwrap_or_default();
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if let ApiError::MethodNotAllowed { allowed } = error
        && let Ok(allow) = HeaderValue::from_str(allowed.as_str())
    {
        headers.insert(header::ALLOW, allow);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_json(response: &Response<Body>) -> serde_json::Value {
        serde_json::from_slice(response.body().as_ref()).unwrap()
    }

    #[test]
    fn invalid_names_field_and_rule() {
        let response = problem_response(&Invalid::new("offer.price", "must be positive").into());
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = body_json(&response);
        assert_eq!(body["field"], "offer.price");
        assert_eq!(body["rule"], "must be positive");
        assert_eq!(body["status"], 400);
        assert_eq!(
            body["type"],
            "https://rainforest.dev/problems/validation-failed"
        );
    }

    #[test]
    fn unexpected_errors_hide_their_cause() {
        let cause = anyhow::anyhow!("table secret-table missing").context("saving product");
        let response = problem_response(&ApiError::Unexpected(cause));
        assert_eq!(response.status(), 500);
        let body = body_json(&response);
        assert!(!body.to_string().contains("secret-table"), "{body}");
    }

    #[test]
    fn a_refused_coupon_says_why_in_reason() {
        let response = problem_response(&ApiError::CouponRefused(
            crate::cart::Refusal::MinimumNotMet,
        ));
        assert_eq!(response.status(), 422);
        let body = body_json(&response);
        assert_eq!(body["reason"], "minimum_not_met");
        assert_eq!(
            body["type"],
            "https://rainforest.dev/problems/coupon-refused"
        );
    }

    #[test]
    fn method_not_allowed_names_the_allowed_method() {
        let response = problem_response(&ApiError::MethodNotAllowed {
            allowed: http::Method::GET,
        });
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()[header::ALLOW], "GET");
    }
}
