// lambda_runtime's layered service types nest deeper than the default limit allows.
#![recursion_limit = "256"]

use shared::config::Env;

/// No AWS client: the issuer's keys are fetched when the first bearer token needs them, so a
/// guest's cold start waits on nothing.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = authorize_shopper::Deps::from_source(&Env)?;
    shared::events::serve_fallible(&deps, authorize_shopper::handle).await
}
