//! Orders: what a checkout placed, its status, and why it failed when it did. The order exists
//! from the moment checkout starts (`processing`), so a shopper polling it and a failure before
//! any line was priced both find it.

mod events;
mod order;
#[cfg(feature = "dynamodb")]
mod store;

pub use crate::ids::OrderId;
pub use events::OrderEvent;
#[cfg(feature = "sns")]
pub use events::OrderEvents;
pub use order::{
    Address, CountryCode, Failure, IdempotencyKey, Order, OrderLine, OrderStatus, Priced,
};
#[cfg(feature = "dynamodb")]
pub use store::{OrdersStore, Started, Transition};
