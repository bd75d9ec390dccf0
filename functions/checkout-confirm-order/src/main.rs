// lambda_runtime's layered service types nest deeper than the default limit allows.
#![recursion_limit = "256"]

use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = checkout_confirm_order::Deps::from_source(&shared::aws::sdk_config().await, &Env)?;
    deps.connect().await;
    shared::events::serve_fallible(&deps, checkout_confirm_order::handle).await
}
