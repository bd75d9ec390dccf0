//! Orders: what a checkout placed, its status, and why it failed when it did. The order exists
//! from the moment checkout starts (`processing`), so a shopper polling it and a failure before
//! any line was priced both find it.

mod events;
#[cfg(feature = "sqs")]
mod fulfillment;
mod order;
mod returns;
mod screening;
mod shipment;
#[cfg(feature = "dynamodb")]
mod store;

pub use crate::ids::OrderId;
#[cfg(feature = "sns")]
pub use events::OrderEvents;
pub use events::{EventLine, OrderEvent};
#[cfg(all(feature = "sqs", feature = "dynamodb"))]
pub use fulfillment::Logistics;
#[cfg(feature = "sqs")]
pub use fulfillment::{
    FulfillmentQueue, FulfillmentTask, ParcelStep, ReturnPickup, TimeScale, now_ms, until,
};
pub use order::{
    Address, BuyNow, CountryCode, Failure, IdempotencyKey, Order, OrderLine, OrderStatus, Priced,
    ShippingSpeed,
};
pub use returns::{
    ItemCondition, Return, ReturnComment, ReturnId, ReturnLabel, ReturnLine, ReturnReason,
    ReturnRequest, ReturnStatus, ReturnStep, plan as plan_returns,
};
pub use screening::{Decision, Rules, Screening, Signals};
pub use shipment::{
    Carrier, Handover, Shipment, ShipmentId, ShipmentKey, ShipmentLine, ShipmentStatus,
    TRANSIT_DAYS, TrackingEvent, TrackingNumber,
};
#[cfg(feature = "dynamodb")]
pub use store::{HeldOrder, Opened, OrdersStore, ReturnsAsked, ReturnsPage, Started, Transition};
