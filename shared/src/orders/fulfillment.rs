//! The fulfillment queue: the saga hands each confirmed order to it, and the simulated
//! warehouse and carrier (`fulfil-orders`) move each parcel through it one status at a time,
//! each step sent with the delay the last one takes; an approved return's pick-up by the carrier
//! goes the same way. `FULFILLMENT_TIME_SCALE` speeds the
//! simulated hours up (3600: an hour a second), so a local delivery takes seconds.

use super::{OrderId, ReturnId, ShipmentId, ShipmentStatus};
use crate::catalog::Fulfillment;
use crate::queue::Queue;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// SQS holds a message back 15 minutes at most: a longer wait is sent again.
const MAX_DELAY: Duration = Duration::from_secs(900);

/// A message on the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentTask {
    pub order_id: OrderId,
    /// Absent in the saga's hand-over: the order's parcels start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<ParcelStep>,
    /// A return the carrier picks up (in place of a parcel's step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup: Option<ReturnPickup>,
}

/// An approved return the shopper hands to the carrier, scanned in transit at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnPickup {
    pub return_id: ReturnId,
    /// Unix milliseconds.
    pub due_at_ms: u64,
}

/// How long until `due_at_ms`; zero once it is past.
pub fn until(due_at_ms: u64, now_ms: u64) -> Duration {
    Duration::from_millis(due_at_ms.saturating_sub(now_ms))
}

/// Simulated time from a return's approval to the carrier's scan: the shopper drops it off.
const PICKUP: Duration = Duration::from_secs(24 * 3600);

/// One parcel's next status, due at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParcelStep {
    pub shipment_id: ShipmentId,
    pub to: ShipmentStatus,
    /// Unix milliseconds.
    pub due_at_ms: u64,
}

impl ParcelStep {
    /// How long until it is due; zero once it is.
    pub fn wait(&self, now_ms: u64) -> Duration {
        until(self.due_at_ms, now_ms)
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// How many simulated seconds pass in a real one: 1 and up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeScale(f64);

impl std::str::FromStr for TimeScale {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.parse::<f64>() {
            Ok(scale) if scale.is_finite() && scale >= 1.0 => Ok(Self(scale)),
            _ => Err(format!(
                "FULFILLMENT_TIME_SCALE must be a number, 1 or more: {text:?}"
            )),
        }
    }
}

impl TimeScale {
    /// The real time `simulated` takes.
    pub fn real(self, simulated: Duration) -> Duration {
        simulated.div_f64(self.0)
    }
}

/// The orders and the queue the simulated warehouse and carrier work from: what moves parcels
/// and returns on.
#[cfg(feature = "dynamodb")]
pub struct Logistics {
    pub orders: super::OrdersStore,
    pub carrier: FulfillmentQueue,
}

#[cfg(feature = "dynamodb")]
impl Logistics {
    pub fn from_source(
        sdk: &aws_config::SdkConfig,
        source: &impl crate::config::Source,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            orders: super::OrdersStore::from_source(sdk, source)?,
            carrier: FulfillmentQueue::from_source(sdk, source)?,
        })
    }

    /// Opens both connections at init: every request or task uses both.
    pub async fn connect(&self) {
        tokio::join!(self.orders.connect(), self.carrier.connect());
    }
}

pub struct FulfillmentQueue {
    queue: Queue,
    scale: TimeScale,
}

impl FulfillmentQueue {
    pub fn from_source(
        sdk: &aws_config::SdkConfig,
        source: &impl crate::config::Source,
    ) -> anyhow::Result<Self> {
        let scale = source
            .required("FULFILLMENT_TIME_SCALE")?
            .parse()
            .map_err(anyhow::Error::msg)?;
        Ok(Self {
            queue: Queue::from_source(sdk, source, "FULFILLMENT_QUEUE_URL")?,
            scale,
        })
    }

    pub async fn connect(&self) {
        self.queue.connect().await;
    }

    /// Sends the step that follows `status` for the parcel, due when it takes place at the
    /// simulated pace; nothing when no one but its seller moves it on, or it is done.
    pub async fn after(
        &self,
        order_id: OrderId,
        shipment_id: &ShipmentId,
        fulfillment: Fulfillment,
        status: ShipmentStatus,
    ) -> anyhow::Result<()> {
        let Some((to, takes)) = status.next(fulfillment) else {
            return Ok(());
        };
        let takes = self.scale.real(takes);
        let due_at_ms = now_ms() + u64::try_from(takes.as_millis()).unwrap_or(u64::MAX);
        let step = ParcelStep {
            shipment_id: shipment_id.clone(),
            to,
            due_at_ms,
        };
        self.send(
            &FulfillmentTask {
                order_id,
                step: Some(step),
                pickup: None,
            },
            takes,
        )
        .await
    }

    /// Sends the carrier's pick-up of an approved return, due a simulated day on.
    pub async fn pick_up(&self, order_id: OrderId, return_id: ReturnId) -> anyhow::Result<()> {
        let takes = self.scale.real(PICKUP);
        let due_at_ms = now_ms() + u64::try_from(takes.as_millis()).unwrap_or(u64::MAX);
        let pickup = ReturnPickup {
            return_id,
            due_at_ms,
        };
        let task = FulfillmentTask {
            order_id,
            step: None,
            pickup: Some(pickup),
        };
        self.send(&task, takes).await
    }

    /// Puts `task` on the queue, held back `delay` (at most SQS's 15 minutes: the consumer
    /// sends a task that is not yet due again).
    pub async fn send(&self, task: &FulfillmentTask, delay: Duration) -> anyhow::Result<()> {
        let seconds = delay.min(MAX_DELAY).as_secs_f64().ceil();
        self.queue
            .sqs
            .send_message()
            .queue_url(&self.queue.url)
            .message_body(serde_json::to_string(task)?)
            // At most 900: the cast cannot truncate.
            .delay_seconds(seconds as i32)
            .send()
            .await
            .context("sending a fulfillment task")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_scale_speeds_simulated_hours_up_and_is_never_below_one() {
        let scale: TimeScale = "3600".parse().unwrap();
        assert_eq!(
            scale.real(Duration::from_secs(7200)),
            Duration::from_secs(2)
        );
        assert!("0.5".parse::<TimeScale>().is_err());
        assert!("fast".parse::<TimeScale>().is_err());
        assert!("inf".parse::<TimeScale>().is_err());
    }

    #[test]
    fn the_saga_s_hand_over_is_an_order_id_alone() {
        let task: FulfillmentTask =
            serde_json::from_str(r#"{"order_id": "01KAN0000000000000000000C1"}"#).unwrap();
        assert_eq!(task.step, None);
        let step = ParcelStep {
            shipment_id: "S1".parse().unwrap(),
            to: ShipmentStatus::Picked,
            due_at_ms: 5_000,
        };
        assert_eq!(step.wait(2_000), Duration::from_secs(3));
        assert_eq!(step.wait(9_000), Duration::ZERO);
    }
}
