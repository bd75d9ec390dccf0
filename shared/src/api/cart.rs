//! The cart's outcomes as HTTP answers.

use super::ApiError;
use super::Caller;
use crate::cart::{AddOutcome, CartOwner, CartTokens, GuestId, LineQuantity, MAX_LINES};
use crate::error::Invalid;
use crate::shopping::{NotForSale, Shop};
use lambda_http::{Body, Request, Response};

/// The header a guest sends its cart token in.
pub const CART_TOKEN_HEADER: &str = "x-cart-token";

/// Whose cart a request is about: the signed-in customer's (the shopper authorizer's claims),
/// or else the guest's that `X-Cart-Token` names.
pub fn cart_owner(shop: &Shop, request: &Request) -> Result<CartOwner, ApiError> {
    shopper(&shop.tokens, request)
}

/// The shopper a request comes from: the signed-in customer, or else the guest `X-Cart-Token`
/// names.
pub fn shopper(tokens: &CartTokens, request: &Request) -> Result<CartOwner, ApiError> {
    match Caller::from_request(request) {
        Ok(caller) => Ok(caller.cart()),
        Err(ApiError::Unauthenticated) => guest(tokens, request).map(CartOwner::Guest),
        Err(other) => Err(other),
    }
}

/// The guest a request's cart token names; 401 without a valid one.
pub fn guest(tokens: &CartTokens, request: &Request) -> Result<GuestId, ApiError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    request
        .headers()
        .get(CART_TOKEN_HEADER)
        .and_then(|token| token.to_str().ok())
        .and_then(|token| tokens.verify(token, now))
        .ok_or(ApiError::Unauthenticated)
}

/// Every cart route answers with the whole cart as it is now.
pub async fn cart_answer(shop: &Shop, owner: &CartOwner) -> Result<Response<Body>, ApiError> {
    super::json_response(http::StatusCode::OK, &shop.view(owner).await?)
}

pub fn not_for_sale(reason: NotForSale, currency: crate::money::Currency) -> ApiError {
    let rule = match reason {
        NotForSale::Unknown | NotForSale::Withdrawn => "must be an offer on sale".to_owned(),
        NotForSale::OtherCurrency => format!("must be an offer priced in {currency}"),
        NotForSale::OutOfStock => "must be an offer in stock".to_owned(),
    };
    Invalid::relational("sku", rule).into()
}

pub fn added(outcome: AddOutcome) -> Result<(), ApiError> {
    match outcome {
        AddOutcome::Added => Ok(()),
        AddOutcome::LineFull { room } => Err(Invalid::relational(
            "quantity",
            format!(
                "must be at most {room}: a line holds at most {} units",
                LineQuantity::MAX
            ),
        )
        .into()),
        AddOutcome::CartFull => Err(Invalid::relational(
            "sku",
            format!("must be on a line already: a cart holds at most {MAX_LINES} lines"),
        )
        .into()),
    }
}
