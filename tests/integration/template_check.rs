use crate::helpers::repo_root;
use rainforest_local::{Template, check};

#[test]
fn the_real_template_builds_every_function_from_a_workspace_binary() {
    let template = Template::load(&repo_root().join("template.yaml")).unwrap();
    let binaries = check::workspace_binaries(&repo_root()).unwrap();
    assert!(binaries.contains("get-product"), "{binaries:?}");
    assert_eq!(check::problems(&template, &binaries), Vec::<String>::new());
}

#[test]
fn missing_binaries_build_methods_and_substitutions_are_reported() {
    let template = Template::load(&repo_root().join("tests/fixtures/broken.yaml")).unwrap();
    let binaries = check::workspace_binaries(&repo_root()).unwrap();
    let problems = check::problems(&template, &binaries);
    assert_eq!(
        problems,
        [
            "Ghost: BuildProperties.Binary no-such-binary is not a binary of the workspace",
            "Unbuilt: Metadata.BuildMethod must be rust-cargolambda",
            "Unbuilt: Metadata.BuildProperties.Binary is missing",
            "Writer: ${Greeting} in put-item.asl.json has no DefinitionSubstitutions entry",
        ]
    );
}

#[tokio::test]
async fn a_function_without_an_in_process_handler_stops_the_local_system_at_start() {
    let sdk = crate::helpers::sdk_config().await;
    let template =
        Template::load(&repo_root().join("tests/fixtures/unknown-function.yaml")).unwrap();
    let stack = rainforest_local::provision(&sdk, &template, &crate::helpers::unique_prefix())
        .await
        .unwrap();
    let error = rainforest_local::registry::load(&sdk, &template, &stack, &Default::default())
        .err()
        .expect("refused");
    assert!(
        format!("{error:#}").contains("no in-process handler for binary mystery"),
        "{error:#}"
    );
}

/// The functions template.yaml deploys are exactly those the registry (infra/Cargo.toml) runs
/// locally; the routes are exactly those the OpenAPI document describes (openapi.rs).
#[test]
fn the_template_and_the_registry_name_the_same_functions() {
    let template = Template::load(&repo_root().join("template.yaml")).unwrap();
    let deployed: std::collections::BTreeSet<&str> = template
        .of_kind("AWS::Serverless::Function")
        .filter_map(|(_, f)| f.metadata.pointer("/BuildProperties/Binary")?.as_str())
        .collect();
    let registered: std::collections::BTreeSet<&str> = rainforest_local::registry::BINARIES
        .iter()
        .copied()
        .collect();
    assert_eq!(deployed, registered);
}
