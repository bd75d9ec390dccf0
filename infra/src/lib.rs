//! Rainforest on localhost. `template.yaml` is the single source of truth: this crate reads it
//! (with CloudFormation's `!Ref`/`!GetAtt`/`!Sub` tags), creates its resources in an AWS
//! emulator under a name prefix, checks what `cfn-lint` and `sam validate` miss, and runs the
//! whole system: an API gateway with a JWT authorizer, event source mappings and a Lambda
//! Invoke API, all calling the workspace's functions in-process.

pub mod auth;
pub mod bench;
pub mod check;
pub mod checkout_bench;
pub mod dynamodb;
pub mod feed_bench;
pub mod gateway;
pub mod hot_sku;
pub mod local_dns;
pub mod logs;
pub mod mappings;
pub mod openapi;
pub mod provision;
pub mod recommendations_bench;
pub mod registry;
pub mod search_bench;
pub mod seed;
pub mod template;
pub mod up;

pub use provision::{Stack, provision};
pub use template::Template;
