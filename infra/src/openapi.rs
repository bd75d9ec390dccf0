//! The OpenAPI 3.1 description of the HTTP API, generated from the handlers' annotations and
//! the request and response types themselves, so it cannot drift from the code. Each HTTP
//! function contributes its route (`Api`), found through the registry. The committed
//! `openapi.json` is this document; a test keeps the two equal.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rainforest API",
        version = "1.0.0",
        description = "A marketplace: one catalog shared by sellers, their offers, and the Buy Box. \
                       Errors are RFC 9457 application/problem+json."
    ),
    // Types only parameters name are not reached through any body's schema.
    components(schemas(
        shared::api::GatewayMessage,
        shared::catalog::Slug,
        shared::search::BrandName,
        shared::search::Sort,
        shared::recommendations::Kind,
        shared::api::PageCursor
    )),
    tags(
        (name = "catalog", description = "What shoppers read: product pages and category browsing"),
        (name = "seller", description = "What sellers write: listings, offers and images"),
        (name = "cart", description = "Shoppers' carts, signed in (a JWT) or guests (a cart token)"),
        (name = "admin", description = "What admins manage: coupons, held orders, held reviews"),
        (name = "orders", description = "Shoppers' checkout and orders"),
        (name = "search", description = "Product search and autocomplete"),
        (name = "recommendations", description = "Bought together, viewed together, similar, and each customer's own"),
        (name = "reviews", description = "Shoppers' reviews of products, their helpful votes, and products' ratings"),
    ),
)]
struct ApiDoc;

/// The `jwt` scheme the seller routes name: a bearer token from the identity provider.
struct BearerJwt;

impl Modify for BearerJwt {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("jwt", SecurityScheme::Http(scheme));
    }
}

/// A patch must change at least one field. utoipa 5.5 renders `#[schema(min_properties = 1)]` as
/// `maxProperties` (utoipa-gen's features.rs), so the rule is stated here instead.
struct PatchNeedsAField;

impl Modify for PatchNeedsAField {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, schema::Schema};
        let patch = openapi
            .components
            .as_mut()
            .and_then(|c| c.schemas.get_mut("ProductPatch"));
        if let Some(RefOr::T(Schema::Object(patch))) = patch {
            patch.min_properties = Some(1);
        }
    }
}

/// The routes a guest calls too (the cart's, telling a view) name both schemes: a JWT, or a cart
/// token (`X-Cart-Token`, from `POST /api/v1/guest/cart`). The shopper authorizer refuses a bad
/// JWT (403, API Gateway's message); the function answers 401 when there is neither.
struct ShopperRoutes;

impl Modify for ShopperRoutes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue};
        use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
        let response = |description: &str, content_type: &str, schema: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        content_type,
                        Content::new(Some(Ref::from_schema_name(schema))),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                let takes_cart_tokens = operation.security.iter().flatten().any(|requirement| {
                    serde_json::to_value(requirement)
                        .is_ok_and(|names| names.get("cartToken").is_some())
                });
                if !takes_cart_tokens {
                    continue;
                }
                let responses = &mut operation.responses.responses;
                responses.insert(
                    "401".to_owned(),
                    response(
                        "Neither a bearer token nor a valid cart token",
                        "application/problem+json",
                        "Problem",
                    ),
                );
                responses.insert(
                    "403".to_owned(),
                    response(
                        "A bearer token that is not valid",
                        "application/json",
                        "GatewayMessage",
                    ),
                );
            }
        }
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "cartToken",
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Cart-Token"))),
            );
    }
}

fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.post,
        &mut item.put,
        &mut item.patch,
        &mut item.delete,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The document: the common parts, each HTTP function's route (from the registry), then the
/// document-wide fixes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    for route in crate::registry::api_documents() {
        document.merge(route);
    }
    BearerJwt.modify(&mut document);
    PatchNeedsAField.modify(&mut document);
    ShopperRoutes.modify(&mut document);
    document
}

pub fn document() -> anyhow::Result<serde_json::Value> {
    Ok(serde_json::to_value(openapi())?)
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_text() -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(&openapi())? + "\n")
}
