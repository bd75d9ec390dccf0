//! `POST /api/v1/orders/buy-now`: one-click ordering. One SKU (1 to 30 units) bought with the
//! shopper's default address and payment method, beside the cart (which stays as it is),
//! through the same checkout saga and the same `Idempotency-Key` rules as checkout.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::api::{self, AccountProblems, ApiError, Caller};
use shared::cart::LineQuantity;
use shared::catalog::Sku;
use shared::clock;
use shared::error::Invalid;
use shared::money::Money;
use shared::orders::{BuyNow, IdempotencyKey, Order, OrderId, ShippingSpeed};

/// What the handler needs, built once per process: the account's defaults and checkout.
pub use shared::api::AccountCheckout as Deps;

/// What the shopper confirms with one click.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyNowRequest {
    sku: Sku,
    #[schema(value_type = u32, minimum = 1, maximum = 30)]
    quantity: LineQuantity,
    /// The total the shopper was shown, with shipping and tax: an item that comes to another
    /// fails as `price_changed`.
    expected_total: Money,
    /// Standard when absent.
    #[serde(default)]
    shipping_speed: ShippingSpeed,
}

#[utoipa::path(
    post,
    path = "/api/v1/orders/buy-now",
    operation_id = "buyNow",
    tag = "orders",
    request_body = BuyNowRequest,
    params(("Idempotency-Key" = IdempotencyKey, Header, description = "The client's key for this purchase: a retry with the same key and body answers for the same order")),
    security(("jwt" = [])),
    responses(
        (status = 201, description = "Checkout finished: the order, `confirmed` or `failed` with the reason", body = Order,
         headers(("Location" = String, description = "The order's URL"))),
        (status = 202, description = "Checkout is still running: poll the order at `Location`", body = Order,
         headers(("Location" = String, description = "The order's URL"))),
        AccountProblems
    )
)]
#[tracing::instrument(skip_all, fields(order_id))]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let key = api::idempotency_key(&request)?;
    let body: BuyNowRequest = api::json_body(&request)?;
    if let Some(first) = deps.checkout.replay(&caller.id, &key, &body).await? {
        return Ok(first);
    }
    deps.remember_email(&caller).await;
    let Some(defaults) = deps.accounts.defaults(&caller.id).await? else {
        let rule = "needs a default address and payment method in the account";
        return Err(Invalid::relational("account", rule).into());
    };
    let mut order = Order::start(
        OrderId::generate(),
        caller.id,
        body.expected_total,
        defaults.address,
        defaults.payment_token,
        clock::now(),
    );
    order.shipping_speed = body.shipping_speed;
    order.buy_now = Some(BuyNow {
        sku: body.sku.clone(),
        quantity: body.quantity,
    });
    deps.checkout.place(order, &key, &body).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
