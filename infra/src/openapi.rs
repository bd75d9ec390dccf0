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

/// A guest's routes are the cart and view routes under `/api/v1/guest/`, with a cart token
/// (`X-Cart-Token`, from `POST /api/v1/guest/cart`) where the others take a JWT: the same
/// functions serve both, so the document states them once and copies them here.
struct GuestRoutes;

/// The routes a guest may call too (but merging a cart, which needs both).
const GUESTS_TOO: [&str; 2] = ["/api/v1/cart", "/api/v1/events/"];

impl Modify for GuestRoutes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement};
        use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
        let guest_paths: Vec<(String, utoipa::openapi::PathItem)> = openapi
            .paths
            .paths
            .iter()
            .filter(|(path, _)| {
                GUESTS_TOO.iter().any(|prefix| path.starts_with(prefix))
                    && *path != "/api/v1/cart/merge"
            })
            .map(|(path, item)| {
                let mut item = item.clone();
                for operation in operations(&mut item) {
                    operation.operation_id = operation.operation_id.take().map(|id| {
                        let mut chars = id.chars();
                        let first = chars.next().map(|c| c.to_ascii_uppercase());
                        format!("guest{}{}", first.unwrap_or_default(), chars.as_str())
                    });
                    operation.security = Some(vec![SecurityRequirement::new(
                        "cartToken",
                        Vec::<String>::new(),
                    )]);
                    // The function, not API Gateway, refuses a missing or bad token.
                    operation.responses.responses.insert(
                        "401".to_owned(),
                        RefOr::T(
                            ResponseBuilder::new()
                                .description("No valid cart token")
                                .content(
                                    "application/problem+json",
                                    Content::new(Some(Ref::from_schema_name("Problem"))),
                                )
                                .build(),
                        ),
                    );
                }
                (path.replacen("/api/v1/", "/api/v1/guest/", 1), item)
            })
            .collect();
        for (path, item) in guest_paths {
            // `POST /api/v1/guest/cart` (a new guest's token) is a route of its own.
            match openapi.paths.paths.get_mut(&path) {
                Some(existing) => existing.merge_operations(item),
                None => {
                    openapi.paths.paths.insert(path, item);
                }
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
    GuestRoutes.modify(&mut document);
    document
}

pub fn document() -> anyhow::Result<serde_json::Value> {
    Ok(serde_json::to_value(openapi())?)
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_text() -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(&openapi())? + "\n")
}
