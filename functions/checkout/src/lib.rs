//! `POST /api/v1/orders/checkout`: the signed-in shopper buys their cart, shipped to an address
//! given inline or to one saved in their account. The order is recorded (`processing`) under
//! the request's `Idempotency-Key` and the checkout saga runs, its express part within this
//! call; the answer waits for the saga up to a budget: 201 with the order when it has finished
//! (confirmed, or failed with the reason), else 202 with its `Location` to poll. The same key
//! and body again answers for the same order; the same key with another body is a 422.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::account::AddressId;
use shared::api::{self, ApiError, Caller, CartProblems};
use shared::clock;
use shared::money::Money;
use shared::orders::{Address, IdempotencyKey, Order, OrderId, ShippingSpeed};
use shared::payments::PaymentToken;

/// What the handler needs, built once per process: the saved addresses and checkout.
pub use shared::api::AccountCheckout as Deps;

/// What the shopper confirms at the "Buy" button.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// Where to ship; or `address_id`, one of the account's saved addresses (not both).
    #[serde(default)]
    shipping_address: Option<Address>,
    #[serde(default)]
    address_id: Option<AddressId>,
    /// The gateway's token of the card (`tok_visa`; never a card number).
    payment_token: PaymentToken,
    /// The total the shopper was shown, with shipping and tax: a cart that comes to another
    /// fails as `price_changed`.
    expected_total: Money,
    /// Standard when absent.
    #[serde(default)]
    shipping_speed: ShippingSpeed,
}

#[utoipa::path(
    post,
    path = "/api/v1/orders/checkout",
    operation_id = "checkout",
    tag = "orders",
    request_body = CheckoutRequest,
    params(("Idempotency-Key" = IdempotencyKey, Header, description = "The client's key for this purchase: a retry with the same key and body answers for the same order")),
    security(("jwt" = [])),
    responses(
        (status = 201, description = "Checkout finished: the order, `confirmed` or `failed` with the reason the shopper can act on", body = Order,
         headers(("Location" = String, description = "The order's URL"))),
        (status = 202, description = "Checkout is still running: poll the order at `Location`", body = Order,
         headers(("Location" = String, description = "The order's URL"))),
        CartProblems
    )
)]
#[tracing::instrument(skip_all, fields(order_id))]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let key = api::idempotency_key(&request)?;
    let body: CheckoutRequest = api::json_body(&request)?;
    if let Some(first) = deps.checkout.replay(&caller.id, &key, &body).await? {
        return Ok(first);
    }
    deps.remember_email(&caller).await;
    let to = body.shipping_address.as_ref();
    let address = api::ship_to(&deps.accounts, &caller.id, to, body.address_id).await?;
    let order = Order {
        shipping_speed: body.shipping_speed,
        ..Order::start(
            OrderId::generate(),
            caller.id,
            body.expected_total,
            address,
            body.payment_token.clone(),
            clock::now(),
        )
    };
    deps.checkout.place(order, &key, &body).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle), components(schemas(IdempotencyKey)))]
pub struct Api;
