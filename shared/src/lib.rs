//! Rainforest's common library: the business rules (one module per business area), the HTTP
//! edge every API function shares, and AWS client setup. Function crates only wire these up.

pub mod api;
pub mod aws;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod dynamo;
pub mod error;
pub mod events;
pub mod ids;
pub mod json;
pub mod metrics;
pub mod money;
pub mod text;
