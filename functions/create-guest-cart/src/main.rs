use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    // Signing a token reaches no AWS service: no SDK settings to load, no connection to open.
    let unused = aws_config::SdkConfig::builder().build();
    let deps = create_guest_cart::Deps::from_source(&unused, &Env)?;
    shared::api::serve(&deps, create_guest_cart::handle).await
}
