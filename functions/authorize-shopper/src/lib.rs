//! The authorizer of the routes a guest may call too (the cart's, and telling what was viewed):
//! API Gateway's JWT authorizer with the token made optional, which an HTTP API's own cannot
//! do. A request without `Authorization` passes with no claims, and its function takes the
//! guest's cart token or answers 401. A bearer token must be valid, or API Gateway answers 403;
//! its claims reach the function as the JWT authorizer would pass them.

use aws_lambda_events::event::apigw::{
    ApiGatewayV2CustomAuthorizerSimpleResponse as Decision,
    ApiGatewayV2CustomAuthorizerV2Request as AuthorizerRequest,
};
use lambda_runtime::Diagnostic;
use shared::auth::Claims;
use shared::events::unhandled;

/// What the handler needs, built once per process: the issuer's keys.
pub use shared::auth::IssuerKeys as Deps;

/// An error (the issuer's keys could not be had) fails the invocation: API Gateway answers 500
/// rather than refusing a shopper whose token may be good.
pub async fn handle(
    keys: &Deps,
    request: AuthorizerRequest,
) -> Result<Decision<Claims>, Diagnostic> {
    let Some(authorization) = request.headers.get(http::header::AUTHORIZATION) else {
        return Ok(decision(Some(Claims::new())));
    };
    let claims = match authorization.to_str() {
        Ok(authorization) => keys.authorize(authorization).await.map_err(unhandled)?,
        Err(_) => None,
    };
    if claims.is_none() {
        tracing::info!(route = ?request.route_key, "refused: not a valid bearer token");
    }
    Ok(decision(claims))
}

fn decision(claims: Option<Claims>) -> Decision<Claims> {
    let mut decision = Decision::default();
    decision.is_authorized = claims.is_some();
    decision.context = claims.unwrap_or_default();
    decision
}
