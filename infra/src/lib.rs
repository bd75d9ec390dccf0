//! Local tooling around `template.yaml`, the single source of truth for Rainforest's resources:
//! reading it (with CloudFormation's `!Ref`/`!GetAtt`/`!Sub` tags), creating its resources in
//! an AWS emulator under a name prefix, and checking what `cfn-lint` and `sam validate` miss.

pub mod check;
pub mod provision;
pub mod template;

pub use provision::{Stack, provision};
pub use template::Template;
