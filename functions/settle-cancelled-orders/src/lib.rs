//! Consumes the orders table's stream, only `OrderCancelled` outbox items (by the mapping's
//! filter): the cancelled order's payment is refunded and each parcel's units go back on hand
//! where they were taken from; then the refund is recorded on the order. Each of these is
//! idempotent, so a replayed record, or a retry after a crash halfway, changes nothing more.

use anyhow::Context;
use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::inventory::ReservationLine;
use shared::orders::{OrderEvent, OrderId, OrderStatus};

/// The event this consumer settles.
const CANCELLED: &str = "OrderCancelled";

/// What the handler needs, built once per process: the order, its payment, its stock.
pub use shared::settlement::Settlement as Deps;

pub async fn handle(deps: &Deps, event: Event) -> DynamoDbEventResponse {
    shared::events::stream_batch(event, |record| async move {
        if record.event_name != "INSERT" {
            return Ok(());
        }
        match OrderEvent::from_image(record.change.new_image)? {
            Some(event) if event.event_type == CANCELLED => settle(deps, event.order_id).await,
            _ => Ok(()),
        }
    })
    .await
}

#[tracing::instrument(skip(deps))]
async fn settle(deps: &Deps, order_id: OrderId) -> anyhow::Result<()> {
    let order = deps
        .orders
        .order(order_id)
        .await?
        .context("a cancelled order that is gone")?;
    anyhow::ensure!(
        order.status == OrderStatus::Cancelled,
        "order {order_id} is {:?}, not cancelled",
        order.status
    );
    for shipment in deps.orders.shipments(order_id).await? {
        for line in &shipment.lines {
            let units = ReservationLine {
                sku: line.sku.clone(),
                location: shipment.location.clone(),
                quantity: line.quantity,
            };
            deps.inventory
                .restock(&order_id.to_string(), &units)
                .await?;
        }
    }
    let unwound = deps.payments.unwind(order_id).await?;
    let priced = order
        .priced
        .context("a cancelled order that was never priced")?;
    deps.orders.record_refund(order_id, priced.total).await?;
    tracing::info!(?unwound, refunded = ?priced.total, "cancelled order settled");
    Ok(())
}
