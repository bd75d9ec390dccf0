//! Payments: a card is charged in two moves, authorize (hold the amount) then capture (take it),
//! and undone by void (drop the hold) or refund (give it back). Each move is made once per
//! order, whatever the retries, and recorded in the ledger; only the gateway's token of a card
//! is ever stored or logged.

mod gateway;
#[cfg(feature = "dynamodb")]
mod store;

pub use gateway::{Decline, GatewayAnswer, PaymentToken, SimulatedGateway};
#[cfg(feature = "dynamodb")]
pub use store::{Authorized, Captured, LedgerTotals, PartlyRefunded, PaymentsStore, Unwound};
