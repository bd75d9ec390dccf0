//! `PUT /api/v1/products/{id}/alerts`: the shopper asks to be told when a product's price drops
//! or when it is back in stock (both off: no longer). The answer says which of these their
//! preferences hold back until they consent. A variation family's parent is refused (422): its
//! variations are what is sold.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, AccountProblems, ApiError, Caller, Invalid};
use shared::catalog::{CatalogStore, ProductId, Variation};
use shared::config::Source;
use shared::notifications::{Alerts, AlertsView, NotificationsStore};

/// What the handler needs, built once per process: which products exist, and the table.
pub struct Deps {
    catalog: CatalogStore,
    store: NotificationsStore,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            catalog: CatalogStore::from_source(sdk, source)?,
            store: NotificationsStore::from_source(sdk, source)?,
        })
    }

    /// Opens the connections every request uses at init.
    pub async fn connect(&self) {
        tokio::join!(self.catalog.connect(), self.store.connect());
    }
}

#[utoipa::path(
    put,
    path = "/api/v1/products/{id}/alerts",
    operation_id = "setProductAlerts",
    tag = "account",
    params(("id" = ProductId, Path, description = "The product")),
    request_body = Alerts,
    security(("jwt" = [])),
    responses((status = 200, description = "Saved", body = AlertsView), AccountProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::PUT)?;
    let caller = Caller::from_request(&request)?;
    let product: ProductId = api::path_param(&request, "id")?;
    let alerts: Alerts = api::json_body(&request)?;
    let Some(watched) = deps.catalog.product(product).await? else {
        return Err(ApiError::NotFound(format!("product {product}")));
    };
    // A parent is not sold itself, so it has no price to drop nor stock to come back.
    if matches!(watched.variation, Variation::Parent { .. }) {
        let rule =
            "is a variation family's parent, which is not sold itself: watch one of its variations";
        return Err(Invalid::relational("id", rule).into());
    }
    if let Some(email) = caller.email_address() {
        deps.store.remember_email(&caller.id, email).await?;
    }
    deps.store.set_alerts(product, &caller.id, alerts).await?;
    let preferences = deps.store.recipient(&caller.id).await?.preferences;
    tracing::info!(%product, price_drop = alerts.price_drop, back_in_stock = alerts.back_in_stock, "product alerts set");
    api::json_response(StatusCode::OK, &AlertsView::of(alerts, &preferences))
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
