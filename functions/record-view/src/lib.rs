//! `POST /api/v1/events/views` (a signed-in customer by JWT, or a guest by cart token): a
//! shopper looked at a product. Queued and answered 202; `pair-views` counts it into
//! "customers who viewed this also viewed" and the shopper's own list.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::api::{self, ApiError, CartProblems, Invalid};
use shared::cart::CartTokens;
use shared::catalog::{CatalogStore, ProductId};
use shared::config::Source;
use shared::recommendations::{View, Views};

/// What the handler needs, built once per process: who the shopper is, which products exist,
/// and the views queue.
pub struct Deps {
    tokens: CartTokens,
    catalog: CatalogStore,
    views: Views,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            tokens: CartTokens::from_source(sdk, source)?,
            catalog: CatalogStore::from_source(sdk, source)?,
            views: Views::from_source(sdk, source)?,
        })
    }

    /// Opens the connections every request uses at init.
    pub async fn connect(&self) {
        tokio::join!(self.catalog.connect(), self.views.connect());
    }
}

/// The product looked at.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewRequest {
    product_id: ProductId,
}

/// A view taken.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ViewAccepted {
    view_id: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/events/views",
    operation_id = "recordView",
    tag = "recommendations",
    request_body = ViewRequest,
    security(("jwt" = []), ("cartToken" = [])),
    responses((status = 202, description = "Queued to be counted", body = ViewAccepted), CartProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let shopper = api::shopper(&deps.tokens, &request)?;
    let body: ViewRequest = api::json_body(&request)?;
    let id = body.product_id;
    if deps.catalog.product(id).await?.is_none() {
        return Err(Invalid::relational("product_id", "must name a product in the catalog").into());
    }
    let view = View {
        view_id: ulid::Ulid::new().to_string(),
        shopper: shopper.key(),
        product_id: id,
        at: shared::clock::now(),
    };
    deps.views.send(&view).await?;
    tracing::info!(view_id = %view.view_id, product_id = %id, "view queued");
    api::json_response(
        StatusCode::ACCEPTED,
        &ViewAccepted {
            view_id: view.view_id,
        },
    )
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
