//! `POST /api/v1/seller/products`: a seller lists a product with its first offer. When the
//! catalog already has a product with the listing's GTIN, the offer joins that product instead
//! of creating a duplicate, as on Amazon.

use anyhow::Context;
use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, ApiError, Caller, Invalid, WriteProblems};
use shared::catalog::{
    Attributes, CatalogStore, Gtin, ListingOutcome, NewListing, Offer, OfferTerms, Product,
    ProductId, SellerId, Sku, Variation,
};
use shared::clock;
use std::collections::BTreeSet;

/// What the handler needs, built once per process.
pub use shared::catalog::CatalogStore as Deps;

/// The listing's product and the seller's offer on it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Listed {
    product_created: bool,
    product: Product,
    offer: Offer,
}

#[utoipa::path(
    post,
    path = "/api/v1/seller/products",
    operation_id = "createListing",
    tag = "seller",
    request_body = NewListing,
    security(("jwt" = ["seller"])),
    responses(
        (status = 201, description = "Listed: a new product, or the offer joined the product that has the listing's GTIN",
         body = Listed, headers(("Location" = String, description = "The product's page"))),
        (status = 200, description = "The offer was already on the product with this GTIN (a retry)", body = Listed),
        WriteProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(store: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let seller = Caller::from_request(&request)?.seller_id()?;
    let listing: NewListing = api::json_body(&request)?;
    let variation = listing.variation()?;
    let gtin = listing.identifiers.gtin().map_err(|field| {
        Invalid::relational(field, "must name the same product as the other identifiers")
    })?;
    if listing.offer.product_id.is_some() {
        return Err(Invalid::new("offer.product_id", "is set by the listing; leave it out").into());
    }
    let (sku, terms) = (listing.sku.clone(), listing.offer.clone());
    if let Some(existing) = product_with_gtin(store, gtin.as_ref()).await? {
        return attach(store, existing, sku, terms, seller).await;
    }
    if let Variation::Child { parent_id, values } = &variation {
        check_parent(store, *parent_id, values, &seller).await?;
    }
    let product = listing.into_product(seller.clone(), variation, clock::now());
    let offer = Offer::from_terms(
        sku.clone(),
        product.id,
        seller.clone(),
        terms.clone(),
        "offer.",
        clock::now(),
    )?;
    match store.create_listing(&product, &offer).await? {
        ListingOutcome::Created => {
            tracing::info!(product_id = %product.id, sku = %offer.sku, "product listed");
            let location = format!("/api/v1/products/{}", product.id);
            let body = Listed {
                product_created: true,
                product,
                offer,
            };
            api::json_response_with(StatusCode::CREATED, &body, [(header::LOCATION, location)])
        }
        // Another seller listed the same GTIN between our read and our write.
        ListingOutcome::GtinTaken => {
            let existing = product_with_gtin(store, gtin.as_ref())
                .await?
                .context("a claimed GTIN has no product")?;
            attach(store, existing, sku, terms, seller).await
        }
        ListingOutcome::SkuTaken => Err(ApiError::Conflict(format!(
            "SKU {sku} is already listed; change its offer with PUT /api/v1/seller/offers/{sku}"
        ))),
    }
}

async fn product_with_gtin(
    store: &CatalogStore,
    gtin: Option<&Gtin>,
) -> Result<Option<Product>, ApiError> {
    let Some(gtin) = gtin else { return Ok(None) };
    let Some(id) = store.product_id_by_gtin(gtin).await? else {
        return Ok(None);
    };
    Ok(Some(
        store
            .product(id)
            .await?
            .context("a GTIN points at a missing product")?,
    ))
}

/// Adds the seller's offer to a product someone already listed.
async fn attach(
    store: &CatalogStore,
    product: Product,
    sku: Sku,
    terms: OfferTerms,
    seller: SellerId,
) -> Result<Response<Body>, ApiError> {
    let offer = Offer::from_terms(sku, product.id, seller, terms, "offer.", clock::now())?;
    let (offer, created) = api::offer_written(store.put_offer(offer).await?)?;
    tracing::info!(product_id = %product.id, sku = %offer.sku, created, "offer attached by GTIN");
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/api/v1/products/{}", product.id);
    let body = Listed {
        product_created: false,
        product,
        offer,
    };
    api::json_response_with(status, &body, [(header::LOCATION, location)])
}

/// A variation child must name a parent of the same seller and give a value for each of the
/// parent's theme attributes, and no others.
async fn check_parent(
    store: &CatalogStore,
    parent_id: ProductId,
    values: &Attributes,
    seller: &SellerId,
) -> Result<(), ApiError> {
    let parent = store
        .product(parent_id)
        .await?
        .ok_or_else(|| Invalid::relational("parent_id", "must name an existing product"))?;
    let Variation::Parent { theme } = &parent.variation else {
        return Err(Invalid::relational(
            "parent_id",
            "must name a variation parent (a product with variation_theme)",
        )
        .into());
    };
    if parent.owner != *seller {
        return Err(ApiError::Forbidden(
            "only the parent's owner can add variations to it".into(),
        ));
    }
    if values.names() != theme.iter().collect::<BTreeSet<_>>() {
        let names: Vec<&str> = theme.iter().map(AsRef::as_ref).collect();
        let rule = format!(
            "must give a value for exactly the parent's theme: {}",
            names.join(", ")
        );
        return Err(Invalid::relational("variation_attributes", rule).into());
    }
    Ok(())
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
