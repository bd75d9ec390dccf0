//! `POST /api/v1/orders/quote`: what the checkout page shows before "Buy". The signed-in
//! shopper's cart (or one-click's SKU) priced now, shipped to an address given inline or saved
//! in their account: for every speed that address can have, the shipping, the tax, the total
//! and the days to the door, worked out by the saga's own rules. The chosen speed's total is
//! the `expected_total` checkout takes. Nothing is written.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::account::{AccountsStore, AddressId};
use shared::api::{self, ApiError, Caller, CartProblems};
use shared::cart::CartOwner;
use shared::checkout::{Quote, ShippingRates, TaxRates, price, quote};
use shared::config::Source;
use shared::orders::{Address, BuyNow};
use shared::shopping::Shop;

/// What the handler needs, built once per process.
pub struct Deps {
    shop: Shop,
    accounts: AccountsStore,
    shipping: ShippingRates,
    tax: TaxRates,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            shop: Shop::from_source(sdk, source)?,
            accounts: AccountsStore::from_source(sdk, source)?,
            shipping: ShippingRates::standard()?,
            tax: TaxRates::standard()?,
        })
    }

    pub async fn connect(&self) {
        tokio::join!(self.shop.connect(), self.accounts.connect());
    }
}

/// Where the order would go, and what it would buy.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// Where to ship; or `address_id`, one of the account's saved addresses (not both).
    #[serde(default)]
    shipping_address: Option<Address>,
    #[serde(default)]
    address_id: Option<AddressId>,
    /// One-click's SKU and units, quoted in place of the cart.
    #[serde(default)]
    buy_now: Option<BuyNow>,
}

#[utoipa::path(
    post,
    path = "/api/v1/orders/quote",
    operation_id = "quoteOrder",
    tag = "orders",
    request_body = QuoteRequest,
    security(("jwt" = [])),
    responses(
        (status = 200, description = "The order priced for each speed the address can have, standard first", body = Quote),
        CartProblems
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let body: QuoteRequest = api::json_body(&request)?;
    let to = body.shipping_address.as_ref();
    let address = api::ship_to(&deps.accounts, &caller.id, to, body.address_id).await?;
    let owner = CartOwner::Customer(caller.id);
    let view = match &body.buy_now {
        Some(item) => deps.shop.buy_now_view(&owner, item).await?,
        None => deps.shop.view(&owner).await?,
    };
    let priced = price(&view).map_err(ApiError::CannotOrder)?;
    let available = deps
        .shop
        .storefront
        .inventory
        .available_by_location(priced.lines.iter().map(|line| &line.sku))
        .await?;
    let quoted = quote(priced, &address, &available, &deps.shipping, &deps.tax)
        .map_err(ApiError::CannotOrder)?;
    tracing::info!(options = quoted.options.len(), "order quoted");
    api::json_response(StatusCode::OK, &quoted)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
