//! Checkout's `AwaitReview` task (`lambda:invoke.waitForTaskToken`): the order screening held
//! is recorded `held`, in the admins' review queue, with the task token their decision answers.
//! The task returns at once; the saga waits until an admin releases or rejects the order.

use serde::Deserialize;
use shared::events::StepError;
use shared::orders::{OrderId, Screening, Transition};

/// What the handler needs, built once per process.
pub use shared::orders::OrdersStore as Deps;

/// The task's payload: the order, its screening, and `$$.Task.Token`.
#[derive(Debug, Deserialize)]
pub struct HoldRequest {
    order_id: OrderId,
    screening: Screening,
    task_token: String,
}

#[tracing::instrument(skip_all, fields(order_id = %request.order_id))]
pub async fn handle(orders: &Deps, request: HoldRequest) -> Result<(), StepError> {
    let held = orders
        .hold(request.order_id, &request.screening, &request.task_token)
        .await?;
    match held {
        Transition::Moved | Transition::Already => {
            tracing::info!(score = request.screening.score, "order held for review");
            Ok(())
        }
        other => Err(anyhow::anyhow!("the order cannot be held: {other:?}").into()),
    }
}
