//! `POST /api/v1/seller/inventory`: a seller's batch of stock updates (units on hand, or a
//! change, per SKU and location). Checked whole, then queued line by line and answered 202 with
//! the batch's id; `apply-stock-updates` applies the lines, and the batch route reports them.

use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, ApiError, Caller, Invalid, WriteProblems};
use shared::catalog::CatalogStore;
use shared::config::Source;
use shared::inventory::{InventoryStore, StockBatchId, StockBatchRequest, StockFeed};

/// What the handler needs, built once per process: who owns each SKU, where batches are
/// recorded, and the feed's queue.
pub struct Deps {
    catalog: CatalogStore,
    inventory: InventoryStore,
    feed: StockFeed,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            catalog: CatalogStore::from_source(sdk, source)?,
            inventory: InventoryStore::from_source(sdk, source)?,
            feed: StockFeed::from_source(sdk, source)?,
        })
    }

    /// Opens the connections every request uses at init.
    pub async fn connect(&self) {
        tokio::join!(
            self.catalog.connect(),
            self.inventory.connect(),
            self.feed.connect()
        );
    }
}

/// A batch taken: where to follow it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BatchAccepted {
    batch_id: StockBatchId,
    lines: u32,
    status_url: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/seller/inventory",
    operation_id = "submitStockUpdates",
    tag = "seller",
    request_body = StockBatchRequest,
    security(("jwt" = ["seller"])),
    responses(
        (status = 202, description = "Queued; the status URL reports each line", body = BatchAccepted,
         headers(("Location" = String, description = "The batch's status"))),
        WriteProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let seller = Caller::from_request(&request)?.seller_id()?;
    let batch: StockBatchRequest = api::json_body(&request)?;
    let owners = deps.catalog.sellers_of(batch.skus()).await?;
    if let Some((n, sku)) = batch
        .skus()
        .enumerate()
        .find(|(_, sku)| owners.get(*sku) != Some(&seller))
    {
        let rule = format!("must be one of your SKUs; {sku} is not");
        return Err(Invalid::relational(format!("lines[{n}].sku"), rule).into());
    }
    let id = StockBatchId::generate();
    let updates = batch.updates(&seller, id)?;
    let lines = u32::try_from(updates.len()).map_err(anyhow::Error::from)?;
    deps.inventory.create_batch(id, &seller, lines).await?;
    deps.feed.send(&updates).await?;
    tracing::info!(batch_id = %id, lines, "stock batch queued");
    let status_url = format!("/api/v1/seller/inventory/batches/{id}");
    let body = BatchAccepted {
        batch_id: id,
        lines,
        status_url: status_url.clone(),
    };
    api::json_response_with(
        StatusCode::ACCEPTED,
        &body,
        [(header::LOCATION, status_url)],
    )
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
