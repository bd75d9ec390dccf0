use crate::helpers::repo_root;
use rainforest_local::gateway::RouteAuth;
use rainforest_local::{Template, gateway, openapi};

#[test]
fn the_committed_openapi_document_is_current() {
    let committed = std::fs::read_to_string(repo_root().join("openapi.json")).unwrap();
    assert!(
        committed == openapi::document_text().unwrap(),
        "openapi.json is stale: run `cargo run -p rainforest-local -- openapi > openapi.json`"
    );
}

/// Each route and who may call it: the schemes the document names are the route's authorizer
/// in the template (the shopper authorizer takes a JWT or a cart token).
#[test]
fn the_document_describes_exactly_the_routes_of_the_template_and_their_authorizers() {
    let template = Template::load(&repo_root().join("template.yaml")).unwrap();
    let document = openapi::document().unwrap();
    let mut described: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, operations)| {
            operations
                .as_object()
                .unwrap()
                .iter()
                .map(move |(method, operation)| {
                    let mut schemes: Vec<&str> = operation["security"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .flat_map(|requirement| requirement.as_object().unwrap().keys())
                        .map(String::as_str)
                        .collect();
                    schemes.sort();
                    format!("{} {path} {}", method.to_uppercase(), schemes.join("+"))
                })
        })
        .collect();
    let mut declared: Vec<String> = gateway::routes(&template)
        .unwrap()
        .iter()
        .map(|route| {
            let schemes = match route.auth {
                RouteAuth::Anyone => "",
                RouteAuth::Jwt => "jwt",
                RouteAuth::Lambda(_) => "cartToken+jwt",
            };
            format!("{} {schemes}", route.key())
        })
        .collect();
    described.sort();
    declared.sort();
    assert_eq!(described, declared);
}

#[test]
fn errors_are_documented_as_problem_json() {
    let document = openapi::document().unwrap();
    let bad_request = &document["paths"]["/api/v1/seller/products"]["post"]["responses"]["400"];
    assert!(
        bad_request["content"]["application/problem+json"].is_object(),
        "{bad_request}"
    );
}

#[test]
fn every_reference_resolves_and_every_operation_has_its_own_name() {
    let document = openapi::document().unwrap();
    let text = document.to_string();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let target = reference.split('"').next().unwrap();
        let pointer = target.strip_prefix('#').expect("a local reference");
        assert!(document.pointer(pointer).is_some(), "{target} is dangling");
    }
    let mut ids: Vec<&str> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|operations| operations.as_object().unwrap().values())
        .map(|operation| operation["operationId"].as_str().unwrap())
        .collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "operationIds repeat: {ids:?}");
    assert!(!ids.contains(&"handle"), "{ids:?}");
}

/// The committed document is valid OpenAPI 3.1, by an independent validator.
#[test]
fn the_document_validates_as_openapi_3_1() {
    let output = std::process::Command::new("openapi-spec-validator")
        .arg(repo_root().join("openapi.json"))
        .output()
        .expect("openapi-spec-validator runs (infra/test puts the pinned one on PATH)");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
