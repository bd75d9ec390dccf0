//! Tests against the local AWS stack (`infra/stack.py`); each test provisions its own resources.

mod catalog;
mod helpers;
mod local_stack;
mod openapi;
mod provisioning;
mod system;
mod template_check;
