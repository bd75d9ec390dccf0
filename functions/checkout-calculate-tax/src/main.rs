// lambda_runtime's layered service types nest deeper than the default limit allows.
#![recursion_limit = "256"]

use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // The rates are compiled in: no AWS service to reach, so no SDK settings to load.
    let unused = aws_config::SdkConfig::builder().build();
    let deps = checkout_calculate_tax::Deps::from_source(&unused, &Env)?;
    shared::events::serve_fallible(&deps, checkout_calculate_tax::handle).await
}
