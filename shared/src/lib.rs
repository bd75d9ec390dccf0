//! Rainforest's common library: the business rules (one module per business area), the HTTP
//! edge every API function shares, and AWS client setup. Function crates only wire these up.

pub mod account;
#[cfg(feature = "http")]
pub mod api;
#[cfg(feature = "jwt")]
pub mod auth;
pub mod aws;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod clock;
pub mod config;
#[cfg(feature = "dynamodb")]
pub mod dynamo;
pub mod error;
#[cfg(feature = "events")]
pub mod events;
pub mod ids;
pub mod inventory;
pub mod json;
pub mod metrics;
pub mod money;
pub mod notifications;
pub mod orders;
pub mod payments;
#[cfg(feature = "sqs")]
pub mod queue;
pub mod recommendations;
#[cfg(feature = "dynamodb")]
pub mod recommender;
#[cfg(all(feature = "dynamodb", feature = "s3"))]
pub mod reviewing;
pub mod reviews;
pub mod search;
#[cfg(feature = "dynamodb")]
pub mod settlement;
#[cfg(feature = "dynamodb")]
pub mod shopping;
#[cfg(feature = "dynamodb")]
pub mod storefront;
pub mod text;
#[cfg(feature = "sns")]
pub mod topic;
pub mod uploads;
