//! Checkout step: tax by destination. Each line is taxed at the rate of the address's region
//! (or country) for its category, after its share of the discount, and the shipping where the
//! place taxes it (`shared/data/tax-rates.json`). The order then comes to its final total, which
//! must be the one the shopper was shown: otherwise it fails as `price_changed` with the new one.

use shared::checkout::{Saga, TaxRates, rejected, settle};
use shared::config::Source;
use shared::events::StepError;

/// What the handler needs, built once per process: the rates, which are data compiled in.
pub struct Deps {
    rates: TaxRates,
}

impl Deps {
    pub fn from_source(_: &aws_config::SdkConfig, _: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            rates: TaxRates::standard()?,
        })
    }
}

/// The state with the taxed order in it.
#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(deps: &Deps, mut saga: Saga) -> Result<Saga, StepError> {
    let shipping = saga.shipping()?.cost;
    let taxed = deps
        .rates
        .apply(saga.priced()?, shipping, &saga.shipping_address);
    let settled = settle(taxed, saga.expected_total).map_err(|failure| rejected(&failure))?;
    tracing::info!(tax = ?settled.tax, total = ?settled.total, "order taxed");
    saga.priced = Some(settled);
    Ok(saga)
}
