//! Consumes `FulfillmentQueue`, playing Rainforest's warehouse and the carrier. The saga hands
//! over each confirmed order (`{"order_id"}`): each parcel's next step is queued, held back as
//! long as it takes at the simulated pace. A step moves its parcel on (picked, packed, shipped
//! with a tracking number, in transit, out for delivery, delivered), on condition it is where
//! the step expects, and queues the next one; a cancelled parcel stops there. An approved
//! return's pick-up (`{"order_id", "pickup"}`) puts it in transit. Replays change nothing; a
//! task that keeps failing lands in `FulfillmentDLQ`.

use anyhow::{Context, bail};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::orders::{
    FulfillmentTask, Handover, OrderId, ParcelStep, ReturnId, ReturnStatus, ShipmentStatus,
    Transition, now_ms, until,
};
use std::time::Duration;

/// What the handler needs, built once per process: the parcels, and their queue.
pub use shared::orders::Logistics as Deps;

pub async fn handle(deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
    shared::events::sqs_batch(event, |message| async move {
        let body = message.body.context("a message without a body")?;
        let task: FulfillmentTask =
            serde_json::from_str(&body).context("a message that is not a fulfillment task")?;
        let due = task
            .step
            .as_ref()
            .map(|step| step.due_at_ms)
            .or(task.pickup.as_ref().map(|pickup| pickup.due_at_ms));
        let wait = due.map_or(Duration::ZERO, |due| until(due, now_ms()));
        if !wait.is_zero() {
            // Not due yet: SQS holds a message back 15 minutes at most.
            return deps.carrier.send(&task, wait).await;
        }
        match (&task.step, &task.pickup) {
            (Some(step), _) => advance(deps, task.order_id, step).await,
            (None, Some(pickup)) => pick_up(deps, pickup.return_id).await,
            (None, None) => start(deps, task.order_id).await,
        }
    })
    .await
}

/// The carrier scans a return it picked up: in transit to where it goes back.
#[tracing::instrument(skip(deps))]
async fn pick_up(deps: &Deps, return_id: ReturnId) -> anyhow::Result<()> {
    match deps
        .orders
        .move_return(return_id, ReturnStatus::InTransit, None, None)
        .await?
    {
        Transition::Moved | Transition::Already => Ok(()),
        Transition::Refused(status) => {
            tracing::info!(?status, "the return is not waiting for the carrier");
            Ok(())
        }
        Transition::NotFound => bail!("no return {return_id}"),
    }
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
        deps.carrier
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
    deps.carrier
        .after(order_id, id, shipment.fulfillment, step.to)
        .await
}
