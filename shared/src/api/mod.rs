//! The HTTP edge every API function shares: request parsing, the caller's identity, and the one
//! place where errors become HTTP responses (RFC 9457 `application/problem+json`).

#[cfg(all(feature = "dynamodb", feature = "kms"))]
mod account;
#[cfg(feature = "dynamodb")]
mod cart;
mod catalog;
#[cfg(all(feature = "dynamodb", feature = "sfn"))]
mod checkout;
mod error;
mod identity;
#[cfg(feature = "dynamodb")]
mod inventory;
#[cfg(all(feature = "dynamodb", feature = "sfn"))]
mod orders;
#[cfg(feature = "dynamodb")]
mod recommendations;
mod request;
#[cfg(feature = "dynamodb")]
mod reviews;
#[cfg(feature = "opensearch")]
mod search;

pub use crate::error::Invalid;
#[cfg(all(feature = "dynamodb", feature = "sfn", feature = "kms"))]
pub use account::AccountCheckout;
#[cfg(all(feature = "dynamodb", feature = "kms"))]
pub use account::{deleted, ship_to};
#[cfg(feature = "dynamodb")]
pub use cart::{CART_TOKEN_HEADER, added, cart_answer, cart_owner, guest, not_for_sale, shopper};
pub use catalog::{ProductSummary, offer_written};
#[cfg(all(feature = "dynamodb", feature = "sfn"))]
pub use checkout::Checkout;
pub use error::{
    AccountProblems, AdminReadProblems, ApiError, CartProblems, GatewayMessage, PageProblems,
    Problem, ReadProblems, SearchProblems, SellerReadProblems, ShopperReadProblems,
    ShopperWriteProblems, WriteProblems, problem_response,
};
pub use identity::{Caller, Role};
#[cfg(feature = "dynamodb")]
pub use inventory::stock_batch_answer;
#[cfg(all(feature = "dynamodb", feature = "sfn"))]
pub use orders::review_answer;
#[cfg(feature = "dynamodb")]
pub use recommendations::{Recommendations, recommendations_answer};
pub use request::{
    ETag, IfMatch, PageCursor, PageSize, idempotency_key, json_body, path_param, query_param,
    request_digest, require_method,
};
#[cfg(feature = "dynamodb")]
pub use reviews::{ReviewList, ShownReview};
#[cfg(feature = "opensearch")]
pub use search::searched;

use lambda_http::{Body, Request, Response, service_fn};
use serde::Serialize;
use std::convert::Infallible;
use std::future::Future;

/// Runs an API handler in the Lambda runtime. `deps` are built once per process, outside the
/// handler; the handler's errors are logged and answered as problem+json here, nowhere else.
pub async fn serve<'a, D, F, Fut>(deps: &'a D, handler: F) -> Result<(), lambda_http::Error>
where
    D: Sync,
    F: Fn(&'a D, Request) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>> + Send + 'a,
{
    lambda_http::run(service_fn(|request: Request| {
        let response = handler(deps, request);
        async move { Ok::<_, Infallible>(respond(response.await)) }
    }))
    .await
}

/// Turns a handler's outcome into the response API Gateway sends, logging failures.
pub fn respond(outcome: Result<Response<Body>, ApiError>) -> Response<Body> {
    outcome.unwrap_or_else(|error| {
        error.log();
        problem_response(&error)
    })
}

/// 204: done, nothing to say (a delete, or its replay).
pub fn no_content() -> Response<Body> {
    let mut answer = Response::new(Body::Empty);
    *answer.status_mut() = http::StatusCode::NO_CONTENT;
    answer
}

/// A JSON response with the given status.
pub fn json_response<T: Serialize>(
    status: http::StatusCode,
    body: &T,
) -> Result<Response<Body>, ApiError> {
    json_response_with(status, body, [])
}

/// A JSON response with extra headers (`ETag`, `Location`).
pub fn json_response_with<T: Serialize, const N: usize>(
    status: http::StatusCode,
    body: &T,
    headers: [(http::HeaderName, String); N],
) -> Result<Response<Body>, ApiError> {
    let json = serde_json::to_string(body).map_err(anyhow::Error::from)?;
    let mut builder = Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    Ok(builder
        .body(Body::Text(json))
        .map_err(anyhow::Error::from)?)
}
