//! Demo orders for customer-01, each made as the checkout saga makes one, so every table agrees:
//! a confirmed order of the demo cart's offer (its unit reserved and committed, its payment
//! authorized and captured, in the ledger; its parcel at Rainforest's fulfillment center), one
//! of a merchant-fulfilled offer (its parcel waiting for seller-09 to ship it), one cancelled
//! (the orders stream refunds and restocks it), two held for review, one just started, and a
//! failed one (card declined, nothing held).

use anyhow::Context;
use shared::catalog::Fulfillment;
use shared::catalog::{CatalogStore, Offer};
use shared::checkout::{Available, Saga, ShippingPlan, ShippingRates, TaxRates, allocate};
use shared::inventory::{InventoryStore, Reserved};
use shared::orders::{
    Address, Decision, Failure, Handover, Opened, Order, OrderId, OrderLine, OrdersStore, Priced,
    ReturnId, ReturnRequest, ReturnStatus, Screening, ShipmentStatus, ShippingSpeed, Transition,
    plan_returns,
};
use shared::payments::{Authorized, Captured, Decline, PaymentsStore};

/// customer-01's confirmed demo order (the bench's `get-order` reads it).
pub const DEMO_ORDER: &str = "01KAN0000000000000000000C1";
/// customer-01's confirmed order of seller-09's own stock: the bench's seller ships it.
pub const DEMO_MERCHANT_ORDER: &str = "01KAN0000000000000000000M1";
/// customer-01's cancelled demo order: refunded, its unit back in stock.
pub const DEMO_CANCELLED_ORDER: &str = "01KAN0000000000000000000X1";
/// customer-01's orders fraud screening held for review: the bench releases one, rejects the
/// other.
pub const DEMO_HELD_ORDERS: [&str; 2] =
    ["01KAN0000000000000000000H1", "01KAN0000000000000000000H2"];
/// customer-01's order checkout has just started: the bench holds it.
pub const DEMO_STARTED_ORDER: &str = "01KAN0000000000000000000S1";
/// customer-01's failed demo order: the card was declined.
pub const DEMO_FAILED_ORDER: &str = "01KAN0000000000000000000F1";
/// customer-01's delivered demo orders: the bench returns the first's unit and rates its
/// seller; the second's unit is on its way back (the bench's warehouse receives it); the
/// third, seller-09's own, has a return waiting for its seller (the bench's seller decides it).
pub const DEMO_DELIVERED_ORDERS: [&str; 3] = [
    "01KAN0000000000000000000D1",
    "01KAN0000000000000000000D2",
    "01KAN0000000000000000000D3",
];
/// The returns of the second and third delivered orders.
pub const DEMO_RETURNS: [&str; 2] = ["01KAN0000000000000000000T2", "01KAN0000000000000000000T3"];

pub struct Stores<'a> {
    pub catalog: &'a CatalogStore,
    pub inventory: &'a InventoryStore,
    pub orders: OrdersStore,
    pub payments: PaymentsStore,
}

/// `offer` is Rainforest-fulfilled, `merchants` fulfilled by its seller.
pub async fn demo_orders(
    stores: &Stores<'_>,
    offer: &Offer,
    merchants: &Offer,
) -> anyhow::Result<()> {
    let priced = one_unit(stores, offer).await?;
    confirmed(stores, DEMO_ORDER, &priced, offer).await?;
    let merchant_priced = one_unit(stores, merchants).await?;
    confirmed(stores, DEMO_MERCHANT_ORDER, &merchant_priced, merchants).await?;
    let cancelled = confirmed(stores, DEMO_CANCELLED_ORDER, &priced, offer).await?;
    let cancel = stores.orders.cancel(cancelled).await?;
    anyhow::ensure!(
        cancel == Transition::Moved,
        "the demo order's cancel: {cancel:?}"
    );

    let first = delivered(stores, DEMO_DELIVERED_ORDERS[0], &priced, offer).await?;
    let second = delivered(stores, DEMO_DELIVERED_ORDERS[1], &priced, offer).await?;
    let third = delivered(
        stores,
        DEMO_DELIVERED_ORDERS[2],
        &merchant_priced,
        merchants,
    )
    .await?;
    anyhow::ensure!(first.to_string() == DEMO_DELIVERED_ORDERS[0]);
    for (order, id, offer) in [
        (second, DEMO_RETURNS[0], offer),
        (third, DEMO_RETURNS[1], merchants),
    ] {
        demo_return(stores, order, id, offer).await?;
    }

    let screening = Screening {
        decision: Decision::Hold,
        score: 60,
        reasons: vec!["a high-value first order".to_owned()],
    };
    for id in DEMO_HELD_ORDERS {
        let held = started(stores, id, "tok_visa", &priced).await?;
        stores
            .orders
            .hold(held, &screening, "demo-task-token")
            .await?;
    }
    started(stores, DEMO_STARTED_ORDER, "tok_visa", &priced).await?;

    let declined_card = "tok_chargeDeclinedInsufficientFunds";
    let failed = started(stores, DEMO_FAILED_ORDER, declined_card, &priced).await?;
    let declined = stores
        .payments
        .authorize(
            failed,
            &declined_card.parse().expect("a token"),
            priced.total,
        )
        .await?;
    anyhow::ensure!(declined == Authorized::Declined(Decline::InsufficientFunds));
    let failure = Failure::PaymentDeclined {
        decline_code: Decline::InsufficientFunds,
    };
    stores.orders.fail(failed, &failure).await?;
    Ok(())
}

/// One unit of `offer` at its price now, as the cart's validation prices it.
async fn one_unit(stores: &Stores<'_>, offer: &Offer) -> anyhow::Result<Priced> {
    let product = stores
        .catalog
        .product(offer.product_id)
        .await?
        .context("the offer's product")?;
    let price = offer.pricing.price();
    let line = OrderLine {
        sku: offer.sku.clone(),
        product_id: offer.product_id,
        seller_id: offer.seller_id.clone(),
        title: product.title.to_string(),
        quantity: 1,
        unit_price: price,
        line_total: price,
        fulfillment: offer.fulfillment,
        handling_days: offer.handling_days,
        category_path: Some(product.category_path),
        tax: None,
    };
    let priced = Priced {
        lines: vec![line],
        subtotal: price,
        discount: shared::money::Money::of(0, price.currency),
        shipping: None,
        tax: None,
        total: price,
        coupon: None,
    };
    let plan = standard_shipping(&priced)?;
    Ok(TaxRates::standard()?.apply(&priced, plan.cost, &address()?))
}

/// Standard shipping to the demo address, as the shipping step plans it.
fn standard_shipping(priced: &Priced) -> anyhow::Result<ShippingPlan> {
    let rates = ShippingRates::standard()?;
    rates
        .plan(
            ShippingSpeed::Standard,
            priced,
            &address()?,
            &Available::new(),
        )
        .map_err(|failure| anyhow::anyhow!("the demo order's shipping: {failure:?}"))
}

/// Order `id` of one unit of `offer`, placed and confirmed as the saga does it: its unit
/// reserved and committed, its payment authorized and captured.
async fn confirmed(
    stores: &Stores<'_>,
    id: &str,
    priced: &Priced,
    offer: &Offer,
) -> anyhow::Result<OrderId> {
    let price = priced.total;
    let confirmed = started(stores, id, "tok_visa", priced).await?;
    let stock = stores.inventory.stock(&offer.sku).await?;
    let here = stock
        .locations
        .iter()
        .map(|(l, s)| (l.clone(), s.available()))
        .collect();
    let request = allocate(&priced.lines, &[(offer.sku.clone(), here)].into())
        .map_err(|failure| anyhow::anyhow!("the demo order's unit: {failure:?}"))?;
    let reservation = shared::inventory::ReservationId::from(confirmed.ulid());
    let held = stores
        .inventory
        .reserve(reservation, &request, shared::checkout::HOLD)
        .await?;
    anyhow::ensure!(
        matches!(held, Reserved::Held(_)),
        "the demo order's unit: {held:?}"
    );
    let token = "tok_visa".parse().expect("a token");
    anyhow::ensure!(
        stores.payments.authorize(confirmed, &token, price).await? == Authorized::Approved
    );
    anyhow::ensure!(stores.payments.capture(confirmed).await? == Captured::Captured);
    stores.orders.place(confirmed, priced).await?;
    let order = stores
        .orders
        .order(confirmed)
        .await?
        .expect("the demo order");
    let saga = Saga {
        priced: Some(priced.clone()),
        shipping: Some(standard_shipping(priced)?),
        ..Saga::of(&order)
    };
    shared::checkout::confirm(stores.inventory, &stores.orders, &saga)
        .await?
        .map_err(|failure| anyhow::anyhow!("the demo order's unit: {failure:?}"))?;
    Ok(confirmed)
}

/// Order `id`, confirmed, then carried to its door: each parcel's steps as the warehouse, the
/// seller and the carrier take them.
async fn delivered(
    stores: &Stores<'_>,
    id: &str,
    priced: &Priced,
    offer: &Offer,
) -> anyhow::Result<OrderId> {
    let order = confirmed(stores, id, priced, offer).await?;
    for shipment in stores.orders.shipments(order).await? {
        let mut status = shipment.status;
        while let Some(next) = status
            .next(shipment.fulfillment)
            .map(|(next, _)| next)
            .or((status == ShipmentStatus::Preparing).then_some(ShipmentStatus::Shipped))
        {
            let handover = (next == ShipmentStatus::Shipped)
                .then(|| Handover::rainforest(order, &shipment.shipment_id));
            let moved = stores
                .orders
                .advance(order, &shipment.shipment_id, next, handover.as_ref())
                .await?;
            anyhow::ensure!(moved == Transition::Moved, "the demo parcel: {moved:?}");
            status = next;
        }
    }
    Ok(order)
}

/// A return `id` of the delivered `order`'s unit of `offer`: Rainforest's on its way back,
/// a merchant's waiting for its seller.
async fn demo_return(
    stores: &Stores<'_>,
    order: OrderId,
    id: &str,
    offer: &Offer,
) -> anyhow::Result<()> {
    let found = stores
        .orders
        .order(order)
        .await?
        .context("the demo order")?;
    let shipments = stores.orders.shipments(order).await?;
    let request: ReturnRequest = serde_json::from_value(serde_json::json!({
        "lines": [{"sku": offer.sku, "quantity": 1}], "reason": "no_longer_needed",
    }))?;
    let now = shared::clock::Timestamp::now().secs();
    let mut returns = plan_returns(
        &found,
        &shipments,
        &[],
        &request,
        now,
        &shared::clock::now(),
    )
    .map_err(|invalid| anyhow::anyhow!("the demo return: {invalid}"))?;
    let id: ReturnId = id.parse().map_err(anyhow::Error::msg)?;
    for ret in &mut returns {
        ret.return_id = id;
    }
    let opened = stores.orders.open_returns(order, 0, &returns, None).await?;
    anyhow::ensure!(opened == Opened::New, "the demo return: {opened:?}");
    if offer.fulfillment == Fulfillment::Rainforest {
        let moved = stores
            .orders
            .move_return(id, ReturnStatus::InTransit, None, None)
            .await?;
        anyhow::ensure!(moved == Transition::Moved, "the demo return: {moved:?}");
    }
    Ok(())
}

/// The order `id` as checkout starts it.
async fn started(
    stores: &Stores<'_>,
    id: &str,
    token: &str,
    priced: &Priced,
) -> anyhow::Result<OrderId> {
    let id: OrderId = id.parse().map_err(anyhow::Error::msg)?;
    let at = "2026-11-20T10:00:00Z".to_owned();
    let order = Order::start(
        id,
        super::DEMO_CUSTOMERS[0].to_owned(),
        priced.total,
        address()?,
        token.parse().map_err(anyhow::Error::msg)?,
        at,
    );
    let key = format!("demo-order-{id}")
        .parse()
        .map_err(anyhow::Error::msg)?;
    stores.orders.start(&order, &key, "demo").await?;
    Ok(id)
}

/// customer-01's saved address (their demo orders' own) and card, both the defaults: what
/// one-click ordering uses.
pub async fn demo_account(accounts: &shared::account::AccountsStore) -> anyhow::Result<()> {
    let customer = super::DEMO_CUSTOMERS[0];
    if !accounts.addresses(customer).await?.is_empty() {
        return Ok(());
    }
    let address = serde_json::from_value(serde_json::json!({
        "address": demo_address(), "default": true
    }))?;
    accounts.add_address(customer, &address).await?;
    let card = serde_json::from_value(serde_json::json!({
        "payment_token": "tok_visa", "brand": "visa", "last_four": "4242", "default": true
    }))?;
    accounts.add_payment_method(customer, &card).await?;
    Ok(())
}

fn address() -> anyhow::Result<Address> {
    Ok(serde_json::from_value(demo_address())?)
}

fn demo_address() -> serde_json::Value {
    serde_json::json!({
        "name": "Demo Customer", "line1": "410 Terry Ave N", "city": "Seattle", "region": "WA",
        "postal_code": "98109", "country": "US"
    })
}
