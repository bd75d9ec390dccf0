//! Checkout step, before any stock or money moves: fraud screening. The order's signals (the
//! customer's and the card's recent orders, a first order's value, shipping abroad, declined
//! payments) are scored by the rules in `shared/data/fraud-rules.json`: the saga goes on, waits
//! for an admin's review (`AwaitReview`), or fails the order as `review_rejected`.

use shared::checkout::{Saga, rejected};
use shared::config::Source;
use shared::events::StepError;
use shared::orders::{Decision, Failure, OrdersStore, Rules, Screening};
use shared::payments::SimulatedGateway;

/// What the handler needs, built once per process: the orders, the rules, the gateway that
/// knows a card's country.
pub struct Deps {
    orders: OrdersStore,
    rules: Rules,
    gateway: SimulatedGateway,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            orders: OrdersStore::from_source(sdk, source)?,
            rules: Rules::standard()?,
            gateway: SimulatedGateway,
        })
    }

    pub async fn connect(&self) {
        self.orders.connect().await;
    }
}

#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(deps: &Deps, saga: Saga) -> Result<Screening, StepError> {
    let order = deps
        .orders
        .order(saga.order_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("order {} is gone", saga.order_id))?;
    let total = saga.priced()?.total.amount.get();
    let country = deps.gateway.card_country(&order.payment_token);
    let signals = deps.orders.signals(&order, total, &country).await?;
    let screening = deps.rules.screen(&signals);
    tracing::info!(decision = ?screening.decision, score = screening.score, reasons = ?screening.reasons, "order screened");
    match screening.decision {
        Decision::Reject => Err(rejected(&Failure::ReviewRejected)),
        Decision::Pass | Decision::Hold => Ok(screening),
    }
}
