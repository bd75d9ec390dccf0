//! The cart's outcomes as HTTP answers.

use super::ApiError;
use crate::cart::{AddOutcome, CartOwner, LineQuantity, MAX_LINES};
use crate::error::Invalid;
use crate::shopping::{NotForSale, Shop};
use lambda_http::{Body, Response};

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
