use create_image_upload::Deps;
use shared::catalog::{CatalogStore, ImagesConfig};
use shared::{api, aws, config::Env};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let sdk = aws::sdk_config().await;
    let images = ImagesConfig::from_source(&Env)?;
    let deps = Deps {
        store: CatalogStore::from_env(&sdk)?,
        s3: aws::s3(&sdk, images.force_path_style),
        images,
    };
    api::serve(&deps, create_image_upload::handle).await
}
