//! `POST /api/v1/seller/inventory/feeds`: a seller starts a bulk CSV stock feed. The answer is
//! where to PUT the file (a presigned S3 URL); once it arrives, `import-stock-feed` reads it, and
//! `GET /api/v1/seller/inventory/feeds/{id}` reports each line.

use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::api::{self, ApiError, Caller, Invalid, WriteProblems};
use shared::config::Source;
use shared::inventory::{FeedFiles, InventoryStore, StockBatchId};
use shared::uploads::PresignedUpload;

/// What the handler needs, built once per process: where feeds are recorded, and their bucket.
pub struct Deps {
    inventory: InventoryStore,
    files: FeedFiles,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            inventory: InventoryStore::from_source(sdk, source)?,
            files: FeedFiles::from_source(sdk, source)?,
        })
    }

    /// Opens the table's connection at init; presigning needs none.
    pub async fn connect(&self) {
        self.inventory.connect().await;
    }
}

/// The file the seller will upload.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeed {
    /// The CSV file's size in bytes, at most 100 MiB (the upload must be exactly this long).
    #[serde(deserialize_with = "shared::json::whole_number")]
    #[schema(minimum = 1, maximum = 104_857_600)]
    content_length: u64,
}

/// Where to send the file, and where to follow the feed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FeedCreated {
    feed_id: StockBatchId,
    /// PUT the CSV file here (with `Content-Type: text/csv`).
    upload: PresignedUpload,
    status_url: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/seller/inventory/feeds",
    operation_id = "createStockFeed",
    tag = "seller",
    request_body = NewFeed,
    security(("jwt" = ["seller"])),
    responses(
        (status = 201, description = "Where to upload the file", body = FeedCreated,
         headers(("Location" = String, description = "The feed's report"))),
        WriteProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let seller = Caller::from_request(&request)?.seller_id()?;
    let NewFeed { content_length } = api::json_body(&request)?;
    let max = deps.files.max_bytes();
    if content_length == 0 || content_length > max {
        return Err(Invalid::new("content_length", format!("must be 1 to {max} bytes")).into());
    }
    let id = StockBatchId::generate();
    deps.inventory.create_feed(id, &seller).await?;
    let upload = deps.files.presign(&seller, id, content_length).await?;
    tracing::info!(feed_id = %id, %seller, content_length, "stock feed created");
    let status_url = format!("/api/v1/seller/inventory/feeds/{id}");
    let body = FeedCreated {
        feed_id: id,
        upload,
        status_url: status_url.clone(),
    };
    api::json_response_with(StatusCode::CREATED, &body, [(header::LOCATION, status_url)])
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
