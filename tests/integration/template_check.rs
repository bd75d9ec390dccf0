use crate::helpers::repo_root;
use rainforest_local::{Template, check};

#[test]
fn the_real_template_builds_every_function_from_a_workspace_binary() {
    let template = Template::load(&repo_root().join("template.yaml")).unwrap();
    let binaries = check::workspace_binaries(&repo_root()).unwrap();
    assert!(binaries.contains("get-product"), "{binaries:?}");
    assert_eq!(check::problems(&template, &binaries), Vec::<String>::new());
}

/// `sam build` deploys what infra/bench measures: the release profile leaves cargo lambda
/// nothing to add.
#[test]
fn the_release_profile_says_every_setting_cargo_lambda_would_add() {
    let manifest = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    assert_eq!(
        check::release_profile_problems(&manifest).unwrap(),
        Vec::<String>::new()
    );
    let silent = "[profile.release]\nopt-level = \"s\"\nlto = \"fat\"\ncodegen-units = 1\n";
    assert_eq!(
        check::release_profile_problems(silent).unwrap(),
        [
            "Cargo.toml: [profile.release] must set strip, or sam build deploys strip = \"symbols\"",
            "Cargo.toml: [profile.release] must set panic, or sam build deploys panic = \"abort\"",
        ]
    );
}

#[test]
fn global_settings_missing_binaries_build_methods_and_substitutions_are_reported() {
    let template = Template::load(&repo_root().join("tests/fixtures/broken.yaml")).unwrap();
    let binaries = check::workspace_binaries(&repo_root()).unwrap();
    let problems = check::problems(&template, &binaries);
    assert_eq!(
        problems,
        [
            "Globals: Function.Environment gives every function settings it may not use; set each function's own",
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

/// A function links the AWS SDKs of the `shared` features it enables and no others (aws-config
/// brings STS for its credential providers), as its deploy build compiles it on its own.
#[test]
fn each_function_links_only_its_own_sdks() {
    let sdk_of = |feature: &str| match feature {
        "dynamodb" => Some("aws-sdk-dynamodb"),
        "s3" => Some("aws-sdk-s3"),
        "sns" => Some("aws-sdk-sns"),
        "sqs" => Some("aws-sdk-sqs"),
        "sfn" => Some("aws-sdk-sfn"),
        "kms" => Some("aws-sdk-kms"),
        "ses" => Some("aws-sdk-sesv2"),
        _ => None,
    };
    for binary in rainforest_local::registry::BINARIES {
        let manifest = repo_root()
            .join("functions")
            .join(binary)
            .join("Cargo.toml");
        let manifest: String = std::fs::read_to_string(manifest).unwrap();
        let features = manifest
            .lines()
            .find(|l| l.starts_with("shared = "))
            .and_then(|l| l.split_once("features = ["))
            .map(|(_, rest)| rest.split(']').next().unwrap().to_owned())
            .unwrap_or_default();
        let mut expected: std::collections::BTreeSet<String> = features
            .split(',')
            .filter_map(|f| sdk_of(f.trim().trim_matches('"')))
            .map(str::to_owned)
            .collect();
        expected.insert("aws-sdk-sts".to_owned());
        let tree = std::process::Command::new(env!("CARGO"))
            .args([
                "tree",
                "--offline",
                "-e",
                "normal",
                "--prefix",
                "none",
                "-p",
                binary,
            ])
            .current_dir(repo_root())
            .output()
            .unwrap();
        let linked: std::collections::BTreeSet<String> = String::from_utf8_lossy(&tree.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|name| name.starts_with("aws-sdk-"))
            .map(str::to_owned)
            .collect();
        assert_eq!(linked, expected, "{binary}");
    }
}
