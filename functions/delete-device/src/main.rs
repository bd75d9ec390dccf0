use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let deps = delete_device::Deps::from_source(&shared::aws::sdk_config().await, &Env)?;
    deps.connect().await;
    shared::api::serve(&deps, delete_device::handle).await
}
