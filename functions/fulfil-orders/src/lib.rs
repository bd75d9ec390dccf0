//! Consumes `FulfillmentQueue`, playing Rainforest's warehouse and the carrier. The saga hands
//! over each confirmed order (`{"order_id"}`): each parcel's next step is queued, held back as
//! long as it takes at the simulated pace. A step moves its parcel on (picked, packed, shipped
//! with a tracking number, in transit, out for delivery, delivered), on condition it is where
//! the step expects, and queues the next one; a cancelled parcel stops there. Replays change
//! nothing; a task that keeps failing lands in `FulfillmentDLQ`.

use anyhow::{Context, bail};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::config::Source;
use shared::orders::{
    FulfillmentQueue, FulfillmentTask, Handover, OrderId, OrdersStore, ParcelStep, ShipmentStatus,
    Transition, now_ms,
};

/// What the handler needs, built once per process: the parcels, and their queue.
pub struct Deps {
    orders: OrdersStore,
    queue: FulfillmentQueue,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            orders: OrdersStore::from_source(sdk, source)?,
            queue: FulfillmentQueue::from_source(sdk, source)?,
        })
    }

    pub async fn connect(&self) {
        tokio::join!(self.orders.connect(), self.queue.connect());
    }
}

pub async fn handle(deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
    shared::events::sqs_batch(event, |message| async move {
        let body = message.body.context("a message without a body")?;
        let task: FulfillmentTask =
            serde_json::from_str(&body).context("a message that is not a fulfillment task")?;
        match &task.step {
            None => start(deps, task.order_id).await,
            Some(step) if !step.wait(now_ms()).is_zero() => {
                // Not due yet: SQS holds a message back 15 minutes at most.
                deps.queue.send(&task, step.wait(now_ms())).await
            }
            Some(step) => advance(deps, task.order_id, step).await,
        }
    })
    .await
}

/// Queues the first step of each of the order's parcels.
#[tracing::instrument(skip(deps))]
async fn start(deps: &Deps, order_id: OrderId) -> anyhow::Result<()> {
    let shipments = deps.orders.shipments(order_id).await?;
    if shipments.is_empty() {
        bail!("order {order_id} has no shipments: it was not confirmed");
    }
    for shipment in shipments {
        let (id, fulfillment) = (&shipment.shipment_id, shipment.fulfillment);
        deps.queue
            .after(order_id, id, fulfillment, shipment.status)
            .await?;
    }
    tracing::info!("order handed to fulfillment");
    Ok(())
}

/// Moves a parcel on to the step's status and queues the one after.
#[tracing::instrument(skip(deps, step), fields(shipment = %step.shipment_id, to = ?step.to))]
async fn advance(deps: &Deps, order_id: OrderId, step: &ParcelStep) -> anyhow::Result<()> {
    let id = &step.shipment_id;
    let handover = (step.to == ShipmentStatus::Shipped).then(|| Handover::rainforest(order_id, id));
    match deps
        .orders
        .advance(order_id, id, step.to, handover.as_ref())
        .await?
    {
        Transition::Moved | Transition::Already => {}
        Transition::Refused(status) => {
            tracing::info!(?status, "the parcel does not move on from here");
            return Ok(());
        }
        Transition::NotFound => bail!("order {order_id} has no shipment {id}"),
    }
    let shipment = deps
        .orders
        .shipment(order_id, id)
        .await?
        .context("a shipment that is gone")?;
    deps.queue
        .after(order_id, id, shipment.fulfillment, step.to)
        .await
}
