use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let deps = set_product_alerts::Deps::from_source(&shared::aws::sdk_config().await, &Env)?;
    deps.connect().await;
    shared::api::serve(&deps, set_product_alerts::handle).await
}
