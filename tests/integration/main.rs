//! Tests against the local AWS stack (`infra/stack.py`); each test provisions its own resources.
// A test that meets the unexpected should stop there and say so; its clean-up may ignore errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::let_underscore_must_use
)]

mod account;
mod bench;
mod cart;
mod catalog;
mod checkout;
mod delivery;
mod feeds;
mod helpers;
mod inventory;
mod local_stack;
mod notifications;
mod openapi;
mod prices;
mod provisioning;
mod recommendations;
mod returns;
mod reviews;
mod search;
mod shipments;
mod system;
mod template_check;
