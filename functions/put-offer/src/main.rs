use shared::{api, aws, catalog::CatalogStore};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let store = CatalogStore::from_env(&aws::sdk_config().await)?;
    api::serve(&store, put_offer::handle).await
}
