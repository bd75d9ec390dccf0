//! Checkout step: address and shipping. The speed the shopper chose must be one the address
//! and the order's lines allow (the country's speeds; same-day only where a fulfillment center
//! in the shopper's region has every unit); its cost and days to the door come from
//! `shared/data/shipping-rates.json`. Otherwise the order fails as `address_not_deliverable`,
//! naming the speeds it could have.

use shared::checkout::{Saga, ShippingRates, rejected};
use shared::config::Source;
use shared::events::StepError;
use shared::inventory::InventoryStore;

/// What the handler needs, built once per process: stock (for same-day) and the rates.
pub struct Deps {
    inventory: InventoryStore,
    rates: ShippingRates,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            inventory: InventoryStore::from_source(sdk, source)?,
            rates: ShippingRates::standard()?,
        })
    }

    pub async fn connect(&self) {
        self.inventory.connect().await;
    }
}

/// The state with the shipping plan in it.
#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(deps: &Deps, mut saga: Saga) -> Result<Saga, StepError> {
    let priced = saga.priced()?;
    let available = deps
        .inventory
        .available_by_location(priced.lines.iter().map(|line| &line.sku))
        .await?;
    let plan = deps
        .rates
        .plan(
            saga.shipping_speed,
            priced,
            &saga.shipping_address,
            &available,
        )
        .map_err(|failure| rejected(&failure))?;
    tracing::info!(speed = ?plan.speed, cost = ?plan.cost, days = plan.days, "shipping planned");
    saga.shipping = Some(plan);
    Ok(saga)
}
