//! Consumes the orders table's stream, only `ReturnReceived` outbox items (by the mapping's
//! filter): a received return's sellable units go back on hand where they left from (damaged
//! ones do not), its refund goes through the payments port (a partial refund, in the ledger),
//! and the return is marked refunded (`ReturnRefunded`). Each step is idempotent, so a replayed
//! record, or a retry after a crash halfway, changes nothing more.

use anyhow::Context;
use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::inventory::ReservationLine;
use shared::orders::{ItemCondition, OrderEvent, ReturnId, ReturnStatus};
use shared::payments::PartlyRefunded;

/// The event this consumer settles.
const RECEIVED: &str = "ReturnReceived";

/// What the handler needs, built once per process: the return, its payment, its stock.
pub use shared::settlement::Settlement as Deps;

pub async fn handle(deps: &Deps, event: Event) -> DynamoDbEventResponse {
    shared::events::stream_batch(event, |record| async move {
        if record.event_name != "INSERT" {
            return Ok(());
        }
        match OrderEvent::from_image(record.change.new_image)? {
            Some(event) if event.event_type == RECEIVED => {
                let id = event
                    .return_id
                    .context("a ReturnReceived without a return")?;
                settle(deps, id).await
            }
            _ => Ok(()),
        }
    })
    .await
}

#[tracing::instrument(skip(deps))]
async fn settle(deps: &Deps, id: ReturnId) -> anyhow::Result<()> {
    let ret = deps
        .orders
        .find_return(id)
        .await?
        .context("a received return that is gone")?;
    anyhow::ensure!(
        ret.status >= ReturnStatus::Received && ret.status != ReturnStatus::Rejected,
        "return {id} is {:?}, not received",
        ret.status
    );
    if ret.condition == Some(ItemCondition::Sellable) {
        for line in &ret.lines {
            let units = ReservationLine {
                sku: line.sku.clone(),
                location: line.location.clone(),
                quantity: line.quantity,
            };
            deps.inventory.restock(&id.to_string(), &units).await?;
        }
    }
    let refunded = deps
        .payments
        .refund(ret.order_id, &id.to_string(), ret.refund)
        .await?;
    anyhow::ensure!(
        refunded != PartlyRefunded::NotCaptured,
        "order {}'s payment is not captured: return {id} cannot be refunded",
        ret.order_id
    );
    deps.orders
        .move_return(id, ReturnStatus::Refunded, None, None)
        .await?;
    tracing::info!(order_id = %ret.order_id, refund = ?ret.refund, ?refunded, condition = ?ret.condition, "return settled");
    Ok(())
}
